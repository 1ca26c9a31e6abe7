"""The `pcnsim` command line: run, validate and compare scenarios.

Bad input of any kind ends with one line on stderr starting with `error:` and
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .config import ScenarioError, dump, load

# Mesa, pandas and matplotlib are imported inside the commands that use them, so
# `validate` and every error message come back in a fraction of a second.

SUMMARY = ["mean_trust", "min_trust", "agreement_share", "value_dispersion", "latent_tension",
           "milestones_met", "milestones_due", "ownership", "passive_compliance", "disengaged", "burnout"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, as for every other bad input
        raise ScenarioError(f"{self.prog}: {message}")


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _positive(text: str) -> int:
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be 1 or more, got 0")
    return value


def _output_dir(path: str) -> Path:
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"--out {path}: cannot create directory ({exc.strerror})") from None
    return out


def _resolved(args):
    overrides = list(args.set or [])
    if getattr(args, "seed", None) is not None:
        overrides.append(f"seed={args.seed}")
    if getattr(args, "steps", None) is not None:
        overrides.append(f"steps={args.steps}")
    return load(args.scenario, overrides)


def cmd_run(args) -> None:
    from .model import PCNModel
    from .outputs.figures import outcomes_figure
    from .outputs.tables import agents_table, edges_table

    scenario = _resolved(args)
    out = _output_dir(args.out)
    model = PCNModel(scenario)
    world = model.structure
    print(f"{scenario.name}: {world.n} practices in {world.n_pcns} PCN(s) in {world.n_systems} ICS(s), "
          f"{scenario.steps} weeks, seed {scenario.seed}", flush=True)
    timeseries = _run_with_progress(model, scenario.steps)
    timeseries.to_csv(out / "timeseries.csv", index=False)
    model.pcn_table().to_csv(out / "pcns.csv", index=False)
    model.ics_table().to_csv(out / "ics.csv", index=False)
    agents_table(model).to_csv(out / "agents.csv", index=False)
    edges_table(model).to_csv(out / "edges.csv", index=False)
    (out / "scenario.yaml").write_text(dump(scenario), encoding="utf-8")
    outcomes_figure(timeseries, f"{scenario.name} (seed {scenario.seed})", out / "outcomes.png")
    checkpoints = sorted({s for s in (0, 26, 52, 156, scenario.steps) if s <= scenario.steps})
    table = timeseries.set_index("step").loc[checkpoints, SUMMARY].T
    table.columns = [f"week {c}" for c in checkpoints]
    print(table.to_string(float_format=lambda x: f"{x:.3f}"))
    print(f"wrote timeseries.csv, pcns.csv, ics.csv, agents.csv, edges.csv, scenario.yaml, outcomes.png to {out}")


def _run_with_progress(model, steps: int):
    """Run the model, with a progress bar when the run is long enough to wait for."""
    from tqdm import tqdm

    big = len(model.state.values) * steps > 200_000
    with tqdm(total=steps, unit="week", desc="weeks", disable=not big, dynamic_ncols=True) as bar:
        for _ in range(steps):
            model.step()
            bar.update()
    return model.timeseries()


def cmd_validate(args) -> None:
    scenario = load(args.scenario)
    net = scenario.network
    if net.kind == "csv":  # the structure's files are part of the scenario: check them too
        from .world.structure import load_csv

        world = load_csv(net.file, net.edges_file)
        size = f"{world.n} practices in {world.n_pcns} PCNs in {world.n_systems} ICSs from {net.file}"
    elif net.kind == "generated":
        size = f"{net.pcns} PCNs in {net.systems} ICSs"
    else:
        size = f"{net.practices} practices"
    print(f"{args.scenario}: ok ({scenario.name}: {size}, {scenario.steps} steps, "
          f"{len(scenario.mandates)} mandate stream(s))")


def cmd_compare(args) -> None:
    import pandas as pd

    from .outputs.figures import comparison_figure
    from .study.experiment import STORY
    from .outputs.stats import crossover, summarise
    from .study.replicate import replicate

    first, second = load(args.first, args.set or []), load(args.second, args.set or [])
    if args.steps is not None:
        first, second = (s.model_copy(update={"steps": args.steps}) for s in (first, second))
    if first.steps != second.steps:
        raise ScenarioError(f"{args.second}: steps: must equal {args.first}'s steps ({first.steps}) to compare; "
                            "use --steps")
    out = _output_dir(args.out)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    summaries, labels = [], []
    for scenario in (first, second):
        label = scenario.name if scenario.name not in labels else f"{scenario.name} (2)"
        labels.append(label)

        def progress(done, label=label):
            print(f"\r{label}: {done}/{len(seeds)} runs", end="", file=sys.stderr, flush=True)

        runs = replicate(scenario, seeds, progress)
        print(file=sys.stderr)
        summaries.append(summarise(runs, STORY).assign(scenario=label))
        (out / f"{label.replace(' ', '_')}.yaml").write_text(dump(scenario), encoding="utf-8")
    summary = pd.concat(summaries, ignore_index=True)
    summary.to_csv(out / "comparison.csv", index=False)
    means = summary.pivot_table(index="step", columns=["outcome", "scenario"], values="mean")
    met = means["milestones_met"]
    cross = crossover(met[labels[0]], met[labels[1]])
    comparison_figure(summary, STORY, cross, out / "comparison.png")
    checkpoints = sorted({s for s in (26, 52, 156, first.steps) if s <= first.steps})
    rows = []
    for outcome in STORY:
        for label in labels:
            rows.append([outcome, label] + [means.loc[c, (outcome, label)] for c in checkpoints])
    table = pd.DataFrame(rows, columns=["outcome", "scenario"] + [f"week {c}" for c in checkpoints])
    table.to_csv(out / "checkpoints.csv", index=False)
    print(f"{labels[0]} vs {labels[1]}: mean of {len(seeds)} seeds ({seeds[0]}..{seeds[-1]})")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    if cross is None:
        print(f"crossover: {labels[1]} does not overtake {labels[0]} on milestones met within {first.steps} weeks")
    else:
        print(f"crossover: {labels[1]} overtakes {labels[0]} on milestones met from week {cross} on")
    print(f"wrote comparison.csv, checkpoints.csv, comparison.png and the resolved scenarios to {out}")


def _varied(experiment, table) -> tuple[list[str], list[str]]:
    """Design columns that take more than one value, and those of them that are numeric parameters."""
    varied = [c for c in ["scenario", *experiment.parameters] if table[c].nunique() > 1] or ["scenario"]
    return varied, [c for c in varied if c != "scenario"]


def _sweep_figure(out: Path, experiment, table, summary) -> str:
    from .outputs.figures import phase_diagram, sweep_curves

    varied, numeric = _varied(experiment, table)
    outcomes = [o for o in experiment.figure.outcomes if o in set(summary["outcome"])]
    if experiment.design == "factorial" and len(varied) == 2 and len(numeric) == 2:
        phase_diagram(summary, outcomes, numeric[0], numeric[1], out / "figure")
        return "phase diagram"
    by = experiment.figure.by if experiment.figure.by in table.columns else "scenario"
    cross = sweep_curves(summary, outcomes, by, varied, experiment.figure.crossover, out / "figure")
    return "curves" + (f"; crossover on {experiment.figure.crossover} at week {cross}" if cross is not None else "")


def cmd_sweep(args) -> None:
    import yaml

    from .study import experiment as experiments
    from .study import sweep

    experiment, folder = experiments.load(args.experiment)
    out = _output_dir(args.out or f"results/{experiment.name}")
    if args.resume and not (out / "runs.parquet").exists():
        raise ScenarioError(f"--resume: {out} holds no sweep to resume (no runs.parquet)")
    table = sweep.run(experiment, out, folder=folder, source=args.experiment, workers=args.workers,
                      scheduler=args.scheduler)
    (out / "experiment.yaml").write_text(yaml.safe_dump(experiment.model_dump(mode="json"), sort_keys=False))
    summary = sweep.summarise(out, table, experiment.outcomes)
    summary.to_csv(out / "summary.csv", index=False)
    counts = table["status"].value_counts()
    print(f"{experiment.name}: {counts.get('ok', 0)} runs ok, {counts.get('failed', 0)} failed, "
          f"{counts.get('pending', 0)} pending, in {out}")
    if counts.get("failed", 0):
        first = table[table["status"] == "failed"].iloc[0]
        print(f"first failure: run {first['run_id']}: {first['error']}")
    if not summary.empty:
        print(f"figure: {out / 'figure.png'} ({_sweep_figure(out, experiment, table, summary)})")


def _finished_sweep(folder: str):
    import pandas as pd

    from .study.experiment import Experiment

    out = Path(folder)
    for name in ("runs.parquet", "summary.csv", "experiment.yaml"):
        if not (out / name).exists():
            raise ScenarioError(f"{out}: no {name}; run `pcnsim sweep EXPERIMENT --out {out}` first")
    from .config import read_yaml

    experiment = Experiment.model_validate(read_yaml(out / "experiment.yaml"))
    return out, experiment, pd.read_parquet(out / "runs.parquet"), pd.read_csv(out / "summary.csv")


def cmd_plot(args) -> None:
    from .outputs.figures import phase_diagram, sweep_curves

    out, experiment, table, summary = _finished_sweep(args.folder)
    outcomes = args.outcome or experiment.figure.outcomes
    unknown = sorted(set(outcomes) - set(summary["outcome"]))
    if unknown:
        raise ScenarioError(f"--outcome {unknown[0]}: not in this sweep; recorded: {', '.join(experiment.outcomes)}")
    if args.by and args.by not in table.columns:
        raise ScenarioError(f"--by {args.by}: not a column of the design; choose from "
                            + ", ".join(["scenario", *experiment.parameters]))
    stem = Path(args.out).with_suffix("") if args.out else out / "plot"
    varied, numeric = _varied(experiment, table)
    if args.phase:
        if len(numeric) != 2:
            raise ScenarioError(f"--phase: needs exactly two varied parameters; this sweep varies {numeric}")
        phase_diagram(summary, outcomes, numeric[0], numeric[1], stem)
    else:
        by = args.by or experiment.figure.by
        sweep_curves(summary, outcomes, by if by in table.columns else "scenario", varied,
                     experiment.figure.crossover, stem)
    print(f"wrote {stem.with_suffix('.png')} and {stem.with_suffix('.svg')}")


def cmd_sensitivity(args) -> None:
    from .outputs.figures import sensitivity_figure
    from .study.sensitivity import analyze

    out, experiment, table, summary = _finished_sweep(args.folder)
    indices = analyze(experiment, table, summary, str(out / "experiment.yaml"))
    indices.to_csv(out / "sensitivity.csv", index=False)
    measure = "ST" if experiment.design == "sobol" else "mu_star"
    sensitivity_figure(indices, measure, out / "sensitivity")
    last = indices[indices["step"] == indices["step"].max()]
    shown = ["outcome", "parameter"] + [c for c in ("S1", "S1_conf", "ST", "ST_conf", "mu_star", "mu_star_conf", "sigma")
                                        if c in last.columns]
    print(f"{experiment.design} indices at week {int(indices['step'].max())} (95% CI half-widths in *_conf):")
    print(last[shown].to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print(f"wrote sensitivity.csv (all {indices['step'].nunique()} time points) and sensitivity.png/svg to {out}")



def cmd_app(args) -> None:
    from .trainer.app import serve

    serve(args.host, args.port)


def cmd_race(args) -> None:
    from .trainer.race import write_race

    out = _output_dir(args.out)
    seeded = {} if args.seed is None else {"seed": args.seed}
    print("running race and trust_first side by side ...", file=sys.stderr, flush=True)
    for path in write_race(out, **seeded):
        print(f"wrote {path}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pcnsim", description="Simulate collaboration in a Primary Care Network.")
    parser.add_argument("--version", action="version", version=f"pcnsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run one scenario and write its outputs")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--seed", type=_non_negative, help="random seed (default: the scenario's)")
    run.add_argument("--steps", type=_positive, help="weeks to simulate (default: the scenario's)")
    run.add_argument("--out", default="out", help="output directory (default: out)")
    run.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a field, e.g. values.confidence=0.2")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("validate", help="check a scenario file without running it")
    check.add_argument("scenario")
    check.set_defaults(func=cmd_validate)

    cmp_ = sub.add_parser("compare", help="compare two scenarios over many seeds (e.g. race vs trust_first)")
    cmp_.add_argument("first", help="scenario expected ahead early (e.g. scenarios/race.yaml)")
    cmp_.add_argument("second", help="scenario it is compared with (e.g. scenarios/trust_first.yaml)")
    cmp_.add_argument("--seeds", type=_positive, default=30, help="replicates per scenario (default: 30)")
    cmp_.add_argument("--first-seed", type=_non_negative, default=0, help="first seed (default: 0)")
    cmp_.add_argument("--steps", type=_positive, help="weeks to simulate (default: the scenarios')")
    cmp_.add_argument("--out", default="out/compare", help="output directory (default: out/compare)")
    cmp_.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a field in both scenarios")
    cmp_.set_defaults(func=cmd_compare)

    sw = sub.add_parser("sweep", help="run an experiment: scenarios and parameters over many replicates")
    sw.add_argument("experiment", help="experiment YAML file")
    sw.add_argument("--out", help="output folder (default: results/<experiment name>)")
    sw.add_argument("--workers", type=_positive, default=os.cpu_count() or 1, help="local worker processes")
    sw.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://HOST:8786")
    sw.add_argument("--resume", action="store_true", help="finish an interrupted sweep (rerunning into the same "
                    "folder does the same)")
    sw.set_defaults(func=cmd_sweep)

    pl = sub.add_parser("plot", help="outcome curves (mean, 95%% CI) or a phase diagram of a finished sweep")
    pl.add_argument("folder", help="a sweep's output folder")
    pl.add_argument("--outcome", action="append", help="outcome to plot (repeatable; default: the experiment's figure)")
    pl.add_argument("--by", help="colour lines by this design column (default: scenario)")
    pl.add_argument("--phase", action="store_true", help="heatmap of final means over the two varied parameters")
    pl.add_argument("--out", help="file stem for the PNG and SVG (default: FOLDER/plot)")
    pl.set_defaults(func=cmd_plot)

    se = sub.add_parser("sensitivity", help="Sobol or Morris indices over time of a finished sweep")
    se.add_argument("folder", help="a sweep's output folder (sobol or morris design)")
    se.set_defaults(func=cmd_sensitivity)

    app = sub.add_parser("app", help="serve the trainer's interactive 'it is not a race' page (works offline)")
    app.add_argument("--port", type=_positive, default=8765, help="port (default: 8765)")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    app.set_defaults(func=cmd_app)

    race = sub.add_parser("race", help="write the race vs trust_first animation (GIF, MP4 with ffmpeg) and still")
    race.add_argument("--out", default="out/race", help="output folder (default: out/race)")
    race.add_argument("--seed", type=_non_negative, help="seed of the PCN shown (default: the trainer page's)")
    race.set_defaults(func=cmd_race)
    return parser


def _note_first_compile(command: str) -> None:
    """Say why the first run after an install is slow: the engine's kernels compile once, then load from cache."""
    cache = Path(__file__).parent / "engine" / "__pycache__"
    if command in ("run", "compare", "sweep", "app", "race") and not any(cache.glob("kernels.step-*.nbi")):
        print("compiling the model's kernels (first run after install, about a minute; cached afterwards)...",
              file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        _note_first_compile(getattr(args, "command", ""))
        args.func(args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0
