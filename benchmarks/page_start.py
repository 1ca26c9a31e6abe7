"""How long the trainer's page takes to start: cold (an empty numba cache) and warm (kernels cached).

    .venv/bin/python benchmarks/page_start.py [--warm N]

Each start runs the server in a fresh process, as `pcnsim app` does (`serve`), and the page in headless
Chromium, and times from starting the server to:
  server     the server answers HTTP;
  paint      the first paint that means something: the "Preparing the model" card, or the page's Play button;
  usable     the Play button enabled (the model ready: its kernels compiled or loaded);
  week 1     after pressing Play, the week counter (`.pcn-week`, if the page has one) at week 1 or later.
A cold start compiles the kernels into a fresh, empty cache folder (XDG_CACHE_HOME, under which jit.py keeps
numba's cache; NUMBA_CACHE_DIR is set to it too), leaving the user's own cache alone; the warm starts then load
them from that folder. Each is set beside a bare `python -c "import solara"` timed in the same run, the floor
of any Solara page on this machine, so the ratios mean something on a machine of any speed or load.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
HANG = 600  # seconds
COLUMNS = ("server", "paint", "usable", "week 1")


def import_solara() -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import solara"], check=True)
    return time.monotonic() - started


def page_start(browser, cache: Path) -> tuple[float, float, float, float]:
    """Seconds from starting the server to each of COLUMNS (week 1: NaN without a week counter)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "NUMBA_CACHE_DIR": str(cache / "numba")}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", f"from pcnsim.trainer.server import serve; serve('127.0.0.1', {port})"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > started + HANG:
                    raise SystemExit(f"the server did not start (exit status {proc.poll()})")
                time.sleep(0.05)
        up = time.monotonic() - started
        page = browser.new_page(viewport={"width": 1400, "height": 960})
        page.set_default_timeout(HANG * 1000)
        try:
            page.goto(url)
            play = page.get_by_role("button", name="Play")
            page.get_by_text("Preparing the model").or_(play).first.wait_for()
            painted = time.monotonic() - started
            expect(play).to_be_enabled(timeout=HANG * 1000)
            usable = time.monotonic() - started
            stepped = float("nan")
            if page.locator(".pcn-week").count():
                play.click()
                page.wait_for_function("!/^Week 0\\b/.test(document.querySelector('.pcn-week').innerText)")
                stepped = time.monotonic() - started
        finally:
            page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return up, painted, usable, stepped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=3, help="warm starts to take the median of (default: 3; 0: cold only)")
    args = parser.parse_args()
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="pcnsim-cache-") as folder:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        cache = Path(folder)
        floor = [import_solara()]
        cold = page_start(browser, cache)
        compiled = sum(1 for _ in cache.rglob("*.nbi"))
        floor.append(import_solara())
        warm = []
        for _ in range(args.warm):
            warm.append(page_start(browser, cache))
            floor.append(import_solara())
        browser.close()
    base = statistics.median(floor)
    print(f"bare `python -c 'import solara'`: {base:.1f} s (median of {len(floor)})")
    print(f"{'seconds from server start':26}" + "".join(f"{name:>10}" for name in COLUMNS) + f"{'usable/import':>15}")
    rows = [("cold (empty cache)", cold)]
    if warm:
        rows.append((f"warm (median of {len(warm)})", tuple(statistics.median(t) for t in zip(*warm))))
    for name, times in rows:
        print(f"{name:26}" + "".join(f"{t:10.1f}" for t in times) + f"{times[2] / base:14.1f}x")
    if not compiled:
        print("note: the cold start wrote no kernels into the fresh cache: it was not cold "
              "(the cache is kept elsewhere)")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
