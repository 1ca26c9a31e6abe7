"""Fit a targets file's free parameters to its targets: `pcnsim calibrate TARGETS`.

The search is Optuna's TPE sampler over the free parameters' prior ranges
(uniform; `calibrate` in the targets file), minimising a loss over the bands:
the sum over targets of the squared distance of the simulated mean outside its
band, in band widths, which is 0 exactly when every mean is in its band.

Why Optuna and a loss, not pyabc's ABC-SMC: the targets are bands read from
the sources' words ("a few", "most"), not data with a noise model, so there is
no likelihood, and no tolerance schedule that would give an ABC posterior its
meaning. What an analyst needs is where in the prior every band holds, and a
loss that is zero there finds it. The accepted parameter sets are the trials
with loss 0: a sample of that region as TPE explored it, not a posterior.
Optuna's ask interface lets the sweeps' executors (loky, Dask) run a batch of
trials at once.

Same inputs, same trials: the finished trials are recorded in the folder
(`trials.json`, rewritten whole after each batch), and each batch is proposed
from them alone, by an in-memory Optuna study rebuilt from that record, each
trial by a sampler seeded from (`calibrate.seed`, trial number); each run is a
plain function of its scenario and seed. So a calibration killed at any
moment loses at most the batch it was running, and resumed, or run with other
workers, finds the same trials.

Output folder:
- calibration.json: what produced the folder (pcnsim version, the targets file
  as validated, without `trials`, and a digest of its resolved scenario), and,
  once the files below are written, their checksums;
- trials.json: every finished trial (its parameters, each run's measures), which a rerun resumes from;
- trials.csv: each finished trial's parameters, loss and targets' means;
- runs.csv: each target's measure in each run (trial, seed);
- accepted.csv: the accepted trials, the chosen one first;
- bands.png, bands.svg: each target's band against the simulated values;
- report.md: the free parameters and the targets, uncalibrated and chosen, in two tables;
- calibrated.yaml: the targets file's scenario with the chosen parameters.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from concurrent.futures import as_completed
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .. import __version__
from ..config import Scenario, ScenarioError, apply_overrides, read_yaml, safe_yaml
from ..config import load as load_scenario
from ..config.files import resolve_files
from ..outputs.files import STAGING, clear_staging, file_sha256, locked, make_folder, sha256, write_text
from ..outputs.provenance import model_digest
from .experiment import integer_fields
from .sweep import executor
from .targets import Target, Targets, current, run_values, summarise
from .targets import load as load_targets

MANIFEST = "calibration.json"
LOG = "trials.json"
FORMAT = 1
FILES = ("trials.csv", "runs.csv", "accepted.csv", "bands.png", "bands.svg", "report.md", "calibrated.yaml")


def as_overrides(params: dict) -> list[str]:
    """Parameter values as `--set` options, exactly (repr round-trips a float)."""
    return [f"{key}={value!r}" for key, value in params.items()]


def loss(summary: pd.DataFrame) -> float:
    """The sum of squared distances of the targets' means outside their bands (0: every target in band)."""
    return float((summary["distance"] ** 2).sum())


def identity(targets: Targets, scenario: Scenario) -> dict:
    """What shapes a calibration's trials. Left out: `trials`, so a finished calibration can be extended, and the
    scenario's own values of the free parameters, which only trial 0 takes (from the record once it has run), so the
    scenario can take the calibrated values and the folder still be resumed and its files rewritten."""
    spec = targets.model_dump(mode="json")
    spec["calibrate"].pop("trials")
    resolved = apply_overrides(scenario.model_dump(mode="json"), [f"{f.key}=null" for f in targets.calibrate.free],
                               "identity")
    return {"pcnsim": __version__, "model": model_digest(("numpy", "numba", "optuna")), "targets": spec,
            "scenario": sha256(json.dumps(resolved, sort_keys=True).encode())}


