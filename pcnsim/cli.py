"""The `pcnsim` command line: run, validate and compare scenarios.

Bad input of any kind ends with one line on stderr starting with `error:` and
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import nullcontext
from pathlib import Path

from . import __version__
from .config import ScenarioError, dump, load

# Mesa, pandas and matplotlib are imported inside the commands that use them, so
# `validate` and every error message come back in a fraction of a second.

SUMMARY = ["mean_trust", "min_trust", "agreement_share", "value_dispersion", "latent_tension",
           "milestones_met", "milestones_due", "ownership", "passive_compliance", "disengaged", "burnout"]
MAX_SEEDS = 100_000  # replicates per scenario in `compare`, as for an experiment's replicates


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


_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port from 1 to 65535, got {value}")
    return value


def _workers(text: str) -> int:
    value = _positive(text)
    most = 4 * (os.cpu_count() or 1)
    if value > most:
        raise argparse.ArgumentTypeError(f"at most {most} (4 per core of this machine), got {value}; "
                                         "use --scheduler for more")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (both excluded), got {text}")
    return value


def _seeds(text: str) -> int:
    value = _positive(text)
    if value > MAX_SEEDS:
        raise argparse.ArgumentTypeError(f"at most {MAX_SEEDS}, got {value}")
    return value


def _scheduler(text: str) -> str:
    """A Dask scheduler address, SCHEME://HOST:PORT or HOST:PORT, checked before anything connects."""
    scheme, sep, rest = text.rpartition("://")
    host, colon, port = (rest if sep else text).rpartition(":")
    if (sep and scheme not in _SCHEMES) or not colon or not host.strip("[]") or not port.isdigit() \
            or not 1 <= int(port) <= 65535 or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(f"expected a Dask scheduler address such as tcp://HOST:8786 "
                                         f"(schemes: {', '.join(_SCHEMES)}), got {text!r}")
    return text


def _place(text: str, *, folder: bool) -> str:
    """Where outputs go, checked before any work is done: a folder, or (not `folder`) a file stem."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a path, got an empty name")
    path = Path(text)
    try:
        nearest = next((p for p in (path if folder else path.parent, *path.parents) if p.exists()), Path("."))
        if not nearest.is_dir():
            raise argparse.ArgumentTypeError(f"{nearest} is a file, not a folder")
    except (OSError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"cannot use {text!r} ({exc})") from None
    return text


def _folder(text: str) -> str:
    return _place(text, folder=True)


def _stem(text: str) -> str:
    return _place(text, folder=False)


def _resolved(args):
    overrides = list(args.set or [])
    if getattr(args, "seed", None) is not None:
        overrides.append(f"seed={args.seed}")
    if getattr(args, "steps", None) is not None:
        overrides.append(f"steps={args.steps}")
    return load(args.scenario, overrides)


def _checked_structure(scenario) -> str:
    """Read a csv or nhs structure's files (they are part of the input) and describe the structure."""
    net = scenario.network
    if net.kind in ("csv", "nhs"):
        from .world.structure import load

        world = load(net)
        return f"{world.n} practices in {world.n_pcns} PCNs in {world.n_systems} ICSs from {net.file}"
    if net.kind == "generated":
        return f"{net.pcns} PCNs in {net.systems} ICSs"
    return f"{net.practices} practices"


