"""The trainer's server and page: real HTTP requests to a served page, and the page in headless Chromium.

Every server is started as `pcnsim app` starts it (`serve` in a subprocess, on a free port), with GUARD
installed first: it refuses every connection to an address that is not loopback, and every name lookup but
`localhost`, and writes each one it refused to the server's log as a line starting with OUTBOUND. So a test
sees any attempt of the server to reach another machine.

The browser test loads the page and checks that it works offline (no request leaves this machine, no
console error) and that a control, the Step button and Play change what is shown. It saves a screenshot
to out/browser/app.png (or $PCNSIM_SCREENSHOT). How fast the page starts is measured in
benchmarks/page_start.py, not here: every wait below has a ceiling (HANG) that only catches a hang.

Without /usr/bin/chromium (or the playwright package) the browser test is skipped, except on CI (CI set),
where it fails: there the browser is part of the setup.
"""

import contextlib
import ipaddress
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import SCENARIOS
from pcnsim.trainer import server as trainer_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL = {"127.0.0.1", "localhost", "::1"}
HANG = 300  # seconds: a loaded machine is slow, never this slow

GUARD = """
import ipaddress, socket, sys

def _loopback(host):
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False

def _literal(host):
    try:
        ipaddress.ip_address(str(host).split("%")[0])
        return True
    except ValueError:
        return False

def _refuse(what):
    print(f"OUTBOUND {what}", file=sys.stderr, flush=True)
    raise OSError(f"the test refuses outbound connections: {what}")

_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _refuse(address)
    return _connect(self, address)

def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _refuse(address)
    return _connect_ex(self, address)

def getaddrinfo(host, *args, **kwargs):
    if host is not None and host not in ("localhost", b"localhost") and not _literal(host):
        _refuse(f"lookup of {host}")
    return _getaddrinfo(host, *args, **kwargs)

socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
"""
# Solara as it was served before the trainer's filter: its own app, its own logging.
UNFILTERED = """
import uvicorn.config
import pcnsim.trainer.server as s
s.only_the_page = lambda app, cdn_copy: app
s.log_in_one_line = lambda: uvicorn.config.LOGGING_CONFIG
"""


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


class Served:
    """A server started by `start`: where to reach it, and its log so far."""

    def __init__(self, url: str, log: Path) -> None:
        self.url, self.log = url, log

    def text(self) -> str:
        return self.log.read_text()


@contextlib.contextmanager
def start(folder: Path, host: str = "127.0.0.1", before: str = ""):
    """`serve(host, port)` in a subprocess with GUARD (and `before`) run first; yields a Served once it answers."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        port = s.getsockname()[1]
    log_path = folder / f"server-{port}.log"
    reach = "127.0.0.1" if ipaddress.ip_address(host).is_unspecified else host
    url = f"http://{reach}:{port}/"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-c", GUARD + before +
                                 f"from pcnsim.trainer.server import serve; serve({host!r}, {port})"],
                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        hang = time.monotonic() + HANG
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > hang:
                    pytest.fail(f"the server did not start (exit status {proc.poll()}): {log_path.read_text()[-2000:]}")
                time.sleep(0.05)
        yield Served(url, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def request(url: str, method: str = "GET") -> tuple[int, bytes]:
    """Status and body of one HTTP request, whatever the status."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with start(tmp_path_factory.mktemp("served")) as server:
        yield server


@pytest.fixture(scope="module")
def unfiltered(tmp_path_factory):
    with start(tmp_path_factory.mktemp("unfiltered"), before=UNFILTERED) as server:
        yield server


BLOCKED = [("GET", "_solara/cdn/vue@2.6.14/dist/vue.min.js"), ("GET", "_solara/cdn/anything"),
           ("GET", "_solara/cdn/%2E%2E/%2E%2E/etc/passwd"), ("GET", "resourcez"), ("GET", "resourcez?verbose"),
           ("GET", "readyz"), ("GET", "some/other/page"), ("POST", "_solara/api/evict/x")]


def test_solara_unfiltered_reaches_out_shows_the_host_and_prints_tracebacks(unfiltered):
    """What the filter is for, and that GUARD sees it: Solara's own app, as served before."""
    assert request(unfiltered.url + "_solara/cdn/anything")[0] != 200
    assert "OUTBOUND lookup of cdn.jsdelivr.net" in unfiltered.text()
    status, body = request(unfiltered.url + "resourcez")
    assert status == 200 and b"\"threads\"" in body and b"\"websockets\"" in body
    before = len(unfiltered.text().splitlines())
    assert request(unfiltered.url + "_solara/api/close/x", "POST")[0] == 500
    time.sleep(1)
    assert len(unfiltered.text().splitlines()) - before > 10  # a traceback