def _changed(old: dict, new: dict, out: Path) -> ScenarioError:
    afresh = f"or start afresh with another --out (or after deleting {out})"
    if old.get("pcnsim") != new["pcnsim"]:
        return ScenarioError(f"{out}: holds a calibration made by pcnsim {old.get('pcnsim')}, this is "
                             f"{new['pcnsim']}; its runs may differ: {afresh}")
    if old.get("model") != new["model"]:
        return ScenarioError(f"{out}: holds a calibration made by other model code or other numpy, numba or Optuna "
                             f"versions; its trials may differ: {afresh}")
    if old.get("scenario") != new["scenario"]:
        return ScenarioError(f"{out}: holds a calibration of another scenario (the targets file's scenario or its "
                             f"overrides changed since it ran): undo the change to resume it, {afresh}")
    was, now = old.get("targets") or {}, new["targets"]
    field = next((k for k in now if was.get(k) != now[k]), "targets")
    return ScenarioError(f"{out}: holds a calibration with other {field} in its targets file: undo the change to "
                         f"resume it, {afresh}")


def read_manifest(out: Path) -> dict | None:
    try:
        manifest = json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(manifest, dict) and manifest.get("format") == FORMAT and isinstance(manifest.get("made_by"), dict)
    return manifest if ok else None


def _write_manifest(out: Path, made_by: dict, files: dict, last_run: dict | None = None,
                    chosen_trial: dict | None = None) -> None:
    from ..outputs.provenance import describe

    record = {"format": FORMAT, "made_by": made_by, "files": files, "written_by": describe(), "last_run": last_run,
              "chosen": chosen_trial}
    write_text(out / MANIFEST, json.dumps(record, indent=1, sort_keys=True) + "\n")


def _sampler(seed: int, startup: int, number: int):
    import optuna

    state = np.random.SeedSequence(seed, spawn_key=(number,)).generate_state(1)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # multivariate TPE is "experimental"
        return optuna.samplers.TPESampler(seed=int(state), n_startup_trials=startup, multivariate=True,
                                          constant_liar=True)


def _distributions(targets: Targets, integral: set[str]) -> dict:
    from optuna.distributions import FloatDistribution, IntDistribution

    return {f.key: IntDistribution(int(f.low), int(f.high)) if f.key in integral else FloatDistribution(f.low, f.high)
            for f in targets.calibrate.free}


def _run(targets: list[dict], scenario: dict, seed: int) -> list[float] | str:
    """One run's measure of each target, in a worker; a run that raises returns its error, so that an exception
    from the executor always means the executor (a worker lost, the cluster gone), never the run."""
    try:
        return run_values([Target.model_validate(t) for t in targets], Scenario.model_validate(scenario),
                          seed).tolist()
    except Exception as exc:  # the trial fails; the calibration goes on
        return f"{type(exc).__name__}: {str(exc)[:200]}"


def estimate(path: str | Path, out: str | Path | None = None, *, trials: int | None = None,
             overrides: list[str] | None = None, workers: int = 1) -> str:
    """What a calibration into `out` would still run and about how long it would take here, from one timed run
    (after the kernels are compiled), with every check a real run makes; nothing is written."""
    plan = _plan(Path(path), Path(out) if out else None, trials, overrides or [])
    runs = (plan.total - min(len(plan.log), plan.total)) * len(plan.targets.seeds)
    run_values(plan.targets.targets, plan.scenario.model_copy(update={"steps": 1}), plan.targets.seeds[0])
    clock = time.perf_counter()
    run_values(plan.targets.targets, plan.scenario, plan.targets.seeds[0])
    seconds = time.perf_counter() - clock
    hours = runs * seconds / workers / 3600
    done = f" ({len(plan.log)} already done)" if plan.log else ""
    return (f"{plan.total} trials{done} x {len(plan.targets.seeds)} seeds = {runs:,} runs to do of "
            f"{plan.scenario.steps} weeks; one run took {seconds:.2f} s here, so about {hours * 60:.0f} minutes "
            f"({hours:.1f} hours) on {workers} worker{'s' if workers > 1 else ''}")


def _study(log: list[dict], distributions: dict):
    """An in-memory Optuna study holding the finished trials of `log`, in order (the search's whole history)."""
    import optuna
    from optuna.trial import TrialState, create_trial

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize")
    for record in log:
        state = TrialState[record["state"]]
        study.add_trial(create_trial(params=record["params"], distributions=distributions, state=state,
                                     value=record["loss"] if state == TrialState.COMPLETE else None))
    return study


