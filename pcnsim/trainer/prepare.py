"""The model prepared before the page offers a run: kernels compiled (or loaded) while the page says so.

On a fresh install the engine's kernels are compiled the first time a PCN is built and stepped, about half
a minute on two cores; later starts load them from numba's cache in under a second. `begin()` (idempotent;
`serve` calls it before the server starts, so compiling overlaps the server starting and the browser
connecting) does in a background thread what the page's runs need: a PCN of the trainer's scenario
(`settings.scenario(RACE)`) built, stepped and its outcomes read. On a cold cache, building it compiles the
kernels on every core (`engine.warm`: this thread and a helper process). `status()` says where it stands,
as a small frozen `Status`; a failure is its `error` line (and one line on the server's stderr).

The page wraps its content in `WhenReady`: until the model is ready it shows a centred card ("Preparing
the model…", why it takes this long, a bar and the seconds so far), or the error line if preparing
failed; then it renders the page. app.py's `Page()` makes this one call:

    @solara.component
    def Page():
        prepare.WhenReady(lambda: TrainerPage(solara.use_memo(Trainer, [])))

`render` runs as the body of a component of its own once the model is ready, so it may use hooks
(`use_memo` above), and the PCNs it builds load the compiled kernels instead of compiling them. The card
is drawn without animation (the bar moves once a second): an animated bar kept a core of a two-core
laptop's browser a sixth busy, taken from the compile.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import solara

POLL = 0.3  # seconds between two looks at the status from a page that waits
EXPECTED = 30.0  # seconds a cold compile takes on a two-core laptop (benchmarks/page_start.py), for the bar
WORDS = "Preparing the model…"
COLD = ("First start on this computer: compiling the model, about half a minute. "
        "Later starts take a few seconds.")
WARM = "Loading the compiled model: a few seconds."
FAILED = "The model could not be prepared"
AGAIN = "The terminal that runs `pcnsim app` shows the same line; stop it (Ctrl+C) and start it again to retry."


@dataclass(frozen=True)
class Status:
    """Where preparing stands: ready or not, the words to show, and the error line if it failed."""

    ready: bool
    words: str
    reason: str = ""
    error: str | None = None
    seconds: int = 0  # whole seconds since preparing began


def one_line(exc: BaseException) -> str:
    """An exception as one line: its kind, its message and where it was raised."""
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    place = f" (at {os.path.basename(where[0].filename)}:{where[0].lineno})" if where else ""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}{': ' + message if message else ''}{place}"


def first_start() -> bool:
    """Whether the kernels still have to be compiled on this computer (numba's cache holds none for this code)."""
    from ..engine import warm

    return not warm.cache_ready()


def runs() -> None:
    """What the page's runs do, once: build a PCN of the trainer's scenario, step it, read its outcomes."""
    from ..model import PCNModel
    from .settings import RACE, scenario

    model = PCNModel(scenario(RACE), seed=0)
    model.step()
    model.series("milestones_met")
    model.outcomes  # noqa: B018  (as the page reads them)


def _runs() -> None:
    runs()  # looked up when called, so a test can replace it


class Preparation:
    """Preparing done once in a background thread: `begin` starts it, `status` and `wait` read it."""

    def __init__(self, work: Callable[[], None] = _runs, cold: Callable[[], bool] = first_start) -> None:
        self._work, self._cold = work, cold
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0
        self._reason = ""
        self._error: str | None = None

    def begin(self) -> None:
        """Start preparing (once; later calls do nothing)."""
        with self._lock:
            if self._thread is not None:
                return
            try:
                cold = self._cold()
            except Exception as exc:  # shown like any failure of preparing
                self._error = one_line(exc)
                cold = True
            self._reason = COLD if cold else WARM
            self._started = time.monotonic()
            self._thread = threading.Thread(target=self._run, name="pcnsim-prepare", daemon=True)
            if self._error is None:
                self._thread.start()
            else:
                self._done.set()

    def _run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # any failure is shown on the page, never swallowed
            self._error = one_line(exc)
            print(f"error: preparing the model: {self._error}", file=sys.stderr, flush=True)
        finally:
            self._done.set()

    @property
    def cold(self) -> bool:
        """Whether this preparing compiles (known once begun)."""
        return self._reason == COLD

    def status(self) -> Status:
        if self._thread is None:
            return Status(ready=False, words=WORDS)
        seconds = int(time.monotonic() - self._started)
        if self._error is not None:
            return Status(ready=False, words=FAILED, reason=AGAIN, error=self._error, seconds=seconds)
        if self._done.is_set():
            return Status(ready=True, words="The model is ready.")
        return Status(ready=False, words=WORDS, reason=self._reason, seconds=seconds)

    def wait(self, timeout: float | None = None) -> Status:
        """The status once preparing has ended (ready or failed), or at `timeout` seconds."""
        self._done.wait(timeout)
        return self.status()


SHARED = Preparation()  # the one the server and the page share


def begin() -> None:
    """Start preparing the model for the page (idempotent)."""
    SHARED.begin()


def status() -> Status:
    """Whether the model is ready, the words to show, and the error line if preparing failed."""
    return SHARED.status()


# ---------------------------------------------------------------- the page's side

@solara.component
def _Then(render: Callable[[], None]):
    render()


@solara.component
def WhenReady(render: Callable[[], None], preparation: Preparation | None = None):
    """A card saying what is being prepared, and why, until the model is ready; then `render()`.

    Its thread looks at the status every POLL seconds and ends when preparing ends or the component goes
    (a tab closed): use_thread's cancel event is set when the component is removed.
    """
    preparation = preparation or SHARED
    preparation.begin()
    now, set_now = solara.use_state(preparation.status())

    def poll(cancel: threading.Event) -> None:
        while not cancel.is_set():
            current = preparation.status()
            set_now(current)
            if current.ready or current.error is not None:
                return
            cancel.wait(POLL)

    solara.use_thread(poll, dependencies=[], intrusive_cancel=False)
    if now.ready:
        _Then(render)
        return
    with solara.Column(align="center", style={"min-height": "80vh", "justify-content": "center"}):
        with solara.Card(now.words, style={"max-width": "560px"}, classes=["pcn-preparing"]):
            if now.error is not None:
                solara.Error(now.error, classes=["pcn-prepare-error"])
                solara.Text(now.reason, style={"font-size": "14px"})
            else:
                solara.Text(now.reason, style={"font-size": "16px"})
                solara.HTML(unsafe_innerHTML=_bar(now.seconds, EXPECTED if preparation.cold else 1.0))
                solara.Text(f"{now.seconds} s so far", style={"font-size": "12px", "color": "#666"})


def _bar(seconds: int, expected: float) -> str:
    """A bar that fills as the seconds pass (two thirds by the expected time, never all of it), not animated."""
    share = 1 - math.exp(-seconds / expected)
    return (f'<div role="progressbar" aria-label="preparing" style="height:6px; background:#dde6f2; margin:12px 0 4px">'
            f'<div style="height:6px; width:{100 * share:.0f}%; background:#1f5fa8"></div></div>')
