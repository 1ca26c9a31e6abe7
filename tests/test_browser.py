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


def shown_week(page) -> int:
    return int(re.search(r"Week (\d+)", page.locator(".pcn-week").inner_text()).group(1))


def wait_for_week(page, week: int) -> None:
    page.wait_for_function(f"document.querySelector('.pcn-week').innerText.startsWith('Week {week} ')")


@contextlib.contextmanager
def opened(browser, server, width: int, height: int, zoom: float = 1.0):
    """The page in a fresh tab of `width` x `height` screen pixels at browser zoom `zoom`, loaded and drawn.

    Yields the page and the lists of console errors, requests to other hosts and failed requests.
    """
    errors, outside, failed = [], [], []
    page = browser.new_page(viewport={"width": round(width / zoom), "height": round(height / zoom)},
                            device_scale_factor=zoom)
    page.set_default_timeout(HANG * 1000)
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: urlparse(r.url).hostname not in LOCAL and r.url.startswith("http")
            and outside.append(r.url))
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    try:
        page.goto(server.url)
        page.locator(".pcn-week").wait_for()
        page.locator(".pcn-chart canvas").nth(3).wait_for()  # ECharts loaded from the server, all four drawn
        yield page, errors, outside, failed
    finally:
        page.close()
    assert not outside, f"requests to other hosts: {outside}"
    assert not failed, f"failed requests: {failed}"
    assert not errors, f"console errors: {errors}"
    log = server.text()
    assert "OUTBOUND" not in log and "error" not in log, log[-2000:]


def screenshot(page, name: str) -> Path:
    shot = Path(os.environ.get("PCNSIM_SCREENSHOTS", ROOT / "out" / "browser")) / name
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot))
    print(f"\nscreenshot: {shot}")
    return shot


def test_page_in_a_real_browser(browser, server):
    with opened(browser, server, 1400, 960) as (page, *_):
        left = page.locator(".pcn-left")
        assert shown_week(page) == 0
        first = left.inner_text()

        # Step: the week and the numbers move
        step = page.get_by_role("button", name="Step")
        for _ in range(3):
            step.click()
        wait_for_week(page, 3)
        assert left.inner_text() != first

        # a control: more autonomy stakes (on both PCNs); the run starts again with it
        page.get_by_role("button", name="Settings").click()
        stakes = page.locator(".pcn-controls .v-slider").nth(4).get_by_role("slider")
        stakes.focus()
        stakes.press("ArrowRight")
        page.get_by_text("Autonomy and income at stake: 0.4").wait_for()
        wait_for_week(page, 0)
        page.locator(".pcn-card-title", has_text="Race, stakes 0.4").wait_for()
        page.locator(".pcn-card-title", has_text="Trust first, stakes 0.4").wait_for()

        # the seed: type one, press Enter, the page says so; a bad one gets a message
        seed = page.get_by_label(re.compile("^Seed"))
        seed.fill("-4")
        seed.press("Enter")
        page.locator(".pcn-seed-error", has_text="is not a seed").wait_for()
        seed.fill("7")
        seed.press("Enter")
        page.get_by_text("seed 7", exact=True).wait_for()
        page.locator(".pcn-seed-error").wait_for(state="detached")
        page.locator(".pcn-controls").get_by_role("button", name="Close").click()
        page.locator(".v-navigation-drawer--open").wait_for(state="detached")
        screenshot(page, "app.png")


def test_play_then_pause_stops_within_a_week_and_go_to_and_back_change_the_week(browser, server):
    with opened(browser, server, 1280, 720) as (page, *_):
        play = page.get_by_role("button", name="Play")
        play.click()
        page.wait_for_function("parseInt(document.querySelector('.pcn-week').innerText.split(' ')[1]) >= 2")
        clicked = time.monotonic()
        at_pause = shown_week(page)
        page.get_by_role("button", name="Pause").click()
        play.wait_for()
        print(f"\nPause to Play shown again: {time.monotonic() - clicked:.2f} s")
        page.wait_for_timeout(1500)  # six weeks at Normal speed, had it kept playing
        paused = shown_week(page)
        assert paused <= at_pause + 1  # at most the step under way when Pause came
        page.wait_for_timeout(1000)
        assert shown_week(page) == paused

        page.get_by_role("button", name="1 year").click()
        wait_for_week(page, 52)
        page.get_by_role("button", name="6 months").click()
        wait_for_week(page, 26)
        page.get_by_role("button", name="Back").click()
        wait_for_week(page, 25)
        page.get_by_role("button", name="Step").click()
        wait_for_week(page, 26)


TEXT_BOXES = [".pcn-week", ".pcn-crossover", ".pcn-seed", ".pcn-warning", ".pcn-header .v-btn",
              ".pcn-transport .v-btn", ".pcn-transport .v-slider", ".pcn-legend > div", ".pcn-card-title",
              ".pcn-facts td", ".pcn-events > div", ".pcn-network", ".pcn-chart"]