def _propose(log: list[dict], targets: Targets, distributions: dict, baseline: dict, count: int) -> list[dict]:
    """The next `count` trials' parameters, proposed together: each by a sampler seeded from (seed, its number) given
    the finished trials and, as constant liars, the ones proposed before it. Trial 0 is the scenario as it is."""
    cal = targets.calibrate
    study = _study(log, distributions)
    if not log:
        study.enqueue_trial(baseline)
    proposed = []
    for number in range(len(log), len(log) + count):
        study.sampler = _sampler(cal.seed, cal.startup, number)
        proposed.append(study.ask(distributions).params)
    return proposed


def _read_log(out: Path, targets: Targets, distributions: dict) -> list[dict]:
    """The finished trials recorded in `out` (written whole after each batch, so a crash loses at most one), each
    checked: its number, its parameters (the free ones, inside their ranges), its state, its runs (one row of target
    measures per seed) and its loss (as its runs give it)."""
    path = out / LOG
    if not path.exists():
        return []
    problem = None
    try:
        log = json.loads(path.read_text(encoding="utf-8"))["trials"]
        if not isinstance(log, list):
            raise TypeError("trials is not a list")
        for i, r in enumerate(log):
            problem = _record_problem(i, r, targets, distributions)
            if problem:
                break
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        problem = f"{type(exc).__name__}: {str(exc)[:80]}"
    if problem:
        raise ScenarioError(f"{path}: is damaged ({problem}); start afresh with another --out (or after deleting "
                            f"{out})")
    return log


def _record_problem(i: int, r, targets: Targets, distributions: dict) -> str | None:
    from optuna.distributions import IntDistribution

    if not isinstance(r, dict) or set(r) != {"number", "params", "state", "loss", "runs", "error"}:
        return f"trial {i} is not a record of a trial"
    if r["number"] != i or not isinstance(r["error"], str) or r["state"] not in ("COMPLETE", "FAIL"):
        return f"trial {i}: its number, state or error"
    params = r["params"]
    if not isinstance(params, dict) or set(params) != set(distributions):
        return f"trial {i}: its parameters are not the free ones"
    for free in targets.calibrate.free:
        value, whole = params[free.key], isinstance(distributions[free.key], IntDistribution)
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) \
                or not free.low <= value <= free.high:
            return f"trial {i}: {free.key} = {value!r} is outside its range"
    if r["state"] == "FAIL":
        return None if r["runs"] is None and r["loss"] is None else f"trial {i}: a failed trial with runs"
    runs = r["runs"]
    shape_ok = isinstance(runs, list) and len(runs) == len(targets.seeds) and all(
        isinstance(row, list) and len(row) == len(targets.targets)
        and all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in row) for row in runs)
    if not shape_ok:
        return f"trial {i}: its runs are not one row of {len(targets.targets)} measures for each of the " \
               f"{len(targets.seeds)} seeds"
    if r["loss"] != loss(summarise(targets.targets, _runs_of(r))):
        return f"trial {i}: its loss is not what its runs give"
    return None


def _write_log(out: Path, log: list[dict]) -> None:
    write_text(out / LOG, json.dumps({"trials": log}, allow_nan=False) + "\n")


class _Plan(NamedTuple):
    targets: Targets
    scenario: Scenario
    total: int
    made_by: dict
    manifest: dict | None
    distributions: dict
    log: list[dict]


def _plan(path: Path, out: Path | None, trials: int | None, overrides: list[str]) -> _Plan:
    """Everything checked before anything is written: the targets file, the trials asked for, and `out` (empty,
    or a folder of this very calibration with an intact record)."""
    try:
        import optuna  # noqa: F401
    except ImportError:
        raise ScenarioError("pcnsim calibrate needs Optuna: pip install 'pcnsim[calibrate]'") from None
    targets, scenario = load_targets(path, overrides)
    if targets.calibrate is None:
        raise ScenarioError(f"{path}: has no calibrate section; add one naming the free parameters and their ranges "
                            "(see calibration/targets.yaml)")
    total = trials or targets.calibrate.trials
    if total % targets.calibrate.batch:
        raise ScenarioError(f"--trials {total}: must be a whole number of batches of {targets.calibrate.batch} "
                            "(calibrate.batch)")
    made_by = identity(targets, scenario)
    base = read_yaml(path.parent / targets.scenario) or {}
    distributions = _distributions(targets, integer_fields(apply_overrides(base, targets.overrides, str(path)),
                                                           [f.key for f in targets.calibrate.free]))
    manifest, log = None, []
    if out is not None and out.exists():
        if not out.is_dir():
            raise ScenarioError(f"--out {out}: is a file, not a folder")
        manifest = read_manifest(out)
        if manifest is None and any(not p.name.startswith(STAGING) for p in out.iterdir()):
            raise ScenarioError(f"{out}: is not empty and holds no calibration ({MANIFEST}); give another --out")
        if manifest is not None and manifest["made_by"] != made_by:
            raise _changed(manifest["made_by"], made_by, out)
        log = _read_log(out, targets, distributions)
    return _Plan(targets, scenario, total, made_by, manifest, distributions, log)


