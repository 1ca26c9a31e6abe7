"""Figures at page width: units on every axis, bands inside an outcome's range, a scenario's colour everywhere, the
crossover only where it was found, three formats from a stem; sensitivity that names what it could not estimate."""

from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.text import Text
from PIL import Image

from conftest import SCENARIOS
from pcnsim.cli import main
from pcnsim.engine.outcomes import NATIONAL, OUTCOMES
from pcnsim.outputs import figures
from pcnsim.outputs.palette import OKABE_ITO, PINNED, scenario_colours
from pcnsim.study import experiment as experiments
from pcnsim.study.sensitivity import analyze
from pcnsim.trainer.drawing import SIDE_COLOURS

STEPS = np.arange(0, 41, 5)


def _summary(scenarios, outcomes, points_per_scenario=1, mean=None, half=0.05):
    """A sweep's summary: per point, step and outcome, a mean (by default rising from 0.2) and its 95% interval."""
    rows, point = [], 0
    for s, scenario in enumerate(scenarios):
        for _ in range(points_per_scenario):
            for outcome in outcomes:
                for step in STEPS:
                    m = mean(scenario, outcome, step, point) if mean else 0.2 + 0.01 * step + 0.05 * s
                    rows.append({"point": point, "scenario": scenario, "step": step, "outcome": outcome, "n": 5,
                                 "mean": m, "sd": 0.1, "ci_low": m - half, "ci_high": m + half})
            point += 1
    return pd.DataFrame(rows)


@pytest.fixture
def drawn(monkeypatch):
    """The figures the test draws, kept after they are saved."""
    figs = []
    real = figures._save

    def keep(fig, stem):
        figs.append(fig)
        real(fig, stem)

    monkeypatch.setattr(figures, "_save", keep)
    return figs


def _panels(fig):
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


def _line_colour(ax, label):
    return next(matplotlib.colors.to_hex(line.get_color()) for line in ax.get_lines() if line.get_label() == label)


def _vertical_lines(ax):
    return [line for line in ax.get_lines() if len(set(line.get_xdata())) == 1 and len(line.get_xdata()) == 2]


def test_every_outcome_has_an_axis_label_with_its_unit():
    for outcome in NATIONAL.outcomes:
        label = figures.axis_label(outcome.name)
        assert label and label != outcome.name.replace("_", " "), outcome.name
        if outcome.kind == "share":
            assert label.endswith("(0–1)"), outcome.name
        if outcome.kind == "count" and outcome.name != "step":
            assert "count" in label or "per week" in label, outcome.name
    assert set(map(figures.axis_label, OUTCOMES)) >= {"share of practices (0–1)", "milestones (cumulative count)",
                                                      "trust (0–1)", "value of joint work (cumulative)"}
    assert figures.axis_label("mandate_demand") == "effort asked, practice-weeks per week"
    assert figures.axis_label("conflict_avoided") == "conflicts per week"
    assert figures.axis_label("believe_behind") == "share of PCNs (0–1)"
    # the ranges of ODD 7.9: shares and most means in [0, 1], amounts from 0 up, trust's growth either way
    assert figures.bounds("ownership") == figures.bounds("mean_trust") == (0, 1)
    assert figures.bounds("joint_value") == figures.bounds("latent_tension") == (0, None)
    assert figures.bounds("trust_growth") == (None, None)
    assert all(figures.bounds(o) for o in OUTCOMES)


def test_a_figure_is_written_from_its_stem_as_png_svg_and_pdf(tmp_path):
    for stem in ("curves", "again"):
        figures.sweep_curves(_summary(["race"], ["mean_trust"]), ["mean_trust"], "scenario", ["scenario"], None,
                             tmp_path / stem)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.pdf", "again.png", "again.svg",
                                                          "curves.pdf", "curves.png", "curves.svg"]
    for kind in figures.FORMATS:  # no date or random id in the files: the same figure, the same bytes
        assert (tmp_path / f"curves.{kind}").read_bytes() == (tmp_path / f"again.{kind}").read_bytes()
    with Image.open(tmp_path / "curves.png") as png:
        assert png.size[0] == figures.PAGE_WIDTH * figures.DPI  # page width at 200 dpi, not cropped
    assert (tmp_path / "curves.pdf").read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in (tmp_path / "curves.svg").read_bytes()[:1000]


