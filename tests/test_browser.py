"""The trainer page in a real browser: headless Debian Chromium driven by Playwright.

Starts the server as `pcnsim app` would (in a subprocess, on a free port), loads the page, and checks
that it works offline (no request leaves this machine, no console error), that a control and the Step
button change what is shown, and that play runs at about its default speed. Saves a screenshot to
out/browser/app.png (or $PCNSIM_SCREENSHOT) and prints the start time and step rate.

Without /usr/bin/chromium (or the playwright package) the test is skipped, except on CI (CI set),
where it fails: there the browser is part of the setup.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL = {"127.0.0.1", "localhost", "::1"}


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@pytest.fixture(scope="module")
def browser():
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run on CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def compiled():
    """The engine's kernels compiled and cached, as after a first run: the page is timed loading them, not compiling."""
    from pcnsim import PCNModel, load

    model = PCNModel(load(SCENARIOS / "race.yaml"), seed=1)
    model.step()
    model.batch.pcn_outcomes()


@pytest.fixture
def server(tmp_path, compiled):
    """`serve` in a subprocess on a free port; yields its address and when it was started."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = tmp_path / "server.log"
    # Other work competing for the cores (under `pytest -n 2` the other worker keeps one core busy).
    busy = os.getloadavg()[0] > (os.cpu_count() or 1) / 2
    with open(log_path, "w") as log:
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", f"from pcnsim.trainer.app import serve; serve('127.0.0.1', {port})"],
                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > started + 30:
                    pytest.fail(f"the server did not start (exit status {proc.poll()}): {log_path.read_text()[-2000:]}")
                time.sleep(0.05)
        yield url, started, busy
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_page_in_a_real_browser(browser, server):
    url, started, busy = server  # the browser was opened first, as a trainer's would be
    served = time.monotonic() - started
    errors, outside, failed = [], [], []
    page = browser.new_page(viewport={"width": 1400, "height": 960})
    try:
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: urlparse(r.url).hostname not in LOCAL and r.url.startswith("http")
                and outside.append(r.url))
        page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
        page.goto(url)
        week = page.locator(".pcn-week")
        week.wait_for(timeout=30_000)
        start_seconds = time.monotonic() - started
        page.locator(".pcn-chart canvas").first.wait_for(timeout=15_000)  # ECharts loaded from the server

        def shown_week():
            return int(re.search(r"Week (\d+)", week.inner_text()).group(1))

        left = page.locator(".pcn-left")
        assert shown_week() == 0
        first = left.inner_text()

        # Step: the week and the numbers move
        step = page.get_by_role("button", name="Step")
        for _ in range(3):
            step.click()
        page.wait_for_function("document.querySelector('.pcn-week').innerText.startsWith('Week 3 ')")
        assert left.inner_text() != first

        # a control: more autonomy stakes on the left PCN; the run starts again with it
        stakes = page.get_by_role("slider").nth(3)
        stakes.focus()
        stakes.press("ArrowRight")
        page.get_by_text("Autonomy and income at stake: 0.4").wait_for(timeout=10_000)
        page.wait_for_function("document.querySelector('.pcn-week').innerText.startsWith('Week 0 ')")
        page.get_by_text("Custom: everything at once").wait_for(timeout=10_000)

        # the seed: type one, press Enter, the page says so
        seed = page.get_by_label(re.compile("^Seed"))
        seed.fill("7")
        seed.press("Enter")
        page.get_by_text("seed 7", exact=True).wait_for(timeout=10_000)

        # play at the default speed, measure the rate, then pause
        from pcnsim.trainer.app import DEFAULT_SPEED, SPEEDS

        page.get_by_role("button", name="Play").click()
        page.wait_for_function("!document.querySelector('.pcn-week').innerText.startsWith('Week 0 ')")
        w0, t0 = shown_week(), time.monotonic()
        page.wait_for_timeout(3000)
        w1, t1 = shown_week(), time.monotonic()
        rate = (w1 - w0) / (t1 - t0)
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for(timeout=5_000)
        page.wait_for_timeout(600)  # let a conflict flash show in the screenshot, if any

        shot = Path(os.environ.get("PCNSIM_SCREENSHOT", ROOT / "out" / "browser" / "app.png"))
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot))
    finally:
        page.close()

    target = 1 / SPEEDS[DEFAULT_SPEED]
    print(f"\npage start (server start to first render): {start_seconds:.1f} s ({served:.1f} s to serve); "
          f"play at '{DEFAULT_SPEED}': {rate:.1f} weeks/s (target {target:.1f}); screenshot: {shot}")
    assert not outside, f"requests to other hosts: {outside}"
    assert not failed, f"failed requests: {failed}"
    assert not errors, f"console errors: {errors}"
    # The promise is under 10 s; on a machine already busier than its cores (a loaded CI runner) allow twice that.
    limit = 20 if busy else 10
    assert start_seconds < limit, f"the page took {start_seconds:.1f} s to start (limit {limit} s)"
    assert rate >= 0.5 * target, f"play ran at {rate:.1f} weeks a second, the default is {target:.1f}"
