"""pcnsim: agent-based simulation of collaboration in NHS England's Primary Care Networks."""

from .config import Scenario, ScenarioError, load

__all__ = ["PCNModel", "Scenario", "ScenarioError", "load"]
__version__ = "0.1.0"


def __getattr__(name):
    # PCNModel pulls in Mesa (about a second); load it only when asked for.
    if name == "PCNModel":
        from .model import PCNModel

        return PCNModel
    raise AttributeError(f"module 'pcnsim' has no attribute {name!r}")