def calibrate(path: str | Path, out: str | Path, *, trials: int | None = None, overrides: list[str] | None = None,
              workers: int = 1, scheduler: str | None = None, progress: bool = True,
              started: Callable[[], None] | None = None) -> pd.DataFrame:
    """Run what is missing of the calibration into `out`, write its files, and return the trials table.

    `overrides` are `--set` options applied to the targets file's scenario after its own overrides (a full
    England, say), and kept in the calibrated scenario; `trials` replaces `calibrate.trials`. Nothing is written
    before the inputs, the folder and the executor are known good.
    """
    path, out = Path(path), Path(out)
    plan = _plan(path, out, trials, overrides or [])
    targets, total = plan.targets, plan.total
    free = [f.key for f in targets.calibrate.free]
    baseline = {key: current(plan.scenario, key) for key in free}
    runs = len(targets.seeds)
    with ExitStack() as stack:
        pool = stack.enter_context(executor(workers, scheduler)) if len(plan.log) < total else None
        make_folder(out)
        stack.enter_context(locked(out, wait=False))
        plan = _plan(path, out, trials, overrides or [])  # again, holding the lock: another may have written
        log, before, clock = plan.log, len(plan.log), time.perf_counter()
        clear_staging(out)
        if len(log) < total:
            _write_manifest(out, plan.made_by, {})
            for name in FILES:  # the files of a shorter calibration must not sit beside a longer one's record
                (out / name).unlink(missing_ok=True)
            if started:
                started()
            with _bar(total * runs, before * runs, progress) as bar:
                while len(log) < total:
                    proposed = _propose(log, targets, plan.distributions, baseline, targets.calibrate.batch)
                    log = log + _run_batch(pool, path, targets, len(log), proposed, bar, out)
                    _write_log(out, log)
        table = trials_table(log, targets)
        best = _write_outputs(out, path, targets, log, table, overrides or [])
        last_run = {"trials": len(log) - before, "runs": (len(log) - before) * runs, "workers": workers,
                    "scheduler": scheduler, "seconds": round(time.perf_counter() - clock, 1)}
        if before == len(log) and plan.manifest and plan.manifest.get("last_run"):
            last_run = plan.manifest["last_run"]  # only the files were rewritten: keep the record of the trials run
        _write_manifest(out, plan.made_by, {name: file_sha256(out / name) for name in FILES}, last_run,
                        {"trial": best, "params": log[best]["params"]})
    return table


def chosen_parameters(folder: str | Path) -> dict:
    """The parameters a finished calibration chose, checked against its manifest (for rerunning the stylised facts
    or the SF4 map at them)."""
    out = Path(folder)
    manifest = read_manifest(out)
    if manifest is None or not manifest.get("chosen") or not manifest["files"]:
        raise ScenarioError(f"{out}: holds no finished calibration; run `pcnsim calibrate TARGETS --out {out}`")
    for name, checksum in manifest["files"].items():
        if file_sha256(out / name) != checksum:
            raise ScenarioError(f"{out}: {name} is missing or damaged (its checksum differs from {MANIFEST})")
    return manifest["chosen"]["params"]


