"""``wuzhen proposals``, ``wuzhen vote`` and ``wuzhen resolutions``: table proposals and
amendments, accept amendments, open votes, cast votes, and read proposals and resolutions.

Members' acts name their administrator with ``--as``; the secretariat's acts default to the
only secretariat administrator. What is shown is what the API shows: the result only once a
vote has closed, and how each member voted never for a secret ballot."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer

from wuzhen.cli._acting import AS_HELP, acting
from wuzhen.cli._console import console, print_json, render_table
from wuzhen.cli._node import moment, open_node
from wuzhen.errors import InputError
from wuzhen.governance import acts
from wuzhen.governance import views as gov_views
from wuzhen.governance.service import ProposalDraft
from wuzhen.i18n import _

app = typer.Typer(no_args_is_help=True)
resolutions_app = typer.Typer(no_args_is_help=True)
As = Annotated[str | None, typer.Option("--as", help=AS_HELP)]
MemberAs = Annotated[str, typer.Option("--as", help=_("The member's administrator."))]
Json = Annotated[bool, typer.Option("--json", help=_("Print JSON."))]
Id = Annotated[str, typer.Argument(help=_("The proposal's id."))]
Rules = Annotated[
    list[str] | None,
    typer.Option("--rule", help=_("A rule change, KEY=VALUE (VALUE in JSON); repeatable.")),
]
Admit = Annotated[list[str] | None, typer.Option("--admit", help=_("Admit this state."))]
Suspend = Annotated[list[str] | None, typer.Option("--suspend", help=_("Suspend this member."))]
Changes = Annotated[
    list[str] | None,
    typer.Option("--change", help=_("Any change, as a JSON object; repeatable.")),
]


def _changes(
    rules: list[str] | None,
    admit: list[str] | None,
    suspend: list[str] | None,
    changes: list[str] | None,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in rules or []:
        key, sep, text = item.partition("=")
        if not sep:
            raise InputError(_("--rule takes KEY=VALUE, e.g. retention.days=90"))
        try:
            value: Any = json.loads(text)
        except json.JSONDecodeError:
            value = text
        out.append({"type": "rule", "key": key.strip(), "value": value})
    out += [{"type": "admit", "member": c.upper()} for c in admit or []]
    out += [{"type": "suspend", "member": c.upper()} for c in suspend or []]
    for text in changes or []:
        try:
            change = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(_("--change takes a JSON object")) from err
        if not isinstance(change, dict):
            raise InputError(_("--change takes a JSON object"))
        out.append(change)
    return out


def _when(value: datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="minutes")


@app.command("table", help=_("Table a proposal on a session's agenda."))
def table(
    ctx: typer.Context,
    session_id: Annotated[str, typer.Argument(help=_("The session's id."))],
    title: Annotated[str, typer.Option("--title", help=_("Its title."))],
    text: Annotated[str, typer.Option("--text", help=_("Its text."))],
    rule: Rules = None,
    admit: Admit = None,
    suspend: Suspend = None,
    change: Changes = None,
    method: Annotated[
        str, typer.Option("--method", help=_("simple, two-thirds or consensus."))
    ] = "simple",
    secret: Annotated[bool, typer.Option("--secret", help=_("A secret ballot."))] = False,
    effective: Annotated[
        datetime | None,
        typer.Option("--effective", parser=moment, help=_("When it takes effect (UTC).")),
    ] = None,
    as_user: As = None,
) -> None:
    draft = ProposalDraft(
        title=title,
        text=text,
        changes=_changes(rule, admit, suspend, change),
        method=method,
        secret=secret,
        effective_at=effective,
    )
    with open_node(ctx) as node, node.db.session() as s:
        p = acts.table(s, acting(s, as_user), session_id, draft, at=node.clock.now())
        pid = p.id
    console.print(_("Proposal {id} tabled.").format(id=pid))


@app.command("amend", help=_("Propose an amendment to a tabled proposal."))
def amend(
    ctx: typer.Context,
    proposal_id: Id,
    title: Annotated[str, typer.Option("--title", help=_("The amended title."))],
    text: Annotated[str, typer.Option("--text", help=_("The amended text."))],
    as_user: MemberAs,
    rule: Rules = None,
    admit: Admit = None,
    suspend: Suspend = None,
    change: Changes = None,
) -> None:
    draft = ProposalDraft(title=title, text=text, changes=_changes(rule, admit, suspend, change))
    with open_node(ctx) as node, node.db.session() as s:
        a = acts.amend(s, acting(s, as_user), proposal_id, draft, at=node.clock.now())
        aid = a.id
    console.print(_("Amendment {id} tabled.").format(id=aid))


@app.command("accept", help=_("Accept an amendment into your proposal (its proposer)."))
def accept(
    ctx: typer.Context,
    amendment_id: Annotated[str, typer.Argument(help=_("The amendment's id."))],
    as_user: As = None,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        parent = acts.accept(s, acting(s, as_user), amendment_id, at=node.clock.now())
        pid = parent.id
    console.print(_("Amendment accepted into proposal {id}.").format(id=pid))


@app.command("open-vote", help=_("Put a proposal to the vote until a time (the secretariat)."))
def open_vote(
    ctx: typer.Context,
    proposal_id: Id,
    closes: Annotated[
        datetime, typer.Option("--closes", parser=moment, help=_("When it closes (UTC)."))
    ],
    as_user: As = None,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        acts.open_vote(s, acting(s, as_user), proposal_id, closes_at=closes, at=node.clock.now())
    console.print(_("The vote on {id} is open.").format(id=proposal_id))


@app.command("show", help=_("A proposal: text, changes, amendments, who voted, the result."))
def show(ctx: typer.Context, proposal_id: Id, as_json: Json = False) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        p = gov_views.proposal_detail(s, proposal_id)
    if as_json:
        print_json(p)
        return
    console.print(f"[bold]{p['title']}[/bold]  {p['id']}", highlight=False)
    console.print(
        _("{state} · {method}{secret} · proposed by {proposer}").format(
            state=p["state"],
            method=p["method"],
            secret=_(" · secret ballot") if p["secret"] else "",
            proposer=p["proposer"],
        ),
        highlight=False,
    )
    console.print(p["text"], highlight=False)
    for change in p["changes"]:
        console.print("  - " + json.dumps(change, ensure_ascii=False), highlight=False)
    for a in p["amendments"]:
        console.print(_("Amendment {id}: {title} ({state})").format(**a), highlight=False)
    console.print(_("Who voted: {who}").format(who=", ".join(p["voted"]) or "-"))
    result = p["result"]
    if result is None:
        console.print(_("The result is shown when the vote closes."))
        return
    console.print(
        _("{outcome}: yes {yes}, no {no}, abstain {abstain}, objections {objections}").format(
            outcome=_("Adopted") if result["adopted"] else _("Not adopted"),
            yes=result["yes"],
            no=result["no"],
            abstain=result["abstain"],
            objections=len(result["objections"]),
        )
    )
    for member, choice in result.get("choices", {}).items():
        console.print(f"  {member}: {choice}", highlight=False)


@app.command("list", help=_("List proposals and amendments, newest first."))
def list_proposals(
    ctx: typer.Context,
    session_id: Annotated[
        str | None, typer.Option("--session", help=_("Only this session's."))
    ] = None,
    state: Annotated[str | None, typer.Option("--state", help=_("Only in this state."))] = None,
    as_json: Json = False,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        rows = gov_views.proposals(s, session_id=session_id, state=state)
    if as_json:
        print_json(rows)
        return
    console.print(
        render_table(
            _("Proposals"),
            [_("Id"), _("Title"), _("Proposer"), _("Method"), _("State"), _("Vote closes")],
            [
                (
                    r["id"],
                    r["title"] + (_(" (amendment)") if r["parent"] else ""),
                    r["proposer"],
                    r["method"],
                    r["state"],
                    _when(r["vote_closes_at"]),
                )
                for r in rows
            ],
        )
    )


def vote(
    ctx: typer.Context,
    proposal_id: Id,
    choice: Annotated[
        str, typer.Argument(help=_("yes, no or abstain; for consensus: yes, abstain or object."))
    ],
    as_user: MemberAs,
    reason: Annotated[
        str | None, typer.Option("--reason", help=_("Why (required for an objection)."))
    ] = None,
    for_member: Annotated[
        str | None,
        typer.Option("--for", help=_("Vote for the member whose proxy your delegation holds.")),
    ] = None,
) -> None:
    """Cast or change your member's vote (its administrator), or its proxy's with --for."""
    with open_node(ctx) as node, node.db.session() as s:
        v = acts.cast(
            s,
            acting(s, as_user),
            proposal_id,
            choice,
            at=node.clock.now(),
            reason=reason,
            on_behalf_of=for_member.upper() if for_member else None,
        )
        member = v.member
    console.print(
        _("The vote of {member} is recorded; it may be changed until the vote closes.").format(
            member=member
        )
    )


@resolutions_app.command("list", help=_("List the resolutions, newest first."))
def list_resolutions(ctx: typer.Context, as_json: Json = False) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        rows = gov_views.resolutions(s)
    if as_json:
        print_json(rows)
        return
    console.print(
        render_table(
            _("Resolutions"),
            [_("Number"), _("Title"), _("Adopted"), _("Takes effect"), _("Applied"), _("Changes")],
            [
                (
                    r["number"],
                    r["title"],
                    _when(r["adopted_at"]),
                    _when(r["effective_at"]),
                    _when(r["applied_at"]) or _("not yet"),
                    len(r["changes"]),
                )
                for r in rows
            ],
            justify=["right"],
        )
    )


@resolutions_app.command("show", help=_("A resolution and its changes."))
def show_resolution(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help=_("Its number or id."))],
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        print_json(gov_views.resolution(s, ref))
