"""Who sees what: the one visibility function every read of events goes through.

| marking (TLP 2.0) | who may see the event                                     |
|-------------------|-----------------------------------------------------------|
| CLEAR             | anyone, including the public pages                        |
| GREEN             | every member of the compact, not the public               |
| AMBER             | the owner, and the member it is routed to (so it can act) |
| AMBER+STRICT      | the owner only (not routed)                               |
| RED               | the owner only (not routed)                               |

A member sees the events it owns (every field), and the events others own that it may see,
with only the shared fields: never ``raw``, never the owner's own addresses
(``destination.*``), unless the owner's sharing policy says so for that member. The
secretariat and the public see aggregates only: no event-level read at all.

Events attached to a cooperation request are shared with the requested member through it,
once their owner let them go: attached them itself, or confirmed another member's attaching
them (:func:`wuzhen.cooperation.service.granted_event_ids`). Attaching never widens an
event's audience without its owner.

The route used is the one in force: stored at ingest, or changed since (a contest's outcome),
from :class:`wuzhen.notices.tables.RouteChange`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen.cooperation.service import granted_event_ids
from wuzhen.errors import ForbiddenError
from wuzhen.members.service import sharing_table
from wuzhen.notices.tables import RouteChange
from wuzhen.schema import NAMES, SHARED
from wuzhen.schema.tlp import TLP

Kind = Literal["public", "secretariat", "member"]
RAW_FIELDS = ("raw",)
DESTINATION_FIELDS = tuple(n for n in NAMES if n.startswith("destination."))


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking: the public, the secretariat, or a member (with an account's role)."""

    kind: Kind
    member: str | None = None
    account: str | None = None
    role: str | None = None

    @classmethod
    def public(cls) -> Viewer:
        return cls("public")

    @classmethod
    def of_member(cls, code: str, *, account: str | None = None, role: str | None = None) -> Viewer:
        return cls("member", code.upper(), account, role)

    @property
    def sees_events(self) -> bool:
        return self.kind == "member"


def route_changes(session: Session) -> pl.DataFrame:
    """The routes changed after ingest (event id -> member, state), for joining."""
    rows = session.execute(
        select(RouteChange.event_id, RouteChange.member, RouteChange.state)
    ).all()
    return pl.DataFrame(
        [tuple(r) for r in rows],
        orient="row",
        schema={"event.id": pl.String, "__member": pl.String, "__state": pl.String},
    )


def with_route_in_force(events: pl.LazyFrame, changes: pl.DataFrame) -> pl.LazyFrame:
    """Replace the stored route by the one in force where it changed after ingest."""
    if changes.is_empty():
        return events
    return (
        events.join(changes.lazy(), on="event.id", how="left")
        .with_columns(
            pl.when(pl.col("__state").is_not_null())
            .then(pl.col("__member"))
            .otherwise(pl.col("route.member"))
            .alias("route.member"),
            pl.coalesce("__state", "route.state").alias("route.state"),
        )
        .drop("__member", "__state")
    )


def may_see(viewer: Viewer, granted: list[str] | None = None) -> pl.Expr:
    """Rows of events ``viewer`` may see (after :func:`with_route_in_force`).

    ``granted``: ids of events attached to requests sent to the viewer that their owner let
    go (shared with it through the request, whatever their marking).
    """
    if not viewer.sees_events:
        return pl.lit(value=False)
    me = viewer.member
    tlp = pl.col("tlp")
    rule = (
        (pl.col("owner") == me)
        | tlp.is_in([TLP.CLEAR.value, TLP.GREEN.value])
        | (
            (tlp == TLP.AMBER.value)
            & (pl.col("route.member") == me)
            & pl.col("route.state").is_in(["routed", "contested"])
        )
    )
    if granted:
        rule = rule | pl.col("event.id").is_in(granted)
    return rule


def visible_events(session: Session, events: pl.LazyFrame, viewer: Viewer) -> pl.LazyFrame:
    """The events ``viewer`` may see, each with only the fields it may see.

    Fields a viewer may not see are set to null (the columns stay, so every caller sees one
    schema). Raises :class:`ForbiddenError` for viewers that see no events at all.
    """
    if not viewer.sees_events:
        msg = "events are visible to members only; the public and the secretariat see aggregates"
        raise ForbiddenError(msg)
    assert viewer.member is not None
    granted = granted_event_ids(session, viewer.member)
    rows = with_route_in_force(events, route_changes(session)).filter(may_see(viewer, granted))
    policy, default = sharing_table(session, viewer.member)
    rows = rows.join(
        policy.lazy().select(
            "owner", pl.col("raw").alias("__raw"), pl.col("destination").alias("__dest")
        ),
        on="owner",
        how="left",
    )
    own = pl.col("owner") == viewer.member
    may_raw = own | pl.coalesce(pl.col("__raw"), pl.lit(default.raw))
    may_dest = own | pl.coalesce(pl.col("__dest"), pl.lit(default.destination))
    others = [
        n for n in NAMES if n not in SHARED and n not in RAW_FIELDS and n not in DESTINATION_FIELDS
    ]
    return rows.with_columns(
        *(pl.when(may_raw).then(pl.col(n)).otherwise(None).alias(n) for n in RAW_FIELDS),
        *(pl.when(may_dest).then(pl.col(n)).otherwise(None).alias(n) for n in DESTINATION_FIELDS),
        *(pl.when(own).then(pl.col(n)).otherwise(None).alias(n) for n in others),
    ).drop("__raw", "__dest")
