"""Where attacks come from, counted so that log verbosity does not rank countries.

An origin is a distinct (source address, classification type, day): a host that tried a
thousand passwords on one day counts once for that day and that kind of attack. ``published``
counts only the events whose marking lets them into published aggregates (as the
transparency report: not AMBER+STRICT or RED, which stay with their owner).
"""

from __future__ import annotations

import polars as pl

from wuzhen.evidence.query import EventFilter
from wuzhen.evidence.store import EVENTS, EventStore
from wuzhen.jurisdiction.snapshot import Snapshot
from wuzhen.jurisdiction.states import StateRegistry
from wuzhen.schema.tlp import OWNER_ONLY

UNROUTED = "unrouted"


def _origins(store: EventStore, where: EventFilter, published: bool) -> pl.LazyFrame:
    counted = where.predicate() & pl.col("source.ip").is_not_null()
    if published:
        counted &= ~pl.col("tlp").is_in(OWNER_ONLY)
    return (
        store.scan(EVENTS, where.days())
        .filter(counted)
        .select(
            "source.ip",
            "classification.type",
            pl.col("time.source").dt.date().alias("day"),
            "source.registration.cc",
            "source.asn",
            "source.as_name",
        )
        .unique(["source.ip", "classification.type", "day"])
    )


def origins_by_jurisdiction(
    store: EventStore,
    snapshot: Snapshot,
    states: StateRegistry,
    where: EventFilter,
    top: int = 20,
    *,
    published: bool,
) -> pl.DataFrame:
    """Origins per jurisdiction (the state answering for the registration country), raw and
    per million IPv4 addresses registered to that jurisdiction."""
    answering = states.answering_table().rename(
        {"cc": "source.registration.cc", "state": "jurisdiction"}
    )
    v4 = pl.DataFrame(
        list(snapshot.registered_ipv4().items()),
        schema={"source.registration.cc": pl.String, "ipv4": pl.Int64},
        orient="row",
    )
    registered = (
        v4.join(answering, on="source.registration.cc", how="inner")
        .group_by("jurisdiction")
        .agg(pl.col("ipv4").sum())
    )
    counted = (
        _origins(store, where, published)
        .collect()
        .join(answering, on="source.registration.cc", how="left")
        .with_columns(pl.col("jurisdiction").fill_null(UNROUTED))
        .group_by("jurisdiction")
        .agg(pl.len().alias("origins"))
        .join(registered, on="jurisdiction", how="left")
        .with_columns((pl.col("origins") * 1_000_000 / pl.col("ipv4")).alias("per_million_ipv4"))
        .sort("origins", "jurisdiction", descending=[True, False])
    )
    return counted.head(top)


def origins_by_asn(
    store: EventStore, where: EventFilter, top: int = 20, *, published: bool
) -> pl.DataFrame:
    """Origins per announcing autonomous system."""
    return (
        _origins(store, where, published)
        .collect()
        .group_by("source.asn")
        .agg(pl.len().alias("origins"), pl.col("source.as_name").drop_nulls().first())
        .sort("origins", "source.asn", descending=[True, False], nulls_last=True)
        .head(top)
    )
