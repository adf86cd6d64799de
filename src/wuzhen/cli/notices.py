"""``wuzhen notices``: the notices made by ingests, and how each was delivered."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy import select

from wuzhen.cli._console import console, print_json, render_table
from wuzhen.cli._node import open_node
from wuzhen.i18n import _
from wuzhen.notices import mail
from wuzhen.notices.tables import Notice

app = typer.Typer(no_args_is_help=True)


@app.command("list", help=_("List notices, newest first, with their delivery."))
def list_notices(
    ctx: typer.Context,
    member: Annotated[
        str | None, typer.Option("--member", help=_("Only notices addressed to this member."))
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        stmt = select(Notice).order_by(Notice.created_at.desc(), Notice.id)
        if member:
            stmt = stmt.where(Notice.member == member.upper())
        notices = list(s.scalars(stmt))
        delivery = mail.status(s, notices)
    rows: list[dict[str, Any]] = [
        {
            "id": n.id,
            "member": n.member,
            "owner": n.owner,
            "created_at": n.created_at.isoformat(),
            "events": n.events,
            "digest": n.digest,
            "delivery": delivery[n.id],
            "emailed_at": n.emailed_at.isoformat() if n.emailed_at else None,
            "acknowledged_at": n.acknowledged_at.isoformat() if n.acknowledged_at else None,
        }
        for n in notices
    ]
    if as_json:
        print_json(rows)
        return
    labels = {
        mail.EMAILED: _("e-mailed"),
        mail.PENDING: _("not e-mailed yet"),
        mail.NOT_ONBOARDED: _("not onboarded"),
    }
    console.print(
        render_table(
            _("Notices"),
            [
                _("Id"),
                _("Member"),
                _("Owner"),
                _("Created"),
                _("Events"),
                _("E-mail"),
                _("Acknowledged"),
            ],
            [
                (
                    r["id"],
                    r["member"],
                    r["owner"],
                    r["created_at"][:19],
                    r["events"],
                    labels[r["delivery"]],
                    (r["acknowledged_at"] or "")[:19],
                )
                for r in rows
            ],
            justify=["left", "left", "left", "left", "right"],
        )
    )
