"""Figures: one run's outcome curves, scenarios compared, a sweep's curves or phase diagram, sensitivity, calibration.

Every figure is drawn at page width (PAGE_WIDTH inches, text of at least 8 pt at that size) in a grid of at most two
columns (three beyond six panels), with each axis labelled in its unit, and written from a file stem as PNG (200 dpi),
SVG and PDF, each atomically (pcnsim.outputs.files). Scenarios keep their colours everywhere (pcnsim.outputs.palette).
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
from cycler import cycler  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ..engine.outcomes import NATIONAL, PCN  # noqa: E402
from .files import write_bytes  # noqa: E402
from .palette import CYCLE, OKABE_ITO, scenario_colours  # noqa: E402
from .stats import QUARTER, crossover, trailing_mean  # noqa: E402

PAGE_WIDTH = 7.5  # inches: a page's text width, so that the sizes below are the printed sizes
DPI = 200
FORMATS = ("png", "svg", "pdf")
STYLE = {
    "font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8, "xtick.labelsize": 8, "ytick.labelsize": 8,
    "legend.fontsize": 8, "figure.titlesize": 10, "legend.title_fontsize": 8,
    "axes.prop_cycle": cycler(color=CYCLE), "axes.spines.top": False, "axes.spines.right": False,
    "svg.fonttype": "none", "pdf.fonttype": 42,  # text stays text, editable in a journal's tools
    "svg.hashsalt": "pcnsim",
}
METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}  # with the salt: the same figure, the same bytes
_styled = matplotlib.rc_context(STYLE)  # every figure's text is made under it; the global rcParams stay as they were


def _save(fig, stem: Path) -> None:
    for kind in FORMATS:
        buffer = io.BytesIO()
        fig.savefig(buffer, format=kind, dpi=DPI, metadata=METADATA.get(kind))
        write_bytes(Path(stem).with_suffix(f".{kind}"), buffer.getvalue())
        fig.set_layout_engine("none")  # laid out by the first save: the others reuse it (a third of the time)
    plt.close(fig)


def _grid(panels: int, row_height: float = 2.3, extra: float = 0.8, most_columns: int = 3):
    """A page-wide figure with `panels` axes wrapping into rows; the axes in reading order."""
    columns = 1 if panels == 1 else 2 if panels <= 6 else most_columns
    rows = -(-panels // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(PAGE_WIDTH, row_height * rows + extra), squeeze=False,
                             layout="constrained")
    for ax in axes.flat[panels:]:
        ax.remove()
    return fig, list(axes.flat[:panels])


# What an outcome's axis says, by its kind: a share is "share of <whom its doc names> (0–1)", a flag "1 if so, 0 if
# not", a count "<what it counts> (cumulative count)", "... per week" or "... (count)" as its doc says ("so far" or
# "cumulative", "this week"), and a mean "<its name less mean_/min_> (0–1)"; LABELS gives what these rules cannot
# (totals, means of other units, counts whose name does not start with the thing counted).
LABELS = {
    "step": "week",
    "agreement_share": "share of meetings and decisions (0–1)",
    "progress": "share of arrived effort delivered (0–1)",
    "trust_growth": "change in trust per year",
    "value_dispersion": "value distance per dimension",
    "conflict_intensity": "conflict intensity (≥ 0)",
    "latent_tension": "tension per tie (≥ 0)",
    "capacity": "capacity, practice-weeks per week",
    "pressure": "work / capacity",
    "relationship_time_lost": "share of meeting time lost (0–1)",
    "joint_quality": "value per unit of effort (0–1)",
    "ics_trust": "trust in the ICS (0–1)",
    "mandate_demand": "effort asked, practice-weeks per week",
    "joint_value": "value of joint work (cumulative)",
    "joint_effort": "effort, practice-weeks (cumulative)",
    "population": "registered patients",
}
COUNTED = {"conflict": "conflicts", "trusted": "trusted groups", "n": "opinion clusters", "broken": "broken agreements"}
# Where a confidence band may reach, by kind; BOUNDS where the kind is not enough (ODD 7.9's ranges).
KIND_BOUNDS = {"share": (0.0, 1.0), "flag": (0.0, 1.0), "count": (0.0, None), "total": (0.0, None), "mean": (0.0, 1.0)}
BOUNDS = {"trust_growth": (None, None), "value_dispersion": (0.0, None), "conflict_intensity": (0.0, None),
          "latent_tension": (0.0, None), "capacity": (0.0, None), "pressure": (0.0, None)}
MILESTONES = ("milestones_met", "milestones_due")


_DECLARED = {o.name: o for registry in (PCN, NATIONAL) for o in registry.outcomes}  # a national one where both are


def axis_label(outcome: str) -> str:
    """The label of an axis showing `outcome` (a national or per-PCN outcome), with its unit."""
    if outcome in LABELS:
        return LABELS[outcome]
    declared = _DECLARED[outcome]
    if declared.kind == "share":
        return f"share of {declared.doc.split()[2]} (0–1)"
    if declared.kind == "flag":
        return "1 if so, 0 if not"
    if declared.kind == "count":
        first = outcome.split("_")[0]
        what = COUNTED.get(first, first)
        if "cumulative" in declared.doc or "so far" in declared.doc:
            return f"{what} (cumulative count)"
        return f"{what} per week" if "this week" in declared.doc else f"{what} (count)"
    return f"{outcome.removeprefix('mean_').removeprefix('min_').replace('_', ' ')} (0–1)"


def bounds(outcome: str) -> tuple[float | None, float | None]:
    """The least and greatest value `outcome` can take (None: unbounded)."""
    return BOUNDS.get(outcome) or KIND_BOUNDS[_DECLARED[outcome].kind]


def _band(ax, steps, low, high, outcome: str, colour: str, alpha: float = 0.2):
    """A band clipped to the outcome's range: a confidence interval says nothing about impossible values."""
    least, most = bounds(outcome)
    low, high = np.asarray(low, float), np.asarray(high, float)
    if least is not None:
        low, high = np.maximum(low, least), np.maximum(high, least)
    if most is not None:
        low, high = np.minimum(low, most), np.minimum(high, most)
    return ax.fill_between(steps, low, high, color=colour, alpha=alpha, linewidth=0)


