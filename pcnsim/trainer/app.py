"""The trainer's page: one PCN, or the same PCN under two settings side by side, week by week.

Run it with `pcnsim app` (or `serve(host, port)` from Python, in server.py) and open the address it prints.
Built on Solara, as Mesa's SolaraViz is, with everything it needs served from this machine:
the networks are drawn as SVG here, the curves by ECharts from Solara's local asset store.

Laid out for a projector: the header (the week, who is ahead, the transport), the two networks and the
story's curves fit one screen from 1280x720 up; the settings live in a drawer (or pinned beside the page).
Every week run is kept (lockstep.Frame), so the trainer can step back, scrub and jump without re-running.

Reading order: the page's state (`Trainer`), how a network is drawn, the curves, the header and the
controls, the page itself, and the explanation for the room.
"""

from __future__ import annotations

import html
import math
import re
import threading
import time
from pathlib import Path

import markdown
import numpy as np
import solara
import solara.components.echarts
import solara.lab

from ..engine.rules import ACTIVE_OWNERSHIP
from ..outputs.stats import trailing_mean
from .drawing import BROKE, COLOUR_NAMES, CONFLICT, DASH, DASH_WORDS, OVERRULED, RECENT, SIDE_COLOURS, elapsed, \
    ink_on, ownership_fill, positions, trust_grey
from . import prepare
from .lockstep import Frame, Lockstep, PCNRun
from .server import TITLE, serve  # noqa: F401  (`pcnsim app` serves this page with it)
from .settings import BASIS, CONTROLS, DEFAULT_SEED, PRESETS, RACE, TRUST_FIRST, WEEKS, describe, differences, name

SPEEDS = {"Slow": 0.6, "Normal": 0.25, "Fast": 0.08}  # seconds between weeks when playing
DEFAULT_SPEED = "Normal"
JUMPS = {"6 months": 26, "1 year": 52, "2 years": 104, "3 years": 156, "5 years": 260}
SIDES = ("left", "right")
TRUST_KEY = (0.2, 0.5, 0.9)  # the ties drawn in the key
VIEWS = ("Simulation", "Conflicts", "What am I looking at?")
MAX_SEED = 2**63 - 1


# ---------------------------------------------------------------- the page's state

class Trainer:
    """Settings, seed, the PCNs on screen stepped in lockstep, and the week shown. One per browser tab.

    `pcns.week` is the last week simulated; `shown` the week on screen, at or before it.
    """

    def __init__(self, seed: int = DEFAULT_SEED, side_by_side: bool = True) -> None:
        self.settings = {"left": solara.reactive(RACE), "right": solara.reactive(TRUST_FIRST)}
        self.separately = solara.reactive(False)  # the workload settings apply to both PCNs unless this is on
        self.seed = solara.reactive(seed)
        self.seed_error = solara.reactive("")
        self.side_by_side = solara.reactive(side_by_side)
        self.editing = solara.reactive("left")
        self.speed = solara.reactive(DEFAULT_SPEED)
        self.playing = solara.reactive(False)
        self.pinned = solara.reactive(False)  # the settings beside the page, rather than in a drawer
        self.drawer = solara.reactive(False)
        self.view = solara.reactive(VIEWS[0])
        self._lock = threading.Lock()
        self._player = None  # the play loop running now, if any
        self.pcns = solara.reactive(self._build())
        self.shown = solara.reactive(0)  # the week on screen; every view redraws when it changes

    def _build(self) -> Lockstep:
        sides = SIDES if self.side_by_side.value else SIDES[:1]
        return Lockstep([self.settings[s].value for s in sides], self.seed.value)

    def reset(self) -> None:
        """Start again from week 0 with the current settings and seed."""
        self.playing.value = False
        self.shown.value = 0
        self.pcns.value = self._build()

    def _simulate_to(self, week: int) -> None:
        pcns = self.pcns.value
        with self._lock:  # one step at a time; never hold it while setting a reactive value (that redraws)
            while pcns.week < week and not pcns.finished:
                pcns.step()

    def step(self) -> None:
        """One week on: the next week already run, or a new one."""
        pcns, shown = self.pcns.value, self.shown.value
        if shown >= pcns.week:
            self._simulate_to(shown + 1)
        # not rebuilt, nor moved by Back, Go to or the scrubber, while that week was run
        if pcns is self.pcns.value and self.shown.value == shown:
            self.shown.value = min(shown + 1, pcns.week)
            if self.shown.value >= pcns.weeks:
                self.playing.value = False

    def on_screen(self) -> int:
        """The week to draw: the one shown, within what the PCNs on screen have run."""
        return min(self.shown.value, self.pcns.value.week)

    def back(self) -> None:
        self.playing.value = False
        self.shown.value = max(0, self.shown.value - 1)

    def jump(self, week: int) -> None:
        """Show `week`, running the weeks up to it if they have not been run."""
        self.playing.value = False
        pcns = self.pcns.value
        self._simulate_to(week)
        if pcns is self.pcns.value:
            self.shown.value = min(week, pcns.week)

    def scrub(self, week: int) -> None:
        self.shown.value = min(max(int(week), 0), self.pcns.value.week)

    @property
    def finished(self) -> bool:
        return self.shown.value >= self.pcns.value.weeks

    def change(self, side: str, field: str, value) -> None:
        """Move a setting: pace on one side; the workload on both, unless the sides are set separately."""
        both = field != "pace" and not self.separately.value
        for s in SIDES if both else (side,):
            self.settings[s].value = self.settings[s].value.with_value(field, value)
        self.reset()

    def choose_preset(self, side: str, preset: str) -> None:
        self.settings[side].value = PRESETS[preset]
        self.reset()

    def set_seed(self, text) -> None:
        """A seed typed by the trainer: a whole number from 0, or a message saying what is wrong."""
        words = str(text if text is not None else "").strip()
        if not (re.fullmatch(r"[0-9]+", words) and int(words) <= MAX_SEED):
            self.seed_error.value = (f"“{words}” is not a seed: type a whole number, 0 or more (each seed is "
                                     f"a different PCN); still showing seed {self.seed.value}")
            return
        self.seed_error.value = ""
        self.seed.value = int(words)
        self.reset()

    def set_side_by_side(self, on: bool) -> None:
        self.side_by_side.value = bool(on)
        self.editing.value = "left"
        self.reset()

    def differ(self) -> list[str]:
        """The settings other than pace in which the two PCNs on screen differ."""
        runs = self.pcns.value.runs
        return differences(runs[0].settings, runs[1].settings) if len(runs) == 2 else []


