"""Reading the event store: filters over committed events and rejects, as lazy frames."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from wuzhen.evidence.store import EVENTS, REJECTS, EventStore
from wuzhen.schema.taxonomy import TAXONOMIES, classification

#: An event's time: its source's, else (a blocklist's entry, which has none) when it was
#: observed, as its day partition and the exports have it.
EVENT_TIME = pl.coalesce("time.source", "time.observation")


NAMED_DAYS = 3660  # about ten years


@dataclass(frozen=True, slots=True)
class EventFilter:
    """What to select. Every given criterion must hold (AND)."""

    since: datetime | None = None  # EVENT_TIME >= since
    until: datetime | None = None  # EVENT_TIME < until
    member: str | None = None  # route.member
    country: str | None = None  # source.registration.cc
    asn: int | None = None
    classification: str | None = None  # a classification.type or taxonomy
    text: str | None = None  # substring of the source, description, identifier or raw text
    owner: str | None = None
    evidence: tuple[str, ...] = ()  # evidence.id: any of these

    def __post_init__(self) -> None:
        if self.classification is not None:
            object.__setattr__(self, "classification", classification(self.classification))

    def days(self) -> list[str] | None:
        """Day partitions that can hold matches (None: all, also for a span longer than
        :data:`NAMED_DAYS`: a list of its days would cost more than it saves)."""
        if self.since is None or self.until is None:
            return None
        if (self.until - self.since).days > NAMED_DAYS:
            return None
        days = pl.date_range(self.since.date(), self.until.date(), "1d", eager=True)
        return days.dt.strftime("%Y-%m-%d").to_list()

    def predicate(self) -> pl.Expr:
        conds: list[pl.Expr] = [pl.lit(value=True)]
        ts = EVENT_TIME
        if self.since is not None:
            conds.append(ts >= self.since)
        if self.until is not None:
            conds.append(ts < self.until)
        if self.member:
            conds.append(pl.col("route.member") == self.member.upper())
        if self.country:
            conds.append(pl.col("source.registration.cc") == self.country.upper())
        if self.asn is not None:
            conds.append(pl.col("source.asn") == self.asn)
        if self.classification:
            taxonomy, slash, kind = self.classification.partition("/")
            if slash:
                conds.append(pl.col("classification.type") == kind)
            elif taxonomy in TAXONOMIES:
                conds.append(pl.col("classification.taxonomy") == taxonomy)
            else:
                conds.append(pl.col("classification.type") == taxonomy)
        if self.owner:
            conds.append(pl.col("owner") == self.owner.upper())
        if self.evidence:
            conds.append(pl.col("evidence.id").is_in(list(self.evidence)))
        if self.text:
            needle = self.text.lower()
            conds.append(
                pl.any_horizontal(
                    pl.col(c).str.to_lowercase().str.contains(needle, literal=True).fill_null(False)
                    for c in (
                        "source.ip",
                        "source.fqdn",
                        "source.url",
                        "event_description.text",
                        "classification.identifier",
                        "raw",
                    )
                )
            )
        return pl.all_horizontal(conds)


def among(frame: pl.LazyFrame, ids: Sequence[str] | pl.LazyFrame) -> pl.LazyFrame:
    """The rows of ``frame`` whose event id is among ``ids`` (a list, or a lazy frame with an
    ``event.id`` column such as a notice's, joined without collecting it)."""
    if isinstance(ids, pl.LazyFrame):
        return frame.join(ids.select("event.id").unique(), on="event.id", how="semi")
    return frame.filter(pl.col("event.id").is_in(pl.Series(list(ids), dtype=pl.String).implode()))


def select_events(store: EventStore, where: EventFilter) -> pl.LazyFrame:
    """Committed events matching ``where``, newest first."""
    return (
        store.scan(EVENTS, where.days()).filter(where.predicate()).sort(EVENT_TIME, descending=True)
    )


def select_rejects(
    store: EventStore, *, evidence: Sequence[str] = (), reason: str | None = None
) -> pl.LazyFrame:
    """Committed rejects, optionally of some evidence files (their ids) or with a reason
    containing text."""
    frame = store.scan(REJECTS)
    if evidence:
        frame = frame.filter(pl.col("evidence.id").is_in(list(evidence)))
    if reason:
        frame = frame.filter(pl.col("reason").str.contains(reason, literal=True))
    return frame.sort("evidence.id", "evidence.record")
