"""Events as evidence of a request, read only through :func:`wuzhen.visibility.visible_events`.

Attaching names events by id: they are looked up among the events the requesting member may
see (an id it may not see is answered like one that does not exist), each with whether its
marking alone already shows it to the requested member (the visibility function's rule,
:func:`wuzhen.visibility.may_see`), and frozen by :func:`wuzhen.cooperation.service.attach`,
which decides whose confirmation they need. Reading them back goes through the visibility
function again: the requested member sees them because the request shares them with it (once
their owner let them go), with only the fields the owner's sharing policy lets it see.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl
from sqlalchemy.orm import Session

from wuzhen.cooperation import service
from wuzhen.cooperation.queries import attached_ids
from wuzhen.cooperation.tables import Attachment
from wuzhen.errors import InputError
from wuzhen.i18n import _
from wuzhen.schema import NAMES
from wuzhen.visibility import Viewer, may_see, visible_events

MAX_EVENTS = 10_000
SHOWN_MISSING = 5


def _ids(values: Sequence[str]) -> list[str]:
    ids = sorted({v.strip().lower() for v in values if v.strip()})
    if not ids:
        raise InputError(_("Name the events to attach."))
    if len(ids) > MAX_EVENTS:
        raise InputError(_("Attach at most {n} events at a time.").format(n=MAX_EVENTS))
    return ids


def attach_events(
    session: Session,
    events: pl.LazyFrame,
    request_id: str,
    event_ids: Sequence[str],
    *,
    viewer: Viewer,
    account: str,
    at: datetime,
    confirm_markings: bool = False,
) -> list[Attachment]:
    """Attach the events ``event_ids`` (among ``events``, as ``viewer`` sees them) to the
    request, frozen; those the requested member may not see already wait for their owner's
    confirmation, and others' AMBER+STRICT and RED events are refused
    (:func:`wuzhen.cooperation.service.attach`)."""
    assert viewer.member is not None
    req = service.get(session, request_id, viewer.member)  # a request of another: 404 first
    ids = _ids(event_ids)
    wanted = events.filter(pl.col("event.id").is_in(pl.Series(ids, dtype=pl.String).implode()))
    # The route in force is applied by visible_events; no request counts for the requested
    # member here, only what the event's marking shows it.
    seen = may_see(Viewer.of_member(req.requested)).fill_null(value=False)
    seen = seen.alias(service.SEEN_BY_REQUESTED)
    rows = (
        visible_events(session, wanted, viewer)
        .select("event.id", "owner", "tlp", seen)
        .unique("event.id")
        .collect()
    )
    missing = sorted(set(ids) - set(rows["event.id"]))
    if missing:
        shown = ", ".join(missing[:SHOWN_MISSING]) + (
            " ..." if len(missing) > SHOWN_MISSING else ""
        )
        raise InputError(
            _("{n} of these events do not exist or are not visible to you: {ids}").format(
                n=len(missing), ids=shown
            )
        )
    return service.attach(
        session,
        request_id,
        rows.to_dicts(),
        member=viewer.member,
        account=account,
        at=at,
        confirm_markings=confirm_markings,
    )


def attached_events(
    session: Session, events: pl.LazyFrame, request_id: str, viewer: Viewer
) -> pl.DataFrame:
    """The events attached to the request, as ``viewer`` (one of its parties) sees them,
    newest first."""
    assert viewer.member is not None
    ids = attached_ids(service.attachments(session, request_id, viewer.member))
    wanted = events.filter(pl.col("event.id").is_in(pl.Series(ids, dtype=pl.String).implode()))
    return (
        visible_events(session, wanted, viewer)
        .select(NAMES)
        .sort(["time.source", "event.id"], descending=[True, False], nulls_last=True)
        .collect()
    )
