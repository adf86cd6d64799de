"""The ``wuzhen`` command line: one Typer app, one module per command group."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from wuzhen import __version__
from wuzhen.cli import (
    accounts,
    attribute,
    commitments,
    demo,
    events,
    evidence,
    formats,
    indicators,
    ingest,
    jurisdiction,
    ledger,
    members,
    notices,
    proposals,
    report,
    requests,
    rules,
    serve,
    sessions,
    stats,
    tick,
)
from wuzhen.cli._console import err_console
from wuzhen.config import Settings
from wuzhen.errors import WuzhenError
from wuzhen.i18n import _, activate

app = typer.Typer(
    name="wuzhen",
    help=_("Wuzhen: evidence, attribution and cooperation for a multilateral Internet compact."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"wuzhen {__version__}")
        raise typer.Exit


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help=_("Show the version and exit.")
        ),
    ] = False,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help=_("More log output (repeatable)."))
    ] = 0,
    language: Annotated[
        str | None,
        typer.Option("--language", help=_("Language of messages (ar, zh, en, fr, ru, es).")),
    ] = None,
) -> None:
    """Wuzhen command line."""
    if language:
        activate(language)
    settings = Settings()
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else settings.log_level
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = settings


app.command(
    name="attribute", help=_("Attribute addresses, blocks, names or URLs to jurisdictions.")
)(attribute.attribute)
app.add_typer(jurisdiction.app, name="jurisdiction")
app.command(name="ingest", help=_("Ingest evidence files into the event store."))(ingest.ingest)
app.command(name="events", help=_("Query stored events."))(events.events)
app.command(name="rejects", help=_("Show refused records and why."))(events.rejects)
app.command(name="formats", help=_("List the evidence formats this node reads."))(formats.formats)
app.command(name="feeds", help=_("List the feed catalogue."))(formats.feeds)
app.add_typer(evidence.app, name="evidence")
app.add_typer(stats.app, name="stats")
app.add_typer(members.app, name="members")
app.command(name="tick", help=_("Run every time-dependent side effect once (for cron)."))(tick.tick)
app.command(name="serve", help=_("Serve the web UI and API; run tick every minute."))(serve.serve)
app.command(name="demo", help=_("Make a fresh demo compact with sample evidence and serve it."))(
    demo.demo
)
app.add_typer(accounts.app, name="accounts")
app.add_typer(rules.app, name="rules")
app.add_typer(ledger.app, name="ledger")
app.add_typer(notices.app, name="notices")
app.add_typer(report.app, name="report")
app.add_typer(indicators.app, name="indicators")
app.add_typer(indicators.targets_app, name="targets")
app.add_typer(sessions.app, name="sessions")
app.add_typer(proposals.app, name="proposals")
app.command(name="vote", help=_("Cast or change your member's vote (its administrator)."))(
    proposals.vote
)
app.add_typer(proposals.resolutions_app, name="resolutions")
app.add_typer(commitments.app, name="commitments")
app.add_typer(requests.app, name="requests")


def main() -> None:
    """Entry point: run the app, turning Wuzhen's errors into a message and exit status 1."""
    try:
        app(prog_name="wuzhen")
    except WuzhenError as err:
        err_console.print(f"[bold red]{_('Error')}:[/bold red] {err}")
        raise SystemExit(1) from None
