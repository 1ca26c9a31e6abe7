"""Preparing the model before the page offers a run (issue 16, item 2): status, failures, the card, the browser.

`prepare.Preparation` is tested with stand-in work that waits for the test, so "not ready yet" is a state
the test holds, not a race it hopes to win. The browser test serves the trainer's page from a server whose numba cache is empty (XDG_CACHE_HOME: jit.py keeps
the cache under it and sets numba's CACHE_DIR itself, so NUMBA_CACHE_DIR alone would not empty it), holds
the preparing until the page has shown "Preparing the model", then lets the real compile run and waits for
Play. Every wait has a ceiling (HANG) that only catches a hang; how long preparing takes is measured in
benchmarks/page_start.py.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import ipywidgets
import solara

from pcnsim.trainer import prepare
from test_browser import CHROMIUM, FLAGS, GUARD, LOCAL, browser  # noqa: F401  (browser: the fixture)

ROOT = Path(__file__).resolve().parent.parent
HANG = 600  # seconds: a cold compile on a loaded two-core machine is slow, never this slow


class Held:
    """Stand-in work for a Preparation: waits until `release`, then returns or raises `failure`."""

    def __init__(self, failure: BaseException | None = None) -> None:
        self.go, self.calls, self.failure = threading.Event(), [], failure

    def __call__(self) -> None:
        self.calls.append(threading.current_thread().name)
        assert self.go.wait(HANG), "the test never released the work"
        if self.failure is not None:
            raise self.failure

    def release(self) -> None:
        self.go.set()


def test_status_is_not_ready_then_ready_and_preparing_runs_once():
    work = Held()
    preparation = prepare.Preparation(work, cold=lambda: True)
    assert preparation.status() == prepare.Status(ready=False, words=prepare.WORDS)
    preparation.begin()
    preparation.begin()
    now = preparation.status()
    assert not now.ready and now.error is None
    assert now.words == "Preparing the model…" and now.reason.startswith("First start on this computer: compiling")
    work.release()
    done = preparation.wait(HANG)
    assert done.ready and done.error is None
    preparation.begin()
    assert work.calls == ["pcnsim-prepare"]  # once, in its own thread


def test_a_warm_cache_says_loading():
    work = Held()
    preparation = prepare.Preparation(work, cold=lambda: False)
    preparation.begin()
    assert preparation.status().reason == prepare.WARM and not preparation.cold
    work.release()
    assert preparation.wait(HANG).ready


def test_a_failure_while_compiling_is_an_error_line_not_a_hang(monkeypatch, capsys):
    def broken():
        raise RuntimeError("LLVM ran out of\nmemory")

    monkeypatch.setattr(prepare, "runs", broken)  # what the default work calls to compile and load the kernels
    preparation = prepare.Preparation(cold=lambda: False)
    preparation.begin()
    failed = preparation.wait(HANG)
    assert not failed.ready and failed.words == prepare.FAILED
    assert re.fullmatch(r"RuntimeError: LLVM ran out of memory \(at test_prepare\.py:\d+\)", failed.error)
    assert f"error: preparing the model: {failed.error}" in capsys.readouterr().err.splitlines()


def test_a_failure_to_look_at_the_cache_is_an_error_line_too():
    def unreadable():
        raise PermissionError("cannot read the cache folder")

    preparation = prepare.Preparation(Held(), cold=unreadable)
    preparation.begin()
    failed = preparation.wait(HANG)
    assert not failed.ready and failed.error.startswith("PermissionError: cannot read the cache folder")


def strings(widget) -> list[str]:
    """Every text shown under a widget, depth first."""
    found = []
    for child in getattr(widget, "children", None) or []:
        found += [child] if isinstance(child, str) else strings(child) if isinstance(child, ipywidgets.Widget) else []
    return found


def shown(box) -> str:
    return " | ".join(strings(box))


def wait_until(condition, what: str) -> None:
    """Wait for a page rendered by `solara.render` to change from another thread (a ceiling for a hang only)."""
    ceiling = time.monotonic() + HANG
    while not condition():
        assert time.monotonic() < ceiling, f"waited {HANG} s for {what}"
        time.sleep(0.01)


def test_the_card_says_what_is_being_prepared_then_the_page_is_rendered():
    work = Held()
    preparation = prepare.Preparation(work, cold=lambda: True)

    @solara.component
    def Page():
        count = solara.use_memo(lambda: [0], [])  # a hook inside render: it has a component of its own
        count[0] += 1
        solara.Text("the trainer's page")

    box, rc = solara.render(prepare.WhenReady(lambda: Page(), preparation), handle_error=False)
    try:
        text = shown(box)
        assert "Preparing the model…" in text and "First start on this computer" in text and "s so far" in text
        assert "the trainer's page" not in text
        work.release()
        wait_until(lambda: "the trainer's page" in shown(box), "the page")
        assert "Preparing the model" not in shown(box)
    finally:
        rc.close()


def test_the_card_shows_a_failure():
    work = Held(RuntimeError("no compiler"))
    preparation = prepare.Preparation(work, cold=lambda: True)
    box, rc = solara.render(prepare.WhenReady(lambda: solara.Text("the page"), preparation), handle_error=False)
    try:
        work.release()
        wait_until(lambda: "RuntimeError: no compiler" in shown(box), "the error line")
        assert prepare.FAILED in shown(box) and "the page" not in shown(box)
    finally:
        rc.close()


class Watched(prepare.Preparation):
    """A Preparation that remembers which threads read its status."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.readers: set[threading.Thread] = set()
        self.polled = threading.Event()

    def status(self) -> prepare.Status:
        if threading.current_thread() is not threading.main_thread():
            self.readers.add(threading.current_thread())
            self.polled.set()
        return super().status()