def _panel(ax, outcome: str) -> None:
    ax.set_title(outcome.replace("_", " "))
    ax.set_xlabel("week")
    ax.set_ylabel(axis_label(outcome))


def _crossover(ax, outcome: str, on: str | None, week: int | None, groups: list) -> None:
    """Mark the week from which the second of `groups` stays ahead of the first on `on`, on that outcome's panel (and
    the other milestone panel, for milestones): elsewhere a line at that week would claim a crossover not there."""
    if week is None or outcome not in (MILESTONES if on in MILESTONES else (on,)):
        return
    ax.axvline(week, color="grey", linestyle="--", linewidth=1)
    late = week > np.mean(ax.get_xlim())  # the words on the side of the line with room for them
    ax.annotate(f"{groups[1]} ahead on\n{on.replace('_', ' ')} from week {week}", (week, 0.97),
                xycoords=("data", "axes fraction"),
                xytext=(-4 if late else 4, 0), textcoords="offset points", ha="right" if late else "left", va="top",
                fontsize=8, color="dimgrey")


LEGEND_CHARACTERS = 100  # about as many 8-pt characters, with their handles, as fit across the page


def _legend(fig, handles, labels, title: str | None = None) -> None:
    if handles:
        columns = max(1, min(len(labels), 4, LEGEND_CHARACTERS // (max(map(len, labels)) + 6)))
        fig.legend(handles, labels, loc="outside upper center", ncols=columns, frameon=False, title=title)


RUN_PANELS = (  # one run's panels: the lines of a panel share its unit
    ("Trust", ["mean_trust", "min_trust"], "trust (0–1)"),
    ("Consensus", ["agreement_share", "shared_purpose"], "share (0–1)"),
    ("Values", ["value_dispersion"], LABELS["value_dispersion"]),
    ("Conflict", ["conflict_productive", "conflict_avoided", "conflict_destructive"],
     f"conflicts per week ({QUARTER}-week mean)"),
    ("Engagement", ["ownership", "passive_compliance", "disengaged", "burnout"], "share of practices; burnout (0–1)"),
    ("Delivery", ["milestones_due", "milestones_met"], "milestones (cumulative count)"),
)


@_styled
def outcomes_figure(timeseries: pd.DataFrame, title: str, stem: Path) -> None:
    """Six panels of one run: trust, consensus, values, conflict, engagement and delivery."""
    fig, axes = _grid(len(RUN_PANELS), row_height=2.1)
    for ax, (name, columns, label) in zip(axes, RUN_PANELS):
        for column in columns:
            series = trailing_mean(timeseries[column]) if column.startswith("conflict_") else timeseries[column]
            ax.plot(timeseries["step"], series, label=column.replace("_", " ").removeprefix("conflict "))
        ax.set_title(name)
        ax.set_xlabel("week")
        ax.set_ylabel(label)
        if len(columns) > 1:
            ax.legend(frameon=False, handlelength=1.2, borderaxespad=0.2)
    fig.suptitle(title)
    _save(fig, stem)


def _label(rows: pd.DataFrame, varied: list[str]) -> str:
    first = rows.iloc[0]
    return ", ".join(f"{k}={first[k]:g}" if isinstance(first[k], float) else f"{first[k]}" for k in varied)


def _crossing(summary: pd.DataFrame, by: str, groups: list, outcome: str | None) -> int | None:
    """The week from which the second group's mean over its points stays above the first's on `outcome`."""
    if outcome not in set(summary["outcome"]) or len(groups) < 2:
        return None
    means = summary[summary["outcome"] == outcome].groupby([by, "step"])["mean"].mean()
    return crossover(means.loc[groups[0]], means.loc[groups[1]])


def _group_colours(by: str, groups: list) -> dict:
    return scenario_colours(groups) if by == "scenario" else {g: CYCLE[i % len(CYCLE)] for i, g in enumerate(groups)}


LINE_STYLES = ("-", "--", ":", "-.")


@_styled
def sweep_curves(summary: pd.DataFrame, outcomes: list[str], by: str, varied: list[str],
                 crossover_outcome: str | None, stem: Path) -> int | None:
    """Mean curves with 95% bands, one line per design point, coloured by `by`.

    Returns the crossover step on `crossover_outcome` (second group overtaking the first), if asked for; it is
    marked on that outcome's panel.
    """
    groups = list(dict.fromkeys(summary[by]))
    colours = _group_colours(by, groups)
    others = [c for c in varied if c != by]  # points of one colour told apart by their line
    styles = {key: LINE_STYLES[i % len(LINE_STYLES)]
              for i, key in enumerate(dict.fromkeys(map(tuple, summary[others].to_numpy())))} if others else {(): "-"}
    cross = _crossing(summary, by, groups, crossover_outcome)
    fig, axes = _grid(len(outcomes))
    for ax, outcome in zip(axes, outcomes):
        for _, rows in summary[summary["outcome"] == outcome].groupby("point", sort=True):
            colour = colours[rows[by].iloc[0]]
            ax.plot(rows["step"], rows["mean"], color=colour, linestyle=styles[tuple(rows[others].iloc[0])],
                    label=_label(rows, varied))
            _band(ax, rows["step"], rows["ci_low"], rows["ci_high"], outcome, colour)
        _panel(ax, outcome)
        _crossover(ax, outcome, crossover_outcome, cross, groups)
    handles, labels = axes[0].get_legend_handles_labels()
    if len(labels) > 12:  # too many points to name: name the colours
        handles = [plt.Line2D([], [], color=colours[g]) for g in groups]
        labels = [_label(pd.DataFrame({by: [g]}), [by]) for g in groups]
    _legend(fig, handles, labels, title="mean of each design point's runs and its 95% confidence band")
    _save(fig, stem)
    return cross


@_styled
def design_spread(summary: pd.DataFrame, outcomes: list[str], crossover_outcome: str | None, stem: Path) -> int | None:
    """Per scenario, the mean over a sampled design's points of their mean curves, and the band from the 10% to the
    90% quantile of those means: how far the parameters move each outcome, without a line per point.

    Returns the crossover step on `crossover_outcome` (second scenario overtaking the first), marked on its panel.
    """
    scenarios = list(dict.fromkeys(summary["scenario"]))
    colours = scenario_colours(scenarios)
    cross = _crossing(summary, "scenario", scenarios, crossover_outcome)
    points = int(summary.groupby("scenario")["point"].nunique().min())
    fig, axes = _grid(len(outcomes))
    for ax, outcome in zip(axes, outcomes):
        for scenario, rows in summary[summary["outcome"] == outcome].groupby("scenario", sort=False):
            means = rows.groupby("step")["mean"]
            middle = means.mean()
            ax.plot(middle.index, middle, color=colours[scenario], label=scenario)
            _band(ax, middle.index, means.quantile(0.1), means.quantile(0.9), outcome, colours[scenario], alpha=0.25)
        _panel(ax, outcome)
        _crossover(ax, outcome, crossover_outcome, cross, scenarios)
    _legend(fig, *axes[0].get_legend_handles_labels(),
            title=f"mean over {points} design points; band: 10–90% quantiles of the points' means")
    _save(fig, stem)
    return cross


@_styled
def phase_diagram(summary: pd.DataFrame, outcomes: list[str], x: str, y: str, stem: Path) -> None:
    """Heatmap of each outcome's final mean over two varied parameters."""
    final = summary[summary["step"] == summary["step"].max()]
    fig, axes = _grid(len(outcomes), row_height=2.6)
    for ax, outcome in zip(axes, outcomes):
        grid = final[final["outcome"] == outcome].pivot_table(index=y, columns=x, values="mean")
        image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns], rotation=45)
        ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(f"{outcome.replace('_', ' ')} at week {int(final['step'].max())}")
        fig.colorbar(image, ax=ax, label=f"mean {axis_label(outcome)}")
    _save(fig, stem)


