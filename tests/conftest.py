from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def scenario_path():
    return lambda name: SCENARIOS / f"{name}.yaml"


class _Inline:
    """An executor that runs each submitted chunk at once in this process, so a test can watch it."""

    def submit(self, fn, *args):
        future = Future()
        future.set_result(fn(*args))
        return future


@contextmanager
def _inline_executor(workers, scheduler):
    yield _Inline()


@pytest.fixture
def inline(monkeypatch):
    """Sweeps in this test run their chunks in this process, in order."""
    from pcnsim.study import sweep

    monkeypatch.setattr(sweep, "executor", _inline_executor)