# ---------------------------------------------------------------- a network, drawn as SVG

CSS = """
.pcn-page { --readout: clamp(18px, 2.2vh, 26px); font-size: 16px; padding: 0 10px; height: 100vh;
  display: flex; flex-direction: column; gap: 4px; overflow-y: auto; }
.pcn-header { display: flex; flex-wrap: wrap; align-items: center; gap: 2px 14px; padding-top: 4px; }
.pcn-week { font-size: calc(var(--readout) + 6px); font-weight: 700; white-space: nowrap; }
.pcn-week small { font-size: var(--readout); font-weight: 400; color: #444; }
.pcn-crossover { font-size: calc(var(--readout) + 2px); font-weight: 600; }
.pcn-warning { font-size: var(--readout); font-weight: 600; color: #000; background: #ffe08a; border-radius: 4px;
  padding: 1px 8px; }
.pcn-seed { font-size: 16px; color: #444; white-space: nowrap; }
.pcn-transport { display: flex; flex-wrap: wrap; align-items: center; gap: 2px 6px; }
.pcn-transport .v-btn { font-size: 15px; text-transform: none; letter-spacing: 0; }
.pcn-sim { flex: 1 1 auto; min-height: 0; display: flex; flex-direction: column; gap: 4px; }
.pcn-legend { font-size: 14px; line-height: 20px; color: #222; }
.pcn-legend svg { vertical-align: middle; }
.pcn-cards { display: grid; grid-template-columns: repeat(var(--sides), minmax(0, 1fr)); gap: 8px;
  /* the network as large as the height allows and the width leaves beside its numbers (about 17.5 readouts) */
  --net: clamp(150px, min(calc(70vh - 270px), calc(var(--avail) / var(--sides) - 17.5 * var(--readout) - 40px)),
               560px); }
.pcn-card { border: 1px solid #ccc; border-radius: 6px; padding: 2px 8px 4px 8px; min-width: 0; }
.pcn-card-title { font-size: var(--readout); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.pcn-card-body { display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: flex-start; }
.pcn-network { width: var(--net); height: var(--net); flex: 0 0 auto; }
.pcn-network text { font: 700 15px sans-serif; pointer-events: none; }
.pcn-side { min-width: max-content; flex: 1 1 0; }  /* the table's width; the events wrap to it */
.pcn-facts { font-size: var(--readout); line-height: 1.3; border-collapse: collapse; }
.pcn-facts td { padding: 0 10px 0 0; white-space: nowrap; }
.pcn-events { font-size: 14px; line-height: 18px; margin-top: 4px; overflow-y: auto; width: 0; min-width: 100%;
  max-height: max(54px, calc(var(--net) - 7.8 * var(--readout))); }
.pcn-curves { flex: 1 1 auto; min-height: 150px; display: grid; gap: 6px;
  grid-template-columns: repeat(4, minmax(0, 1fr)); grid-template-rows: minmax(0, 1fr); }
.pcn-conflicts { flex: 1 1 auto; min-height: 260px; display: grid; gap: 8px;
  grid-template-columns: repeat(2, minmax(0, 1fr)); grid-template-rows: minmax(0, 1fr); }
.pcn-chart { height: 100%; width: 100%; min-width: 0; }
.pcn-explain { max-width: 880px; padding: 4px 16px; font-size: 18px; }
.pcn-explain blockquote { border-left: 4px solid #1f5fa8; margin: 12px 0; padding: 4px 14px; }
.pcn-controls { width: 360px; padding: 8px 12px; }
.pcn-controls .v-label { font-size: 15px; }
.pcn-hint { font-size: 13px; color: #444; margin-top: -12px; }
.pcn-seed-error { color: #b00020; font-size: 15px; font-weight: 600; }
@media (max-height: 640px) { .pcn-legend { display: none; } }
@media (max-width: 760px) { .pcn-cards { grid-template-columns: minmax(0, 1fr); }
  .pcn-curves { grid-template-columns: repeat(2, minmax(0, 1fr)); grid-template-rows: repeat(2, 200px); } }
"""
GLYPH = {"productive": ("✓", CONFLICT["productive"][0]), "avoided": ("…", CONFLICT["avoided"][0]),
         "destructive": ("✕", CONFLICT["destructive"][0]), "overruled": ("!", OVERRULED), "broke": ("✗", BROKE),
         "met": ("●", "#1f5fa8"), "missed": ("○", "#555")}
