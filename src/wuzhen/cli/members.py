"""``wuzhen members``: the states of the registry and the compact's members."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy import select

from wuzhen.cli._console import console, print_json, render_table
from wuzhen.cli._node import open_node
from wuzhen.errors import InputError
from wuzhen.i18n import _
from wuzhen.members import service
from wuzhen.members.tables import Member

app = typer.Typer(help=_("Members of the compact: list, admit, suspend."), no_args_is_help=True)
ACTOR = "cli"


@app.command("list")
def list_members(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help=_("Only this status: candidate, active, suspended."))
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    """List the states of the registry with their membership status and jurisdiction."""
    with open_node(ctx) as node, node.db.session() as s:
        stmt = select(Member).order_by(Member.code)
        if status:
            stmt = stmt.where(Member.status == status)
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
        bool, typer.Option("--all", help=_("Admit every state not yet admitted."))
    ] = False,
    reason: Annotated[str, typer.Option(help=_("Why (recorded in the ledger)."))] = "",
) -> None:
    """Admit states as active members (ledgered)."""
    if not codes and not all_states:
        raise InputError(_("give state codes, or --all"))
    with open_node(ctx) as node, node.db.session() as s:
        at = node.clock.now()
        if all_states:
            n = service.admit_all(s, actor=ACTOR, at=at, reason=reason)
        else:
            for code in codes or []:
                service.admit(s, code, actor=ACTOR, at=at, reason=reason)
            n = len(codes or [])
    console.print(_("{n} members admitted").format(n=n))


@app.command()
def suspend(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help=_("ISO code of the member."))],
    reason: Annotated[str, typer.Option(help=_("Why (recorded in the ledger)."))],
) -> None:
    """Suspend a member (ledgered)."""
    with open_node(ctx) as node, node.db.session() as s:
        service.suspend(s, code, actor=ACTOR, at=node.clock.now(), reason=reason)
    console.print(_("{code} suspended").format(code=code.upper()))
