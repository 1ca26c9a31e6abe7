"""Regenerate the trainer page's screenshots in docs/img: side by side on its default seed, at two years.

    python docs/img/app_screenshot.py [--week 104] [--size 1280x720 --size 1920x1080] [--out docs/img]

Starts `pcnsim app` on a free loopback port, opens it in headless Chromium (/usr/bin/chromium, through
playwright) at each size, presses the page's own "Go to" button for the week and saves
`app-WIDTHxHEIGHT.png`. Needs the `test` extra (playwright) and Debian's chromium.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = ("1280x720", "1920x1080")  # a meeting room's projector, and a large screen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    from pcnsim.trainer.app import JUMPS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week", type=int, default=JUMPS["2 years"], choices=sorted(JUMPS.values()))
    parser.add_argument("--size", action="append", help="WIDTHxHEIGHT (repeatable; default: 1280x720 and 1920x1080)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    button = next(label for label, week in JUMPS.items() if week == args.week)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "pcnsim", "app", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(600):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for size in args.size or SIZES:
                width, height = (int(x) for x in size.split("x"))
                page = browser.new_page(viewport={"width": width, "height": height})
                page.set_default_timeout(300_000)
                page.goto(url)
                page.locator(".pcn-chart canvas").nth(3).wait_for()
                page.get_by_role("button", name=button).click()
                page.wait_for_function(f"document.querySelector('.pcn-week').innerText.startsWith('Week {args.week} ')")
                page.wait_for_timeout(1000)  # the curves redrawn
                out = args.out / f"app-{size}.png"
                tmp = out.with_suffix(".tmp.png")
                page.screenshot(path=str(tmp))
                tmp.replace(out)
                print(f"wrote {out}")
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
