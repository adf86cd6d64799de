"""Reading events for the API: every read goes through :func:`wuzhen.visibility.visible_events`.

Filters apply after visibility, so a filter can only match what the caller may see (a
hidden ``raw`` or ``destination.*`` is null by then, and matches nothing).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import polars as pl
from sqlalchemy.orm import Session

from wuzhen.api.cache import Versions
from wuzhen.api.deps import ApiState
from wuzhen.errors import InputError
from wuzhen.evidence.query import EventFilter, among
from wuzhen.evidence.store import EVENTS, schema_of
from wuzhen.i18n import _
from wuzhen.schema import NAMES
from wuzhen.visibility import Viewer, visible_events

MAX_DAYS = 3660  # a longer span scans every partition rather than listing days
ORDER = ("time.source", "event.id")


def utc(value: datetime | None) -> datetime | None:
    """Times without a zone are UTC; times that cannot be held in UTC are refused."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as err:
        raise InputError(_("This time is out of range.")) from err


def days_of(where: EventFilter) -> list[str] | None:
    """Day partitions that can hold matches (None: all)."""
    if where.since is None or where.until is None:
        return None
    if where.until <= where.since:
        return []
    if where.until - where.since > timedelta(days=MAX_DAYS):
        return None
    return where.days()


def scan(state: ApiState, versions: Versions, days: Sequence[str] | None) -> pl.LazyFrame:
    """The committed events (of ``days``), from the live-file list of this store version."""
    files = state.files.files(versions.store, EVENTS, days)
    if not files:
        empty = pl.from_arrow(schema_of(EVENTS).empty_table())
        assert isinstance(empty, pl.DataFrame)
        return empty.lazy()
    return pl.scan_parquet(files, hive_partitioning=False)


def visible(
    session: Session,
    state: ApiState,
    versions: Versions,
    viewer: Viewer,
    where: EventFilter,
    ids: Sequence[str] | pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """The events ``viewer`` may see that match ``where`` (and are among ``ids``, if given)."""
    frame = scan(state, versions, days_of(where))
    if ids is not None:
        frame = among(frame, ids)
    return visible_events(session, frame, viewer).filter(where.predicate()).select(NAMES)


def newest_first(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.sort(list(ORDER), descending=[True, False], nulls_last=True)


def page_json(items: pl.DataFrame, total: int, limit: int, offset: int) -> bytes:
    """A page body, the items written by Polars (no per-row Python objects)."""
    rows = items.write_json() if items.height else "[]"
    tail = json.dumps({"total": total, "limit": limit, "offset": offset})
    return b'{"items":' + rows.encode() + b"," + tail[1:].encode()
