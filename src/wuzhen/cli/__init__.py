"""The ``wuzhen`` command line: one Typer app, one module per command group.

A command's module (and what it needs: the pipeline, the web stack, the database) is imported
only when that command runs, so that each command starts in the time its own work needs
(importing every command's module took 2 s: ``wuzhen formats`` took 2.5 s, now 1.1 s).
``wuzhen --help`` lists them all from :data:`COMMANDS`, importing none (1.8 s -> 0.4 s).
"""

from __future__ import annotations

import errno
import importlib
import io
import logging
import os
import sys
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer._click import Command, Context, HelpFormatter
from typer.core import TyperCommand, TyperGroup

from wuzhen import __version__
from wuzhen.cli._console import err_console
from wuzhen.config import Settings
from wuzhen.errors import WuzhenError
from wuzhen.i18n import _, activate

#: Every command, in the order ``--help`` lists them: its name, then the module of
#: ``wuzhen.cli`` and the attribute there that holds it (a function, or a Typer app for a
#: group of commands), and its help.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "attribute": (
        "attribute",
        "attribute",
        _("Attribute addresses, blocks, names or URLs to jurisdictions."),
    ),
    "jurisdiction": (
        "jurisdiction",
        "app",
        _("The attribution data: what is in use, and rebuilding it."),
    ),
    "ingest": ("ingest", "ingest", _("Ingest evidence files into the event store.")),
    "events": ("events", "events", _("Query stored events.")),
    "rejects": ("events", "rejects", _("Show refused records and why.")),
    "formats": ("formats", "formats", _("List the evidence formats this node reads.")),
    "feeds": ("formats", "feeds", _("List the feed catalogue.")),
    "evidence": ("evidence", "app", _("Evidence files: list them, retract one.")),
    "stats": ("stats", "app", _("Statistics over stored events.")),
    "members": ("members", "app", _("Members of the compact: list; the founding admission.")),
    "tick": ("tick", "tick", _("Run every time-dependent side effect once (for cron).")),
    "serve": ("serve", "serve", _("Serve the web UI and API; run tick every minute.")),
    "demo": ("demo", "demo", _("Make a fresh demo compact with sample evidence and serve it.")),
    "accounts": (
        "accounts",
        "app",
        _("Accounts: create secretariat administrators, invite members' administrators."),
    ),
    "rules": ("rules", "app", _("Rules: the parameters the system enforces, and their history.")),
    "ledger": ("ledger", "app", _("The ledger: verify its chain, export it for anyone to verify.")),
    "notices": ("notices", "app", _("Notices: the events routed to each member.")),
    "report": ("report", "app", _("Build the reports the secretariat publishes.")),
    "indicators": ("indicators", "app", _("Development indicators: import, list, define.")),
    "targets": ("indicators", "targets_app", _("Members' development targets.")),
    "sessions": (
        "sessions",
        "app",
        _("Sessions of the compact: convene, register delegations, agenda, minutes."),
    ),
    "proposals": (
        "proposals",
        "app",
        _("Proposals: table, amend, accept amendments, open votes, show, list."),
    ),
    "vote": ("proposals", "vote", _("Cast or change your member's vote (its administrator).")),
    "resolutions": ("proposals", "resolutions_app", _("Resolutions: adopted proposals.")),
    "commitments": (
        "commitments",
        "app",
        _("Commitments between members: propose, adopt, register, status, link, show."),
    ),
    "requests": (
        "requests",
        "app",
        _("Cooperation requests: file, answer and follow them, acting as a member's account."),
    ),
}


class _Commands(TyperGroup):
    """The root group: its commands are those of :data:`COMMANDS`, each built when asked for."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Loaded()

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The root's help: each command by its name and help in :data:`COMMANDS`, not built
        (which would import every command's module)."""
        built = self.commands
        self.commands = {name: TyperCommand(name, help=COMMANDS[name][2]) for name in COMMANDS}
        try:
            super().format_help(ctx, formatter)
        finally:
            self.commands = built


class _Loaded(MutableMapping[str, Command]):
    """The root's commands by name: all of :data:`COMMANDS`, loaded on first use."""

    def __init__(self) -> None:
        self._loaded: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._loaded:
            if name not in COMMANDS:
                raise KeyError(name)
            self._loaded[name] = _load(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMANDS, *self._loaded]))

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._loaded))


def _load(name: str) -> Command:
    module, attribute, help_text = COMMANDS[name]
    held = getattr(importlib.import_module(f"wuzhen.cli.{module}"), attribute)
    if isinstance(held, typer.Typer):
        group: Command = typer.main.get_group(held)
        group.name = name
        group.help = help_text
        return group
    single = typer.Typer(add_completion=False, rich_markup_mode="rich")
    single.command(name=name, help=help_text)(held)
    return typer.main.get_command(single)


app = typer.Typer(
    cls=_Commands,
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


def main() -> None:
    """Entry point: run the app, turning Wuzhen's errors into a message and exit status 1."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal that cannot show a character (LANG with an ASCII or Latin-1 encoding, a
        # state's name, a reject's replacement character) gets "?" for it, not a traceback.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    try:
        app(prog_name="wuzhen")
    except WuzhenError as err:
        err_console.print(f"[bold red]{_('Error')}:[/bold red] {escape(str(err))}")
        raise SystemExit(1) from None
    except OSError as err:
        # Nothing more goes to standard output: its reader stopped reading, or its device is
        # full (and flushing it again at exit would fail again).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if not _closed_pipe(err):  # `wuzhen events | head` ends quietly, as Click does
            err_console.print(f"[bold red]{_('Error')}:[/bold red] {escape(str(err))}")
        raise SystemExit(1) from None


def _closed_pipe(err: OSError) -> bool:
    """Whether ``err`` is a write to a pipe whose reader has gone (Polars' writers report it
    as an OSError without an errno, by its text)."""
    return err.errno == errno.EPIPE or f"(os error {errno.EPIPE})" in str(err)