SOBOL_COLOURS = cycler(color=[OKABE_ITO["sky blue"], OKABE_ITO["blue"]])  # S1 and ST: light and dark of one hue


@_styled
def sensitivity_figure(indices: pd.DataFrame, design: str, stem: Path) -> None:
    """At the last analysed week, one panel per scenario and outcome: Morris μ* with its 95% CI and σ (SALib's
    horizontal bar plot), or Sobol's first-order and total indices with their 95% CIs (SALib's bar plot)."""
    from SALib.plotting import bar, morris

    week = int(indices["step"].max())
    last = indices[indices["step"] == week]
    panels = list(last.groupby(["scenario", "outcome"], sort=False))
    several = last["scenario"].nunique() > 1
    colours = scenario_colours(last["scenario"])
    # two columns whatever the panels: the parameters' names need the room
    high = 0.25 * last["parameter"].nunique() + 1.0 if design == "morris" else 2.3  # room for the bars' names
    fig, axes = _grid(len(panels), row_height=high, most_columns=2)
    for ax, ((scenario, outcome), rows) in zip(axes, panels):
        if design == "morris":
            si = {k: rows[k].to_numpy() for k in ("mu_star", "mu_star_conf", "sigma")} | {
                "names": rows["parameter"].to_numpy()}
            morris.horizontal_bar_plot(ax, si, {"color": colours[scenario]})
            order = np.argsort(si["mu_star"])  # the bars' order
            ax.scatter(si["sigma"][order], np.arange(len(order)), marker="D", s=18, facecolor="white",
                       edgecolor="black", zorder=3)
            ax.set_xlabel(axis_label(outcome))  # μ* and σ are in the outcome's unit
            ax.set_xlim(left=0)
        else:
            with matplotlib.rc_context({"axes.prop_cycle": SOBOL_COLOURS}):
                bar.plot(rows.set_index("parameter")[["S1", "S1_conf", "ST", "ST_conf"]], ax=ax)
            ax.get_legend().remove()
            ax.set_xlabel("")
            ax.set_ylabel("share of variance (0–1)")
            ax.tick_params(axis="x", labelrotation=30)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")
            ax.axhline(0, color="black", linewidth=0.6)
        ax.set_title(f"{outcome.replace('_', ' ')}" + (f" ({scenario})" if several else ""))
    if design == "morris":
        handles = [Patch(color=c, label=f"μ* ({s})" if several else "μ*") for s, c in colours.items()]
        handles.append(plt.Line2D([], [], marker="D", linestyle="none", markerfacecolor="white",
                                  markeredgecolor="black", label="σ"))
        _legend(fig, handles, [h.get_label() for h in handles],
                title=f"Morris elementary effects at week {week}: mean of their sizes μ* (bars, 95% CI) and their "
                      "spread σ")
    else:
        _legend(fig, *axes[0].get_legend_handles_labels(),
                title=f"Sobol indices at week {week}: first order (S1) and total (ST), with 95% CIs")
    _save(fig, stem)