def _run_batch(pool, path: Path, targets: Targets, first: int, proposed: list[dict], bar, out: Path) -> list[dict]:
    """Run every seed of every proposed trial; the trials' records, numbered from `first`. A trial whose parameters
    make no valid scenario together, or one of whose runs raises, fails; a lost worker stops the calibration, with
    the batches before it kept."""
    specs = [t.model_dump(mode="json") for t in targets.targets]
    futures, errors = {}, {}
    for k, params in enumerate(proposed):
        overrides = [*targets.overrides, *as_overrides(params)]
        try:
            resolved = load_scenario(path.parent / targets.scenario, overrides).model_dump(mode="json")
        except ScenarioError as exc:
            errors[k] = f"ScenarioError: {str(exc)[:200]}"
            bar.update(len(targets.seeds))
            continue
        for i, seed in enumerate(targets.seeds):
            futures[pool.submit(_run, specs, resolved, seed)] = (k, i)
    values = [[None] * len(targets.seeds) for _ in proposed]
    try:
        for future in as_completed(futures):
            k, i = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # the executor's, not the run's (_run returns its errors)
                raise ScenarioError(f"{out}: a worker stopped ({type(exc).__name__}: {str(exc)[:200]}); the "
                                    "finished trials are kept: run the same command again to resume") from None
            if isinstance(result, str):
                errors.setdefault(k, result)
            else:
                values[k][i] = result
            bar.update(1)
    finally:
        for future in futures:
            future.cancel()
    records = []
    for k, params in enumerate(proposed):
        record = {"number": first + k, "params": params}
        if k in errors:
            record.update(state="FAIL", loss=None, runs=None, error=errors[k])
        else:
            runs = np.array(values[k], dtype=float)
            record.update(state="COMPLETE", loss=loss(summarise(targets.targets, runs)), error="",
                          runs=[[None if np.isnan(v) else float(v) for v in row] for row in runs])
        records.append(record)
    return records


def _bar(total: int, done: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=done, desc="calibration runs", unit="run", disable=not enabled,
                dynamic_ncols=True)


def _runs_of(record: dict) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in record["runs"]], dtype=float)


def trials_table(log: list[dict], targets: Targets) -> pd.DataFrame:
    """One row per trial: number, state, loss, targets in band, parameters and each target's mean."""
    rows = []
    for record in log:
        row = {"trial": record["number"], "state": record["state"], "loss": record["loss"], **record["params"],
               "error": record["error"]}
        if record["runs"] is not None:
            summary = summarise(targets.targets, _runs_of(record))
            row["in_band"] = int(summary["in_band"].sum())
            row.update({f"mean.{r.target}": r.mean for r in summary.itertuples()})
        rows.append(row)
    table = pd.DataFrame(rows)
    if "in_band" in table:
        table["in_band"] = table["in_band"].astype("Int64")  # a count, empty for a failed trial
    return table


def centrality(table: pd.DataFrame, targets: Targets) -> pd.Series:
    """How far each trial's means sit from the middles of their bands, in half band widths (root mean square)."""
    squares = []
    for t in targets.targets:
        half = (t.band[1] - t.band[0]) / 2 or 1.0
        squares.append(((table[f"mean.{t.name}"] - (t.band[0] + t.band[1]) / 2) / half) ** 2)
    return np.sqrt(pd.concat(squares, axis=1).mean(axis=1))


def chosen(table: pd.DataFrame, targets: Targets) -> tuple[pd.DataFrame, int]:
    """The accepted trials (every target's mean in its band), ordered with the one written out first, and that
    trial's number. Among accepted trials it is the one whose means sit nearest the middles of their bands (least
    likely to leave a band with other seeds); with none accepted, the trial of least loss."""
    done = table[table["state"] == "COMPLETE"].copy()
    if done.empty:
        raise ScenarioError("no trial of the calibration finished; see the errors in trials.csv")
    done["centrality"] = centrality(done, targets)
    accepted = done[done["loss"] == 0].sort_values(["centrality", "trial"])
    best = accepted.iloc[0] if len(accepted) else done.sort_values(["loss", "trial"]).iloc[0]
    return accepted, int(best["trial"])


def _write_outputs(out: Path, path: Path, targets: Targets, log: list[dict], table: pd.DataFrame,
                   overrides: list[str]) -> int:
    """Write the folder's files from the record; returns the chosen trial."""
    from ..outputs.figures import calibration_figure

    names = [t.name for t in targets.targets]
    runs = []
    for record in log:
        for seed, row in zip(targets.seeds, _runs_of(record) if record["runs"] is not None else []):
            runs.append({"trial": record["number"], "seed": seed, **dict(zip(names, row))})
    runs = pd.DataFrame(runs, columns=["trial", "seed", *names])
    write_text(out / "trials.csv", table.to_csv(index=False))
    write_text(out / "runs.csv", runs.to_csv(index=False))
    accepted, best = chosen(table, targets)
    write_text(out / "accepted.csv", accepted.to_csv(index=False))
    of = {number: group[names].to_numpy(float) for number, group in runs.groupby("trial")}
    none = np.empty((0, len(names)))
    summary = summarise(targets.targets, of[best])
    write_text(out / "report.md", report(path, targets, log, accepted, best,
                                         summarise(targets.targets, of.get(0, none)), summary))
    calibration_figure(targets.targets, of.get(0, none), of[best],
                       accepted[[f"mean.{n}" for n in names]].to_numpy(float), best, out / "bands")
    write_text(out / "calibrated.yaml", calibrated_scenario(path, targets, log[best]["params"], best, summary,
                                                            overrides))
    return best


