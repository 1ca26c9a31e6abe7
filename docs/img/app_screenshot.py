"""Regenerate docs/img/app.png: the trainer page side by side on its default seed, at week 100.

    python docs/img/app_screenshot.py [--weeks 100] [--out docs/img/app.png]

Starts `pcnsim app` on a free loopback port, opens it in headless Chromium
(/usr/bin/chromium, through playwright), steps the two PCNs week by week and
saves the page. Needs the `test` extra (playwright) and Debian's chromium.
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=100)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "app.png")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

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
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 960})
            page.goto(url)
            page.get_by_role("button", name="Step").wait_for(timeout=300_000)

            def week() -> int:
                return int(page.locator(".pcn-week").inner_text().split()[1])

            for target in range(1, args.weeks + 1):
                page.get_by_role("button", name="Step").click()
                page.wait_for_function(
                    f"parseInt(document.querySelector('.pcn-week').innerText.split(' ')[1]) >= {target}")
            page.wait_for_timeout(1000)
            assert week() == args.weeks
            tmp = args.out.with_suffix(".tmp.png")
            page.screenshot(path=str(tmp))
            tmp.replace(args.out)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