def cmd_run(args) -> None:
    from .outputs.figures import outcomes_figure
    from .outputs.files import staged
    from .outputs.tables import agents_table, edges_table, ics_table

    scenario = _resolved(args)
    _checked_structure(scenario)
    _note_first_compile()
    from .model import PCNModel

    model = PCNModel(scenario)
    world = model.structure
    print(f"{scenario.name}: {world.n} practices in {world.n_pcns} PCN(s) in {world.n_systems} ICS(s), "
          f"{scenario.steps} weeks, seed {scenario.seed}", flush=True)
    timeseries = _run_with_progress(model, scenario.steps)
    pcns = model.pcn_table()
    tables = {"timeseries.csv": timeseries, "pcns.csv": pcns, "ics.csv": ics_table(pcns),
              "agents.csv": agents_table(model), "edges.csv": edges_table(model)}
    with staged(Path(args.out), marker="scenario.yaml") as stage:
        for name, table in tables.items():
            table.to_csv(stage / name, index=False)
        outcomes_figure(timeseries, f"{scenario.name} (seed {scenario.seed})", stage / "outcomes")
        (stage / "scenario.yaml").write_text(dump(scenario), encoding="utf-8")
    checkpoints = sorted({s for s in (0, 26, 52, 156, scenario.steps) if s <= scenario.steps})
    table = timeseries.set_index("step").loc[checkpoints, SUMMARY].T
    table.columns = [f"week {c}" for c in checkpoints]
    print(_summary(table).to_string())
    print(f"wrote timeseries.csv, pcns.csv, ics.csv, agents.csv, edges.csv, scenario.yaml, "
          f"outcomes.png/svg/pdf to {Path(args.out)}")


def _summary(table):
    """The run's checkpoint table as text: counts (outcome rows) as whole numbers, the rest to 3 decimals."""
    from .engine.outcomes import COUNTS

    return table.apply(lambda row: row.map(lambda x: "NaN" if x != x else f"{x:.0f}" if row.name in COUNTS
                                           else f"{x:.3f}"), axis=1)


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
    from .config import read_yaml

    data = read_yaml(args.scenario)
    if isinstance(data, dict) and "scenarios" in data:  # an experiment file: what it would run, and how long
        from .study import experiment as experiments
        from .study import sweep

        experiment, folder = experiments.load(args.scenario)
        print(f"{args.scenario}: ok (an experiment)")
        _note_first_compile()
        print(sweep.estimate(experiment, _sweep_out(args.scenario, experiment, None), folder=folder,
                             workers=os.cpu_count() or 1, source=args.scenario))
        return
    scenario = load(args.scenario)
    size = _checked_structure(scenario)
    print(f"{args.scenario}: ok ({scenario.name}: {size}, {scenario.steps} steps, "
          f"{len(scenario.mandates)} mandate stream(s))")


def cmd_compare(args) -> None:
    from .study import compare

    steps = [f"steps={args.steps}"] if args.steps is not None else []
    first, second = (load(path, [*(args.set or []), *steps]) for path in (args.first, args.second))
    if first.steps != second.steps:
        raise ScenarioError(f"{args.second}: steps: must equal {args.first}'s steps ({first.steps}) to compare; "
                            "use --steps")
    for scenario in (first, second):
        _checked_structure(scenario)
    out = Path(args.out)
    result = compare.run(first, second, out, seeds=args.seeds, seed=args.seed, workers=args.workers,
                         scheduler=args.scheduler, started=_note_first_compile)
    a, b = result.labels
    print(f"{a} vs {b}: mean and 95% CI of {args.seeds} paired runs (root seed {args.seed})")
    print(compare.table(result))
    if result.crossover is None:
        print(f"crossover: on mean milestones met, {b} does not overtake {a} within {first.steps} weeks")
    else:
        print(f"crossover: on mean milestones met, {b} overtakes {a} from week {result.crossover} on")
    median = f" (median week {result.median_week:g})" if result.median_week is not None else ""
    print(f"in {result.overtakes} of {result.pairs} paired runs {b} overtakes {a} on milestones met and stays "
          f"ahead{median}")
    from .outputs.figures import sweep_figure
    from .outputs.files import write_text
    from .study import sweep

    _, planned, table, summary = sweep.read_finished(out)
    sweep_figure(planned, table, summary, out / "figure")
    write_text(out / "checkpoints.csv", result.checkpoints.to_csv(index=False))
    print(f"wrote checkpoints.csv (the table above), summary.csv (every week), runs_summary.csv (every run), "
          f"figure.png and the sweep's files to {out}")