def varied_columns(parameters: list[str], design: "pd.DataFrame") -> tuple[list[str], list[str]]:
    """Design columns that take more than one value, and those of them that are numeric parameters."""
    varied = [c for c in ["scenario", *parameters] if design[c].nunique() > 1] or ["scenario"]
    return varied, [c for c in varied if c != "scenario"]


def shown_outcomes(wanted: list[str], recorded: list[str]) -> list[str]:
    """The wanted outcomes a sweep recorded, or its first four recorded outcomes if it recorded none of them."""
    return [o for o in wanted if o in recorded] or recorded[:4]


def sweep_figure(experiment, design: pd.DataFrame, summary: pd.DataFrame, stem: Path) -> str:
    """A sweep's own figure: a phase diagram when a factorial varies exactly two parameters, curves of each point for
    another factorial, and the mean and spread over the points for a sampled design (lhs, sobol, morris).

    `experiment` is the sweep's Experiment (its design, parameters and figure
    settings); `design` its design table. Returns what was drawn, for the user.
    """
    varied, numeric = varied_columns(list(experiment.parameters), design)
    outcomes = shown_outcomes(list(experiment.figure.outcomes), list(dict.fromkeys(summary["outcome"])))
    if experiment.design == "factorial" and len(varied) == 2 and len(numeric) == 2:
        phase_diagram(summary, outcomes, numeric[0], numeric[1], stem)
        return "phase diagram"
    if experiment.design != "factorial":  # sampled points: a line and a band each would be a tangle
        cross = design_spread(summary, outcomes, experiment.figure.crossover, stem)
        return "mean and spread over the design points" + (
            f"; crossover on {experiment.figure.crossover} at week {cross}" if cross is not None else "")
    by = experiment.figure.by if experiment.figure.by in ["scenario", *experiment.parameters] else "scenario"
    cross = sweep_curves(summary, outcomes, by, varied, experiment.figure.crossover, stem)
    return "curves" + (f"; crossover on {experiment.figure.crossover} at week {cross}" if cross is not None else "")


