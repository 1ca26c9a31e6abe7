"""What a trainer can change about a PCN, what it means as scenario parameters, and the two presets.

A `Settings` is what a trainer can move; `scenario(settings)` is scenarios/race.yaml with the settings
applied as ordinary `--set` overrides, so every difference between two PCNs on screen comes from
parameters. The national load (the mandate streams) is read from the scenario files, not restated here:
pace 0 takes the specifications on as race.yaml does, pace 1 as trust_first.yaml does, and the presets
`RACE` and `TRUST_FIRST` are those two files seen through the controls, reproducing them run for run.
The two files are shipped inside the package (pcnsim/trainer/scenarios links to the repository's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import Scenario, ScenarioError, apply_overrides, load, validate

SCENARIOS = Path(__file__).with_name("scenarios")
DEFAULT_SEED = 20  # the guide's session follows it; pcnsim.trainer.story computes what it shows (docs/TRAINERS.md)
# What pace and deadlines decide about the first mandate stream (the service specifications).
TIMING = ("kind", "start_week", "first_wave", "span_weeks", "lead_weeks")
# The settings that describe the practices and their leader, and the scenario field each one sets.
PEOPLE = {"autonomy_stakes": "practices.stakes.mean", "value_diversity": "practices.value_spread",
          "facilitation": "leadership.facilitation", "shared_history": "network.history_years.mean"}


@dataclass(frozen=True)
class Settings:
    """What the trainer can change about a PCN (see CONTROLS for the meaning of each)."""

    mandate_pressure: float
    pace: float
    deadline_months: int
    autonomy_stakes: float
    value_diversity: float
    facilitation: float
    shared_history: float

    def with_value(self, name: str, value) -> "Settings":
        kind = type(getattr(self, name))
        return replace(self, **{name: kind(value)})


@dataclass(frozen=True)
class Control:
    name: str  # field of Settings
    label: str
    low: float
    high: float
    step: float
    left: str  # what the low end means, in plain words
    right: str  # what the high end means
    parameter: str  # where it goes in the scenario
    shown: str  # a value in a PCN's name, e.g. "CD style {:g}"


CONTROLS = (
    Control("mandate_pressure", "Mandate pressure (x national load)", 0.5, 2.0, 0.25, "half the work", "twice the work",
            "mandates[].total_effort", "{:g}x the work"),
    Control("pace", "Pace", 0.0, 1.0, 0.25, "everything at once", "phased over years",
            "mandates[0].start_week, first_wave, span_weeks", "pace {:g}"),
    Control("deadline_months", "Deadlines (months per specification)", 3, 24, 3, "3 months", "2 years",
            "mandates[0].lead_weeks", "{}-month deadlines"),
    Control("autonomy_stakes", "Autonomy and income at stake", 0.0, 0.9, 0.1, "little to lose", "a lot to lose",
            "practices.stakes.mean", "stakes {:g}"),
    Control("value_diversity", "Value diversity", 0.0, 0.4, 0.05, "like-minded", "very different",
            "practices.value_spread", "value diversity {:g}"),
    Control("facilitation", "Clinical Director's style", 0.0, 1.0, 0.1, "directive", "facilitative",
            "leadership.facilitation", "CD style {:g}"),
    Control("shared_history", "Shared history (years)", 0.0, 10.0, 1.0, "strangers", "ten years together",
            "network.history_years.mean", "{:g} years' history"),
)


def _round(x: float) -> int:
    return int(math.floor(x + 0.5))


def _weeks(months: int) -> int:
    return _round(months * 52 / 12)


def _read(path: Path) -> Scenario:
    try:
        return load(path)
    except ScenarioError as exc:
        raise ScenarioError(f"{exc} (the trainer's presets are read from it)") from None


def _phasing(path: Path, scenario: Scenario) -> tuple[int, int, int]:
    """The specifications' start week, how many come after the first wave, and over how many weeks."""
    if not scenario.mandates:
        raise ScenarioError(f"{path}: mandates: the trainer needs the specifications as the first stream")
    first = scenario.mandates[0]
    if first.kind == "step":  # all at once: a phased stream with everything in its first wave
        return first.start_week, 0, 0
    if first.kind == "phased":
        return first.start_week, first.count - first.first_wave, first.span_weeks
    raise ScenarioError(f"{path}: mandates.0.kind: the trainer paces the specifications as 'step' or 'phased', "
                        f"not {first.kind!r}")


def _months(path: Path, scenario: Scenario) -> int:
    weeks = scenario.mandates[0].lead_weeks
    months = _round(weeks * 12 / 52)
    if _weeks(months) != weeks:
        raise ScenarioError(f"{path}: mandates.0.lead_weeks: the trainer's deadlines are whole months; {weeks} weeks "
                            f"is not (e.g. {_weeks(months)} weeks is {months} months)")
    return months


def _flat(data, key: str = "") -> dict:
    """A nested scenario dump as {dotted.key: value}."""
    if isinstance(data, (dict, list)):
        items = data.items() if isinstance(data, dict) else enumerate(data)
        return {k: v for part, value in items for k, v in _flat(value, f"{key}{part}.").items()}
    return {key.rstrip("."): data}


