"""Configuration: the scenario schema, its files and the one-line errors (imports neither numba nor Mesa)."""

from .errors import ScenarioError
from .files import apply_overrides, dump, load, read_yaml, validate
from .schema import AUTHORISATIONS, STYLES, Scenario

__all__ = ["AUTHORISATIONS", "STYLES", "Scenario", "ScenarioError", "apply_overrides", "dump", "load", "read_yaml",
           "validate"]
