"""Cooperation requests: the inbox and outbox (filters, overdue highlighted), a request with
its timeline and the actions its state and the viewer's side allow, filing a request from
events selected in the explorer, and confirming one's events attached to another's request.

The pages read and act through the same services as ``/api/v1/requests``; a request exists
for its two parties only, and its events are read through the visibility function.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response

from wuzhen import rules
from wuzhen.api.request_models import detail, timeline
from wuzhen.cooperation import evidence, queries, service
from wuzhen.cooperation.kinds import KINDS, OFFENCES, URGENCIES
from wuzhen.errors import InputError
from wuzhen.evidence.store import EVENTS
from wuzhen.i18n import _
from wuzhen.members.service import active
from wuzhen.schema.tlp import VALUES as TLP_VALUES
from wuzhen.web._auth import MemberPost, MemberUser, node_of
from wuzhen.web._events import of_ids
from wuzhen.web._render import render
from wuzhen.web._request_forms import details_from, fields_of, labels, likely_recipient, prefill
from wuzhen.web._route import page_router

router = page_router()
PAGE = 50
FLAGS = {"yes": True, "no": False}
SIMPLE = ("acknowledge", "start", "consult", "resume", "execute", "withdraw")


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@router.get("/requests")
def requests_page(
    request: Request,
    user: MemberUser,
    box: Annotated[str, Query(max_length=8)] = queries.INBOX,
    kind: Annotated[str, Query(max_length=32)] = "",
    state: Annotated[str, Query(max_length=32)] = "",
    overdue: Annotated[str, Query(max_length=3)] = "",
    counterpart: Annotated[str, Query(max_length=2)] = "",
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> Response:
    assert user.member is not None
    node = node_of(request)
    now = node.clock.now()
    params = {
        "box": box,
        "kind": kind,
        "state": state,
        "overdue": overdue,
        "counterpart": counterpart.strip().upper(),
    }
    where = queries.RequestFilter(
        box, kind or None, state or None, FLAGS.get(overdue), params["counterpart"] or None
    )
    with node.db.session() as s:
        rows = queries.listing(s, user.member, where, now)
        pending = queries.awaiting_confirmation(s, user.member)
    shown = [(r, service.clocks(r, now)) for r in rows[offset : offset + PAGE]]
    api = urlencode({k: v for k, v in params.items() if v})
    return render(
        request,
        "requests.html",
        {
            "params": params,
            "rows": shown,
            "total": len(rows),
            "offset": offset,
            "size": PAGE,
            "kinds": KINDS,
            "states": queries.STATES,
            "pending": pending,
            "json_url": "/api/v1/requests?" + api,
        },
    )


@router.get("/requests/new")
def new_request_page(
    request: Request,
    user: MemberUser,
    kind: Annotated[str, Query(max_length=32)] = "information",
    event: Annotated[list[str] | None, Query(max_length=1000)] = None,
    requested: Annotated[str, Query(max_length=2)] = "",
) -> Response:
    """The form of a ``kind`` request, with the events selected in the explorer."""
    assert user.member is not None
    node = node_of(request)
    ids = sorted(set(event or []))
    events = of_ids(node, user.viewer, ids, []).collect().to_dicts() if ids else []
    with node.db.session() as s:
        members = [(m.code, m.name) for m in active(s) if m.code != user.member]
        default_tlp = rules.get(s, "requests.default_tlp")
    return render(
        request,
        "request_new.html",
        {
            "kind": kind,
            "kinds": KINDS,
            "fields": fields_of(kind, prefill(kind, events)),
            "events": events,
            "missing": len(ids) - len(events),
            "members": members,
            "requested": requested.upper() or likely_recipient(events, user.member),
            "offences": OFFENCES,
            "urgencies": URGENCIES,
            "tlps": TLP_VALUES,
            "default_tlp": default_tlp.get(kind, ""),
        },
    )


@router.post("/requests")
async def file_request(request: Request, user: MemberPost) -> Response:
    """Create the draft and attach the selected events; send it too if asked."""
    assert user.member is not None
    node = node_of(request)
    form = await request.form()
    kind = _text(form, "kind")
    draft = service.Draft(
        kind=kind,
        requested=_text(form, "requested").upper(),
        offence=_text(form, "offence"),
        title=_text(form, "title"),
        details=details_from(kind, form) if kind in KINDS else {},
        urgency=_text(form, "urgency") or "normal",
        tlp=_text(form, "tlp") or None,
    )
    ids = [v for v in form.getlist("event") if isinstance(v, str)]
    now = node.clock.now()
    with node.db.session() as s:
        req = service.create(s, draft, member=user.member, account=user.id, at=now)
        if ids:
            evidence.attach_events(
                s,
                node.store.scan(EVENTS),
                req.id,
                ids,
                viewer=user.viewer,
                account=user.id,
                at=now,
                confirm_markings=bool(_text(form, "confirm_markings")),
            )
        if _text(form, "send"):
            service.send(s, req.id, member=user.member, account=user.id, at=now)
        rid = req.id
    return RedirectResponse(f"/requests/{rid}", status_code=303)


@router.post("/requests/attachments/{attachment_id}/confirm")
def confirm_attachment(request: Request, user: MemberPost, attachment_id: int) -> Response:
    assert user.member is not None
    node = node_of(request)
    with node.db.session() as s:
        service.confirm_attachment(
            s, attachment_id, member=user.member, account=user.id, at=node.clock.now()
        )
    return RedirectResponse("/requests", status_code=303)


@router.get("/requests/{request_id}")
def request_page(request: Request, user: MemberUser, request_id: str) -> Response:
    assert user.member is not None
    node = node_of(request)
    now = node.clock.now()
    with node.db.session() as s:
        req = service.get(s, request_id, user.member)
        attached = service.attachments(s, req.id, user.member)
        shown = detail(s, req, user.member, attached, now)
        steps = timeline(s, service.timeline(s, req.id, user.member))
        grounds = rules.get(s, "requests.refusal_grounds")
        events = evidence.attached_events(s, node.store.scan(EVENTS), req.id, user.viewer)
    return render(
        request,
        "request.html",
        {
            "r": shown,
            "side": "requester" if req.requester == user.member else "requested",
            "steps": steps,
            "events": events.to_dicts(),
            "hidden": len(queries.attached_ids(attached)) - events.height,
            "grounds": grounds,
            "labels": labels(),
            "today": now.date().isoformat(),
            "json_url": f"/api/v1/requests/{req.id}",
        },
    )


def _until(text: str) -> datetime:
    """The end of the day ``text`` names (YYYY-MM-DD), UTC."""
    try:
        day = date.fromisoformat(text)
    except ValueError as err:
        raise InputError(_("Give the date as YYYY-MM-DD.")) from err
    return datetime.combine(day, time(23, 59), UTC)


@router.post("/requests/{request_id}/{action}")
async def request_action(
    request: Request, user: MemberPost, request_id: str, action: str
) -> Response:
    assert user.member is not None
    node = node_of(request)
    form = await request.form()
    now = node.clock.now()
    me, account = user.member, user.id
    with node.db.session() as s:
        if action == "send":
            service.send(s, request_id, member=me, account=account, at=now)
        elif action in SIMPLE:
            reason = _text(form, "reason")
            service.act(s, request_id, action, member=me, account=account, at=now, reason=reason)
        elif action == "postpone":
            service.act(
                s,
                request_id,
                action,
                member=me,
                account=account,
                at=now,
                reason=_text(form, "reason"),
                until=_until(_text(form, "until")),
            )
        elif action in ("partial", "refuse"):
            service.answer_with_grounds(
                s,
                request_id,
                action,
                member=me,
                account=account,
                at=now,
                grounds=[g for g in form.getlist("grounds") if isinstance(g, str)],
                reason=_text(form, "reason"),
                other_text=_text(form, "other_text"),
            )
        elif action == "extend":
            service.extend_preservation(s, request_id, member=me, account=account, at=now)
        elif action == "feedback":
            useful = _text(form, "useful")
            if useful not in FLAGS:
                raise InputError(_("Say whether the outcome was useful."))
            service.give_feedback(
                s,
                request_id,
                member=me,
                account=account,
                at=now,
                useful=FLAGS[useful],
                comment=_text(form, "comment"),
            )
        elif action == "attach":
            evidence.attach_events(
                s,
                node.store.scan(EVENTS),
                request_id,
                _text(form, "events").split(),
                viewer=user.viewer,
                account=account,
                at=now,
                confirm_markings=bool(_text(form, "confirm_markings")),
            )
        else:
            raise InputError(_("Unknown action {action}.").format(action=action))
    return RedirectResponse(f"/requests/{request_id}", status_code=303)
