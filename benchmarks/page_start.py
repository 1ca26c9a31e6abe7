"""How long the trainer's page takes to start: cold (an empty numba cache) and warm (kernels cached).

    .venv/bin/python benchmarks/page_start.py [--warm N]

Page start is from starting the server (`serve`, in a fresh process, as `pcnsim app` does) to the page's
first render in headless Chromium (the week counter shown); "first week" adds pressing Step once and
seeing week 1 (the step kernels). A cold start compiles the kernels into a fresh, empty cache folder
(NUMBA_CACHE_DIR), leaving the tree's own cache alone; the warm starts then load them from that folder.
Each is set beside a bare `python -c "import solara"` timed in the same run, the floor of any Solara
page on this machine, so the ratios mean something on a machine of any speed or load.
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

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
HANG = 600  # seconds


def import_solara() -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import solara"], check=True)
    return time.monotonic() - started


def page_start(browser, cache: Path) -> tuple[float, float]:
    """Seconds from starting the server to the first render, and to week 1 after one Step."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", f"from pcnsim.trainer.app import serve; serve('127.0.0.1', {port})"],
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
        page = browser.new_page(viewport={"width": 1400, "height": 960})
        page.set_default_timeout(HANG * 1000)
        try:
            page.goto(url)
            page.locator(".pcn-week").wait_for()
            shown = time.monotonic() - started
            page.get_by_role("button", name="Step").click()
            page.wait_for_function("document.querySelector('.pcn-week').innerText.startsWith('Week 1 ')")
            stepped = time.monotonic() - started
        finally:
            page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return shown, stepped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=3, help="warm starts to take the median of (default: 3)")
    args = parser.parse_args()
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="pcnsim-numba-") as folder:
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
    warm_shown, warm_stepped = (statistics.median(times) for times in zip(*warm))
    print(f"bare `python -c 'import solara'`: {base:.1f} s (median of {len(floor)})")
    print(f"{'':22} {'page start':>12} {'x import':>9} {'first week':>12} {'x import':>9}")
    for name, (shown, stepped) in [("cold (empty cache)", cold), (f"warm (median of {len(warm)})",
                                                                   (warm_shown, warm_stepped))]:
        print(f"{name:22} {shown:10.1f} s {shown / base:8.1f}x {stepped:10.1f} s {stepped / base:8.1f}x")
    if not compiled:
        print("note: the cold start wrote no kernels into NUMBA_CACHE_DIR: it was not cold (the cache is kept elsewhere)")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
