"""``wuzhen commitments``: the register of commitments between members: propose and adopt
(the parties' administrators), register and record the status (the secretariat), link a
request made under a clause (a party), and show what the data says of each."""

from __future__ import annotations

from typing import Annotated

import typer

from wuzhen.cli._acting import AS_HELP, acting
from wuzhen.cli._console import console, print_json, render_table
from wuzhen.cli._node import open_node
from wuzhen.governance import acts
from wuzhen.governance import views as gov_views
from wuzhen.i18n import _

app = typer.Typer(no_args_is_help=True)
As = Annotated[str | None, typer.Option("--as", help=AS_HELP)]
MemberAs = Annotated[str, typer.Option("--as", help=_("An account of a party."))]
Id = Annotated[str, typer.Argument(help=_("The commitment's id."))]


@app.command("list", help=_("List the register of commitments."))
def list_commitments(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        rows = gov_views.commitment_list(s)
    if as_json:
        print_json(rows)
        return
    console.print(
        render_table(
            _("Commitments"),
            [_("Id"), _("Title"), _("Parties"), _("Status")],
            [(r["id"], r["title"], " ".join(r["parties"]), r["status"]) for r in rows],
        )
    )


@app.command("show", help=_("A commitment and what the data says of it (JSON)."))
def show(
    ctx: typer.Context,
    commitment_id: Id,
    as_user: Annotated[
        str | None,
        typer.Option("--as", help=_("See it as this account (a party sees its requests).")),
    ] = None,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        member = acting(s, as_user).member if as_user else None
        print_json(gov_views.commitment_detail(s, commitment_id, node.clock.now(), member))


@app.command("propose", help=_("Propose a commitment to the other parties."))
def propose(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help=_("Its title."))],
    parties: Annotated[
        list[str], typer.Option("--party", help=_("A party (your member included); repeatable."))
    ],
    clauses: Annotated[list[str], typer.Option("--clause", help=_("A clause; repeatable."))],
    as_user: MemberAs,
    text: Annotated[str, typer.Option("--text", help=_("Its text."))] = "",
    review_months: Annotated[
        int, typer.Option("--review-months", min=1, max=120, help=_("Reviewed every N months."))
    ] = 12,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        c = acts.propose_commitment(
            s,
            acting(s, as_user),
            title=title,
            parties=[p.upper() for p in parties],
            text=text,
            clauses=clauses,
            review_months=review_months,
            at=node.clock.now(),
        )
        cid = c.id
    console.print(_("Commitment {id} proposed.").format(id=cid))


@app.command("adopt", help=_("Adopt a commitment for your member (a party's administrator)."))
def adopt(ctx: typer.Context, commitment_id: Id, as_user: MemberAs) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        c = acts.adopt_commitment(s, acting(s, as_user), commitment_id, at=node.clock.now())
        adopted = ", ".join(c.adopted_by)
    console.print(_("Adopted by {members}.").format(members=adopted))


@app.command("register", help=_("Register a commitment every party adopted (the secretariat)."))
def register(ctx: typer.Context, commitment_id: Id, as_user: As = None) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        acts.register_commitment(s, acting(s, as_user), commitment_id, at=node.clock.now())
    console.print(_("Commitment {id} is in force.").format(id=commitment_id))


@app.command("status", help=_("Record a commitment's status (the secretariat)."))
def status(
    ctx: typer.Context,
    commitment_id: Id,
    new_status: Annotated[
        str, typer.Argument(help=_("in-force, under-review, suspended or ended."))
    ],
    reason: Annotated[str, typer.Option("--reason", help=_("Why (recorded in the ledger)."))],
    as_user: As = None,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        acts.set_commitment_status(
            s, acting(s, as_user), commitment_id, new_status, reason=reason, at=node.clock.now()
        )
    console.print(_("Commitment {id}: {status}.").format(id=commitment_id, status=new_status))


@app.command("link", help=_("Link a request made under a clause (a party)."))
def link(
    ctx: typer.Context,
    commitment_id: Id,
    clause: Annotated[str, typer.Argument(help=_("The clause's number."))],
    request_id: Annotated[str, typer.Option("--request", help=_("The request's id."))],
    as_user: MemberAs,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        acts.link_commitment(
            s,
            acting(s, as_user),
            commitment_id,
            clause,
            at=node.clock.now(),
            request_id=request_id,
        )
    console.print(
        _("Request {request} linked to clause {clause}.").format(request=request_id, clause=clause)
    )
