"""Opening the node a command works on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import typer

from wuzhen.config import Settings
from wuzhen.errors import InputError
from wuzhen.i18n import _
from wuzhen.jurisdiction.states import load_states
from wuzhen.node import Node


@contextmanager
def open_node(ctx: typer.Context) -> Iterator[Node]:
    settings: Settings = ctx.obj
    node = Node.open(settings)
    try:
        yield node
    finally:
        node.close()


def owner_of(ctx: typer.Context, owner: str | None) -> str:
    """The member owning evidence: ``--owner`` (a state's alpha-2, alpha-3 or numeric code),
    else the node's default owner."""
    settings: Settings = ctx.obj
    code = owner or settings.default_owner
    if not code:
        raise InputError(_("give --owner CODE (ISO 3166 alpha-2) or set WUZHEN_DEFAULT_OWNER"))
    label = "--owner" if owner else "WUZHEN_DEFAULT_OWNER"
    return load_states().iso2(code, label)


def moment(value: str | datetime) -> datetime:
    """A time given on the command line, in UTC: ISO 8601 as people type it and as Wuzhen
    prints it (tables, CSV, JSON lines): a date, or a date and time with or without seconds,
    fractions and a zone (``Z``, ``+02:00``); a time without a zone is UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            msg = _(
                "{value!r} is not a time: give YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (UTC) or "
                "ISO 8601 with a zone, e.g. 2026-07-21T09:30:00+02:00"
            ).format(value=value)
            raise ValueError(msg) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
