"""``wuzhen demo``: a fresh demonstration compact, served in the foreground."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from wuzhen.cli._console import console, err_console, render_table
from wuzhen.cli.ingest import _print_report as print_ingest
from wuzhen.cli.serve import HostOption, NoBrowserOption, PortOption, announce
from wuzhen.config import Settings
from wuzhen.demo.prepare import OWNER, Demo, fresh_data_dir, prepare
from wuzhen.i18n import _
from wuzhen.server import check_port, serve, url_of


def demo(
    ctx: typer.Context,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    no_browser: NoBrowserOption = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help=_("A new or empty directory for the demo's data (default: a new temporary one)."),
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Make a fresh demonstration compact, print its accounts, and serve it until Ctrl-C."""
    check_port(host, port)
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="wuzhen-demo-"))
    fresh_data_dir(data_dir)
    base: Settings = ctx.obj
    settings = base.model_copy(
        update={
            "data_dir": data_dir.resolve(),
            "database_url": None,  # SQLite in the fresh directory, whatever the environment says
            "default_owner": OWNER,
            "base_url": url_of(host, port).rstrip("/"),
            "smtp_host": None,  # the demo's contacts are made up: no mail leaves
        }
    )
    console.print(_("Demo data directory: {path}").format(path=settings.data_dir), highlight=False)
    with err_console.status(_("Preparing the demo compact...")):
        made = prepare(settings)
    try:
        _print_demo(made)
        serve(made.node, host=host, port=port, browser=not no_browser, on_ready=announce)
    finally:
        made.node.close()
    console.print(
        _("Stopped. The demo's data stays in {path}; delete it when done.").format(
            path=settings.data_dir
        ),
        highlight=False,
    )


def _print_demo(made: Demo) -> None:
    console.print(_("{n} states admitted as members.").format(n=made.admitted))
    print_ingest(made.ingest)
    console.print(
        render_table(
            _("Notices made for the members the events are routed to"),
            [_("Notice"), _("Member"), _("Events")],
            made.notices,
            justify=["left", "left", "right"],
        )
    )
    roles = {
        "secretariat": _("secretariat administrator"),
        "admin": _("member administrator"),
        "analyst": _("member analyst"),
    }
    console.print(
        render_table(
            _("Demo accounts (the passwords are shown this once)"),
            [_("Role"), _("Member"), _("User name"), _("Password")],
            [(roles[c.role], c.member or "", c.username, c.password) for c in made.credentials],
        )
    )
