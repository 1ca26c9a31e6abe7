"""The parameters the kernels read, derived from the scenario schema: `p.trust.gain[b]` is run b's `trust.gain`.

Every number-valued field of every section of `config.schema.Scenario`
becomes one float array over the batch, under the section's and the field's
own names, so a kernel, the per-agent reference (`scenario.trust.gain`),
the scenario files and docs/ODD.md all call a parameter the same thing.
Nothing here is kept by hand: a field added to the schema reaches the
kernels. Fields only `world.build` reads (such as `trust.initial`) ride
along unused; telling them apart would need a second list to keep.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from pydantic import BaseModel

from ..config import Scenario


def _scalars(section: type[BaseModel]) -> list[str]:
    return [name for name, field in section.model_fields.items() if field.annotation in (int, float)]


def _sections() -> dict[str, tuple[type, list[str]]]:
    sections = {}
    for name, field in Scenario.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel) and _scalars(kind):
            sections[name] = (namedtuple(kind.__name__ + "Params", _scalars(kind)), _scalars(kind))
    return sections


SECTIONS = _sections()
# numba keys its on-disk cache on the argument types, and a namedtuple type is its class: each section's class
# must be a module attribute, so that another process finds (unpickles) the same class and reuses the cache.
globals().update({group.__name__: group for group, _ in SECTIONS.values()})
Params = namedtuple("Params", list(SECTIONS))


def of(scenarios: list[Scenario]) -> Params:
    """Every scalar parameter of every run of a batch, one (B,) float array per field."""
    return Params(**{
        name: group(**{f: np.array([float(getattr(getattr(s, name), f)) for s in scenarios]) for f in fields})
        for name, (group, fields) in SECTIONS.items()})
