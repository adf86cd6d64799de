"""Event reads for pages: each one goes through :func:`wuzhen.visibility.visible_events`.

The web UI reads events only here, and only as the signed-in member sees them; the filters are
the API's (:class:`wuzhen.evidence.query.EventFilter`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import polars as pl

from wuzhen.errors import InputError
from wuzhen.evidence.enrich import Attributor
from wuzhen.evidence.query import EventFilter, among
from wuzhen.evidence.store import EVENTS
from wuzhen.i18n import _
from wuzhen.node import Node
from wuzhen.visibility import Viewer, visible_events

PAGE_SIZE = 50
TOP_ASNS = 10
LIST_COLUMNS = (
    "event.id",
    "time.source",
    "source.ip",
    "source.asn",
    "source.as_name",
    "source.registration.cc",
    "classification.type",
    "owner",
    "route.member",
    "route.state",
    "tlp",
)
FILTER_FIELDS = ("since", "until", "country", "asn", "classification", "text")


ASN = re.compile(r"(?:AS)?([0-9]{1,10})")


def _start(value: str, field: str, days: int = 0) -> datetime:
    """The start (UTC) of the day ``value`` names, moved by ``days`` (the last day there is
    has no next: its end is the end of time)."""
    try:
        day = date.fromisoformat(value)
    except ValueError as err:
        msg = _("{field}: a date is written YYYY-MM-DD").format(field=field)
        raise InputError(msg) from err
    start = datetime.combine(day, datetime.min.time(), UTC)
    try:
        return start + timedelta(days=days)
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


def parse_filter(params: Mapping[str, str], attributor: Attributor) -> EventFilter:
    """An event filter from a page's query (dates are whole days, ``until`` included)."""
    since = params.get("since") or None
    until = params.get("until") or None
    asn = params.get("asn") or None
    country = (params.get("country") or "").strip()
    number = ASN.fullmatch(asn.strip().upper()) if asn else None
    if asn and number is None:
        raise InputError(_("an AS number is digits, e.g. 13335"))
    return EventFilter(
        since=_start(since, "since") if since else None,
        until=_start(until, "until", days=1) if until else None,
        country=attributor.country(country, _("Country")) if country else None,
        asn=int(number[1]) if number else None,
        classification=(params.get("classification") or "").strip() or None,
        text=(params.get("text") or "").strip() or None,
    )


def visible(node: Node, viewer: Viewer, where: EventFilter) -> pl.LazyFrame:
    """Events matching ``where`` that ``viewer`` may see, newest first.

    The filter applies after visibility, so it matches only what the viewer may see: a
    hidden ``raw`` is null by then and a text search cannot probe it; ``member`` is the
    route in force."""
    with node.db.session() as s:
        seen = visible_events(s, node.store.scan(EVENTS, where.days()), viewer)
    return seen.filter(where.predicate()).sort(
        ["time.source", "event.id"], descending=[True, False], nulls_last=True
    )


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[dict[str, object]]
    total: int
    offset: int
    size: int


def page_of(frame: pl.LazyFrame, offset: int, size: int = PAGE_SIZE) -> Page:
    offset = max(offset, 0)
    total, rows = pl.collect_all(
        [frame.select(pl.len()), frame.slice(offset, size).select(LIST_COLUMNS)]
    )
    return Page(rows.to_dicts(), int(total.item()), offset, size)


def last_days(node: Node, member: str, days: int) -> EventFilter:
    """Events routed to ``member`` in the last ``days`` days, today included."""
    today = node.clock.now().astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    return EventFilter(
        since=datetime.combine(first, datetime.min.time(), UTC),
        until=datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC),
        member=member,
    )


def routed_to(node: Node, viewer: Viewer, where: EventFilter) -> tuple[pl.DataFrame, pl.DataFrame]:
    """For the events routed to ``viewer``'s member in the period of ``where`` (see
    :func:`last_days`): events per day (every day listed, zeros too) and the top source ASNs."""
    assert where.since is not None
    assert where.until is not None
    mine = (
        visible(node, viewer, where).select("time.source", "source.asn", "source.as_name").collect()
    )
    first, today = where.since.date(), (where.until - timedelta(days=1)).date()
    calendar = pl.DataFrame({"day": pl.date_range(first, today, "1d", eager=True)})
    per_day = calendar.join(
        mine.group_by(pl.col("time.source").dt.date().alias("day")).len("events"),
        on="day",
        how="left",
    ).with_columns(pl.col("events").fill_null(0))
    asns = (
        mine.filter(pl.col("source.asn").is_not_null())
        .group_by("source.asn")
        .agg(pl.len().alias("events"), pl.col("source.as_name").drop_nulls().first())
        .sort(["events", "source.asn"], descending=[True, False])
        .head(TOP_ASNS)
    )
    return per_day.sort("day"), asns


def of_ids(
    node: Node, viewer: Viewer, ids: Sequence[str] | pl.LazyFrame, days: Sequence[str]
) -> pl.LazyFrame:
    """The events with these ids that ``viewer`` may see, newest first (``days``: partitions
    holding them)."""
    with node.db.session() as s:
        frame = among(node.store.scan(EVENTS, days or None), ids)
        return visible_events(s, frame, viewer).sort(
            ["time.source", "event.id"], descending=[True, False], nulls_last=True
        )


def api_query(where: EventFilter, **extra: object) -> str:
    """The query string of the API's ``/api/v1/events`` for the same filter."""
    params: dict[str, object] = {
        "since": where.since.isoformat() if where.since else None,
        "until": where.until.isoformat() if where.until else None,
        "member": where.member,
        "country": where.country,
        "asn": where.asn,
        "classification": where.classification,
        "text": where.text,
        **extra,
    }
    return urlencode({k: v for k, v in params.items() if v is not None})