@_styled
def calibration_figure(targets, uncalibrated, best, accepted_means, trial: int, stem: Path) -> None:
    """One panel per target: its band, and the simulated values of the uncalibrated model (each run), of the chosen
    trial (each run) and of every accepted trial (its mean over runs)."""
    # two columns whatever the targets: each panel names its groups and its long measure
    fig, axes = _grid(len(targets), row_height=1.75, extra=0.4, most_columns=2)
    groups = (("uncalibrated\n(each run)", uncalibrated, "#7f7f7f"),
              (f"trial {trial}\n(each run)", best, OKABE_ITO["blue"]),
              (f"accepted trials\n(their means, {len(accepted_means)})", accepted_means, OKABE_ITO["bluish green"]))
    for k, (ax, target) in enumerate(zip(axes, targets)):
        low, high = target.band
        ax.axvspan(low, high, color=OKABE_ITO["yellow"], alpha=0.45, lw=0, label="band")
        seen = []
        for level, (label, values, colour) in enumerate(groups):
            shown = np.asarray(values, float)[:, k] if len(values) else np.array([])
            shown = shown[np.isfinite(shown)]
            seen.extend(shown)
            offsets = np.linspace(-0.18, 0.18, len(shown)) if len(shown) > 1 else np.zeros(len(shown))
            ax.scatter(shown, level + offsets, s=18, color=colour, alpha=0.8, edgecolor="none")
            if len(shown):
                ax.plot([shown.mean()] * 2, [level - 0.3, level + 0.3], color=colour, lw=2.5)
        if seen:  # the band in full unless it reaches far beyond the values (a band of "at least ...")
            lo, hi = min(seen), max(seen)
            span = max(hi - lo, 0.05 * (high - low), 1e-9)
            left, right = max(min(low, lo), lo - 2 * span), min(max(high, hi), hi + 2 * span)
            ax.set_xlim(left - 0.04 * (right - left), right + 0.04 * (right - left))
        ax.set_yticks(range(len(groups)), [g[0] for g in groups])
        ax.set_ylim(-0.6, len(groups) - 0.4)
        title = f"{target.name.replace('_', ' ')} ({target.source}, week {target.week})"
        ax.set_title("\n".join(textwrap.wrap(title, 44)))
        ax.set_xlabel("\n".join(textwrap.wrap(_measure_label(target.measure), 44)))
    fig.suptitle("Calibration: each target's band (yellow) against the simulated values")
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
