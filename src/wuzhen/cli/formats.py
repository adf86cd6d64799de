"""``wuzhen formats`` and ``wuzhen feeds``: the formats this node reads, the feeds it knows."""

from __future__ import annotations

from typing import Annotated

import typer

from wuzhen.cli._console import console, print_json, render_table
from wuzhen.config import Settings
from wuzhen.evidence.feeds import catalogue
from wuzhen.evidence.parsers import all_parsers
from wuzhen.i18n import _


def formats() -> None:
    """List the evidence formats and how each is read."""
    rows = [(p.name, p.title, p.mode) for p in all_parsers().values()]
    console.print(render_table(_("Evidence formats"), [_("Name"), _("Format"), _("Read as")], rows))


def feeds(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    """List known feeds: format, provider, default marking, redistribution terms, licence."""
    settings: Settings = ctx.obj
    known = catalogue(settings.data_dir)
    if as_json:
        print_json([f.as_dict() for f in known.values()])
        return
    rows = [
        (
            f.name,
            f.provider,
            f.format,
            f.tlp.value,
            _("routed to members") if f.redistribution else _("owner only"),
            f.licence,
        )
        for f in known.values()
    ]
    console.print(
        render_table(
            _("Feeds"),
            [
                _("Name"),
                _("Provider"),
                _("Format"),
                _("Default TLP"),
                _("Redistribution"),
                _("Licence"),
            ],
            rows,
        )
    )