SIZE = 240  # the network's SVG coordinates


def _badge(x: float, y: float, kind: str, title: str) -> str:
    mark, colour = GLYPH[kind]
    return (f'<g class="pcn-mark {kind}"><title>{title}</title><circle cx="{x:.1f}" cy="{y:.1f}" r="9" '
            f'fill="{colour}" stroke="#fff" stroke-width="1.5"/><text x="{x:.1f}" y="{y + 5:.1f}" '
            f'text-anchor="middle" fill="#fff" style="font-size:14px">{mark}</text></g>')


def recently(run: PCNRun, week: int, flag: str) -> list[bool]:
    """Per practice: was it `flag` (overruled, broke) in the RECENT weeks up to `week`?"""
    frames = run.frames[max(0, week - RECENT + 1):week + 1]
    return [any(bool(getattr(f, flag)[i]) for f in frames) for i in range(run.n_practices)]


def network_svg(run: PCNRun, week: int | None = None) -> str:
    """The practices at `week` (default: the last run): fill by ownership, area by list size, a mark when
    overruled or breaking an agreement lately; ties by trust (darker and thicker); this week's conflicts."""
    week = len(run.frames) - 1 if week is None else week
    frame: Frame = run.frames[week]
    n = run.n_practices
    xy = [(SIZE / 2 * (1 + 0.7 * px), SIZE / 2 * (1 - 0.7 * py)) for px, py in positions(n)]
    parts = [f'<svg class="pcn-network" viewBox="0 0 {SIZE} {SIZE}" role="img" '
             f'aria-label="{html.escape(run.label)} network at week {week}">']
    for k, (i, j) in enumerate(run.ties):
        trust = float(frame.trust[k])
        grey = round(255 * trust_grey(trust))
        (x1, y1), (x2, y2) = xy[i], xy[j]
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                     f'stroke="rgb({grey},{grey},{grey})" stroke-width="{1 + 9 * trust:.1f}" stroke-linecap="round">'
                     f'<title>Practices {i + 1} and {j + 1}: trust {trust:.2f}</title></line>')
    for k, kind in sorted(frame.flashes.items()):
        (i, j), colour = run.ties[k], CONFLICT[kind][0]
        (x1, y1), (x2, y2) = xy[i], xy[j]
        parts.append(f'<line class="pcn-flash {kind}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                     f'stroke="{colour}" stroke-width="7" stroke-dasharray="{DASH[kind]}" stroke-linecap="butt"/>')
        parts.append(_badge((x1 + x2) / 2, (y1 + y2) / 2, kind,
                            f"Practices {i + 1} and {j + 1}: {CONFLICT[kind][1]} this week"))
    overruled, broke = recently(run, week, "overruled"), recently(run, week, "broke")
    for i, (x, y) in enumerate(xy):
        own, patients = float(frame.ownership[i]), float(run.list_size[i])
        r = 22 * math.sqrt(patients / 8000)
        outline = 'stroke="#333" stroke-width="2.5" stroke-dasharray="4 3"' if not frame.engaged[i] else \
            'stroke="#333" stroke-width="1.5"'
        state = "owns the PCN's work" if own > ACTIVE_OWNERSHIP else "goes along with it" if frame.engaged[i] else "has disengaged"
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{ownership_fill(own)}" {outline}>'
                     f'<title>Practice {i + 1}: {patients:,.0f} patients, ownership {own:.2f} ({state})</title>'
                     f'</circle><text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle" fill="{ink_on(own)}">'
                     f'{i + 1}</text>')
        if overruled[i]:
            parts.append(_badge(x + r * 0.75, y - r * 0.75, "overruled",
                                f"Practice {i + 1} was overruled in a decision in the last {RECENT} weeks"))
        if broke[i]:
            parts.append(_badge(x - r * 0.75, y - r * 0.75, "broke",
                                f"Practice {i + 1} did not do its agreed share of joint work in the last {RECENT} weeks"))
    return "".join(parts) + "</svg>"