def test_eight_outcomes_wrap_into_a_page_wide_grid_of_readable_panels(tmp_path, drawn):
    outcomes = ["milestones_met", "mean_trust", "agreement_share", "ownership", "joint_value", "mean_ownership",
                "latent_tension", "conflict_destructive"]
    before = dict(matplotlib.rcParams)
    figures.sweep_curves(_summary(["race", "trust_first"], outcomes), outcomes, "scenario", ["scenario"], None,
                         tmp_path / "eight")
    (fig,) = drawn
    assert dict(matplotlib.rcParams) == before  # the style was local to the figure
    assert fig.get_size_inches()[0] == pytest.approx(figures.PAGE_WIDTH)
    panels = _panels(fig)
    assert len(panels) == 8
    assert {ax.get_subplotspec().get_geometry()[:2] for ax in panels} == {(3, 3)}  # three columns beyond six panels
    for ax, outcome in zip(panels, outcomes):
        assert ax.get_xlabel() == "week" and ax.get_ylabel() == figures.axis_label(outcome)
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    assert len(texts) > 8 * 4  # titles, axis labels and tick labels at least
    small = sorted({(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < 8})
    assert not small, small


def test_two_to_six_panels_take_two_columns(tmp_path, drawn):
    figures.sweep_curves(_summary(["race", "trust_first"], ["mean_trust", "ownership", "joint_value"]),
                         ["mean_trust", "ownership", "joint_value"], "scenario", ["scenario"], None, tmp_path / "c")
    assert {ax.get_subplotspec().get_geometry()[:2] for ax in _panels(drawn[0])} == {(2, 2)}


def _band_range(ax):
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    ys = np.concatenate([path.vertices[:, 1] for path in band.get_paths()])
    return ys.min(), ys.max()


def test_confidence_bands_stay_inside_an_outcomes_range(tmp_path, drawn):
    wide = _summary(["race"], ["ownership", "milestones_met", "trust_growth"], half=3.0,
                    mean=lambda s, o, step, p: 0.5)
    figures.sweep_curves(wide, ["ownership", "milestones_met", "trust_growth"], "scenario", ["scenario"], None,
                         tmp_path / "c")
    share, count, growth = _panels(drawn[0])
    assert _band_range(share) == (0, 1)
    assert _band_range(count) == (0, 3.5)  # a count cannot be negative, but may be large
    assert _band_range(growth) == (-2.5, 3.5)  # trust may fall


def test_a_scenario_has_one_colour_in_every_figure(tmp_path, drawn):
    figures.sweep_curves(_summary(["trust_first", "race"], ["mean_trust"]), ["mean_trust"], "scenario", ["scenario"],
                         None, tmp_path / "c")
    figures.sweep_curves(_summary(["baseline", "race", "diverse_values", "trust_first"], ["mean_trust"]),
                         ["mean_trust"], "scenario", ["scenario"], None, tmp_path / "s")
    compared, swept = (_panels(fig)[0] for fig in drawn)
    for name in ("race", "trust_first"):
        assert _line_colour(compared, name) == _line_colour(swept, name) == PINNED[name].lower()
    assert SIDE_COLOURS == (PINNED["race"], PINNED["trust_first"])  # the trainer's page and the race animation
    others = scenario_colours(["baseline", "race", "diverse_values"])
    assert len(set(others.values())) == 3 and set(others.values()) <= set(OKABE_ITO.values())


def test_a_sweep_of_many_points_names_its_colours_not_its_points(tmp_path, drawn):
    summary = _summary(["race"], ["mean_trust"], points_per_scenario=14,
                       mean=lambda s, o, step, p: 0.3 + 0.01 * p)
    summary["trust.gain"] = 0.01 * (summary["point"] % 2 + 1)
    summary["values.confidence"] = 0.1 * summary["point"]
    figures.sweep_curves(summary, ["mean_trust"], "trust.gain", ["trust.gain", "values.confidence"], None,
                         tmp_path / "many")
    (legend,) = drawn[0].legends
    assert [t.get_text() for t in legend.get_texts()] == ["trust.gain=0.01", "trust.gain=0.02"]
    (ax,) = _panels(drawn[0])
    assert len({line.get_linestyle() for line in ax.get_lines()}) > 1  # one colour's points told apart


def _overtaking(scenario, outcome, step, point):
    """trust_first behind race on milestones until week 10, ahead from week 15."""
    if outcome == "milestones_met":
        return step * (0.5 if scenario == "race" else 0.0) + (2.0 * (step - 10) if scenario != "race" and
                                                              step > 10 else 0.0)
    return 0.5


def test_the_crossover_is_marked_on_the_milestones_panel_only(tmp_path, drawn):
    summary = _summary(["race", "trust_first"], ["milestones_met", "mean_trust"], mean=_overtaking)
    cross = figures.sweep_curves(summary, ["milestones_met", "mean_trust"], "scenario", ["scenario"],
                                 "milestones_met", tmp_path / "s")
    assert cross == 15
    _marked_on_milestones_only(drawn[0], 15)


def _marked_on_milestones_only(fig, week):
    milestones, trust = _panels(fig)
    assert [line.get_xdata()[0] for line in _vertical_lines(milestones)] == [week]
    assert _vertical_lines(trust) == []
    assert any(f"week {week}" in t.get_text() for t in milestones.texts)
    assert not trust.texts and "overtakes" not in (fig._suptitle.get_text() if fig._suptitle else "")


def test_a_sampled_design_is_drawn_as_its_mean_and_spread_over_points(tmp_path, drawn):
    spread = _summary(["race", "trust_first"], ["mean_trust"], points_per_scenario=11,
                      mean=lambda s, o, step, p: 0.1 + 0.05 * (p % 11) + (0.2 if s == "race" else 0.0))
    experiment = SimpleNamespace(design="morris", parameters={"trust.gain": None},
                                 figure=SimpleNamespace(outcomes=["mean_trust"], by="scenario", crossover=None))
    design = spread.drop_duplicates("point").assign(**{"trust.gain": lambda d: d["point"] * 0.01})
    what = figures.sweep_figure(experiment, design, spread, tmp_path / "figure")
    assert what.startswith("mean and spread")
    (ax,) = _panels(drawn[0])
    assert sorted(line.get_label() for line in ax.get_lines()) == ["race", "trust_first"]  # not a line per point
    trust = [line for line in ax.get_lines() if line.get_label() == "trust_first"][0]
    assert trust.get_ydata()[0] == pytest.approx(0.35)  # the mean of 0.1 ... 0.6
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    ys = sorted(v for band in bands for v in np.concatenate([p.vertices[:, 1] for p in band.get_paths()]))
    assert ys[0] == pytest.approx(0.15) and ys[-1] == pytest.approx(0.55 + 0.2)  # the 10% and 90% quantiles
    assert "10–90%" in drawn[0].legends[0].get_title().get_text()


def test_a_phase_diagram_labels_its_colour_bar_with_the_unit(tmp_path, drawn):
    rows = [{"point": i * 3 + j, "scenario": "race", "a": float(i), "b": float(j), "step": 40, "outcome": o,
             "mean": i + j, "n": 2, "sd": 0.0, "ci_low": i + j, "ci_high": i + j}
            for i in range(3) for j in range(3) for o in ("ownership", "joint_value")]
    figures.phase_diagram(pd.DataFrame(rows), ["ownership", "joint_value"], "a", "b", tmp_path / "phase")
    bars = [ax for ax in drawn[0].axes if ax.get_label() == "<colorbar>"]
    assert [bar.get_ylabel() for bar in bars] == ["mean share of practices (0–1)",
                                                  "mean value of joint work (cumulative)"]


def _design(tmp_path, design: str, samples: int):
    path = tmp_path / f"{design}.yaml"
    path.write_text(f"""
name: {design}
scenarios: [{SCENARIOS / 'race.yaml'}]
parameters:
  trust.gain: {{low: 0.01, high: 0.1}}
  values.confidence: {{low: 0.15, high: 0.6}}
design: {design}
samples: {samples}
replicates: 1
steps: 40
record_every: 10
outcomes: [mean_trust, milestones_met, agreement_share]
sensitivity_steps: [20, 40]
""")
    experiment, folder = experiments.load(path)
    table, _ = experiments.design_table(experiment, folder, str(path))
    points = table.drop_duplicates("point")
    noise = np.random.default_rng(0).normal(0, 0.02, len(points))
    rows = []
    for (_, point), jitter in zip(points.iterrows(), noise):
        for step in (0, 10, 20, 30, 40):
            # mean trust follows trust.gain, with noise; milestones do not move; agreement follows values.confidence
            # alone, undefined at one point at week 20
            means = {"mean_trust": 5 * point["trust.gain"] * step / 40 + jitter, "milestones_met": 3.0,
                     "agreement_share": np.nan if step == 20 and point["point"] == 0 else 0.5 + 0.1 * step / 40
                     + point["values.confidence"] * 0.2}
            rows += [{"point": point["point"], "scenario": "race", "step": step, "outcome": o, "mean": m}
                     for o, m in means.items()]
    return experiment, table, pd.DataFrame(rows)


def test_sobol_names_the_outcomes_it_could_not_analyse_and_the_indices_it_could_not_tell_from_nothing(tmp_path):
    experiment, table, summary = _design(tmp_path, "sobol", 64)
    indices, warnings = analyze(experiment, table, summary, "sobol.yaml")
    assert "milestones_met at week 20: the same (3) at every design point: no indices" in warnings
    assert "milestones_met at week 40: the same (3) at every design point: no indices" in warnings
    assert "agreement_share at week 20: undefined at 1 of 256 design points: no indices" in warnings
    assert set(indices["outcome"]) == {"mean_trust", "agreement_share"}
    assert set(indices[indices["outcome"] == "agreement_share"]["step"]) == {40}
    wide = [w for w in warnings if "the interval is as wide as the index" in w]
    # values.confidence does nothing to mean trust: its indices are noise around 0, and they are named
    assert any(w.startswith("S1 of values.confidence on mean_trust at week 40: ") and w.endswith(": add samples")
               for w in wide)
    # trust.gain does nothing at all to agreement: 0 ± 0 is no estimate to improve on
    nil = indices[(indices["parameter"] == "trust.gain") & (indices["outcome"] == "agreement_share")]
    assert (nil["ST"] == 0).all() and (nil["ST_conf"] == 0).all()
    assert not any(" of trust.gain on agreement_share" in w for w in wide)
    assert not any(w.startswith(("S1 of trust.gain on mean_trust", "ST of trust.gain on mean_trust")) for w in wide)
    gain = indices[(indices["parameter"] == "trust.gain") & (indices["outcome"] == "mean_trust")]
    assert (gain["ST"] > 0.9).all() and (gain["ST_conf"] < gain["ST"]).all()


def test_the_sensitivity_figures_draw_the_last_weeks_indices(tmp_path, drawn):
    experiment, table, summary = _design(tmp_path, "sobol", 16)
    indices, _ = analyze(experiment, table, summary, "sobol.yaml")
    figures.sensitivity_figure(indices, "sobol", tmp_path / "sobol")
    experiment, table, summary = _design(tmp_path, "morris", 6)
    morris, _ = analyze(experiment, table, summary, "morris.yaml")
    figures.sensitivity_figure(morris, "morris", tmp_path / "morris")
    sobol_fig, morris_fig = drawn
    last = indices[(indices["step"] == 40) & (indices["outcome"] == "mean_trust")]
    trust = _panels(sobol_fig)[0]
    assert trust.get_title() == "mean trust"
    heights = sorted(round(p.get_height(), 9) for p in trust.patches)
    assert heights == sorted(round(v, 9) for v in [*last["S1"], *last["ST"]])
    last = morris[(morris["step"] == 40) & (morris["outcome"] == "mean_trust")]
    trust = _panels(morris_fig)[0]
    assert sorted(round(p.get_width(), 9) for p in trust.patches) == sorted(round(v, 9) for v in last["mu_star"])
    assert trust.get_xlabel() == "trust (0–1)"
    assert {ax.get_title() for ax in _panels(morris_fig)} == {"mean trust", "agreement share"}


def test_the_sensitivity_command_prints_its_warnings_and_writes_its_files(tmp_path, capsys):
    path = tmp_path / "m.yaml"
    path.write_text(f"""
name: m
scenarios: [{SCENARIOS / 'baseline.yaml'}]
parameters:
  trust.gain: {{low: 0.01, high: 0.1}}
  values.confidence: {{low: 0.15, high: 0.6}}
design: morris
samples: 2
replicates: 1
steps: 6
outcomes: [mean_trust, decisions_imposed, agreement_share]
sensitivity_steps: [0, 6]
""")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["sensitivity", str(out)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err and all(line.startswith("warning: ") for line in err)
    assert "warning: decisions_imposed at week 0: the same (0) at every design point: no indices" in err
    assert "warning: agreement_share at week 0: undefined at 6 of 6 design points: no indices" in err
    assert pd.read_csv(out / "sensitivity.csv")["step"].max() == 6
    assert {p.name for p in out.iterdir()} >= {"sensitivity.csv", "sensitivity.png", "sensitivity.svg",
                                               "sensitivity.pdf"}