def test_blocked_routes_answer_404_and_reach_nowhere(served):
    for method, path in BLOCKED:
        assert request(served.url + path, method)[0] == 404, path
    assert "OUTBOUND" not in served.text()


def test_the_page_and_its_assets_load(served):
    status, page = request(served.url)
    assert status == 200 and trainer_server.TITLE.encode() in page
    assets = {urlparse(link).path for link in re.findall(rb'(?:src|href)="([^"]+)"', page)
              if not link.startswith(b"http")}
    assert any(path.startswith(b"/_solara/cdn/") for path in assets) and len(assets) >= 5
    for path in assets:
        status, body = request(served.url + path.decode().lstrip("/"))
        assert status == 200 and body, path
    assert "OUTBOUND" not in served.text()
    assert "warning" not in served.text()  # served on loopback: no warning


def test_an_error_is_logged_in_one_line(served):
    before = served.text().splitlines()
    assert request(served.url + "_solara/api/close/x", "POST")[0] == 500
    time.sleep(1)
    (line,) = served.text().splitlines()[len(before):]
    assert line.startswith("error: POST /_solara/api/close/x: KeyError") and "session_id" in line


@pytest.mark.parametrize("host, elsewhere", [("127.0.0.1", False), ("localhost", False), ("::1", False),
                                             ("127.0.0.2", False), ("0.0.0.0", True), ("::", True),
                                             ("192.0.2.2", True), ("10.1.2.3", True)])
def test_which_hosts_serve_beyond_this_computer(host, elsewhere):
    assert trainer_server.reachable_from_elsewhere(host) is elsewhere


def _address_of_this_machine() -> str:
    """A non-loopback IPv4 address of this machine, or 0.0.0.0 (every interface) if it has none."""
    psutil = pytest.importorskip("psutil")
    for addresses in psutil.net_if_addrs().values():
        for a in addresses:
            if a.family == socket.AF_INET and not ipaddress.ip_address(a.address).is_loopback:
                return a.address
    return "0.0.0.0"


def test_a_host_beyond_this_computer_gets_a_warning(tmp_path):
    host = _address_of_this_machine()
    with start(tmp_path, host=host) as server:
        status, _ = request(server.url)
        first = server.text().splitlines()[0]
    assert status == 200
    assert first.startswith(f"warning: --host {host}: the page is served beyond this computer")
    assert "OUTBOUND" not in server.text()


@pytest.fixture
def server(tmp_path, compiled):
    with start(tmp_path) as served_page:
        yield served_page


def test_page_in_a_real_browser(browser, server):
    errors, outside, failed = [], [], []
    page = browser.new_page(viewport={"width": 1400, "height": 960})
    page.set_default_timeout(HANG * 1000)
    try:
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: urlparse(r.url).hostname not in LOCAL and r.url.startswith("http")
                and outside.append(r.url))
        page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
        page.goto(server.url)
        week = page.locator(".pcn-week")
        week.wait_for()
        page.locator(".pcn-chart canvas").first.wait_for()  # ECharts loaded from the server

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
        page.get_by_text("Autonomy and income at stake: 0.4").wait_for()
        page.wait_for_function("document.querySelector('.pcn-week').innerText.startsWith('Week 0 ')")
        page.get_by_text("Custom: everything at once").wait_for()

        # the seed: type one, press Enter, the page says so
        seed = page.get_by_label(re.compile("^Seed"))
        seed.fill("7")
        seed.press("Enter")
        page.get_by_text("seed 7", exact=True).wait_for()

        # play: the weeks move on by themselves; pause: they stop
        page.get_by_role("button", name="Play").click()
        page.wait_for_function("parseInt(document.querySelector('.pcn-week').innerText.split(' ')[1]) >= 3")
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for()
        page.wait_for_timeout(1500)  # a step under way at the pause is shown; then nothing moves
        paused = shown_week()
        page.wait_for_timeout(1500)  # three weeks at Normal speed, had it kept playing
        assert shown_week() == paused

        shot = Path(os.environ.get("PCNSIM_SCREENSHOT", ROOT / "out" / "browser" / "app.png"))
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot))
    finally:
        page.close()

    print(f"\nscreenshot: {shot}")
    assert not outside, f"requests to other hosts: {outside}"
    assert not failed, f"failed requests: {failed}"
    assert not errors, f"console errors: {errors}"
    log = server.text()
    assert "OUTBOUND" not in log and "error" not in log, log[-2000:]
