"""`pcnsim app`'s web server: Solara serving the trainer's page, its assets and its connection, nothing else.

Solara's own server answers `/_solara/cdn/<path>` from its local copy of the CDN's files (solara-assets)
and, for any file not there, fetches it from the outside CDN and keeps it; it shows threads, kernels and
the host's CPU and memory at `/resourcez`, and has more routes for operators and tests. `only_the_page`
puts a filter in front of it: a request outside `SERVED`, or for a CDN file this machine does not hold,
gets 404 before Solara sees it, so no request can make the server reach another machine. An error inside
a request is logged in one line, and a `--host` that other machines can reach gets a one-line warning.
`serve` starts preparing the model (pcnsim.trainer.prepare) before the server, and says on the terminal
when that means compiling.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import socket
import sys
import warnings
from pathlib import Path

from . import prepare
from .prepare import one_line

TITLE = "It is not a race: a PCN trainer"
# What the page uses: the page itself, Solara's and the widgets' files, and its kernel's connection
# (its kernel's address, the websocket, and the beacon a closing tab sends).
SERVED = re.compile(r"/|/static/.+|/_solara/cdn/.+|/jupyter/nbextensions/.+"
                    r"|/jupyter/api/kernels/[^/]+(/channels)?|/_solara/api/close/[^/]+")
CDN = "/_solara/cdn/"
log = logging.getLogger("pcnsim.trainer")


def held_here(path: str, folder: Path) -> bool:
    """Whether Solara can answer a CDN path from `folder` (its local copy) without fetching it."""
    parts = path.split("/")
    stored = folder.joinpath(*parts, "__main.js") if len(parts) == 1 else folder.joinpath(*parts)  # as Solara stores it
    try:
        return stored.resolve().is_relative_to(folder.resolve()) and stored.is_file()
    except (OSError, ValueError):
        return False


def only_the_page(app, cdn_copy: Path):
    """An ASGI app that passes to `app` only the requests the trainer's page makes, and logs errors in one line.

    `cdn_copy` is the folder of Solara's local copy of the CDN's files.
    """

    def served(path: str) -> bool:
        return bool(SERVED.fullmatch(path)) and (not path.startswith(CDN) or held_here(path[len(CDN):], cdn_copy))

    async def filtered(scope, receive, send):
        if scope["type"] in ("http", "websocket") and not served(scope["path"]):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            else:
                await send({"type": "http.response.start", "status": 404,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                await send({"type": "http.response.body", "body": b"Not found"})
            return
        try:
            await app(scope, receive, send)
        except Exception as exc:  # Starlette has already answered 500; say what failed, once
            if scope["type"] not in ("http", "websocket"):
                raise
            log.error("%s %s: %s", scope.get("method", "WEBSOCKET"), scope["path"], one_line(exc))

    return filtered


class OneLine(logging.Formatter):
    """Log records in one line each, a traceback shortened to `one_line`."""

    def format(self, record: logging.LogRecord) -> str:
        text = " ".join(record.getMessage().split())
        if record.exc_info and record.exc_info[1] is not None:
            text += f": {one_line(record.exc_info[1])}"
        return f"{record.levelname.lower()}: {text}"


def log_in_one_line() -> dict:
    """Every server log (Solara's, uvicorn's, ours) to stderr in one line a record, warnings and up."""
    handler = {"class": "logging.StreamHandler", "formatter": "one_line", "stream": "ext://sys.stderr"}
    quiet = {"handlers": ["stderr"], "level": "WARNING", "propagate": False}
    return {"version": 1, "disable_existing_loggers": False,
            "formatters": {"one_line": {"()": OneLine}}, "handlers": {"stderr": handler},
            "root": {"handlers": ["stderr"], "level": "WARNING"},
            "loggers": {name: quiet for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "solara", "pcnsim")}}


def reachable_from_elsewhere(host: str) -> bool:
    """Whether serving on `host` lets other machines connect: any address it stands for is not loopback."""
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return True
    return any(not ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in found)


def serve(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the page on http://host:port until interrupted (everything from this machine: no CDN, no telemetry).

    The model is prepared (`prepare.begin`: its kernels compiled or loaded) while the server starts and the
    browser connects; the page says so until it is ready. Raises ScenarioError (one line for the user) if the address
    cannot be used or a preset's file is missing.
    """
    from ..config import ScenarioError
    from . import settings as _presets  # noqa: F401  (a missing or bad scenario file: one line, before serving)

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        reason = (exc.strerror or str(exc)).split(" (while")[0]
        raise ScenarioError(f"--host {host} --port {port}: cannot serve there ({reason})") from None
    if reachable_from_elsewhere(host):
        print(f"warning: --host {host}: the page is served beyond this computer, to anyone on the network who "
              f"can reach port {port} (use --host 127.0.0.1 for this computer only)", file=sys.stderr, flush=True)
    prepare.begin()
    os.environ["SOLARA_APP"] = "pcnsim.trainer.app"
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    import uvicorn
    from solara.server import settings

    warnings.filterwarnings("ignore", message="Cookies with samesite=none")  # plain http on localhost is fine
    settings.main.mode = "production"
    settings.telemetry.mixpanel_enable = False
    settings.theme.title = TITLE
    settings.theme.show_banner = False
    from solara.server.starlette import app

    print(f"pcnsim trainer: open http://{host}:{port} in a browser (Ctrl+C stops it)", flush=True)
    if prepare.SHARED.cold:
        print("pcnsim trainer: preparing the model: first start on this computer, compiling it (about half a "
              "minute; later starts take a few seconds)", flush=True)
    uvicorn.run(only_the_page(app, Path(settings.assets.proxy_cache_dir)), host=host, port=port,
                log_config=log_in_one_line(), log_level="warning")
