"""``/contacts/directory`` and ``/contacts/checks``: the points-of-contact directory and its
reachability checks.

The directory holds no contact data (the cards are ``/contacts``): per member and kind of
contact, how many there are, when one was last confirmed, and how fast the member answered
the latest check. Accounts see it; the public does not. The secretariat starts a check; a
member's administrators confirm their own contacts in it. A member sees its own answers to
a check and the others' only as the directory's figures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from wuzhen.api.deps import AccountDep, Caller, NodeDep, SecretariatDep, manages
from wuzhen.api.models import CC_PATTERN, ERRORS, Page, PageDep, Strict
from wuzhen.directory import service
from wuzhen.directory.tables import ContactCheck, ContactCheckAnswer
from wuzhen.errors import ForbiddenError
from wuzhen.i18n import _

router = APIRouter(prefix="/contacts", tags=["directory"], responses=ERRORS)
CheckId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]


class ReachabilityPublic(BaseModel):
    contacts: int
    confirmed: int = Field(description="Contacts confirmed (and not changed since).")
    last_confirmed_at: datetime | None
    check_id: str | None = Field(description="The latest check the member was asked in.")
    asked: int
    answered: int
    first_answer_at: datetime | None
    seconds_to_answer: int | None = Field(
        description="From the check's start to the first confirmation of this kind."
    )


class DirectoryEntry(BaseModel):
    member: str
    name: str
    technical: ReachabilityPublic
    policy: ReachabilityPublic


class DirectoryPage(Page[DirectoryEntry]):
    pass


class CheckCreate(Strict):
    note: str = Field(default="", max_length=2000)


class AnswerPublic(BaseModel):
    member: str
    contact: int
    kind: str
    asked_at: datetime
    mailed_at: datetime | None
    confirmed_at: datetime | None
    seconds: int | None = Field(description="From the check's start to the confirmation.")


class CheckPublic(BaseModel):
    id: str
    started_at: datetime
    note: str
    members: int = Field(description="Members asked.")
    asked: int = Field(description="Contacts asked.")
    answered: int = Field(description="Contacts confirmed.")
    answers: list[AnswerPublic] | None = Field(
        default=None, description="The secretariat: every answer; a member: its own."
    )


class ConfirmBody(Strict):
    contacts: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=1, max_length=100)


def _answer(a: ContactCheckAnswer, check: ContactCheck) -> AnswerPublic:
    return AnswerPublic(
        member=a.member,
        contact=a.contact,
        kind=a.kind,
        asked_at=a.asked_at,
        mailed_at=a.mailed_at,
        confirmed_at=a.confirmed_at,
        seconds=int((a.confirmed_at - check.started_at).total_seconds())
        if a.confirmed_at
        else None,
    )


def _check(
    check: ContactCheck, answers: list[ContactCheckAnswer], caller: Caller | None
) -> CheckPublic:
    shown: list[AnswerPublic] | None = None
    if caller is not None and caller.is_secretariat:
        shown = [_answer(a, check) for a in answers]
    elif caller is not None:
        shown = [_answer(a, check) for a in answers if a.member == caller.member]
    return CheckPublic(
        id=check.id,
        started_at=check.started_at,
        note=check.note,
        members=len(check.members),
        asked=len(answers),
        answered=sum(a.confirmed_at is not None for a in answers),
        answers=shown,
    )


@router.get("/directory", response_model=DirectoryPage, summary="Reachability of every member")
def directory(
    node: NodeDep,
    caller: AccountDep,
    page: PageDep,
    member: Annotated[str | None, Query(pattern=CC_PATTERN, description="One member.")] = None,
) -> DirectoryPage:
    with node.db.session() as s:
        rows = service.directory(s, [member.upper()] if member else None)
    items = [
        DirectoryEntry(
            member=r.member,
            name=r.name,
            technical=ReachabilityPublic.model_validate(r.kinds["technical"], from_attributes=True),
            policy=ReachabilityPublic.model_validate(r.kinds["policy"], from_attributes=True),
        )
        for r in page.slice(rows)
    ]
    return DirectoryPage(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.get(
    "/checks", response_model=list[CheckPublic], summary="Reachability checks, latest first"
)
def list_checks(node: NodeDep, caller: AccountDep) -> list[CheckPublic]:
    with node.db.session() as s:
        return [_check(c, service.answers(s, c.id), None) for c in service.checks(s)]


@router.post(
    "/checks",
    response_model=CheckPublic,
    status_code=201,
    summary="Start a reachability check of every active member's contacts",
)
def start_check(node: NodeDep, caller: SecretariatDep, body: CheckCreate) -> CheckPublic:
    with node.db.session() as s:
        check = service.start_check(
            s, account=caller.account_id, at=node.clock.now(), note=body.note
        )
        return _check(check, service.answers(s, check.id), caller)


@router.get("/checks/{check_id}", response_model=CheckPublic, summary="One check, its answers")
def get_check(node: NodeDep, caller: AccountDep, check_id: CheckId) -> CheckPublic:
    with node.db.session() as s:
        check = service.get_check(s, check_id)
        return _check(check, service.answers(s, check.id), caller)


@router.post(
    "/checks/{check_id}/confirm",
    response_model=CheckPublic,
    summary="Confirm that your member's contacts are reachable (its administrators)",
)
def confirm(node: NodeDep, caller: AccountDep, check_id: CheckId, body: ConfirmBody) -> CheckPublic:
    code = caller.code
    if caller.is_secretariat or not manages(caller, code):
        raise ForbiddenError(_("Only the member's administrators confirm its contacts."))
    with node.db.session() as s:
        for contact in sorted(set(body.contacts)):
            service.confirm(
                s,
                check_id,
                contact,
                member=code,
                account=caller.account_id,
                at=node.clock.now(),
            )
        check = service.get_check(s, check_id)
        return _check(check, service.answers(s, check.id), caller)
