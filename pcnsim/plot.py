"""Figures: one run's outcome curves, and two scenarios compared with confidence bands."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

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
                series = series.rolling(13, min_periods=1).mean()
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
    fig.savefig(path, dpi=110)
    plt.close(fig)


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
    fig.savefig(path, dpi=110)
    plt.close(fig)
