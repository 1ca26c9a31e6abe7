"""pcnsim: agent-based simulation of collaboration in NHS England's Primary Care Networks."""

from .model import PCNModel
from .scenario import Scenario, ScenarioError, load

__all__ = ["PCNModel", "Scenario", "ScenarioError", "load"]
__version__ = "0.1.0"
