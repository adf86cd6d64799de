"""``wuzhen sessions``: convene a session (the secretariat), register a member's delegation
(its administrator), and read a session: agenda, delegations, quorum, minutes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from wuzhen.cli._acting import AS_HELP, acting
from wuzhen.cli._console import console, print_json, render_table
from wuzhen.cli._node import moment, open_node
from wuzhen.governance import acts
from wuzhen.governance import views as gov_views
from wuzhen.i18n import _

app = typer.Typer(no_args_is_help=True)
As = Annotated[str | None, typer.Option("--as", help=AS_HELP)]
Json = Annotated[bool, typer.Option("--json", help=_("Print JSON."))]
Id = Annotated[str, typer.Argument(help=_("The session's id."))]


def _when(value: datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="minutes")


@app.command("convene", help=_("Convene a session (the secretariat)."))
def convene(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help=_("Its title."))],
    opens: Annotated[
        datetime, typer.Option("--opens", parser=moment, help=_("When it opens (UTC)."))
    ],
    closes: Annotated[
        datetime, typer.Option("--closes", parser=moment, help=_("When it closes (UTC)."))
    ],
    kind: Annotated[str, typer.Option("--kind", help=_("annual or extraordinary."))] = "annual",
    as_user: As = None,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        g = acts.convene(
            s,
            acting(s, as_user),
            kind=kind,
            title=title,
            opens_at=opens,
            closes_at=closes,
            at=node.clock.now(),
        )
        sid = g.id
    console.print(_("Session {id} convened.").format(id=sid))


@app.command("list", help=_("List the sessions, newest first."))
def list_sessions(ctx: typer.Context, as_json: Json = False) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        rows = gov_views.sessions(s)
    if as_json:
        print_json(rows)
        return
    console.print(
        render_table(
            _("Sessions"),
            [_("Id"), _("Kind"), _("Title"), _("Opens"), _("Closes")],
            [
                (r["id"], r["kind"], r["title"], _when(r["opens_at"]), _when(r["closes_at"]))
                for r in rows
            ],
        )
    )


@app.command("show", help=_("A session: its agenda, delegations and quorum."))
def show(ctx: typer.Context, session_id: Id, as_json: Json = False) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        detail = gov_views.session_detail(s, session_id)
    if as_json:
        print_json(detail)
        return
    q = detail["quorum"]
    console.print(f"[bold]{detail['title']}[/bold] ({detail['kind']})", highlight=False)
    console.print(
        _(
            "{present} of {eligible} members with voting rights present; {needed} needed: {met}."
        ).format(
            present=q["present"],
            eligible=q["eligible"],
            needed=q["needed"],
            met=_("quorum met") if q["met"] else _("no quorum"),
        )
    )
    console.print(
        render_table(
            _("Agenda"),
            [_("Id"), _("Title"), _("Proposer"), _("Method"), _("State")],
            [
                (p["id"], p["title"], p["proposer"], p["method"], p["state"])
                for p in detail["agenda"]
            ],
        )
    )
    console.print(
        render_table(
            _("Delegations"),
            [_("Member"), _("Proxy of"), _("Registered")],
            [
                (d["member"], d["proxy_for"] or "", _when(d["registered_at"]))
                for d in detail["delegations"]
            ],
        )
    )


@app.command("register", help=_("Register your member's delegation (its administrator)."))
def register(
    ctx: typer.Context,
    session_id: Id,
    as_user: Annotated[str, typer.Option("--as", help=_("The member's administrator."))],
    proxy_for: Annotated[
        str | None,
        typer.Option("--proxy-for", help=_("Hold this member's proxy (at most one).")),
    ] = None,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        d = acts.register(
            s,
            acting(s, as_user),
            session_id,
            at=node.clock.now(),
            proxy_for=proxy_for.upper() if proxy_for else None,
        )
        member, proxy = d.member, d.proxy_for
    if proxy:
        console.print(
            _("{member} registered, holding {proxy}'s proxy.").format(member=member, proxy=proxy)
        )
    else:
        console.print(_("{member} registered.").format(member=member))


@app.command("minutes", help=_("A session's minutes, generated from the ledger."))
def minutes(ctx: typer.Context, session_id: Id, as_json: Json = False) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        entries = gov_views.minutes(s, session_id)
    if as_json:
        print_json(entries)
        return
    base = ("seq", "at", "action", "subject")
    console.print(
        render_table(
            _("Minutes"),
            [_("Entry"), _("At"), _("What"), _("Details")],
            [(e["seq"], _when(e["at"]), e["action"], _details(e, base)) for e in entries],
            justify=["right"],
        )
    )


def _details(entry: dict[str, Any], skip: tuple[str, ...]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in entry.items() if k not in skip)
