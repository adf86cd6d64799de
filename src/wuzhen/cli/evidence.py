"""``wuzhen evidence``: the evidence files ingested, and retracting one."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy import select

from wuzhen.cli._console import console, print_json, render_table
from wuzhen.cli._node import open_node, owner_of
from wuzhen.evidence.retraction import retract as retract_evidence
from wuzhen.evidence.tables import Evidence
from wuzhen.i18n import _

ACTOR = "cli"

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_evidence(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option(help=_("Only this member's files."))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    """List ingested evidence files with their record accounting."""
    with open_node(ctx) as node, node.db.session() as s:
        stmt = select(Evidence).order_by(Evidence.ingested_at, Evidence.name)
        if owner:
            stmt = stmt.where(Evidence.owner == owner.upper())
        rows = list(s.scalars(stmt))
        data: list[dict[str, Any]] = [
            {
                "id": e.id,
                "sha256": e.sha256,
                "owner": e.owner,
                "name": e.name,
                "format": e.format,
                "records": e.records,
                "events": e.events,
                "duplicates": e.duplicates,
                "skipped": e.skipped,
                "rejects": e.rejects,
                "ingested_at": e.ingested_at.isoformat(),
                "retracted_at": e.retracted_at.isoformat() if e.retracted_at else None,
            }
            for e in rows
        ]
    if as_json:
        print_json(data)
        return
    headers = [
        _("Id"),
        _("SHA-256"),
        _("Owner"),
        _("File"),
        _("Format"),
        _("Records"),
        _("Events"),
        _("Duplicates"),
        _("Skipped"),
        _("Rejects"),
        _("Retracted"),
    ]
    console.print(
        render_table(
            _("Evidence"),
            headers,
            [
                (
                    d["id"],
                    d["sha256"][:12],
                    d["owner"],
                    d["name"],
                    d["format"],
                    d["records"],
                    d["events"],
                    d["duplicates"],
                    d["skipped"],
                    d["rejects"],
                    d["retracted_at"] or "",
                )
                for d in data
            ],
        )
    )


@app.command("retract")
def retract(
    ctx: typer.Context,
    sha256: Annotated[str, typer.Argument(help=_("SHA-256 of the file (or a unique prefix)."))],
    owner: Annotated[str | None, typer.Option(help=_("Member that ingested it."))] = None,
) -> None:
    """Withdraw a file's events and rejects from the store, atomically."""
    with open_node(ctx) as node:
        done = retract_evidence(
            node.store, node.db, node.clock, sha256, owner_of(ctx, owner), actor=ACTOR
        )
    console.print(
        _("Retracted {sha}: {events} events and {rejects} rejects removed").format(
            sha=done.sha256,
            events=done.removed.get("events", 0),
            rejects=done.removed.get("rejects", 0),
        )
    )
    if any(done.kept.values()):
        console.print(
            _(
                "{events} events and {rejects} rejects stay: other files of yours held them "
                "too, and now hold them as their own"
            ).format(events=done.kept.get("events", 0), rejects=done.kept.get("rejects", 0))
        )
