"""``wuzhen members``: the states of the registry and the compact's members."""

from __future__ import annotations

import enum
from typing import Annotated, Any

import typer
from sqlalchemy import select

from wuzhen.cli._console import console, print_json, render_table
from wuzhen.cli._node import open_node
from wuzhen.errors import ForbiddenError
from wuzhen.i18n import _
from wuzhen.members import service
from wuzhen.members.tables import ACTIVE, CANDIDATE, SUSPENDED, Member

app = typer.Typer(no_args_is_help=True)
ACTOR = "cli"
NOT_FOUNDED = _(
    "the compact has no member yet: its founding admission admits every state at once "
    "(wuzhen members admit --all); after it, admission happens only by resolution"
)
BY_RESOLUTION = _(
    "admission and suspension happen only by resolution: table a proposal "
    "(wuzhen proposals table SESSION --title ... --text ... {act} {code})"
)


class Status(enum.StrEnum):
    candidate = CANDIDATE
    active = ACTIVE
    suspended = SUSPENDED


@app.command("list")
def list_members(
    ctx: typer.Context,
    status: Annotated[
        Status | None,
        typer.Option(
            case_sensitive=False, help=_("Only this status: candidate, active, suspended.")
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    """List the states of the registry with their membership status and jurisdiction."""
    with open_node(ctx) as node, node.db.session() as s:
        stmt = select(Member).order_by(Member.code)
        if status:
            stmt = stmt.where(Member.status == status.value)
        rows: list[dict[str, Any]] = [
            {
                "code": m.code,
                "name": m.name,
                "region": m.region,
                "status": m.status,
                "answers_for": m.answers_for,
                "onboarded": service.onboarded(s, m.code),
            }
            for m in s.scalars(stmt)
        ]
    if as_json:
        print_json(rows)
        return
    console.print(
        render_table(
            _("Members"),
            [_("Code"), _("Name"), _("Region"), _("Status"), _("Jurisdiction")],
            [
                (r["code"], r["name"], r["region"], r["status"], " ".join(r["answers_for"]))
                for r in rows
            ],
        )
    )


@app.command()
def admit(
    ctx: typer.Context,
    codes: Annotated[list[str] | None, typer.Argument(help=_("ISO codes of the states."))] = None,
    all_states: Annotated[
        bool,
        typer.Option(
            "--all",
            help=_(
                "The founding admission: every state, into a compact with no active member yet."
            ),
        ),
    ] = False,
    reason: Annotated[str, typer.Option(help=_("Why (recorded in the ledger)."))] = "",
) -> None:
    """The founding admission of an empty compact (--all); after it, admission happens only by
    resolution (wuzhen proposals table SESSION ... --admit CODE)."""
    with open_node(ctx) as node, node.db.session() as s:
        if codes or not all_states:
            if not service.founded(s):
                raise ForbiddenError(NOT_FOUNDED)
            raise ForbiddenError(BY_RESOLUTION.format(act="--admit", code=_code(codes)))
        n = service.admit_all(s, actor=ACTOR, at=node.clock.now(), reason=reason)
    console.print(_("{n} members admitted").format(n=n))


@app.command()
def suspend(
    code: Annotated[str, typer.Argument(help=_("ISO code of the member."))],
    reason: Annotated[str, typer.Option(help=_("Why."))] = "",
) -> None:
    """Refused: suspension happens only by resolution (wuzhen proposals table ... --suspend)."""
    raise ForbiddenError(BY_RESOLUTION.format(act="--suspend", code=code.upper()))


def _code(codes: list[str] | None) -> str:
    return codes[0].upper() if codes else "CODE"