def cmd_sweep(args) -> None:
    from .study import experiment as experiments
    from .study import sweep

    experiment, folder = experiments.load(args.experiment)
    out = _sweep_out(args.experiment, experiment, args.out)
    if args.dry_run:
        _note_first_compile()
        print(sweep.estimate(experiment, out, folder=folder, workers=args.workers, source=args.experiment))
        return
    if args.resume and sweep.read_manifest(out) is None and not (out / "runs.parquet").exists():
        raise ScenarioError(f"--resume: {out} holds no sweep to resume (no {sweep.MANIFEST})")
    table = sweep.run(experiment, out, folder=folder, source=args.experiment, workers=args.workers,
                      scheduler=args.scheduler, started=_note_first_compile)
    counts = table["status"].value_counts()
    print(f"{experiment.name}: {counts.get('ok', 0)} runs ok, {counts.get('failed', 0)} failed, "
          f"{counts.get('pending', 0)} pending, in {out}")
    if counts.get("failed", 0):
        first = table[table["status"] == "failed"].iloc[0]
        print(f"first failure: run {first['run_id']}: {first['error']}")
    if counts.get("ok", 0) and not args.no_figure:
        from .outputs.figures import sweep_figure  # matplotlib: only when a figure is drawn

        _, experiment, table, summary = sweep.read_finished(out)
        print(f"figure: {out / 'figure.png'} ({sweep_figure(experiment, table, summary, out / 'figure')})")


def _sweep_out(path: str, experiment, out: str | None) -> Path:
    """Where a sweep goes: --out, else the folder a sweep's own experiment.yaml sits in, else results/<name>."""
    from .study.sweep import MANIFEST

    if out:
        return Path(out)
    here = Path(path).parent
    return here if Path(path).name == "experiment.yaml" and (here / MANIFEST).is_file() else \
        Path(f"results/{experiment.name}")


def cmd_calibrate(args) -> None:
    from .study.calibrate import calibrate, estimate

    out = Path(args.out or f"results/calibrate-{Path(args.targets).stem}")
    if args.dry_run:
        print(estimate(args.targets, out, trials=args.trials, overrides=args.set, workers=args.workers))
        return
    table = calibrate(args.targets, out, trials=args.trials, overrides=args.set, workers=args.workers,
                      scheduler=args.scheduler, started=_note_first_compile)
    done = table[table["state"] == "COMPLETE"]
    accepted = int((done["loss"] == 0).sum())
    best = done.sort_values(["loss", "trial"]).iloc[0]
    if args.trials and len(table) > args.trials:
        print(f"{out} already holds {len(table)} trials, more than --trials {args.trials}: none were run")
    print(f"{len(table)} trials ({len(table) - len(done)} failed); {accepted} with every target in band; "
          f"least loss {best['loss']:.4g} (trial {int(best['trial'])}, {int(best['in_band'])} targets in band); in {out}")
    print(f"calibrated scenario: {out / 'calibrated.yaml'}; figure: {out / 'bands.png'}")


def cmd_plot(args) -> None:
    from .outputs.files import locked
    from .study import sweep

    with locked(Path(args.folder), wait=False, shared=True) if Path(args.folder).is_dir() else nullcontext():
        out, experiment, table, summary = sweep.read_finished(args.folder)
        recorded = list(dict.fromkeys(summary["outcome"]))
        columns = ["scenario", *experiment.parameters]
        unknown = sorted(set(args.outcome or []) - set(recorded))
        if unknown:
            raise ScenarioError(f"--outcome {unknown[0]}: not in this sweep; recorded: {', '.join(recorded)}")
        if args.by and args.by not in columns:
            raise ScenarioError(f"--by {args.by}: not a varied column of the design; choose from {', '.join(columns)}")
        from .outputs.figures import phase_diagram, shown_outcomes, sweep_curves, varied_columns

        outcomes = args.outcome or shown_outcomes(list(experiment.figure.outcomes), recorded)
        stem = Path(args.out).with_suffix("") if args.out else out / "plot"
        varied, numeric = varied_columns(list(experiment.parameters), table)
        if args.phase:
            if len(numeric) != 2:
                raise ScenarioError(f"--phase: needs exactly two varied parameters; this sweep varies {numeric}")
            phase_diagram(summary, outcomes, numeric[0], numeric[1], stem)
        else:
            by = args.by or experiment.figure.by
            sweep_curves(summary, outcomes, by if by in columns else "scenario", varied,
                         experiment.figure.crossover, stem)
    print(f"wrote {stem.with_suffix('.png')}, {stem.with_suffix('.svg')} and {stem.with_suffix('.pdf')}")