LAYOUT = """(selectors) => {
  const boxes = [];
  for (const s of selectors) for (const el of document.querySelectorAll(s)) {
    let r = el.getBoundingClientRect();
    const scroller = el.closest('.pcn-events');
    if (scroller && scroller !== el) {  // a line of a scrolled list counts only where it can be seen
      const c = scroller.getBoundingClientRect();
      const top = Math.max(r.top, c.top), bottom = Math.min(r.bottom, c.bottom);
      if (bottom - top < 2) continue;
      r = {left: r.left, right: r.right, top, bottom};
    }
    if (r.right - r.left > 0 && r.bottom - r.top > 0) boxes.push({s, el, r, text: (el.innerText || '').slice(0, 50),
      clipped: el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible'
               || el.scrollWidth > el.clientWidth + 1 && el.tagName === 'TD'});
  }
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
    const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
    const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
    if (x > 1 && y > 1) overlaps.push(`${a.s} "${a.text}" and ${b.s} "${b.text}"`);
  }
  const box = (s) => [...document.querySelectorAll(s)].map(el => {
    const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; });
  const size = (s) => [...document.querySelectorAll(s)].map(el => parseFloat(getComputedStyle(el).fontSize));
  return {overlaps, clipped: boxes.filter(b => b.clipped).map(b => `${b.s} "${b.text}"`),
          width: window.innerWidth, height: window.innerHeight, scrollWidth: document.documentElement.scrollWidth,
          on_screen: Object.fromEntries(['.pcn-header', '.pcn-week', '.pcn-crossover', '.pcn-network', '.pcn-chart',
                                         '.pcn-facts'].map(s => [s, box(s)])),
          readouts: [...size('.pcn-week'), ...size('.pcn-crossover'), ...size('.pcn-facts td'),
                     ...size('.pcn-card-title')],
          small: [...size('.pcn-legend'), ...size('.pcn-events'), 
                  ...size('.pcn-transport .v-btn')]};
}"""


def check_layout(page) -> dict:
    found = page.evaluate(LAYOUT, TEXT_BOXES)
    assert not found["overlaps"], found["overlaps"]
    assert not found["clipped"], found["clipped"]
    assert found["scrollWidth"] <= found["width"]  # nothing wider than the screen
    assert min(found["readouts"]) >= 18 and min(found["small"]) >= 14, found
    return found


def on_one_screen(found: dict, sides: int = 2) -> None:
    """The header, both networks, their numbers and the four curves inside the window, none cut off."""
    boxes, width, height = found["on_screen"], found["width"], found["height"]
    assert len(boxes[".pcn-network"]) == sides and len(boxes[".pcn-chart"]) == 4
    assert len(boxes[".pcn-facts"]) == sides
    for selector, rects in boxes.items():
        for left, top, right, bottom in rects:
            assert 0 <= left and right <= width + 0.5 and 0 <= top and bottom <= height + 0.5, (selector, (
                left, top, right, bottom), (width, height))


def set_apart(page) -> None:
    """Through the settings: twice the work and a facilitative CD for the right PCN only (long names, a mark)."""
    page.get_by_role("button", name="Settings").click()
    controls = page.locator(".pcn-controls")
    controls.get_by_text("Set the workload of each PCN separately").click()
    controls.get_by_role("button", name="right", exact=True).click()
    for label in ("Mandate pressure", "Clinical Director's style"):
        slider = controls.locator(".v-input", has_text=label).get_by_role("slider")
        slider.focus()
        slider.press("End")
    page.locator(".pcn-warning", has_text="Not the same workload").wait_for()
    controls.get_by_role("button", name="Close").click()
    page.locator(".v-navigation-drawer--open").wait_for(state="detached")


# (width, height, where to go, what else): the three projector sizes, 4:3, 16:10 and 5:4 screens, the longest
# header (five years in, with the crossover), long names with the mark that the workloads differ, pinned settings
SCREENS = [(1280, 720, "2 years", None), (1366, 768, "2 years", None), (1920, 1080, "2 years", None),
           (1280, 720, "5 years", None), (1366, 768, "5 years", "apart"), (1280, 720, "5 years", "apart"),
           (1024, 768, "5 years", None), (1440, 900, "5 years", None), (1280, 1024, "2 years", None),
           (1920, 1080, "5 years", "pinned")]


@pytest.mark.parametrize("width, height, go_to, setting", SCREENS)
def test_on_a_projector_the_networks_header_and_curves_fit_one_screen(browser, server, width, height, go_to,
                                                                       setting):
    with opened(browser, server, width, height) as (page, *_):
        if setting == "apart":
            set_apart(page)
        if setting == "pinned":
            page.get_by_role("button", name="Settings").click()
            page.get_by_role("button", name="Pin the settings").click()
            page.locator(".pcn-controls").wait_for()
        page.get_by_role("button", name=go_to).click()
        wait_for_week(page, {"2 years": 104, "5 years": 260}[go_to])
        if go_to == "2 years":
            page.locator(".pcn-events .overruled").first.wait_for()  # the default seed's Race overrules by then
        found = check_layout(page)
        on_one_screen(found)
        networks = found["on_screen"][".pcn-network"]
        assert min(bottom - top for _, top, _, bottom in networks) >= 150  # big enough to see
        if setting is None and go_to == "2 years":
            screenshot(page, f"app-{width}x{height}.png")


# Browser zoom shrinks the page's own width and height: 125% of 1280x720 is 1024x576 CSS pixels; 150% of
# 1920x1080 is 1280x720. 150% of 1280x720 (853x480) cannot hold 18 px readouts for two PCNs and the curves:
# there the page scrolls, with nothing overlapping, cut off or wider than the window.
ZOOMS = [(1280, 720, 1.25, True), (1366, 768, 1.25, True), (1920, 1080, 1.5, True), (1280, 720, 1.5, False)]


@pytest.mark.parametrize("width, height, zoom, fits", ZOOMS)
def test_at_browser_zoom_the_page_is_the_networks_not_the_settings(browser, server, width, height, zoom, fits):
    with opened(browser, server, width, height, zoom) as (page, *_):
        page.get_by_role("button", name="6 months").click()
        wait_for_week(page, 26)
        found = check_layout(page)
        if fits:
            on_one_screen(found)
        networks = found["on_screen"][".pcn-network"]
        assert len(networks) == 2 and sum(right - left for left, _, right, _ in networks) >= 0.25 * found["width"]
        screenshot(page, f"app-{width}x{height}-zoom-{round(zoom * 100)}.png")
