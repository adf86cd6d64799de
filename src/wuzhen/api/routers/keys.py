"""``/keys``: the caller's own API keys. A key's token is shown once, when it is made."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from wuzhen.accounts import service
from wuzhen.accounts.tables import ApiKey
from wuzhen.api.deps import AccountDep, NodeDep
from wuzhen.api.models import ERRORS, Page, PageDep, Strict

router = APIRouter(prefix="/keys", tags=["keys"], responses=ERRORS)


class KeyPublic(BaseModel):
    id: str
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it.")
    created_at: datetime
    last_used_at: datetime | None = Field(description="Recorded to the minute.")
    revoked_at: datetime | None


class KeyIssued(KeyPublic):
    token: str = Field(description="Shown once: send as Authorization: Bearer <token>.")


class KeyPage(Page[KeyPublic]):
    pass


class KeyCreate(Strict):
    name: str = Field(min_length=1, max_length=128, description="What the key is for.")


def key_public(k: ApiKey) -> KeyPublic:
    return KeyPublic(
        id=k.id,
        name=k.name,
        prefix=k.prefix,
        created_at=k.created_at,
        last_used_at=k.last_used_at,
        revoked_at=k.revoked_at,
    )


@router.get("", response_model=KeyPage, summary="The caller's API keys")
def list_keys(node: NodeDep, caller: AccountDep, page: PageDep) -> KeyPage:
    with node.db.session() as s:
        rows = service.keys_of(s, caller.load(s))
        items = [key_public(k) for k in page.slice(rows)]
    return KeyPage(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.post("", response_model=KeyIssued, status_code=201, summary="Make an API key")
def create_key(node: NodeDep, caller: AccountDep, body: KeyCreate) -> KeyIssued:
    with node.db.session() as s:
        issued = service.create_key(s, caller.load(s), name=body.name, at=node.clock.now())
        return KeyIssued(**key_public(issued.key).model_dump(), token=issued.token)


@router.delete("/{key_id}", response_model=KeyPublic, summary="Revoke one of the caller's keys")
def revoke_key(
    node: NodeDep, caller: AccountDep, key_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]
) -> KeyPublic:
    with node.db.session() as s:
        return key_public(service.revoke_key(s, caller.load(s), key_id, node.clock.now()))
