"""Figures: one run's outcome curves, two scenarios compared, a sweep's curves or phase diagram, sensitivity.

Every figure is rendered in memory and written atomically (pcnsim.outputs.files).
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .files import write_bytes  # noqa: E402
from .stats import trailing_mean  # noqa: E402

def _save(fig, path: Path, suffixes: tuple[str, ...] = (".png", ".svg")) -> None:
    for suffix in suffixes:
        buffer = io.BytesIO()
        fig.savefig(buffer, format=suffix[1:], dpi=110)
        write_bytes(Path(path).with_suffix(suffix), buffer.getvalue())
    plt.close(fig)


PANELS = (
    ("Trust", ["mean_trust", "min_trust"]),
    ("Consensus", ["agreement_share", "shared_purpose", "value_dispersion"]),
    ("Conflict (per week, 13-week mean)", ["conflict_productive", "conflict_avoided", "conflict_destructive"]),
    ("Delivery and engagement", ["ownership", "passive_compliance", "disengaged", "burnout"]),
)


def outcomes_figure(timeseries: pd.DataFrame, title: str, path: Path) -> None:
    """Four panels of one run: trust, consensus, conflict and delivery."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True)
    for ax, (label, columns) in zip(axes.flat, PANELS):
        for column in columns:
            series = timeseries[column]
            if column.startswith("conflict_"):
                series = trailing_mean(series)
            ax.plot(timeseries["step"], series, label=column.replace("_", " "))
        ax.set_title(label)
        ax.legend(fontsize=8)
    delivery = axes[1, 1].twinx()
    met = timeseries["milestones_met"] / timeseries["milestones_due"].where(timeseries["milestones_due"] > 0)
    delivery.plot(timeseries["step"], met, color="black", linestyle=":", label="milestones met on time (share)")
    delivery.set_ylim(0, 1.05)
    delivery.legend(fontsize=8, loc="lower right")
    for ax in axes[1]:
        ax.set_xlabel("week")
    fig.suptitle(title)
    fig.tight_layout()
    _save(fig, path, (Path(path).suffix,))


def comparison_figure(summary: pd.DataFrame, outcomes: list[str], crossover: int | None, path: Path) -> None:
    """Mean and 95% confidence band per scenario for each outcome, with the crossover marked."""
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4.2 * len(outcomes), 3.8), sharex=True)
    for ax, outcome in zip(axes, outcomes):
        for scenario, rows in summary[summary["outcome"] == outcome].groupby("scenario", sort=False):
            ax.plot(rows["step"], rows["mean"], label=scenario)
            ax.fill_between(rows["step"], rows["ci_low"], rows["ci_high"], alpha=0.25)
        if crossover is not None:
            ax.axvline(crossover, color="grey", linestyle="--", linewidth=1)
        ax.set_title(outcome.replace("_", " "))
        ax.set_xlabel("week")
    axes[0].legend(fontsize=8)
    if crossover is not None:
        axes[0].annotate(f"crossover: week {crossover}", (crossover, 0), xycoords=("data", "axes fraction"),
                         xytext=(4, 6), textcoords="offset points", fontsize=8, color="grey")
    fig.tight_layout()
    _save(fig, path, (Path(path).suffix,))


def _label(rows: pd.DataFrame, varied: list[str]) -> str:
    first = rows.iloc[0]
    return ", ".join(f"{k}={first[k]:g}" if isinstance(first[k], float) else f"{first[k]}" for k in varied)


def sweep_curves(summary: pd.DataFrame, outcomes: list[str], by: str, varied: list[str],
                 crossover_outcome: str | None, stem: Path) -> int | None:
    """Mean curves with 95% bands, one line per design point, coloured by `by`; PNG and SVG.

    Returns the crossover step on `crossover_outcome` (second group overtaking the first), if asked for.
    """
    from .stats import crossover

    groups = list(dict.fromkeys(summary[by]))
    colours = {g: f"C{i % 10}" for i, g in enumerate(groups)}
    cross = None
    if crossover_outcome in set(summary["outcome"]) and len(groups) >= 2:
        means = summary[summary["outcome"] == crossover_outcome].groupby([by, "step"])["mean"].mean()
        cross = crossover(means.loc[groups[0]], means.loc[groups[1]])
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4.2 * len(outcomes), 3.8), sharex=True, squeeze=False)
    for ax, outcome in zip(axes[0], outcomes):
        for _, rows in summary[summary["outcome"] == outcome].groupby("point", sort=True):
            ax.plot(rows["step"], rows["mean"], color=colours[rows[by].iloc[0]], label=_label(rows, varied))
            ax.fill_between(rows["step"], rows["ci_low"], rows["ci_high"], color=colours[rows[by].iloc[0]], alpha=0.2)
        if cross is not None:
            ax.axvline(cross, color="grey", linestyle="--", linewidth=1)
        ax.set_title(outcome.replace("_", " "))
        ax.set_xlabel("week")
    handles, labels = axes[0][0].get_legend_handles_labels()
    if len(labels) <= 12:
        axes[0][0].legend(handles, labels, fontsize=7)
    if cross is not None:
        fig.suptitle(f"{groups[1]} overtakes {groups[0]} on {crossover_outcome.replace('_', ' ')} from week {cross}"
                     " (mean, 95% CI)")
    fig.tight_layout()
    _save(fig, stem)
    return cross


def phase_diagram(summary: pd.DataFrame, outcomes: list[str], x: str, y: str, stem: Path) -> None:
    """Heatmap of each outcome's final mean over two varied parameters; PNG and SVG."""
    final = summary[summary["step"] == summary["step"].max()]
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4.4 * len(outcomes), 3.8), squeeze=False)
    for ax, outcome in zip(axes[0], outcomes):
        grid = final[final["outcome"] == outcome].pivot_table(index=y, columns=x, values="mean")
        image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns], rotation=45)
        ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(f"{outcome.replace('_', ' ')} at week {int(final['step'].max())}")
        fig.colorbar(image, ax=ax)
    fig.tight_layout()
    _save(fig, stem)