def facts(run: PCNRun, week: int | None = None) -> list[tuple[str, str]]:
    """The numbers beside a network at `week`, in plain words."""
    frame = run.frames[len(run.frames) - 1 if week is None else week]
    o = frame.outcomes
    agreement = "none yet" if math.isnan(o["agreement_share"]) else f"{o['agreement_share']:.0%}"
    owning = int(np.sum(frame.engaged & (frame.ownership > ACTIVE_OWNERSHIP)))
    return [("Milestones met", f"{o['milestones_met']} of {o['milestones_due']} due"),
            ("Joint work's value", f"{o['joint_value']:.1f}"),
            ("Trust", f"{o['mean_trust']:.2f} (0 to 1)"),
            ("Agreement", agreement),
            ("Own the work", f"{owning} of {run.n_practices} practices"),
            ("Decisions imposed", f"{o['decisions_imposed']}"),
            ("Agreements broken", f"{o['broken_agreements']}")]


def events_html(run: PCNRun, week: int) -> str:
    """The events of the RECENT weeks up to `week`, newest first (so a paused week keeps them on screen)."""
    lines = []
    for frame in reversed(run.frames[max(1, week - RECENT + 1):week + 1]):
        for event in frame.events:
            mark, colour = GLYPH[event.kind]
            lines.append(f'<div class="{event.kind}">{frame.week}: <b style="color:{colour}">{mark}</b> '
                         f'{html.escape(event.text)}</div>')
    return "".join(lines) or "<div>Nothing of note in the last month.</div>"


@solara.component
def NetworkCard(trainer: Trainer, side: str, run: PCNRun):
    """One PCN at the week shown: its network, its numbers, and the last weeks' events."""
    week = trainer.on_screen()
    rows = "".join(f"<tr><td>{k}</td><td><b>{value}</b></td></tr>" for k, value in facts(run, week))
    colour = SIDE_COLOURS[SIDES.index(side)]
    solara.HTML(unsafe_innerHTML=(
        f'<div class="pcn-card-title"><b style="color:{colour}">{html.escape(run.label)}</b>: '
        f'{html.escape(describe(run.settings).split(": ", 1)[1])}</div>'
        f'<div class="pcn-card-body">{network_svg(run, week)}<div class="pcn-side">'
        f'<table class="pcn-facts">{rows}</table><div class="pcn-events">{events_html(run, week)}</div>'
        f'</div></div>'), attributes={"class": f"pcn-card pcn-{side}"})


# ---------------------------------------------------------------- curves (ECharts, served locally)

TEXT = {"fontSize": 14, "color": "#222"}


def _clean(values) -> list:
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else round(float(v), 4) for v in values]


def chart(title: str, lines: list[tuple[str, list, str, str]], y_max=None, crossover=None, legend=False) -> dict:
    """An ECharts option: one line per (name, values by week, colour, line type); a labelled crossover line."""
    series = []
    for label, values, colour, dash in lines:
        series.append({"type": "line", "name": label, "showSymbol": False, "data": list(enumerate(_clean(values))),
                       "lineStyle": {"color": colour, "type": dash, "width": 3}, "itemStyle": {"color": colour}})
    if crossover is not None and series:
        series[-1]["markLine"] = {"symbol": "none", "silent": True,
                                  "lineStyle": {"color": "#000", "type": "dashed", "width": 2},
                                  # above the plot, reading away from the nearer side so it is never cut
                                  "label": {"show": True, "position": "end", "fontSize": 14, "distance": 4,
                                            "align": "left" if crossover < WEEKS / 2 else "right",
                                            "fontWeight": "bold", "color": "#000",
                                            "formatter": f"crossover: week {crossover}"},
                                  "data": [{"xAxis": crossover}]}
    axis = {"axisLabel": TEXT, "nameTextStyle": TEXT}
    return {"animation": False, "textStyle": TEXT,
            "title": {"text": title, "left": 4, "top": 2, "textStyle": {"fontSize": 15, "fontWeight": "bold"}},
            "tooltip": {"trigger": "axis", "textStyle": TEXT},
            "legend": {"show": legend, "bottom": 0, "itemWidth": 18, "textStyle": TEXT},
            "grid": {"left": 8, "right": 16, "top": 44, "bottom": 46 if legend else 24, "containLabel": True},
            "xAxis": {"type": "value", "min": 0, "max": WEEKS, "interval": 52, "name": "week",
                      "nameLocation": "middle", "nameGap": 22, **axis},
            "yAxis": {"type": "value", "min": 0, **nice_axis(y_max), **axis}, "series": series}


