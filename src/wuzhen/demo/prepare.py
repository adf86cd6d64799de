"""Preparing the demonstration compact in a fresh data directory.

Every state of the registry is admitted; the secretariat gets an administrator; two members
get an administrator and an analyst, made as in real life: the secretariat invites each
member's first administrator, who invites its analyst. Their technical contacts are
confirmed (``@example.org`` addresses). France then ingests the shipped sample evidence,
which routes events to China (and others) as notices. Passwords are random and returned
once, for the command to print.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen.accounts import service as accounts
from wuzhen.accounts.tables import ADMIN, ANALYST, SECRETARIAT, Account
from wuzhen.config import Settings
from wuzhen.demo.samples import write_samples
from wuzhen.development.demo import load_demo
from wuzhen.errors import InputError
from wuzhen.evidence.ingest import IngestOptions, IngestReport
from wuzhen.members import service as members
from wuzhen.node import Node
from wuzhen.notices.tables import Notice

OWNER = "FR"  # owns the sample evidence
RECIPIENT = "CN"  # receives most of its notices
DEMO_MEMBERS = (RECIPIENT, OWNER)
ACTOR = "demo"


@dataclass(frozen=True, slots=True)
class Credential:
    role: str
    member: str | None
    username: str
    password: str  # shown once, never stored in clear


@dataclass(frozen=True, slots=True)
class Demo:
    node: Node
    admitted: int
    credentials: list[Credential]
    ingest: IngestReport
    notices: list[tuple[str, str, int]]  # (notice id, member, events)


def fresh_data_dir(path: Path) -> Path:
    """``path``, created if needed; a directory holding anything is refused."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        msg = f"{path} is not an empty directory; the demo needs a fresh one"
        raise InputError(msg)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters


def prepare(settings: Settings) -> Demo:
    """Open a node on ``settings`` (a fresh data directory) and fill it for the demo."""
    fresh_data_dir(settings.data_dir)
    node = Node.open(settings)
    at = node.clock.now()
    creds: list[Credential] = []
    with node.db.session() as s:
        admitted = members.admit_all(s, actor=ACTOR, at=at, reason="demonstration compact")
        password = _password()
        secretariat = accounts.create_secretariat(
            s, username="secretariat", password=password, at=at, display_name="Secretariat"
        )
        creds.append(Credential(SECRETARIAT, None, secretariat.username, password))
        for code in DEMO_MEMBERS:
            creds += _member_accounts(s, secretariat, code, at)
    samples = write_samples(settings.data_dir / "demo-samples", at)
    report = node.pipeline.ingest([str(p) for p in samples], IngestOptions(owner=OWNER))
    with node.db.session() as s:
        notices = [
            (n.id, n.member, n.events)
            for n in s.scalars(select(Notice).where(Notice.ingest_id == report.ingest_id))
        ]
        load_demo(s, actor=ACTOR, at=at)  # development figures of the founding conference
    notices.sort(key=lambda t: (-t[2], t[1]))
    return Demo(node, admitted, creds, report, notices)


def _member_accounts(s: Session, secretariat: Account, code: str, at: datetime) -> list[Credential]:
    """The member's administrator (invited by the secretariat), its analyst (invited by the
    administrator) and its confirmed technical contact."""
    lower = code.lower()
    admin, admin_credential = _invited(s, secretariat, code, ADMIN, "administrator", at)
    _analyst, analyst_credential = _invited(s, admin, code, ANALYST, "analyst", at)
    contact = members.add_contact(
        s,
        code,
        members.ContactFields(
            kind="technical",
            name=f"{code} national CERT (demo)",
            email=f"cert-{lower}@example.org",
            role="incident handling",
            languages=("en",),
        ),
        actor=f"account:{admin.id}",
        at=at,
    )
    members.confirm_contact(s, contact.id, actor=f"account:{admin.id}", at=at)
    return [admin_credential, analyst_credential]


def _invited(
    s: Session, inviter: Account, code: str, role: str, title: str, at: datetime
) -> tuple[Account, Credential]:
    """An account of the member (user name ``<code>-<role>``), invited by ``inviter`` and
    accepted with a fresh password."""
    invitation = accounts.invite(s, inviter, member=code, role=role, at=at)
    password = _password()
    account = accounts.accept(
        s,
        invitation.token,
        username=f"{code.lower()}-{role}",
        password=password,
        at=at,
        display_name=f"{code} {title}",
    )
    return account, Credential(role, code, account.username, password)