def _uniform(log: list[dict], cal) -> list[int]:
    """The trials after trial 0 that TPE drew uniformly: those of the batches proposed while fewer than `startup`
    trials had completed (Optuna counts completed trials only)."""
    drawn = []
    for first in range(0, len(log), cal.batch):
        if sum(r["state"] == "COMPLETE" for r in log[:first]) < cal.startup:
            drawn += [r["number"] for r in log[first:first + cal.batch] if r["number"] > 0]
    return drawn


def report(path: Path, targets: Targets, log: list[dict], accepted: pd.DataFrame, best: int,
           before: pd.DataFrame, after: pd.DataFrame) -> str:
    """The calibration in two tables: the free parameters (prior, uncalibrated, chosen, accepted range) and the
    targets (band, uncalibrated mean, chosen mean with its 2.5% and 97.5% points over seeds)."""
    done = sum(r["state"] == "COMPLETE" for r in log)
    uniform = _uniform(log, targets.calibrate)
    lines = [f"{len(log)} trials ({done} finished) of {len(targets.seeds)} seeds each on `{targets.scenario}` with "
             f"{', '.join(f'`{o}`' for o in targets.overrides) or 'no overrides'}; {len(accepted)} accepted (every "
             f"target's mean in its band)"
             + (f", {int(accepted['trial'].isin(uniform).sum())} of them among the {len(uniform)} drawn uniformly "
                f"from the prior" if uniform else "") + f"; trial {best} chosen.", "",
             "| parameter | prior range | uncalibrated | chosen | accepted trials: min – max |", "|---|---|---|---|---|"]
    for free in targets.calibrate.free:
        values = accepted[free.key] if len(accepted) else pd.Series(dtype=float)
        span = f"{values.min():.3g} – {values.max():.3g}" if len(values) else "none accepted"
        lines.append(f"| `{free.key}` | {free.low:g} – {free.high:g} | {log[0]['params'][free.key]:.3g} | "
                     f"{log[best]['params'][free.key]:.3g} | {span} |")
    lines += ["", "| target | source | week | band | uncalibrated mean | chosen mean [2.5%, 97.5%] | in band |",
              "|---|---|---|---|---|---|---|"]
    for b, a in zip(before.itertuples(), after.itertuples()):
        lines.append(f"| `{a.target}` | {a.source} | {a.week} | {a.low:g} – {a.high:g} | {b.mean:.3f} | "
                     f"{a.mean:.3f} [{a.q025:.3f}, {a.q975:.3f}] | {'yes' if a.in_band else '**no**'} |")
    return "\n".join(lines) + "\n"


def calibrated_scenario(path: Path, targets: Targets, params: dict, trial: int, summary: pd.DataFrame,
                        overrides: list[str]) -> str:
    """The targets file's scenario file with the `--set` options it was calibrated under and the chosen parameters
    (not the targets file's own overrides, which only shrink England for the fit), headed by where they came from."""
    from ..config import validate
    from ..outputs.provenance import commit

    source = path.parent / targets.scenario
    data = resolve_files(read_yaml(source) or {}, source.parent)
    data = apply_overrides(data, [*overrides, *as_overrides(params)], str(path))
    validate(data, f"{source} (calibrated)")
    options = "".join(f" --set {o}" for o in overrides)
    head = [f"# {source.name} calibrated by `pcnsim calibrate {path}{options}` (trial {trial}: "
            f"{int(summary['in_band'].sum())} of {len(summary)} targets in band; pcnsim {__version__}, "
            f"commit {commit() or 'unknown'}).",
            "# Fitted: " + ", ".join(f"{key} = {value:.6g}" for key, value in params.items())]
    return "\n".join(head) + "\n" + safe_yaml.dump(data)
