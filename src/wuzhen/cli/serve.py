"""``wuzhen serve``: the web UI and API, with tick every minute, in the foreground."""

from __future__ import annotations

from typing import Annotated

import typer

from wuzhen.cli._console import console
from wuzhen.cli._node import open_node
from wuzhen.config import Settings
from wuzhen.i18n import _
from wuzhen.server import check_port, url_of
from wuzhen.server import serve as run_server

HostOption = Annotated[
    str, typer.Option("--host", help=_("Address to listen on (127.0.0.1: this machine only)."))
]
PortOption = Annotated[int, typer.Option("--port", help=_("Port to listen on."), min=1, max=65535)]
NoBrowserOption = Annotated[
    bool, typer.Option("--no-browser", help=_("Do not open a web browser."))
]


def announce(url: str) -> None:
    console.print(_("Serving on {url} ; press Ctrl-C to stop.").format(url=url), highlight=False)


def serve(
    ctx: typer.Context,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    no_browser: NoBrowserOption = False,
) -> None:
    """Serve the web UI and the API, and run tick every minute, until Ctrl-C or SIGTERM."""
    settings: Settings = ctx.obj
    if "base_url" not in settings.model_fields_set:
        # Links in e-mail point where this server listens unless WUZHEN_BASE_URL says otherwise.
        ctx.obj = settings.model_copy(update={"base_url": url_of(host, port).rstrip("/")})
    check_port(host, port)
    with open_node(ctx) as node:
        run_server(node, host=host, port=port, browser=not no_browser, on_ready=announce)
    console.print(_("Stopped."))
