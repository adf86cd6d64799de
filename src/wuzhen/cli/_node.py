"""Opening the node a command works on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import typer

from wuzhen.config import Settings
from wuzhen.errors import InputError
from wuzhen.i18n import _
from wuzhen.node import Node

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


@contextmanager
def open_node(ctx: typer.Context) -> Iterator[Node]:
    settings: Settings = ctx.obj
    node = Node.open(settings)
    try:
        yield node
    finally:
        node.close()


def owner_of(ctx: typer.Context, owner: str | None) -> str:
    """The member owning evidence: ``--owner``, else the node's default owner."""
    settings: Settings = ctx.obj
    code = (owner or settings.default_owner or "").upper()
    if len(code) != 2 or not code.isalpha():
        raise InputError(_("give --owner CODE (ISO 3166 alpha-2) or set WUZHEN_DEFAULT_OWNER"))
    return code


def utc(value: datetime | None) -> datetime | None:
    """Command-line times without a zone are UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