def cmd_export(args) -> None:
    from .outputs.files import locked
    from .study import sweep
    from .study.export import export_table

    with locked(Path(args.folder), wait=False, shared=True) if Path(args.folder).is_dir() else nullcontext():
        out, experiment, table, _ = sweep.read_finished(args.folder)
        target = Path(args.out) if args.out else out / "table.csv"
        own = set(sweep.read_manifest(out)["files"]) | {sweep.MANIFEST}
        inside = target.resolve().parent.is_relative_to(out.resolve())
        if inside and (target.resolve().relative_to(out.resolve()).as_posix() in own or
                       target.resolve().parent != out.resolve()):
            raise ScenarioError(f"--out {args.out}: is one of the sweep's own files or folders; write the table "
                                f"beside them (default: {out / 'table.csv'}) or elsewhere")
        rows = export_table(out, table, experiment, target)
    print(f"wrote {target}: {rows:,} rows (one per run and recorded week, with every parameter)")


def cmd_discover(args) -> None:
    from .study import discover

    result = discover.discover(args.folder, args.outcome, out=args.out, threshold=args.threshold,
                               peel_alpha=args.peel_alpha, mass_min=args.mass_min, box=args.box, score=args.score)
    print(discover.describe(result))


def cmd_report(args) -> None:
    from .study.report import write_report

    print(f"wrote {write_report(args.folder, args.out)}")


