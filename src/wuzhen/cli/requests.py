"""``wuzhen requests``: cooperation requests from the command line, acting as a member's
account (``--as USERNAME``; default: the node's only member account).

A request exists for its two parties only: the account acted as sees the requests of its
member, like the same account would in the web UI or the API, and every step is ledgered
under that account.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen.accounts.service import viewer as viewer_of
from wuzhen.accounts.tables import ADMIN, ANALYST, Account
from wuzhen.api.request_models import detail, summary, timeline
from wuzhen.cli._console import console, print_json, render_table
from wuzhen.cli._node import moment, open_node
from wuzhen.cooperation import evidence, queries, service
from wuzhen.cooperation.tables import Request
from wuzhen.errors import InputError, NotFoundError
from wuzhen.evidence.store import EVENTS
from wuzhen.i18n import _

app = typer.Typer(no_args_is_help=True)
ACTIONS = (
    "acknowledge",
    "start",
    "postpone",
    "consult",
    "resume",
    "execute",
    "withdraw",
    "extend",
    "feedback",
)

As = Annotated[
    str | None,
    typer.Option("--as", help=_("The member account acting (user name; default: the only one).")),
]
AsJson = Annotated[bool, typer.Option("--json", help=_("Print JSON."))]
RequestId = Annotated[str, typer.Argument(help=_("The request's id."))]


def _acting(s: Session, username: str | None) -> Account:
    stmt = select(Account).where(
        Account.role.in_([ADMIN, ANALYST]),
        Account.member.is_not(None),
        Account.disabled_at.is_(None),
    )
    if username:
        stmt = stmt.where(Account.username == username.strip().lower())
    found = list(s.scalars(stmt.limit(2)))
    if not found:
        if username:
            raise NotFoundError(_("no active member account named {name}").format(name=username))
        raise NotFoundError(_("no member account on this node yet"))
    if len(found) > 1:
        raise InputError(_("several member accounts: name the one acting with --as"))
    return found[0]


def _member(account: Account) -> str:
    assert account.member is not None
    return account.member


def _show(s: Session, req: Request, member: str, now: datetime) -> dict[str, Any]:
    shown = detail(s, req, member, service.attachments(s, req.id, member), now)
    return shown.model_dump(mode="json")


def _print_request(data: dict[str, Any]) -> None:
    fields = [
        (_("Id"), data["id"]),
        (_("Type"), data["kind"]),
        (_("From"), data["requester"]),
        (_("To"), data["requested"]),
        (_("Title"), data["title"]),
        (_("Offence"), data["offence"]),
        (_("Urgency"), data["urgency"]),
        ("TLP", data["tlp"]),
        (_("State"), data["state"]),
        (_("Deadline (UTC)"), data["due_at"] or ""),
        (_("Deadline ({zone})").format(zone=data["timezone"]), data["due_local"] or ""),
        (_("Overdue"), _("yes") if data["overdue"] else _("no")),
        (_("Grounds"), ", ".join(data["grounds"])),
        (_("You may"), ", ".join(data["actions"])),
    ]
    console.print(render_table(_("Request"), [_("Field"), _("Value")], fields))
    console.print(
        render_table(
            _("Details"), [_("Field"), _("Value")], sorted(data["details"].items()), justify=[]
        )
    )
    if data["attachments"]:
        console.print(
            render_table(
                _("Evidence"),
                [_("Attachment"), _("Owner"), _("Events"), _("Digest"), _("Confirmed")],
                [
                    (a["id"], a["owner"], a["events"], a["digest"], a["confirmed_at"] or "")
                    for a in data["attachments"]
                ],
            )
        )


@app.command("list", help=_("List the member's inbox (requests to it) or outbox (by it)."))
def list_requests(
    ctx: typer.Context,
    acting: As = None,
    box: Annotated[str, typer.Option("--box", help=_("inbox or outbox."))] = queries.INBOX,
    kind: Annotated[str | None, typer.Option("--type", help=_("A request type."))] = None,
    state: Annotated[
        str | None, typer.Option("--state", help=_("A state, or open, or closed."))
    ] = None,
    overdue: Annotated[
        bool | None, typer.Option("--overdue/--on-time", help=_("Only overdue, or on time."))
    ] = None,
    counterpart: Annotated[
        str | None, typer.Option("--counterpart", help=_("The other member."))
    ] = None,
    as_json: AsJson = False,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        member = _member(_acting(s, acting))
        now = node.clock.now()
        where = queries.RequestFilter(box, kind, state, overdue, counterpart)
        rows = [
            summary(r, now).model_dump(mode="json") for r in queries.listing(s, member, where, now)
        ]
    if as_json:
        print_json(rows)
        return
    console.print(
        render_table(
            _("Requests ({box} of {member})").format(box=box, member=member),
            [_("Id"), _("From"), _("To"), _("Type"), _("Title"), _("State"), _("Deadline"), ""],
            [
                (
                    r["id"],
                    r["requester"],
                    r["requested"],
                    r["kind"],
                    r["title"],
                    r["state"],
                    (r["due_at"] or "")[:16],
                    _("overdue") if r["overdue"] or r["acknowledge_overdue"] else "",
                )
                for r in rows
            ],
        )
    )


@app.command("show", help=_("Show one request, its clocks and evidence."))
def show(
    ctx: typer.Context, request_id: RequestId, acting: As = None, as_json: AsJson = False
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        member = _member(_acting(s, acting))
        data = _show(s, service.get(s, request_id, member), member, node.clock.now())
    if as_json:
        print_json(data)
    else:
        _print_request(data)


def _details(text: str | None, path: Path | None) -> dict[str, Any]:
    raw = path.read_text(encoding="utf-8") if path else text
    if not raw:
        raise InputError(_("give the request's details: --details JSON or --details-file"))
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as err:
        raise InputError(_("the details are not JSON: {err}").format(err=err)) from err
    if not isinstance(value, dict):
        raise InputError(_("the details are a JSON object of the type's fields"))
    return value


@app.command("create", help=_("File a request (a draft; --send sends it too)."))
def create(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option("--type", help=_("The request type."))],
    requested: Annotated[str, typer.Option("--to", help=_("The member asked (ISO code)."))],
    offence: Annotated[str, typer.Option("--offence", help=_("The offence category."))],
    title: Annotated[str, typer.Option("--title", help=_("A short title."))],
    details: Annotated[
        str | None, typer.Option("--details", help=_("The type's fields, as JSON."))
    ] = None,
    details_file: Annotated[
        Path | None,
        typer.Option(
            "--details-file", help=_("Read the details from this JSON file."), exists=True
        ),
    ] = None,
    urgency: Annotated[str, typer.Option("--urgency", help=_("normal, urgent or emergency."))] = (
        "normal"
    ),
    tlp: Annotated[str | None, typer.Option("--tlp", help=_("Its marking."))] = None,
    events: Annotated[
        list[str] | None, typer.Option("--event", help=_("An event to attach (repeatable)."))
    ] = None,
    confirm_markings: Annotated[
        bool,
        typer.Option(
            "--confirm-markings", help=_("Your events above the request's marking may go.")
        ),
    ] = False,
    send: Annotated[bool, typer.Option("--send", help=_("Send it at once."))] = False,
    acting: As = None,
) -> None:
    draft = service.Draft(
        kind=kind,
        requested=requested.upper(),
        offence=offence,
        title=title,
        details=_details(details, details_file),
        urgency=urgency,
        tlp=tlp,
    )
    with open_node(ctx) as node, node.db.session() as s:
        account = _acting(s, acting)
        member, now = _member(account), node.clock.now()
        req = service.create(s, draft, member=member, account=account.id, at=now)
        if events:
            evidence.attach_events(
                s,
                node.store.scan(EVENTS),
                req.id,
                events,
                viewer=viewer_of(account),
                account=account.id,
                at=now,
                confirm_markings=confirm_markings,
            )
        if send:
            service.send(s, req.id, member=member, account=account.id, at=now)
        rid, state = req.id, req.state
    console.print(_("Request {id} ({state}).").format(id=rid, state=state))


@app.command("send", help=_("Send a draft: its deadlines are fixed now, from the rules."))
def send(ctx: typer.Context, request_id: RequestId, acting: As = None) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        account = _acting(s, acting)
        req = service.send(
            s, request_id, member=_member(account), account=account.id, at=node.clock.now()
        )
        due = req.due_at
    console.print(
        _("Request {id} sent; due {due} UTC.").format(
            id=request_id, due=due.isoformat(timespec="minutes") if due else ""
        )
    )


@app.command("act", help=_("Take a step: {actions}.").format(actions=", ".join(ACTIONS)))
def act(
    ctx: typer.Context,
    request_id: RequestId,
    action: Annotated[str, typer.Argument(help=_("The step to take."))],
    reason: Annotated[str, typer.Option("--reason", help=_("Why (postpone, consult)."))] = "",
    until: Annotated[
        datetime | None, typer.Option("--until", parser=moment, help=_("Postponed until (UTC)."))
    ] = None,
    useful: Annotated[
        bool | None, typer.Option("--useful/--not-useful", help=_("Feedback on the outcome."))
    ] = None,
    comment: Annotated[str, typer.Option("--comment", help=_("Feedback comment."))] = "",
    acting: As = None,
) -> None:
    if action not in ACTIONS:
        raise InputError(_("the step is one of {actions}").format(actions=", ".join(ACTIONS)))
    with open_node(ctx) as node, node.db.session() as s:
        account = _acting(s, acting)
        who: dict[str, Any] = {
            "member": _member(account),
            "account": account.id,
            "at": node.clock.now(),
        }
        if action == "extend":
            req = service.extend_preservation(s, request_id, **who)
        elif action == "feedback":
            if useful is None:
                raise InputError(_("say --useful or --not-useful"))
            req = service.give_feedback(s, request_id, useful=useful, comment=comment, **who)
        else:
            req = service.act(s, request_id, action, reason=reason, until=until, **who)
        state = req.state
    console.print(_("Request {id}: {state}.").format(id=request_id, state=state))


@app.command(
    "refuse",
    help=_("Refuse (after consultation) or, with --partial, execute partially, citing grounds."),
)
def refuse(
    ctx: typer.Context,
    request_id: RequestId,
    grounds: Annotated[
        list[str], typer.Option("--ground", help=_("A ground from the rule (repeatable)."))
    ],
    reason: Annotated[str, typer.Option("--reason", help=_("The written reason."))],
    other: Annotated[str, typer.Option("--other", help=_("The text of the ground other."))] = "",
    partial: Annotated[bool, typer.Option("--partial", help=_("Partial execution."))] = False,
    acting: As = None,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        account = _acting(s, acting)
        req = service.answer_with_grounds(
            s,
            request_id,
            "partial" if partial else "refuse",
            member=_member(account),
            account=account.id,
            at=node.clock.now(),
            grounds=grounds,
            reason=reason,
            other_text=other,
        )
        state = req.state
    console.print(_("Request {id}: {state}.").format(id=request_id, state=state))


@app.command("attach", help=_("Attach events (that the account may see) to a draft."))
def attach(
    ctx: typer.Context,
    request_id: RequestId,
    events: Annotated[list[str], typer.Argument(help=_("Event ids."))],
    confirm_markings: Annotated[
        bool,
        typer.Option(
            "--confirm-markings", help=_("Your events above the request's marking may go.")
        ),
    ] = False,
    acting: As = None,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        account = _acting(s, acting)
        made = evidence.attach_events(
            s,
            node.store.scan(EVENTS),
            request_id,
            events,
            viewer=viewer_of(account),
            account=account.id,
            at=node.clock.now(),
            confirm_markings=confirm_markings,
        )
        rows = [(a.id, a.owner, len(a.event_ids), a.digest, a.above_marking) for a in made]
    console.print(
        render_table(
            _("Attached"), [_("Attachment"), _("Owner"), _("Events"), _("Digest"), _("Above")], rows
        )
    )


@app.command("timeline", help=_("A request's history (from the ledger)."))
def show_timeline(
    ctx: typer.Context, request_id: RequestId, acting: As = None, as_json: AsJson = False
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        member = _member(_acting(s, acting))
        steps = [
            t.model_dump(mode="json") for t in timeline(s, service.timeline(s, request_id, member))
        ]
    if as_json:
        print_json(steps)
        return
    console.print(
        render_table(
            _("Timeline of {id}").format(id=request_id),
            [_("Entry"), _("At"), _("Step"), _("Member"), _("Data")],
            [
                (
                    t["seq"],
                    t["at"][:19],
                    t["action"],
                    t["member"] or t["actor"],
                    json.dumps(t["data"]),
                )
                for t in steps
            ],
        )
    )