def nice_axis(top: float | None) -> dict:
    """An axis from 0 to a round number at or above `top`, in at most five round steps (1, 2 or 5 times 10^k)."""
    if top is None or top <= 0:
        return {"splitNumber": 4}
    step = next(m * 10**k for k in range(math.floor(math.log10(top / 5)) - 1, 12) for m in (1, 2, 5)
                if m * 10**k * 5 >= top)
    return {"max": round(math.ceil(top / step - 1e-9) * step, 10), "interval": step}


class Chart(solara.components.echarts.EchartsWidget):
    """Solara's ECharts widget, safe to update before ECharts has loaded (its own template would log an error)."""

    template_file = None

    def __init__(self, **kwargs):
        self.template = Chart.TEMPLATE
        super().__init__(**kwargs)

    _vue = (Path(solara.components.echarts.__file__).with_name("echarts.vue").read_text(encoding="utf-8"))
    _unsafe = "      this.chart.setOption(this.option, true);\n    },\n  },\n  methods"
    assert _unsafe in _vue, "solara's echarts.vue has changed: check Chart"
    TEMPLATE = _vue.replace(_unsafe, "      if (this.chart) this.chart.setOption(this.option, true);\n    },\n  },\n  methods")


def figure(option: dict):
    return Chart.element(option=option, responsive=True, attributes={"class": "pcn-chart"})


def story_charts(pcns: Lockstep, week: int) -> list[dict]:
    """The story's curves to `week`: boxes ticked beside the joint work's value, then trust and agreement."""
    def lines(outcome):
        return [(run.label, run.series(outcome, week), SIDE_COLOURS[i], "solid") for i, run in enumerate(pcns.runs)]

    most = max(int(run.model.state.stage_exists.sum()) for run in pcns.runs)
    value = max(max(run.series("joint_value")) for run in pcns.runs)  # over the weeks run, so it holds still
    return [chart("Milestones met on time", lines("milestones_met"), y_max=most, crossover=pcns.crossover(week)),
            chart("Joint work delivered (value)", lines("joint_value"), y_max=max(value, 1.0)),
            chart("Trust between practices", lines("mean_trust"), y_max=1),
            chart("Meetings ending in agreement", lines("agreement_share"), y_max=1)]


@solara.component
def Curves(trainer: Trainer):
    options = story_charts(trainer.pcns.value, trainer.on_screen())
    with solara.Div(classes=["pcn-curves"]):
        for option in options:
            figure(option)


def conflict_chart(run: PCNRun, week: int) -> dict:
    lines = [("meetings", trailing_mean(run.series("meetings", week)).tolist(), "#777", "dashed")]
    lines += [(words.split(" (")[0], trailing_mean(run.series(f"conflict_{kind}", week)).tolist(), colour, "solid")
              for kind, (colour, words) in CONFLICT.items()]
    return chart(f"{run.label}: meetings and conflicts a week (3-month average)", lines,
                 y_max=run.model.params.meetings.per_step, legend=True)


@solara.component
def Conflicts(trainer: Trainer):
    week = trainer.on_screen()
    with solara.Div(classes=["pcn-conflicts"]):
        for run in trainer.pcns.value.runs:
            figure(conflict_chart(run, week))


# ---------------------------------------------------------------- header, transport and settings

def race_words(pcns: Lockstep, week: int | None = None) -> str:
    """Who is ahead on milestones met at `week`, and since when, in a line."""
    if len(pcns.runs) == 1:
        return ""
    week = pcns.week if week is None else week
    met = [run.series("milestones_met", week)[-1] for run in pcns.runs]
    (first, second), cross = (run.label for run in pcns.runs), pcns.crossover(week)
    if cross is not None:
        return f"{second} ahead on milestones since week {cross} ({met[1]} to {met[0]})"
    if met[0] > met[1]:
        return f"{first} ahead on milestones ({met[0]} to {met[1]})"
    if met[1] > met[0]:
        return f"{second} ahead on milestones ({met[1]} to {met[0]})"
    return f"Level on milestones ({met[0]} each)"


