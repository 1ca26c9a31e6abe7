"""Where is it not a race? SF4 over a grid of load x starting trust x PCN size, on the fair pair.

For every cell, race.yaml and trust_first.yaml run on the same seeds (paired) with
the cell's settings. Four legs are tested one-sided (Wilcoxon signed-rank,
p < 0.01): the race is ahead on milestones at week 26, and by week 260 it has
delivered less joint-work value and has lower mean trust and lower mean ownership.
Writes, in --out (default docs/not_a_race_map):

  map.csv      one row per cell: settings, mean paired gaps, p-values, which legs hold
  map.md       the same as a Markdown table (docs/ODD.md section 1 links it)
  map.png/svg  the phase diagram: one panel per PCN size, load x starting trust,
               coloured by the year-5 trust gap, marked where all four legs hold

    python experiments/not_a_race_map.py            # 40 seeds per cell: 3,600 runs of 260 weeks
    python experiments/not_a_race_map.py --seeds 10  # a quick look
    python experiments/not_a_race_map.py --calibrated docs/calibration/fit --out docs/not_a_race_map/calibrated
                                                     # at a calibration's chosen parameters (docs/CALIBRATION.md)

The load is the five specifications' total effort in practice-weeks for the PCN,
whatever its size (14 is the shipped value, for five practices).
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from pcnsim import __version__, load
from pcnsim.engine.batch import simulate
from pcnsim.engine.outcomes import OUTCOMES

ROOT = Path(__file__).resolve().parents[1]
LOADS = (10.0, 14.0, 18.0)
TRUST = (0.15, 0.3, 0.45)
PRACTICES = (4, 5, 6, 8, 10)
ALPHA = 0.01
# (column, week, the race's side of the gap): the four legs of SF4.
LEGS = {"ahead_wk26": ("milestones_met", 26, "greater"), "joint_value_wk260": ("joint_value", 260, "less"),
        "trust_wk260": ("mean_trust", 260, "less"), "ownership_wk260": ("mean_ownership", 260, "less")}


def p_value(race: np.ndarray, first: np.ndarray, alternative: str) -> float:
    diff = race - first
    if np.all(diff == 0):
        return 1.0
    return float(stats.wilcoxon(race, first, alternative=alternative, zero_method="zsplit").pvalue)


def cell(load_: float, trust: float, practices: int, seeds: list[int], calibrated: list[str] = ()) -> dict:
    overrides = [*calibrated, f"mandates.0.total_effort={load_}", f"trust.initial={trust}",
                 f"network.practices={practices}"]
    race, first = (np.array(simulate([load(ROOT / "scenarios" / f"{name}.yaml", overrides)] * len(seeds), seeds))
                   for name in ("race", "trust_first"))
    row = {"load": load_, "trust_initial": trust, "practices": practices, "seeds": len(seeds)}
    for leg, (column, week, alternative) in LEGS.items():
        a, b = race[:, week, OUTCOMES.index(column)], first[:, week, OUTCOMES.index(column)]
        p = p_value(a, b, alternative)
        row[f"{leg}_gap"] = float((a - b).mean())  # race minus trust_first
        row[f"{leg}_p"] = p
        row[f"{leg}_holds"] = bool(p < ALPHA and ((a - b).mean() > 0) == (alternative == "greater"))
    row["all_four"] = all(row[f"{leg}_holds"] for leg in LEGS)
    return row


def table_md(table: pd.DataFrame) -> str:
    head = ("| practices | load | trust.initial | race − TF milestones wk 26 | joint value wk 260 | trust wk 260 | "
            "ownership wk 260 | all four legs |")
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        legs = [f"{r[f'{leg}_gap']:+.3f} (p {r[f'{leg}_p']:.1g})" for leg in LEGS]
        lines.append(f"| {r.practices} | {r.load:g} | {r.trust_initial:g} | " + " | ".join(legs)
                     + f" | {'yes' if r.all_four else 'no'} |")
    return "\n".join(lines) + "\n"


def figure(table: pd.DataFrame, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(table.practices.unique())
    fig, axes = plt.subplots(1, len(sizes), figsize=(3.2 * len(sizes), 3.4), sharey=True, constrained_layout=True)
    limit = float(np.abs(table.trust_wk260_gap).max())
    for ax, size in zip(np.atleast_1d(axes), sizes):
        part = table[table.practices == size]
        grid = part.pivot(index="trust_initial", columns="load", values="trust_wk260_gap")
        image = ax.imshow(grid.values, origin="lower", cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
        ax.set_xticks(range(len(grid.columns)), [f"{x:g}" for x in grid.columns])
        ax.set_yticks(range(len(grid.index)), [f"{y:g}" for y in grid.index])
        ax.set_xlabel("specifications' load (practice-weeks)")
        ax.set_title(f"{size} practices")
        for (i, trust), (j, load_) in itertools.product(enumerate(grid.index), enumerate(grid.columns)):
            r = part[(part.trust_initial == trust) & (part.load == load_)].iloc[0]
            ax.text(j, i, ("●" if r.all_four else "○") + f"\n{r.trust_wk260_gap:+.2f}", ha="center", va="center",
                    fontsize=8)
    np.atleast_1d(axes)[0].set_ylabel("starting trust (trust.initial)")
    fig.colorbar(image, ax=axes, label="race − trust_first, mean trust at year 5")
    fig.suptitle("Where is it not a race? ● all four SF4 legs hold (p < 0.01); ○ not all", fontsize=10)
    for suffix in ("png", "svg"):
        tmp = out / f"map.{suffix}.tmp"
        fig.savefig(tmp, dpi=150, format=suffix)
        tmp.replace(out / f"map.{suffix}")
    plt.close(fig)


def commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40, help="paired seeds per cell (default 40)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "not_a_race_map")
    parser.add_argument("--calibrated", type=Path, help="a finished calibration's folder: run every cell at its chosen "
                        "parameters (under the cell's own settings)")
    args = parser.parse_args(argv)
    if args.seeds < 6:
        print("error: --seeds: at least 6 are needed for a one-sided test at p < 0.01", file=sys.stderr)
        return 2
    calibrated = []
    if args.calibrated:
        from pcnsim.config import ScenarioError
        from pcnsim.study.calibrate import as_overrides, chosen_parameters

        try:
            calibrated = as_overrides(chosen_parameters(args.calibrated))
        except ScenarioError as exc:
            print(f"error: --calibrated {exc}", file=sys.stderr)
            return 2
    seeds = list(range(args.seeds))
    rows = []
    cells = list(itertools.product(PRACTICES, LOADS, TRUST))
    for k, (practices, load_, trust) in enumerate(cells, 1):
        rows.append(cell(load_, trust, practices, seeds, calibrated))
        print(f"\r{k}/{len(cells)} cells", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    table = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    at = f", at the parameters calibrated in {args.calibrated}: {'; '.join(calibrated)}" if calibrated else ""
    note = (f"<!-- written by experiments/not_a_race_map.py (pcnsim {__version__}, commit {commit()}, "
            f"seeds 0-{args.seeds - 1} per cell, paired{at}) -->\n")
    for name, text in (("map.csv", table.to_csv(index=False)), ("map.md", note + table_md(table))):
        tmp = args.out / (name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(args.out / name)
    figure(table, args.out)
    holds = table.all_four.sum()
    print(f"all four legs hold in {holds} of {len(table)} cells; the long-run legs in "
          f"{(table.joint_value_wk260_holds & table.trust_wk260_holds & table.ownership_wk260_holds).sum()}; "
          f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