def cmd_sensitivity(args) -> None:
    from .outputs.files import locked, write_text
    from .study import sweep
    from .study.sensitivity import analyze

    with locked(Path(args.folder), wait=False, shared=True) if Path(args.folder).is_dir() else nullcontext():
        out, experiment, table, summary = sweep.read_finished(args.folder)
        indices, warnings = analyze(experiment, table, summary, str(out / "experiment.yaml"))
        from .outputs.figures import sensitivity_figure

        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if indices.empty:
            raise ScenarioError(f"{out}: no outcome has indices at any analysed week (the warnings above say why)")
        write_text(out / "sensitivity.csv", indices.to_csv(index=False))
        sensitivity_figure(indices, experiment.design, out / "sensitivity")
    last = indices[indices["step"] == indices["step"].max()]
    shown = ["outcome", "parameter"] + [c for c in ("S1", "S1_conf", "ST", "ST_conf", "mu_star", "mu_star_conf", "sigma")
                                        if c in last.columns]
    print(f"{experiment.design} indices at week {int(indices['step'].max())} (95% CI half-widths in *_conf):")
    print(last[shown].to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print(f"wrote sensitivity.csv (all {indices['step'].nunique()} time points) and sensitivity.png/svg/pdf (week "
          f"{int(indices['step'].max())}) to {out}")


def cmd_outcomes(args) -> None:
    from .config.docgen import outcome_listing

    print(outcome_listing())


def cmd_params(args) -> None:
    from .config.docgen import parameter_listing

    print(parameter_listing(args.section))


def cmd_app(args) -> None:
    from .trainer.server import serve

    _note_first_compile()
    serve(args.host, args.port)


def cmd_race(args) -> None:
    from .outputs.files import staged
    from .trainer.race import NO_FFMPEG, write_race
    from .trainer.settings import WEEKS

    if args.week is not None and args.week > WEEKS:
        raise ScenarioError(f"--week {args.week}: after the race's last week; choose 0 to {WEEKS}")
    seeded = {} if args.seed is None else {"seed": args.seed}
    with staged(Path(args.out), marker="race.png") as stage:  # the options are all the input: checked
        _note_first_compile()
        print("running race and trust_first side by side ...", file=sys.stderr, flush=True)
        names = [path.name for path in write_race(stage, **seeded, still=args.week, progress=True)]
    for name in names:
        print(f"wrote {Path(args.out) / name}")
    if "race.mp4" not in names:
        print(f"note: {NO_FFMPEG}", file=sys.stderr)


def _examples(*commands: str) -> dict:
    """A subparser's epilog of example commands, kept as written (not re-wrapped)."""
    return {"formatter_class": argparse.RawDescriptionHelpFormatter,
            "epilog": "examples:\n" + "\n".join(f"  {command}" for command in commands)}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pcnsim", description="Simulate collaboration in a Primary Care Network.")
    parser.add_argument("--version", action="version", version=f"pcnsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run one scenario and write its outputs", **_examples(
        "pcnsim run scenarios/baseline.yaml --out out/baseline",
        "pcnsim run scenarios/race.yaml --seed 4 --steps 104 --out out/race",
        "pcnsim run scenarios/england.yaml --set network.pcns=100 --set values.confidence=0.2 --out out/england"))
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--seed", type=_non_negative, help="random seed (default: the scenario's)")
    run.add_argument("--steps", type=_positive, help="weeks to simulate (default: the scenario's)")
    run.add_argument("--out", type=_folder, default="out", help="output directory (default: out)")
    run.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a field, e.g. values.confidence=0.2")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("validate", help="check a scenario or experiment file without running it (for an "
                           "experiment: its runs and an estimate of their time)", **_examples(
        "pcnsim validate scenarios/baseline.yaml", "pcnsim validate out/race/scenario.yaml",
        "pcnsim validate experiments/when_racing_pays.yaml"))
    check.add_argument("scenario", help="a scenario or experiment YAML file")
    check.set_defaults(func=cmd_validate)

    cmp_ = sub.add_parser("compare", help="compare two scenarios over many seeds (e.g. race vs trust_first)", **_examples(
        "pcnsim compare scenarios/race.yaml scenarios/trust_first.yaml",
        "pcnsim compare scenarios/race.yaml scenarios/trust_first.yaml --seeds 100 --out out/compare100",
        "pcnsim compare scenarios/baseline.yaml scenarios/high_stakes.yaml --steps 156 --set network.practices=8"))
    cmp_.add_argument("first", help="scenario expected ahead early (e.g. scenarios/race.yaml)")
    cmp_.add_argument("second", help="scenario it is compared with (e.g. scenarios/trust_first.yaml)")
    cmp_.add_argument("--seeds", type=_seeds, default=30, help="paired runs per scenario (default: 30); rerun with "
                      "more to add runs to the folder")
    cmp_.add_argument("--seed", type=_non_negative, default=0, help="root seed of the runs' seeds, as an "
                      "experiment's seed (default: 0)")
    cmp_.add_argument("--steps", type=_positive, help="weeks to simulate (default: the scenarios')")
    cmp_.add_argument("--out", type=_folder, default="out/compare", help="output directory (default: out/compare)")
    cmp_.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a field in both scenarios")
    cmp_.add_argument("--workers", type=_workers, default=os.cpu_count() or 1, help="local worker processes")
    cmp_.add_argument("--scheduler", type=_scheduler, metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://HOST:8786")
    cmp_.set_defaults(func=cmd_compare)

    sw = sub.add_parser("sweep", help="run an experiment: scenarios and parameters over many replicates", **_examples(
        "pcnsim sweep experiments/not_a_race.yaml",
        "pcnsim sweep experiments/pressure_vs_stakes.yaml --out results/pvs --workers 4",
        "pcnsim sweep experiments/sensitivity.yaml --scheduler tcp://HOST:8786"))
    sw.add_argument("experiment", help="experiment YAML file")
    sw.add_argument("--out", type=_folder, help="output folder (default: results/<experiment name>)")
    sw.add_argument("--workers", type=_workers, default=os.cpu_count() or 1, help="local worker processes")
    sw.add_argument("--scheduler", type=_scheduler, metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://HOST:8786")
    sw.add_argument("--resume", action="store_true", help="finish an interrupted sweep (rerunning into the same "
                    "folder does the same)")
    sw.add_argument("--no-figure", action="store_true", help="skip the figure (scripts and large sweeps: "
                    "`pcnsim plot DIR` draws one later from the summary)")
    sw.add_argument("--dry-run", action="store_true", help="check everything, time one part and say how many runs are "
                    "left and how long they would take; write nothing")
    sw.set_defaults(func=cmd_sweep)

    ca = sub.add_parser("calibrate", help="fit a targets file's free parameters to its targets (Optuna)", **_examples(
        "pcnsim calibrate calibration/targets.yaml --dry-run",
        "pcnsim calibrate calibration/targets.yaml --out results/fit --workers 4",
        "pcnsim calibrate calibration/targets.yaml --trials 200 --set network.pcns=1250"))
    ca.add_argument("targets", help="a targets file with a calibrate section (e.g. calibration/targets.yaml)")
    ca.add_argument("--out", type=_folder, help="output folder (default: results/calibrate-<targets file name>)")
    ca.add_argument("--trials", type=_positive, help="trials in all (default: the file's calibrate.trials); a "
                    "finished calibration rerun with more is extended")
    ca.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a field of the targets' "
                    "scenario, after the file's overrides (e.g. network.pcns=1250)")
    ca.add_argument("--workers", type=_workers, default=os.cpu_count() or 1, help="local worker processes")
    ca.add_argument("--scheduler", type=_scheduler, metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://HOST:8786")
    ca.add_argument("--dry-run", action="store_true", help="check everything, time one run and say how long the "
                    "calibration would take; write nothing")
    ca.set_defaults(func=cmd_calibrate)

    pl = sub.add_parser("plot", help="outcome curves (mean, 95%% CI) or a phase diagram of a finished sweep", **_examples(
        "pcnsim plot results/not_a_race",
        "pcnsim plot results/not_a_race --outcome mean_trust --outcome milestones_met --out out/trust",
        "pcnsim plot results/pressure_vs_stakes --phase"))
    pl.add_argument("folder", help="a sweep's output folder")
    pl.add_argument("--outcome", action="append", help="outcome to plot (repeatable; default: the experiment's figure)")
    pl.add_argument("--by", help="colour lines by this design column (default: scenario)")
    pl.add_argument("--phase", action="store_true", help="heatmap of final means over the two varied parameters")
    pl.add_argument("--out", type=_stem, help="file stem for the PNG and SVG (default: FOLDER/plot)")
    pl.set_defaults(func=cmd_plot)

    ex = sub.add_parser("export", help="a finished sweep as one CSV table, every parameter on each row (as NetLogo "
                        "BehaviorSpace's table output)", **_examples("pcnsim export results/not_a_race",
                                                                      "pcnsim export results/not_a_race --out table.csv"))
    ex.add_argument("folder", help="a sweep's output folder")
    ex.add_argument("--out", type=_stem, help="the CSV file (default: FOLDER/table.csv)")
    ex.set_defaults(func=cmd_export)

    di = sub.add_parser("discover", help="scenario discovery on a finished sweep: under which conditions does an "
                        "outcome hold? (PRIM boxes, a CART tree, feature scores, each lever setting's robustness)",
                        **_examples('pcnsim discover results/when_racing_pays --outcome "race.joint_value_w260 >= '
                                    'trust_first.joint_value_w260"',
                                    'pcnsim discover results/sensitivity --outcome "mean_trust_w260 > 0.5" '
                                    '--threshold 0.7'))
    di.add_argument("folder", help="a sweep's output folder")
    di.add_argument("--outcome", required=True, metavar="EXPR", help="a true/false expression over runs_summary's "
                    "columns; in a sweep of several scenarios name a scenario's column as SCENARIO.COLUMN, e.g. "
                    "\"race.joint_value_w260 >= trust_first.joint_value_w260\"")
    di.add_argument("--score", metavar="COLUMN", help="a numeric column, higher better, for each lever setting's regret")
    di.add_argument("--threshold", type=_share, default=0.8, help="least density of the chosen PRIM box (default: 0.8)")
    di.add_argument("--peel-alpha", type=_share, default=0.05, help="share of the data peeled at each PRIM step "
                    "(default: 0.05)")
    di.add_argument("--mass-min", type=_share, default=0.05, help="least share of the data in a PRIM box (default: 0.05)")
    di.add_argument("--box", type=_non_negative, help="choose this box of the peeling trajectory instead")
    di.add_argument("--out", type=_folder, help="output folder (default: FOLDER/discover)")
    di.set_defaults(func=cmd_discover)

    rp = sub.add_parser("report", help="a finished sweep as one self-contained HTML page to mail (no outside requests)",
                        **_examples("pcnsim report results/not_a_race",
                                    "pcnsim report out/compare --out board/race_vs_trust_first.html"))
    rp.add_argument("folder", help="a sweep's output folder")
    rp.add_argument("--out", type=_stem, help="the HTML file (default: FOLDER/report.html)")
    rp.set_defaults(func=cmd_report)

    se = sub.add_parser("sensitivity", help="Sobol or Morris indices over time of a finished sweep", **_examples(
        "pcnsim sweep experiments/sensitivity.yaml && pcnsim sensitivity results/sensitivity"))
    se.add_argument("folder", help="a sweep's output folder (sobol or morris design)")
    se.set_defaults(func=cmd_sensitivity)

    app = sub.add_parser("app", help="serve the trainer's interactive 'it is not a race' page (works offline)",
                         **_examples("pcnsim app", "pcnsim app --port 9000"))
    app.add_argument("--port", type=_port, default=8765, help="port (default: 8765)")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    app.set_defaults(func=cmd_app)

    race = sub.add_parser("race", help="write the race vs trust_first animation (GIF, MP4 with ffmpeg) and still",
                          **_examples("pcnsim race", "pcnsim race --seed 3 --out out/race3", "pcnsim race --week 26"))
    race.add_argument("--out", type=_folder, default="out/race", help="output folder (default: out/race)")
    race.add_argument("--seed", type=_non_negative, help="seed of the PCN shown (default: the trainer page's)")
    race.add_argument("--week", type=_non_negative, help="the week the still shows (default: the crossover on "
                      "milestones met, when Trust first overtakes; the last week if it never does)")
    race.set_defaults(func=cmd_race)

    oc = sub.add_parser("outcomes", help="list every outcome a run can record, national and per PCN", **_examples(
        "pcnsim outcomes", "pcnsim outcomes | grep trust"))
    oc.set_defaults(func=cmd_outcomes)

    pa = sub.add_parser("params", help="list the scenario fields --set and experiments can set: type, default, "
                        "allowed values", **_examples("pcnsim params", "pcnsim params values",
                                                      "pcnsim params ownership.overload_loss"))
    pa.add_argument("section", nargs="?", help="only this section or field (e.g. values, mandates, ownership.overload_loss)")
    pa.set_defaults(func=cmd_params)
    return parser


def _note_first_compile() -> None:
    """Say why the first run after an install is slow; called once the input is valid, before the first kernel."""
    from .engine.warm import cache_ready

    if not cache_ready():
        print("compiling the model's kernels (first run after install: about half a minute on two free cores, "
              "under a minute on one; cached afterwards)...", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser = build_parser()
        if not argv:  # a usage error: the help (with every command) on stderr, where argparse puts usage errors
            parser.print_help(sys.stderr)
            raise ScenarioError("pcnsim: choose a command (pcnsim COMMAND --help for its options and examples)")
        args = parser.parse_args(argv)
        args.func(args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0
