"""Secretariat pages: invitations, rules (values in force and history), the ledger browser.

Rules change only by resolution (a proposal's changes, applied when it is adopted), so the
rules page shows where they come from and offers no direct change.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from wuzhen import ledger, rules
from wuzhen.accounts.service import invite
from wuzhen.accounts.tables import ADMIN, Account
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.web._auth import SecretariatPost, SecretariatUser, node_of
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router(prefix="/secretariat")
LEDGER_PAGE = 50


def _invitations_page(request: Request, link: str | None = None, member: str = "") -> Response:
    return render(request, "secretariat/invitations.html", {"link": link, "member": member})


@router.get("/invitations")
def invitations(request: Request, user: SecretariatUser) -> Response:
    return _invitations_page(request)


@router.post("/invitations")
def make_invitation(
    request: Request, user: SecretariatPost, member: Annotated[str, Form()]
) -> Response:
    node = node_of(request)
    with node.db.session() as s:
        actor = s.get(Account, user.id)
        assert actor is not None
        issued = invite(s, actor, member=member.strip(), role=ADMIN, at=node.clock.now())
    # The link carries the token: shown on this response only (it is stored as a hash).
    link = f"{node.settings.base_url.rstrip('/')}/invite/{issued.token}"
    return _invitations_page(request, link, issued.invitation.member or "")


@router.get("/rules")
def rules_page(request: Request, user: SecretariatUser) -> Response:
    with node_of(request).db.session() as s:
        current = rules.current(s)
        histories = {key: rules.history(s, key) for key in current}
    items = [
        {
            "key": key,
            "value": value,
            "shown": json.dumps(value, ensure_ascii=False),
            "description": rules.SPECS[key].description,
            "history": histories[key],
        }
        for key, value in current.items()
    ]
    context = {"rules": items, "json_url": "/api/v1/rules"}
    return render(request, "secretariat/rules.html", context)


@router.get("/ledger")
def ledger_page(
    request: Request, user: SecretariatUser, before: Annotated[int | None, Query(ge=1)] = None
) -> Response:
    """Entries newest first, a page at a time; the head and the chain's verification."""
    with node_of(request).db.session() as s:
        stmt = select(LedgerEntry).order_by(LedgerEntry.seq.desc()).limit(LEDGER_PAGE)
        if before is not None:
            stmt = stmt.where(LedgerEntry.seq < before)
        entries = [ledger.browsed(e) for e in s.scalars(stmt)]
        total = int(s.scalar(select(func.count()).select_from(LedgerEntry)) or 0)
        head_seq, head_hash = ledger.head(s)
        checked, breach = ledger.verify(s)
    return render(
        request,
        "secretariat/ledger.html",
        {
            "entries": entries,
            "total": total,
            "head_seq": head_seq,
            "head_hash": head_hash,
            "checked": checked,
            "breach": breach,
            "older": entries[-1]["seq"] if entries and entries[-1]["seq"] > 1 else None,
            "newest": before is None,
            "json_url": "/api/v1/ledger/entries",
        },
    )
