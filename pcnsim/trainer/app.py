"""The trainer's page: one PCN, or the same PCN under two settings side by side, week by week.

Run it with `pcnsim app` (or `serve(host, port)` from Python, in server.py) and open the address it prints.
Built on Solara, as Mesa's SolaraViz is, with everything it needs served from this machine:
the networks are drawn as SVG here, the curves by ECharts from Solara's local asset store.

Reading order: the page's state (`Trainer`), how a network is drawn, the curves, the
controls, the page itself, and the explanation for the room.
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

import markdown
import solara
import solara.components.echarts
import solara.lab

from ..outputs.stats import trailing_mean
from .drawing import CONFLICT, ENGAGEMENT, SIDE_COLOURS, elapsed, positions, trust_grey
from .lockstep import Lockstep, PCNRun, practice_ties, practices
from .server import TITLE, serve  # noqa: F401  (`pcnsim app` serves this page with it)
from .settings import CONTROLS, DEFAULT_SEED, PRESETS, RACE, TRUST_FIRST, WEEKS, describe
SPEEDS = {"Slow": 0.6, "Normal": 0.25, "Fast": 0.08}  # seconds between weeks when playing
DEFAULT_SPEED = "Normal"
SIDES = ("left", "right")


# ---------------------------------------------------------------- the page's state

class Trainer:
    """Settings, seed and the PCNs on screen, stepped in lockstep. One per browser tab."""

    def __init__(self, seed: int = DEFAULT_SEED, side_by_side: bool = True) -> None:
        self.settings = {"left": solara.reactive(RACE), "right": solara.reactive(TRUST_FIRST)}
        self.seed = solara.reactive(seed)
        self.side_by_side = solara.reactive(side_by_side)
        self.editing = solara.reactive("left")
        self.speed = solara.reactive(DEFAULT_SPEED)
        self.playing = solara.reactive(False)
        self._lock = threading.Lock()
        self._player = None  # the play loop running now, if any
        self.pcns = solara.reactive(self._build())
        self.week = solara.reactive(0)  # the week on screen; every view redraws when it changes

    def _build(self) -> Lockstep:
        sides = SIDES if self.side_by_side.value else SIDES[:1]
        return Lockstep([self.settings[s].value for s in sides], self.seed.value)

    def reset(self) -> None:
        """Start again from week 0 with the current settings and seed."""
        self.playing.value = False
        self.pcns.value = self._build()
        self.week.value = 0

    def step(self) -> None:
        pcns = self.pcns.value
        with self._lock:  # one step at a time; never hold it while setting a reactive value (that redraws)
            pcns.step()
        if pcns is self.pcns.value:  # not rebuilt meanwhile
            if pcns.finished:
                self.playing.value = False
            self.week.value = pcns.week

    def change(self, side: str, name: str, value) -> None:
        self.settings[side].value = self.settings[side].value.with_value(name, value)
        self.reset()

    def use_preset(self, side: str, preset: str) -> None:
        self.settings[side].value = PRESETS[preset]
        self.reset()

    def set_seed(self, seed) -> None:
        if seed is not None and int(seed) >= 0:
            self.seed.value = int(seed)
            self.reset()

    def set_side_by_side(self, on: bool) -> None:
        self.side_by_side.value = bool(on)
        self.editing.value = "left"
        self.reset()


# ---------------------------------------------------------------- a network, drawn as SVG

FLASH_CSS = """
@keyframes pcn-flash { 0% { opacity: 0.95; } 70% { opacity: 0.6; } 100% { opacity: 0; } }
.pcn-flash { animation: pcn-flash 0.9s ease-out forwards; }
.pcn-network text { font: 600 13px sans-serif; fill: #fff; pointer-events: none; }
.pcn-key { display: inline-block; width: 12px; height: 12px; border-radius: 6px; margin: 0 4px -1px 10px; }
.pcn-bar { display: inline-block; width: 18px; height: 4px; margin: 0 4px 3px 10px; }
.pcn-explain strong { font-weight: 700; }
.pcn-explain blockquote { border-left: 4px solid #1f5fa8; margin: 12px 0; padding: 4px 14px; font-size: 18px; }
"""


def network_svg(run: PCNRun, size: int = 220) -> str:
    """Practices as circles (area by list size, colour by engagement), ties by trust, this week's conflicts flashing."""
    model, st = run.model, run.model.state
    shown = practices(model)
    x, y = zip(*((size / 2 * (1 + 0.72 * px), size / 2 * (1 - 0.72 * py)) for px, py in positions(len(shown))))
    parts = [f'<svg class="pcn-network" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
             f'role="img" aria-label="{run.label} network at week {model.week}">']
    ties = [(int(e), int(st.src[e]), int(st.dst[e])) for e in practice_ties(model)]
    for e, i, j in ties:
        trust = float(st.trust[e])
        grey = round(255 * trust_grey(trust))
        parts.append(f'<line x1="{x[i]:.1f}" y1="{y[i]:.1f}" x2="{x[j]:.1f}" y2="{y[j]:.1f}" '
                     f'stroke="rgb({grey},{grey},{grey})" stroke-width="{1 + 9 * trust:.1f}" stroke-linecap="round">'
                     f'<title>Practices {i + 1} and {j + 1}: trust {trust:.2f}</title></line>')
    for e, i, j in (tie for tie in ties if tie[0] in run.flashes):
        kind = run.flashes[e]
        parts.append(f'<line class="pcn-flash {kind}" x1="{x[i]:.1f}" y1="{y[i]:.1f}" x2="{x[j]:.1f}" '
                     f'y2="{y[j]:.1f}" stroke="{CONFLICT[kind][0]}" stroke-width="9" stroke-linecap="round"/>')
    for agent in shown:
        i, (colour, words) = agent.index, ENGAGEMENT[agent.engagement]
        patients = float(st.list_size[i])
        r = 20 * math.sqrt(patients / 8000)
        parts.append(f'<circle cx="{x[i]:.1f}" cy="{y[i]:.1f}" r="{r:.1f}" fill="{colour}" stroke="#fff" '
                     f'stroke-width="2"><title>Practice {i + 1}: {patients:,.0f} patients, {words}</title>'
                     f'</circle><text x="{x[i]:.1f}" y="{y[i] + 4.5:.1f}" text-anchor="middle">{i + 1}</text>')
    return "".join(parts) + "</svg>"


def facts(run: PCNRun) -> list[tuple[str, str]]:
    """This week's numbers for the room, in plain words."""
    o, shown = run.model.outcomes, practices(run.model)
    agreement = "none yet" if math.isnan(o["agreement_share"]) else f"{o['agreement_share']:.0%}"
    owning = sum(a.engagement == "ownership" for a in shown)
    return [("Milestones met", f"{o['milestones_met']} of {o['milestones_due']} due"),
            ("Trust", f"{o['mean_trust']:.2f} (0 to 1)"),
            ("Agreement", agreement),
            ("Meetings this week", f"{o['meetings']}"),
            ("Own the work", f"{owning} of {len(shown)} practices")]


@solara.component
def NetworkCard(trainer: Trainer, side: str, run: PCNRun, wide: bool):
    """One PCN: the network, this week's numbers, and its meetings and conflicts (beside them when wide)."""
    trainer.week.value  # redraw every week
    rows = "".join(f"<tr><td>{name}</td><td><b>{value}</b></td></tr>" for name, value in facts(run))
    with solara.Card(margin=1):
        solara.HTML(unsafe_innerHTML=f"<b>{run.label}</b>: {describe(run.settings).split(': ', 1)[1]}")
        with solara.Columns([1, 1], gutters_dense=True) if wide else solara.Column(gap="0px"):
            solara.HTML(unsafe_innerHTML=f'<div style="display:flex; align-items:center; flex-wrap:wrap">'
                        f'<div style="flex: 0 0 220px">{network_svg(run)}</div>'
                        f'<table class="pcn-status" style="font-size:13px; margin-left:8px">{rows}</table></div>',
                        attributes={"class": f"pcn-{side}"})
            ConflictChart(run, run.model.week, 220 if wide else 165)


# ---------------------------------------------------------------- curves (ECharts, served locally)

def _clean(values) -> list:
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else round(float(v), 4) for v in values]


def chart(title: str, lines: list[tuple[str, list, str, str]], y_max=None, crossover=None) -> dict:
    """An ECharts option: one line per (name, values by week, colour, line type); a dashed crossover marker."""
    series = []
    for name, values, colour, dash in lines:
        series.append({"type": "line", "name": name, "showSymbol": False, "data": list(enumerate(_clean(values))),
                       "lineStyle": {"color": colour, "type": dash, "width": 2.5}, "itemStyle": {"color": colour}})
    if crossover is not None and series:
        series[-1]["markLine"] = {"symbol": "none", "silent": True, "lineStyle": {"color": "#333", "type": "dashed"},
                                  "label": {"show": False}, "data": [{"xAxis": crossover}]}
        title += f" · crossover: week {crossover}"
    return {"animation": False, "title": {"text": title, "left": 4, "textStyle": {"fontSize": 13}},
            "tooltip": {"trigger": "axis"}, "legend": {"bottom": 0, "itemWidth": 18},
            "grid": {"left": 36, "right": 36, "top": 40, "bottom": 46},
            "xAxis": {"type": "value", "min": 0, "max": WEEKS, "interval": 52, "name": "week",
                      "nameGap": 4, "nameTextStyle": {"fontSize": 10}},
            "yAxis": {"type": "value", "min": 0, "max": y_max}, "series": series}


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


def figure(option: dict, height: int):
    return Chart.element(option=option, responsive=True, attributes={"style": f"height: {height}px; width: 100%;",
                                                                     "class": "pcn-chart"})


@solara.component
def ConflictChart(run: PCNRun, week: int, height: int):
    lines = [("meetings", trailing_mean(run.series("meetings")).tolist(), "#9e9e9e", "dashed")]
    lines += [(words.split(" (")[0], trailing_mean(run.series(f"conflict_{kind}")).tolist(), colour, "solid")
              for kind, (colour, words) in CONFLICT.items()]
    option = chart("Meetings and conflicts a week (3-month average)", lines, y_max=run.model.params.meetings.per_step)
    figure(option, height)


@solara.component
def Curves(trainer: Trainer):
    trainer.week.value  # redraw every week
    pcns = trainer.pcns.value
    cross = pcns.crossover()

    def lines(outcome):
        return [(run.label, run.series(outcome), SIDE_COLOURS[i], "solid") for i, run in enumerate(pcns.runs)]

    options = [
        chart("Milestones met on time", lines("milestones_met"), crossover=cross,
              y_max=max(int(run.model.state.stage_exists.sum()) for run in pcns.runs)),
        chart("Trust between practices (average)", lines("mean_trust"), y_max=1),
        chart("Meetings ending in agreement (share)", lines("agreement_share"), y_max=1),
    ]
    with solara.Columns([1, 1, 1], gutters_dense=True):
        for option in options:
            figure(option, height=220)


# ---------------------------------------------------------------- controls

@solara.component
def Controls(trainer: Trainer):
    playing, pcns = trainer.playing.value, trainer.pcns.value
    with solara.Row(justify="space-between"):
        solara.Button("Reset", icon_name="mdi-restart", on_click=trainer.reset, color="primary", outlined=True)
        solara.Button("Pause" if playing else "Play", icon_name="mdi-pause" if playing else "mdi-play",
                      on_click=lambda: trainer.playing.set(not trainer.playing.value), color="primary",
                      disabled=pcns.finished)
        solara.Button("Step", icon_name="mdi-step-forward", on_click=trainer.step, color="primary", outlined=True,
                      disabled=playing or pcns.finished)
    solara.ToggleButtonsSingle(value=trainer.speed, values=list(SPEEDS), dense=True)
    solara.Switch(label="Side by side: two settings, same PCN", value=trainer.side_by_side.value,
                  on_value=trainer.set_side_by_side)
    solara.InputInt("Seed (which PCN: same seed, same practices and luck)", value=trainer.seed.value,
                    on_value=trainer.set_seed)
    side = trainer.editing.value if trainer.side_by_side.value else "left"
    if trainer.side_by_side.value:
        solara.ToggleButtonsSingle(value=trainer.editing, values=list(SIDES), dense=True)
    settings = trainer.settings[side].value
    preset = next((name for name, s in PRESETS.items() if s == settings), "Custom")
    solara.Select(f"Settings of the {side} PCN", values=[*PRESETS, "Custom"], value=preset,
                  on_value=lambda name: name in PRESETS and trainer.use_preset(side, name))
    for c in CONTROLS:
        slider = solara.SliderInt if isinstance(getattr(settings, c.name), int) else solara.SliderFloat
        slider(f"{c.label}: {getattr(settings, c.name):g}", value=getattr(settings, c.name), min=c.low, max=c.high,
               step=c.step, on_value=lambda value, name=c.name: trainer.change(side, name, value))
        solara.Text(f"{c.left} ↔ {c.right}", style={"font-size": "11px", "color": "#666", "margin-top": "-14px"})
    solara.Text("Changing a setting or the seed starts again from week 0.", style={"font-size": "12px"})


# ---------------------------------------------------------------- the page

@solara.component
def Legend():
    nodes = "".join(f'<span class="pcn-key" style="background:{c}"></span>{w}' for c, w in ENGAGEMENT.values())
    flashes = "".join(f'<span class="pcn-bar" style="background:{c}"></span>{w}' for c, w in CONFLICT.values())
    solara.HTML(unsafe_innerHTML=f"<div>Practices (bigger = more patients):{nodes}</div>"
                f"<div>Lines: thicker and darker = more trust. A flash is this week's conflict:{flashes}</div>",
                style="font-size: 12px; margin: 4px 8px;")


def race_words(pcns: Lockstep) -> str:
    """Who is ahead on milestones met, and since when, in a line."""
    met = [run.series("milestones_met")[-1] for run in pcns.runs]
    if len(met) == 1:
        return ""
    (first, second), cross = (run.label for run in pcns.runs), pcns.crossover()
    if cross is not None:
        return f"· {second} ahead on milestones since week {cross} ({met[1]} to {met[0]})"
    if met[0] > met[1]:
        return f"· {first} ahead on milestones ({met[0]} to {met[1]})"
    return f"· level on milestones ({met[0]} each)"


@solara.component
def Simulation(trainer: Trainer):
    trainer.week.value  # redraw every week
    week = trainer.pcns.value.week
    with solara.Row(style={"align-items": "baseline"}):
        solara.HTML(tag="span", unsafe_innerHTML=f"Week {week} <small>of {WEEKS} ({elapsed(week)})</small>",
                    attributes={"class": "pcn-week"}, style="font-size: 22px; font-weight: 600; margin: 0 8px;")
        solara.Text(f"seed {trainer.pcns.value.seed}", style={"color": "#666"})
        solara.Text(race_words(trainer.pcns.value), classes=["pcn-crossover"], style={"font-size": "15px"})
    Legend()
    with solara.Columns([1] * len(trainer.pcns.value.runs), gutters_dense=True):
        for side, run in zip(SIDES, trainer.pcns.value.runs):
            NetworkCard(trainer, side, run, wide=len(trainer.pcns.value.runs) == 1)
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
    solara.Style(FLASH_CSS)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        Controls(trainer)
    with solara.lab.Tabs(lazy=True):
        with solara.lab.Tab("Simulation"):
            Simulation(trainer)
        with solara.lab.Tab("What am I looking at?"):
            # Markdown made here: solara.Markdown would fetch KaTeX from a CDN
            solara.HTML(unsafe_innerHTML=markdown.markdown(EXPLANATION), classes=["pcn-explain"],
                        style="max-width: 880px; padding: 4px 16px;")


@solara.component
def Page():
    """The page Solara serves: a fresh Trainer for each browser tab."""
    TrainerPage(solara.use_memo(Trainer, []))


page = Page

EXPLANATION = """
### What you are looking at

**The circles are the general practices of one Primary Care Network**, five of them here, serving about
40,000 patients. A bigger circle is a practice with more patients. Its colour is how the practice feels about
the PCN's work: **dark blue** it *owns* it, **light blue** it *goes along with it* (passive compliance),
**grey** it has *disengaged*, usually because its people are worn out.

**The lines are working relationships.** Thicker and darker means more trust. When two practices meet and
disagree, the line **flashes**: **green**, the disagreement was talked through; **purple**, it was left unsaid
and tension builds up; **red**, it turned into a row and trust fell. A decision pushed through over someone's
objection shows no flash: the objecting practice's lines grow paler.

**One step is one week**; a run is five years (260 weeks). Press *Play*, or *Step* a week at a time.

**Side by side** shows *the same PCN twice*: the same practices, the same people, the same luck (the seed)
and **the same total national workload**. Only the way the work arrives differs. On the left (*Race*) all five
service specifications land at once. On the right (*Trust first*) there are six months to get to know each other
first; then two specifications in the first year and the other three over the next years. Both have the same
deadlines. Most of each specification is *joint work* across practices (shared services, population health):
what it is worth depends on whether the practices doing it trust each other, share a purpose and own the work.

**The curves**: *milestones met on time* (the national targets, added up), the *trust* between practices,
the share of meetings ending in *agreement*, and under each network its *conflicts*. The dashed line marks the
week from which the right-hand PCN has met more milestones than the left, and stayed ahead.

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
"""
