"""``/ledger``: the head hash and the public export (public); the entries browser (the
secretariat)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import func, select

from wuzhen import ledger
from wuzhen.api.deps import NodeDep, SecretariatDep
from wuzhen.api.models import ERRORS, Page, PageDep
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.node import Node

router = APIRouter(prefix="/ledger", tags=["ledger"], responses=ERRORS)


class LedgerHeadPublic(BaseModel):
    seq: int
    hash: str


class LedgerEntryPublic(BaseModel):
    """An entry as the ledger browser shows it: a non-public entry (a request's, confidential
    to its parties) without its actor, action, subject and data, as in the public export."""

    seq: int
    at: datetime
    actor: str | None
    action: str | None
    subject: str | None
    data: dict[str, Any] | None
    public: bool
    hash: str


class LedgerEntryPage(Page[LedgerEntryPublic]):
    pass


@router.get("/head", response_model=LedgerHeadPublic, summary="The last entry's hash")
def head(node: NodeDep) -> LedgerHeadPublic:
    with node.db.session() as s:
        seq, hash_ = ledger.head(s)
    return LedgerHeadPublic(seq=seq, hash=hash_)


def _lines(node: Node) -> Iterator[bytes]:
    with node.db.session() as s:
        for row in ledger.export_public(s):
            yield json.dumps(row, ensure_ascii=False).encode() + b"\n"


@router.get(
    "/export",
    summary="The public export, one JSON object a line (verifiable on its own)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def export(node: NodeDep) -> StreamingResponse:
    return StreamingResponse(_lines(node), media_type="application/x-ndjson")


@router.get("/entries", response_model=LedgerEntryPage, summary="Browse entries, newest first")
def entries(
    node: NodeDep,
    caller: SecretariatDep,
    page: PageDep,
    action: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=128, description="Subject prefix.")] = None,
) -> LedgerEntryPage:
    stmt = select(LedgerEntry)
    if action or subject:  # what is withheld is not searched either
        stmt = stmt.where(LedgerEntry.public)
    if action:
        stmt = stmt.where(LedgerEntry.action == action)
    if subject:
        stmt = stmt.where(LedgerEntry.subject.startswith(subject, autoescape=True))
    with node.db.session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(
            stmt.order_by(LedgerEntry.seq.desc()).offset(page.offset).limit(page.limit)
        )
        items = [LedgerEntryPublic(**ledger.browsed(e)) for e in rows]
    return LedgerEntryPage(items=items, total=total, limit=page.limit, offset=page.offset)