def _one_pcn(files: dict[Path, Scenario]) -> None:
    """Refuse scenario files that differ in more than what the controls move: the page shows one PCN, one load."""
    moved = {"name", "description", "seed", *PEOPLE.values(), *(f"mandates.0.{field}" for field in TIMING)}
    (first, a), (second, b) = ((path, _flat(s.model_dump(mode="json"))) for path, s in files.items())
    for key in sorted(a.keys() | b.keys()):
        if key not in moved and a.get(key) != b.get(key):
            raise ScenarioError(f"{second}: {key} is {b.get(key)!r} but {a.get(key)!r} in {first}: the trainer shows "
                                "one PCN under one national load, so the two files may differ only in the "
                                "specifications' timing and deadlines and in what the controls set")


def _preset(path: Path, scenario: Scenario, pace: float) -> Settings:
    fields = _flat(scenario.model_dump(mode="json"))
    return Settings(mandate_pressure=1.0, pace=pace, deadline_months=_months(path, scenario),
                    **{name: fields[field] for name, field in PEOPLE.items()})


@dataclass(frozen=True)
class Basis:
    """What the trainer's scenarios are built on, read from a folder holding race.yaml and trust_first.yaml."""

    race: Scenario  # everything the controls do not move, the national load included
    phasing: tuple[tuple[int, int, int], tuple[int, int, int]]  # the specifications' phasing at pace 0 and 1
    presets: dict[str, Settings]


def read_basis(folder: Path) -> Basis:
    """The two scenario files as the trainer's basis; ScenarioError (one line) if one is missing or they disagree."""
    paths = folder / "race.yaml", folder / "trust_first.yaml"
    race, first = files = [_read(path) for path in paths]
    _one_pcn(dict(zip(paths, files)))
    return Basis(race, (_phasing(paths[0], race), _phasing(paths[1], first)),
                 {"Race": _preset(paths[0], race, pace=0.0), "Trust first": _preset(paths[1], first, pace=1.0)})


BASIS = read_basis(SCENARIOS)
PRESETS = BASIS.presets
RACE, TRUST_FIRST = PRESETS["Race"], PRESETS["Trust first"]
WEEKS = BASIS.race.steps


def _shown(control: Control, value) -> str:
    return control.shown.format(value)


def name(settings: Settings) -> str:
    """What a PCN's settings are, in a few words: its preset by pace, and what differs from that preset.

    E.g. 'Race', 'Trust first, CD style 0.9', 'Pace 0.5, 2x the work'.
    """
    exact = next((preset for preset, s in PRESETS.items() if s == settings), None)
    if exact:
        return exact
    base = next(((preset, s) for preset, s in PRESETS.items() if s.pace == settings.pace), None)
    preset, like = base if base else (f"Pace {settings.pace:g}", RACE)
    changed = [_shown(c, getattr(settings, c.name)) for c in CONTROLS
               if c.name != "pace" and getattr(settings, c.name) != getattr(like, c.name)]
    return ", ".join([preset, *changed])


def describe(settings: Settings) -> str:
    """Its name and how the specifications arrive, e.g. 'Race: everything at once, 9-month deadlines'."""
    pace = ("everything at once" if settings.pace == 0 else "phased over years" if settings.pace == 1
            else f"pace {settings.pace:g}")
    return f"{name(settings)}: {pace}, {settings.deadline_months}-month deadlines"


def differences(first: Settings, second: Settings) -> list[str]:
    """The controls other than pace on which two PCNs' settings differ: they no longer share one workload."""
    return [c.label.split(" (")[0] for c in CONTROLS if c.name != "pace" and getattr(first, c.name) != getattr(second, c.name)]


def overrides(settings: Settings, basis: Basis = BASIS) -> list[str]:
    """The settings as `dotted.key=value` overrides of race.yaml (as `pcnsim run --set`)."""
    s = settings
    # pace runs from race.yaml's way of taking the specifications on (0) to trust_first.yaml's (1)
    start, later, span = (_round(a + s.pace * (b - a)) for a, b in zip(*basis.phasing))
    count = basis.race.mandates[0].count
    timing = {"kind": "phased", "start_week": start, "first_wave": count - later, "span_weeks": span,
              "lead_weeks": _weeks(s.deadline_months)}
    return [*(f"mandates.0.{field}={value}" for field, value in timing.items()),
            *(f"mandates.{i}.total_effort={stream.total_effort * s.mandate_pressure!r}"
              for i, stream in enumerate(basis.race.mandates)),
            *(f"{field}={getattr(s, name):g}" for name, field in PEOPLE.items())]


def scenario(settings: Settings, name: str = "trainer", basis: Basis = BASIS) -> Scenario:
    """A validated scenario: race.yaml with the settings' overrides."""
    data = apply_overrides({**basis.race.model_dump(mode="json"), "name": name}, overrides(settings, basis),
                           "trainer settings")
    return validate(data, "trainer settings")