@solara.component
def Header(trainer: Trainer):
    pcns, week = trainer.pcns.value, trainer.on_screen()
    with solara.Div(classes=["pcn-header"]):
        solara.HTML(tag="span", unsafe_innerHTML=f"Week {week} <small>of {WEEKS} ({elapsed(week)})</small>",
                    attributes={"class": "pcn-week"})
        solara.HTML(tag="span", unsafe_innerHTML=html.escape(race_words(pcns, week)),
                    attributes={"class": "pcn-crossover"})
        differ = trainer.differ()
        if differ:
            solara.HTML(tag="span", unsafe_innerHTML=f"⚠ Not the same workload: {html.escape(', '.join(differ))} "
                        "differ", attributes={"class": "pcn-warning"})
        solara.HTML(tag="span", unsafe_innerHTML=f"seed {pcns.seed}", attributes={"class": "pcn-seed"})
        solara.ToggleButtonsSingle(value=trainer.view, values=list(VIEWS), dense=True)
        if not trainer.pinned.value:
            solara.Button("Settings", icon_name="mdi-tune", on_click=lambda: trainer.drawer.set(True),
                          color="primary", outlined=True)


@solara.component
def Transport(trainer: Trainer):
    playing, finished, week = trainer.playing.value, trainer.finished, trainer.on_screen()
    with solara.Div(classes=["pcn-transport"]):
        solara.Button("Reset", icon_name="mdi-restart", on_click=trainer.reset, color="primary", outlined=True)
        solara.Button("Back", icon_name="mdi-step-backward", on_click=trainer.back, color="primary", outlined=True,
                      disabled=week == 0)
        solara.Button("Pause" if playing else "Play", icon_name="mdi-pause" if playing else "mdi-play",
                      on_click=lambda: trainer.playing.set(not trainer.playing.value), color="primary",
                      disabled=finished)
        solara.Button("Step", icon_name="mdi-step-forward", on_click=trainer.step, color="primary", outlined=True,
                      disabled=playing or finished)
        solara.Text("Go to:", style={"font-size": "15px", "margin-left": "8px"})
        for label, target in JUMPS.items():
            solara.Button(label, on_click=lambda target=target: trainer.jump(target), text=True, color="primary",
                          classes=["pcn-jump"])
        solara.ToggleButtonsSingle(value=trainer.speed, values=list(SPEEDS), dense=True)
        with solara.Div(style="flex: 1 1 160px; min-width: 160px; max-width: 420px;"):
            solara.SliderInt("Weeks run", value=week, min=0, max=max(trainer.pcns.value.week, 1),
                             on_value=trainer.scrub, thumb_label=True, disabled=trainer.pcns.value.week == 0)


@solara.component
def Controls(trainer: Trainer):
    """The settings: the seed, the presets, pace per side, and the workload (both sides, unless separately)."""
    with solara.Column(classes=["pcn-controls"], gap="6px"):
        if not trainer.pinned.value:
            solara.Button("Close", icon_name="mdi-close", on_click=lambda: trainer.drawer.set(False), text=True)
        if trainer.pinned.value:
            solara.Button("Hide the settings (presentation mode)", icon_name="mdi-projector-screen",
                          on_click=lambda: trainer.pinned.set(False), text=True)
        else:
            solara.Button("Pin the settings beside the page", icon_name="mdi-pin",
                          on_click=lambda: (trainer.pinned.set(True), trainer.drawer.set(False)), text=True)
        solara.Switch(label="Side by side: two settings, same PCN", value=trainer.side_by_side.value,
                      on_value=trainer.set_side_by_side)
        solara.InputText("Seed (which PCN: same seed, same practices and luck)", value=str(trainer.seed.value),
                         on_value=trainer.set_seed, error=bool(trainer.seed_error.value))
        if trainer.seed_error.value:
            solara.Text(trainer.seed_error.value, classes=["pcn-seed-error"])
        sides = SIDES if trainer.side_by_side.value else SIDES[:1]
        for side in sides:
            settings = trainer.settings[side].value
            current = name(settings)
            solara.Select(f"The {side} PCN: {current}", values=[*PRESETS, *([current] if current not in PRESETS
                                                                          else [])],
                          value=current, on_value=lambda p, side=side: p in PRESETS and trainer.choose_preset(side, p))
            pace = CONTROLS[[c.name for c in CONTROLS].index("pace")]
            _slider(trainer, side, pace, f"{side.capitalize()} PCN's pace")
        if len(sides) == 2:
            solara.Switch(label="Set the workload of each PCN separately", value=trainer.separately.value,
                          on_value=trainer.separately.set)
        side = trainer.editing.value if (trainer.separately.value and len(sides) == 2) else "left"
        if trainer.separately.value and len(sides) == 2:
            solara.ToggleButtonsSingle(value=trainer.editing, values=list(SIDES), dense=True)
        whose = f"the {side} PCN" if trainer.separately.value and len(sides) == 2 else \
            "both PCNs" if len(sides) == 2 else "the PCN"
        solara.Text(f"Workload and people, for {whose}:", style={"font-weight": "600", "font-size": "15px"})
        for c in CONTROLS:
            if c.name != "pace":
                _slider(trainer, side, c, c.label)
        solara.Text("Changing a setting or the seed starts again from week 0.", style={"font-size": "13px"})


