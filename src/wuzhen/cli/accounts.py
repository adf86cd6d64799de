"""``wuzhen accounts``: the node operator's part in accounts.

The operator creates the secretariat's administrators and, acting for the secretariat,
invites a member's first administrator. Everything else about a member's accounts belongs to
the member's own administrators (in the web UI or the API).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen.accounts import service
from wuzhen.accounts.tables import ADMIN, SECRETARIAT, Account
from wuzhen.cli._console import console
from wuzhen.cli._node import open_node
from wuzhen.errors import InputError, NotFoundError
from wuzhen.i18n import _

app = typer.Typer(no_args_is_help=True)


def _password(password_file: Path | None) -> str:
    if password_file is None:
        value: str = typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
        return value
    lines = password_file.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0]:
        raise InputError(
            _("{path}: the first line should hold the password").format(path=password_file)
        )
    return lines[0]


@app.command(
    "create-secretariat",
    help=_("Create a secretariat administrator (the password is asked for, or read from a file)."),
)
def create_secretariat(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help=_("The user name to sign in with."))],
    password_file: Annotated[
        Path | None,
        typer.Option(
            "--password-file",
            help=_("Read the password from the first line of this file instead of asking."),
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    display_name: Annotated[
        str, typer.Option("--display-name", help=_("The name shown in the UI."))
    ] = "",
) -> None:
    password = _password(password_file)
    with open_node(ctx) as node, node.db.session() as s:
        account = service.create_secretariat(
            s, username=username, password=password, at=node.clock.now(), display_name=display_name
        )
    console.print(
        _("Secretariat administrator {name} created (account {id}).").format(
            name=account.username, id=account.id
        )
    )


def _acting(s: Session, username: str | None) -> Account:
    stmt = select(Account).where(Account.role == SECRETARIAT, Account.disabled_at.is_(None))
    if username:
        stmt = stmt.where(Account.username == username.strip().lower())
    found = list(s.scalars(stmt.limit(2)))
    if not found:
        if username:
            raise NotFoundError(
                _("no active secretariat administrator named {name}").format(name=username)
            )
        raise NotFoundError(
            _(
                "no secretariat administrator yet: create one with `wuzhen accounts "
                "create-secretariat`"
            )
        )
    if len(found) > 1:
        raise InputError(_("several secretariat administrators: name one with --as"))
    return found[0]


@app.command(
    "invite",
    help=_(
        "Invite a member's first administrator, acting for the secretariat; prints the "
        "one-time link (valid for 7 days)."
    ),
)
def invite(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help=_("ISO code of the member."))],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help=_("The role of the invited account (the secretariat invites administrators)."),
        ),
    ] = ADMIN,
    acting: Annotated[
        str | None,
        typer.Option(
            "--as",
            help=_("The secretariat administrator on whose behalf (default: the only one)."),
        ),
    ] = None,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        actor = _acting(s, acting)
        issued = service.invite(s, actor, member=member, role=role, at=node.clock.now())
        link = f"{node.settings.base_url.rstrip('/')}/invite/{issued.token}"
        expires = issued.invitation.expires_at
    console.print(
        _(
            "Invitation for the {role} of {member}, valid until {expires}. "
            "Send this link to that person only; it is shown once:"
        ).format(role=role, member=member.upper(), expires=expires.isoformat(timespec="minutes"))
    )
    console.print(link, soft_wrap=True, highlight=False)