def sensitivity_figure(indices: pd.DataFrame, measure: str, stem: Path) -> None:
    """Each parameter's index over time, one panel per outcome; PNG and SVG."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4.2 * len(outcomes), 3.6), squeeze=False, sharex=True)
    for ax, outcome in zip(axes[0], outcomes):
        for parameter, rows in indices[indices["outcome"] == outcome].groupby("parameter", sort=False):
            ax.errorbar(rows["step"], rows[measure], yerr=rows[f"{measure}_conf"], label=parameter, capsize=2)
        ax.set_title(outcome.replace("_", " "))
        ax.set_xlabel("week")
        ax.set_ylabel(measure)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    _save(fig, stem)


def varied_columns(parameters: list[str], design: "pd.DataFrame") -> tuple[list[str], list[str]]:
    """Design columns that take more than one value, and those of them that are numeric parameters."""
    varied = [c for c in ["scenario", *parameters] if design[c].nunique() > 1] or ["scenario"]
    return varied, [c for c in varied if c != "scenario"]


def shown_outcomes(wanted: list[str], recorded: list[str]) -> list[str]:
    """The wanted outcomes a sweep recorded, or its first four recorded outcomes if it recorded none of them."""
    return [o for o in wanted if o in recorded] or recorded[:4]


def sweep_figure(experiment, design: pd.DataFrame, summary: pd.DataFrame, stem: Path) -> str:
    """A sweep's own figure: a phase diagram when a factorial varies exactly two parameters, else curves.

    `experiment` is the sweep's Experiment (its design, parameters and figure
    settings); `design` its design table. Returns what was drawn, for the user.
    """
    varied, numeric = varied_columns(list(experiment.parameters), design)
    outcomes = shown_outcomes(list(experiment.figure.outcomes), list(dict.fromkeys(summary["outcome"])))
    if experiment.design == "factorial" and len(varied) == 2 and len(numeric) == 2:
        phase_diagram(summary, outcomes, numeric[0], numeric[1], stem)
        return "phase diagram"
    by = experiment.figure.by if experiment.figure.by in ["scenario", *experiment.parameters] else "scenario"
    cross = sweep_curves(summary, outcomes, by, varied, experiment.figure.crossover, stem)
    return "curves" + (f"; crossover on {experiment.figure.crossover} at week {cross}" if cross is not None else "")


def calibration_figure(targets, uncalibrated, best, accepted_means, trial: int, stem: Path) -> None:
    """One panel per target: its band, and the simulated values of the uncalibrated model (each run), of the chosen
    trial (each run) and of every accepted trial (its mean over runs)."""
    columns = min(2, len(targets))
    rows = -(-len(targets) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(12, 2.4 * rows + 0.6), squeeze=False)
    groups = (("uncalibrated\n(each run)", uncalibrated, "#7f7f7f"), (f"trial {trial}\n(each run)", best, "#0072b2"),
              (f"accepted trials\n(their means, {len(accepted_means)})", accepted_means, "#009e73"))
    for k, (ax, target) in enumerate(zip(axes.flat, targets)):
        low, high = target.band
        ax.axvspan(low, high, color="#f0e442", alpha=0.45, lw=0, label="band")
        seen = []
        for level, (label, values, colour) in enumerate(groups):
            shown = np.asarray(values, float)[:, k] if len(values) else np.array([])
            shown = shown[np.isfinite(shown)]
            seen.extend(shown)
            offsets = np.linspace(-0.18, 0.18, len(shown)) if len(shown) > 1 else np.zeros(len(shown))
            ax.scatter(shown, level + offsets, s=22, color=colour, alpha=0.8, edgecolor="none")
            if len(shown):
                ax.plot([shown.mean()] * 2, [level - 0.3, level + 0.3], color=colour, lw=2.5)
        if seen:  # the band in full unless it reaches far beyond the values (a band of "at least ...")
            lo, hi = min(seen), max(seen)
            span = max(hi - lo, 0.05 * (high - low), 1e-9)
            left, right = max(min(low, lo), lo - 2 * span), min(max(high, hi), hi + 2 * span)
            ax.set_xlim(left - 0.04 * (right - left), right + 0.04 * (right - left))
        ax.set_yticks(range(len(groups)), [g[0] for g in groups], fontsize=9)
        ax.set_ylim(-0.6, len(groups) - 0.4)
        title = f"{target.name.replace('_', ' ')} ({target.source}, week {target.week})"
        ax.set_title("\n".join(textwrap.wrap(title, 62)), fontsize=10)
        ax.set_xlabel(_measure_label(target.measure), fontsize=9)
        ax.tick_params(axis="x", labelsize=9)
    for ax in list(axes.flat)[len(targets):]:
        ax.set_visible(False)
    fig.suptitle("Calibration: each target's band (yellow) against the simulated values", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))  # room for the title, whatever the rows
    _save(fig, stem)


def _measure_label(measure) -> str:
    name = measure.outcome.replace("_", " ")
    if measure.kind == "ratio":
        return f"{name} / {measure.denominator.replace('_', ' ')}"
    if measure.kind == "pcn_share":
        bounds = ([f"≥ {measure.above:g}"] if measure.above is not None else []) + \
            ([f"< {measure.below:g}"] if measure.below is not None else [])
        return f"share of PCNs with {name} {' and '.join(bounds)}"
    if measure.kind == "pcn_spread":
        return f"sd over PCNs of {name}"
    if measure.kind == "change":
        return f"change in {name} since week {measure.from_week}"
    return name