def _slider(trainer: Trainer, side: str, c, label: str):
    settings = trainer.settings[side].value
    value = getattr(settings, c.name)
    slider = solara.SliderInt if isinstance(value, int) else solara.SliderFloat
    slider(f"{label}: {value:g}", value=value, min=c.low, max=c.high, step=c.step,
           on_value=lambda v, name=c.name: trainer.change(side, name, v))
    solara.Text(f"{c.left} ↔ {c.right}", classes=["pcn-hint"])


@solara.component
def Legend(runs: list[PCNRun]):
    def swatch(o):
        return f'<svg width="16" height="16"><circle cx="8" cy="8" r="7" fill="{ownership_fill(o)}" stroke="#333"/></svg>'

    def tie(t):
        g = round(255 * trust_grey(t))
        return (f'<svg width="34" height="14"><line x1="2" y1="7" x2="32" y2="7" stroke="rgb({g},{g},{g})" '
                f'stroke-width="{1 + 9 * t:.1f}" stroke-linecap="round"/></svg>{t:g}')

    def flash(kind):
        colour, words = CONFLICT[kind]
        return (f'<svg width="30" height="14"><line x1="1" y1="7" x2="29" y2="7" stroke="{colour}" stroke-width="6" '
                f'stroke-dasharray="{DASH[kind]}"/></svg>{mark(kind)} {words}')

    def mark(kind):
        glyph, colour = GLYPH[kind]
        return (f'<svg width="18" height="18"><circle cx="9" cy="9" r="8" fill="{colour}"/><text x="9" y="14" '
                f'text-anchor="middle" fill="#fff" style="font: 700 13px sans-serif">{glyph}</text></svg>')

    ownership = " ".join(f"{swatch(o)}{o:g}" for o in (0.0, 0.25, 0.5, 0.75, 1.0))
    curves = " ".join(f'<span style="color:{SIDE_COLOURS[i]}">━━</span> {html.escape(run.label)}'
                      for i, run in enumerate(runs))
    solara.HTML(unsafe_innerHTML=(
        f"<div><b>Practices</b> (bigger: more patients), filled by <b>ownership</b> of the PCN's work: {ownership} · "
        f"dashed outline: disengaged · {mark('overruled')} overruled in a decision, "
        f"{mark('broke')} broke an agreement (last {RECENT} weeks)</div>"
        f"<div><b>Ties</b> by <b>trust</b>: {' '.join(tie(t) for t in TRUST_KEY)} · this week's conflicts: "
        f"{' · '.join(flash(k) for k in CONFLICT)} · <b>curves</b>: {curves}</div>"), attributes={"class": "pcn-legend"})


# ---------------------------------------------------------------- the page

@solara.component
def Simulation(trainer: Trainer):
    runs = trainer.pcns.value.runs
    with solara.Div(classes=["pcn-sim"]):
        Legend(runs)
        with solara.Div(classes=["pcn-cards"], style=f"--sides: {len(runs)}"):
            for side, run in zip(SIDES, runs):
                NetworkCard(trainer, side, run)
        Curves(trainer)