def test_a_closed_page_stops_polling():
    work = Held()
    preparation = Watched(work, cold=lambda: True)
    box, rc = solara.render(prepare.WhenReady(lambda: solara.Text("the page"), preparation), handle_error=False)
    try:
        assert preparation.polled.wait(HANG)
        (poller,) = preparation.readers
        assert poller.is_alive()
    finally:
        rc.close()  # as when the tab closes: the page's components go
    poller.join(HANG)
    assert not poller.is_alive() and not preparation.status().ready
    work.release()


def test_a_second_thread_waits_for_the_first_threads_compile(monkeypatch):
    """The page's thread building a PCN while preparing compiles waits, then loads, rather than compiling too."""
    from pcnsim.engine import warm

    entered, go, order = threading.Event(), threading.Event(), []

    def compiling(*args):
        entered.set()
        assert go.wait(HANG)
        order.append("compiled")

    monkeypatch.setattr(warm, "_warmed", False)
    monkeypatch.setattr(warm, "_warm", compiling)

    def page():
        warm.warm(None, None, None, None, None)
        order.append("page built")

    preparing = threading.Thread(target=warm.warm, args=(None,) * 5)
    preparing.start()
    assert entered.wait(HANG)
    second = threading.Thread(target=page)
    second.start()
    second.join(0.5)  # long enough for a page that did not wait to be built; a page that waits is never early
    go.set()
    preparing.join(HANG)
    second.join(HANG)
    assert order == ["compiled", "page built"]


# ---------------------------------------------------------------- in a real browser, on an empty cache

# Run in the server before `serve`: preparing waits until the test writes a line to the server's stdin.
HOLD = """
import os, pcnsim.trainer.prepare as _prepare
_real = _prepare.SHARED._work

def _held():
    print("HELD", flush=True)
    os.read(0, 1)
    _real()

_prepare.SHARED._work = _held
"""


def test_a_cold_start_says_it_is_preparing_then_the_page_is_usable(browser, tmp_path):  # noqa: F811
    cache, log_path = tmp_path / "cache", tmp_path / "server.log"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "NUMBA_CACHE_DIR": str(cache / "numba"),
           "PYTHONPATH": str(ROOT)}
    errors, outside, failed = [], [], []
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "-c", GUARD + HOLD + "from pcnsim.trainer.server import serve; "
                                   f"serve('127.0.0.1', {port})"],
                                  cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
    try:
        ceiling = time.monotonic() + HANG
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < ceiling, log_path.read_text()[-2000:]
                time.sleep(0.05)
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.set_default_timeout(HANG * 1000)
        try:
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: urlparse(r.url).hostname not in LOCAL and r.url.startswith("http")
                    and outside.append(r.url))
            page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
            page.goto(url)
            page.get_by_text("Preparing the model").wait_for()
            page.get_by_text("First start on this computer: compiling the model").wait_for()
            assert "HELD" in log_path.read_text() and not list(cache.rglob("*.nbi"))  # nothing compiled yet
            play = page.get_by_role("button", name="Play")
            assert play.count() == 0
            server.stdin.write(b"\n")
            server.stdin.flush()
            play.wait_for()
            assert play.is_enabled() and page.get_by_text("Preparing the model").count() == 0
            page.get_by_role("button", name="Step").click()
            page.wait_for_function("document.querySelector('.pcn-week').innerText.startsWith('Week 1 ')")
        finally:
            page.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    log = log_path.read_text()
    assert "preparing the model: first start on this computer, compiling it" in log
    assert list(cache.rglob("*.nbi")), "the server's preparing compiled nothing into the empty cache"
    assert not outside, f"requests to other hosts: {outside}"
    assert not failed, f"failed requests: {failed}"
    assert not errors, f"console errors: {errors}"
    assert "OUTBOUND" not in log and "error" not in log, log[-2000:]
