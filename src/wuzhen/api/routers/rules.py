"""``/rules``: the compact's parameters, their values and history (public), each change
with the resolution behind it. Rules change only by resolution: tabling a proposal
(``POST /proposals``) is the way; a direct change is refused."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlalchemy import select

from wuzhen import rules
from wuzhen.api.deps import AccountDep, NodeDep
from wuzhen.api.models import ERRORS, Page, PageDep
from wuzhen.errors import ForbiddenError, NotFoundError
from wuzhen.governance import views
from wuzhen.i18n import _
from wuzhen.rules.tables import Rule

router = APIRouter(prefix="/rules", tags=["rules"], responses=ERRORS)
Key = Annotated[str, Path(max_length=128, json_schema_extra={"enum": list(rules.SPECS)})]


class RulePublic(BaseModel):
    key: str
    value: Any
    default: Any
    description: str
    changed_at: datetime | None
    ledger_seq: int | None = Field(description="The ledger entry that set the value in force.")


class RulePage(Page[RulePublic]):
    pass


class RuleHistoryEntry(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    value: Any = Field(description="The value set by this entry.")
    old: Any = None
    reason: str | None = None
    resolution: str | None = Field(default=None, description="The resolution behind it (id).")
    resolution_number: int | None = None


class RuleHistoryPage(Page[RuleHistoryEntry]):
    pass


def _spec(key: str) -> rules.RuleSpec:
    if key not in rules.SPECS:
        raise NotFoundError(_("No rule {key}.").format(key=key))
    return rules.SPECS[key]


def _all(node: NodeDep) -> list[RulePublic]:
    with node.db.session() as s:
        values = rules.current(s)
        stored = {r.key: r for r in s.scalars(select(Rule))}
    return [
        RulePublic(
            key=key,
            value=values[key],
            default=spec.default,
            description=spec.description,
            changed_at=stored[key].changed_at if key in stored else None,
            ledger_seq=stored[key].ledger_seq if key in stored else None,
        )
        for key, spec in rules.SPECS.items()
    ]


@router.get("", response_model=RulePage, summary="Every rule and its value in force")
def list_rules(node: NodeDep, page: PageDep) -> RulePage:
    items = _all(node)
    return RulePage(items=page.slice(items), total=len(items), limit=page.limit, offset=page.offset)


@router.get("/{key}", response_model=RulePublic, summary="One rule")
def get_rule(node: NodeDep, key: Key) -> RulePublic:
    _spec(key)
    return next(r for r in _all(node) if r.key == key)


@router.get("/{key}/history", response_model=RuleHistoryPage, summary="Every value a rule had")
def rule_history(node: NodeDep, key: Key, page: PageDep) -> RuleHistoryPage:
    _spec(key)
    with node.db.session() as s:
        entries = views.rule_history(s, key)
    items = [RuleHistoryEntry.model_validate(e) for e in entries]
    return RuleHistoryPage(
        items=page.slice(items), total=len(items), limit=page.limit, offset=page.offset
    )


@router.put(
    "/{key}",
    summary="Refused: rules change only by resolution",
    description="Kept to say where to go: table a proposal (POST /api/v1/proposals) whose "
    "changes set the rule; the resolution adopting it applies the change at its date.",
    deprecated=True,
    responses={403: {"description": "Always: rules change only by resolution."}},
)
def change_rule(caller: AccountDep, key: Key) -> None:
    _spec(key)
    raise ForbiddenError(
        _("Rules change only by resolution: table a proposal (POST /api/v1/proposals).")
    )