@solara.component
def TrainerPage(trainer: Trainer):
    playing = trainer.playing.value

    def play():
        token = trainer._player = object()  # a newer loop (or a pause) ends this one
        due = time.monotonic()
        while trainer.playing.value and trainer._player is token:
            due += SPEEDS[trainer.speed.value]
            time.sleep(max(0.0, due - time.monotonic()))
            due = max(due, time.monotonic() - 1.0)  # if drawing falls behind, slow down rather than rush
            if trainer.playing.value and trainer._player is token:
                trainer.step()

    solara.lab.use_task(play, dependencies=[playing], prefer_threaded=True)
    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.Row(gap="0px", style="align-items: flex-start; flex-wrap: nowrap"):
        if trainer.pinned.value:
            with solara.Card(margin=0, style="flex: 0 0 auto; max-height: 100vh; overflow-y: auto"):
                Controls(trainer)
        # --avail: the width the networks share (less the settings, when pinned beside the page)
        avail = "calc(100vw - 420px)" if trainer.pinned.value else "calc(100vw - 40px)"
        with solara.Div(classes=["pcn-page"], style=f"flex: 1 1 auto; min-width: 0; --avail: {avail}"):
            Header(trainer)
            Transport(trainer)
            if trainer.view.value == VIEWS[0]:
                Simulation(trainer)
            elif trainer.view.value == VIEWS[1]:
                Conflicts(trainer)
            else:
                # Markdown made here: solara.Markdown would fetch KaTeX from a CDN
                solara.HTML(unsafe_innerHTML=markdown.markdown(EXPLANATION), classes=["pcn-explain"])
    if not trainer.pinned.value:
        with solara.v.NavigationDrawer(v_model=trainer.drawer.value, on_v_model=trainer.drawer.set, temporary=True,
                                       fixed=True, right=True, width=400, style_="z-index: 20"):
            Controls(trainer)


@solara.component
def Page():
    """The page Solara serves: a fresh Trainer for each browser tab, once the model is prepared (prepare.py)."""
    prepare.WhenReady(lambda: TrainerPage(solara.use_memo(Trainer, [])))


page = Page

EXPLANATION = """
### What you are looking at

**The circles are the general practices of one Primary Care Network**, {practices} of them here. A bigger
circle is a practice with more patients. Its fill is how much the practice **owns** the PCN's work: **dark
blue** it owns it, **pale** it only goes along with it (passive compliance). A **dashed outline** means it has
*disengaged*, usually because its people are worn out. A **{overruled} "!"** marks a practice overruled in a
decision it objected to; a **{broke} "✗"** one that did not do its agreed share of the joint work (both for
{recent} weeks).

**The lines are working relationships.** Thicker and darker means more trust. When two practices meet and
disagree, the line is marked for that week: **{productive} ✓**, the disagreement was talked through;
**{avoided} …**, it was left unsaid and tension builds up; **{destructive} ✕**, it turned into a row and trust
fell.
A decision pushed through over someone's objection costs trust on the objecting practice's lines.
Beside each network, the numbers for the week shown and what happened in the last month.

**One step is one week**; a run is five years (260 weeks). Press *Play*, *Step* a week at a time or *Back*
one, *Go to* six months or one to five years, or drag *Weeks run* to look back without running again.

**Side by side** shows *the same PCN twice*: the same practices, the same people, the same luck (the seed)
and **the same total national workload**. Only the way the work arrives differs. On the left (*Race*) all five
service specifications land at once. On the right (*Trust first*) there are six months to get to know each other
first; then two specifications in the first year and the other three over the next years. Both have the same
deadlines. Most of each specification is *joint work* across practices (shared services, population health):
what it is worth depends on whether the practices doing it trust each other, share a purpose and own the work.
A setting of the workload or the people (under *Settings*) applies to both; if the two are set apart, a yellow
mark says so.

**The curves**: *milestones met on time* (the national targets, added up) beside the *value of the joint work
delivered*, then the *trust* between practices and the share of meetings ending in *agreement*. The dashed line
marks the crossover: the week from which the right-hand PCN has met more milestones than the left, and stayed
ahead. *Conflicts* shows the meetings and conflicts of each week.

**What to notice.** The Race can look ahead at six months: more boxes ticked. Look at what it costs: no time
to meet, decisions pushed through, agreements not carried out, practices going along rather than owning the
work. That damage lasts: a relationship remembers it. The joint work the Race did early, among practices that
did not yet trust each other, is worth less, and in most PCNs the phased one overtakes it later on the national
targets too (see the guide for how often, over a hundred PCNs).

> "There is no prize for being ahead." "If everybody is behind everybody else, who is in front?"
> (*It is Not a Race*, the blog post this trainer is built on)

This is a model, not a forecast: watch the shape of the story, not the exact numbers. Each seed is a different
PCN; try a few. Move a control (for example the Clinical Director's style, or how much income is at stake) to ask
"what if?". Across many seeds the command `pcnsim compare scenarios/race.yaml scenarios/trust_first.yaml`
gives averages with confidence intervals.
""".format(practices=BASIS.race.network.practices, recent=RECENT, overruled=COLOUR_NAMES[OVERRULED],
           broke=COLOUR_NAMES[BROKE],
           **{kind: f"{COLOUR_NAMES[colour.upper()]}, {DASH_WORDS[kind]}" for kind, (colour, _) in CONFLICT.items()})
