"""The operator's commands: accounts, rules, ledger, notices, tick and serve (#5)."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner, Result

from wuzhen import rules
from wuzhen.accounts import service as accounts
from wuzhen.cli import app
from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.errors import ForbiddenError, InputError, NotFoundError
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members import service as members
from wuzhen.node import Node
from wuzhen.notices.tables import Notice

from .enact import enact
from .smtp_server import free_port, smtp_server

PASSWORD = "a long enough operator password"
LOG = (
    "2026-11-28T03:14:09+00:00 sensor-paris sshd[1]: Failed password for root from 218.92.0.112 "
    "port 4 ssh2\n"
    "2026-11-28T04:01:10+00:00 sensor-paris sshd[2]: Invalid user admin from 8.8.8.8 port 5\n"
)


@pytest.fixture
def env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "WUZHEN_DATA_DIR": str(tmp_path / "data"),
        "WUZHEN_DATABASE_URL": database_url,
        "WUZHEN_DEFAULT_OWNER": "FR",
        "WUZHEN_BASE_URL": "https://node.example.org",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def run(*args: str, ok: bool = True) -> Result:
    result = CliRunner().invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, (result.output, result.exception)
    return result


def open_node() -> Node:
    return Node.open(Settings())


def test_accounts_create_secretariat_and_invite(env: dict[str, str], tmp_path: Path) -> None:
    run("members", "admit", "--all")
    # Nobody to act for yet.
    missing = run("accounts", "invite", "CN", ok=False)
    assert isinstance(missing.exception, NotFoundError)
    assert "create-secretariat" in str(missing.exception)

    secret = tmp_path / "password"
    secret.write_text("short\n")
    weak = run("accounts", "create-secretariat", "chair", "--password-file", str(secret), ok=False)
    assert isinstance(weak.exception, InputError)
    secret.write_text(PASSWORD + "\n")
    out = run("accounts", "create-secretariat", "Chair", "--password-file", str(secret)).output
    assert "chair" in out
    prompted = CliRunner().invoke(
        app, ["accounts", "create-secretariat", "deputy"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert prompted.exit_code == 0, prompted.output
    assert PASSWORD not in prompted.output

    # Two secretariat administrators: the operator names the one acting.
    ambiguous = run("accounts", "invite", "CN", ok=False)
    assert isinstance(ambiguous.exception, InputError)
    out = run("accounts", "invite", "cn", "--role", "admin", "--as", "chair").output
    (token,) = re.findall(r"https://node\.example\.org/invite/(\S+)", out)

    node = open_node()
    try:
        with node.db.session() as s:
            admin = accounts.accept(
                s, token, username="cn-admin", password=PASSWORD, at=node.clock.now()
            )
            assert (admin.member, admin.role) == ("CN", "admin")
            invited = s.scalars(
                select(LedgerEntry).where(LedgerEntry.action == "invitation.created")
            ).one()
            chair = s.scalars(
                select(accounts.Account).where(accounts.Account.username == "chair")
            ).one()
            assert invited.actor == f"account:{chair.id}"
            assert token not in json.dumps(invited.data)
        assert accounts.sign_in(node.db, "cn-admin", PASSWORD, node.clock.now()).member == "CN"
    finally:
        node.close()

    # Once CN has an administrator, the secretariat cannot invite into it any more.
    again = run("accounts", "invite", "CN", "--as", "chair", ok=False)
    assert isinstance(again.exception, ForbiddenError)
    analyst = run("accounts", "invite", "FR", "--role", "analyst", "--as", "chair", ok=False)
    assert isinstance(analyst.exception, ForbiddenError)


def test_rules_list_set_history(env: dict[str, str]) -> None:
    listed = json.loads(run("rules", "list", "--json").output)
    assert listed["retention.days"] == 180
    assert "retention.days" in run("rules", "list").output

    # Rules change only by resolution (#7): the direct path says where to go instead.
    refused = run("rules", "set", "retention.days", "90", "--reason", "storage", ok=False)
    assert isinstance(refused.exception, ForbiddenError)
    assert "only by resolution: table a proposal" in str(refused.exception)
    assert "wuzhen proposals table" in str(refused.exception)
    unknown = run("rules", "set", "no.such.rule", "1", "--reason", "x", ok=False)
    assert isinstance(unknown.exception, NotFoundError)
    assert isinstance(run("rules", "history", "no.such.rule", ok=False).exception, NotFoundError)
    assert json.loads(run("rules", "list", "--json").output)["retention.days"] == 180

    clock = FixedClock(datetime(2026, 11, 29, 12, tzinfo=UTC))
    node = Node.open(Settings(), clock)
    try:
        with node.db.session() as s:
            members.admit_all(s, actor="t", at=clock.now(), reason="founding")
        rid = enact(node, clock, [{"type": "rule", "key": "retention.days", "value": 90}])
    finally:
        node.close()
    assert json.loads(run("rules", "list", "--json").output)["retention.days"] == 90
    history = json.loads(run("rules", "history", "retention.days", "--json").output)
    assert [h["action"] for h in history] == ["rule.initialized", "rule.changed"]
    assert history[1]["new"] == 90
    assert history[1]["reason"] == "resolution 1"
    assert history[1]["resolution"] == rid
    assert history[1]["actor"] == f"resolution:{rid}"
    assert "resolution 1" in run("rules", "history", "retention.days").output


def test_ledger_verify_names_a_tampered_entry(env: dict[str, str], tmp_path: Path) -> None:
    run("members", "admit", "--all")
    node = open_node()
    try:
        for days, why in ((90, "first"), (60, "second")):
            with node.db.session() as s:
                rules.change(
                    s,
                    "retention.days",
                    days,
                    reason=why,
                    actor="t",
                    at=node.clock.now(),
                    resolution="r1",
                )
    finally:
        node.close()
    out = run("ledger", "verify").output
    assert "intact" in out

    export = tmp_path / "ledger.jsonl"
    assert "entries written" in run("ledger", "export", "--output", str(export)).output
    rows = [json.loads(line) for line in export.read_text().splitlines()]
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert "intact" in run("ledger", "verify", "--export", str(export)).output
    stdout_export = run("ledger", "export").stdout
    assert [json.loads(x)["seq"] for x in stdout_export.splitlines()] == [r["seq"] for r in rows]

    # Change one entry's data with SQL, as an intruder with database access would.
    victim = next(r["seq"] for r in rows if r["content"]["action"] == "rule.changed")
    node = open_node()
    try:
        with node.db.session() as s:
            s.execute(
                update(LedgerEntry)
                .where(LedgerEntry.seq == victim)
                .values(data={"key": "retention.days", "old": 180, "new": 3650, "reason": "x"})
            )
    finally:
        node.close()
    broken = run("ledger", "verify", ok=False)
    assert broken.exit_code == 1
    assert f"broken at entry {victim} (rule.changed rule:retention.days)" in broken.output
    assert "content does not match its digest" in broken.output

    # The export made before is still intact on its own; tampering with it is detected.
    assert run("ledger", "verify", "--export", str(export)).exit_code == 0
    lines = export.read_text().splitlines()
    forged = json.loads(lines[victim - 1])
    forged["content"]["data"]["new"] = 3650
    lines[victim - 1] = json.dumps(forged)
    export.write_text("\n".join(lines) + "\n")
    failed = run("ledger", "verify", "--export", str(export), ok=False)
    assert failed.exit_code == 1
    assert f"broken at entry {victim}" in failed.output
    # Dropping an entry breaks the chain too.
    del lines[2]
    export.write_text("\n".join(lines) + "\n")
    gap = run("ledger", "verify", "--export", str(export), ok=False)
    assert gap.exit_code == 1
    assert "entry 3 is missing" in gap.output
    export.write_text("not json\n")
    assert isinstance(
        run("ledger", "verify", "--export", str(export), ok=False).exception, InputError
    )


def test_ledger_verify_names_a_removed_entry(env: dict[str, str]) -> None:
    run("members", "admit", "--all")
    node = open_node()
    try:
        with node.db.session() as s:
            s.execute(text("DELETE FROM ledger WHERE seq = 2"))
    finally:
        node.close()
    broken = run("ledger", "verify", ok=False)
    assert broken.exit_code == 1
    assert "entry 2 is missing" in broken.output


def test_notices_list_shows_not_onboarded_members(env: dict[str, str], tmp_path: Path) -> None:
    run("members", "admit", "--all")
    log = tmp_path / "auth.log"
    log.write_text(LOG)
    run("ingest", str(log))
    listed = json.loads(run("notices", "list", "--json").output)
    assert {(n["member"], n["owner"], n["delivery"]) for n in listed} == {
        ("CN", "FR", "not-onboarded"),
        ("US", "FR", "not-onboarded"),
    }
    only_cn = json.loads(run("notices", "list", "--member", "cn", "--json").output)
    assert [n["member"] for n in only_cn] == ["CN"]
    assert "not onboarded" in run("notices", "list").output

    node = open_node()
    try:
        with node.db.session() as s:
            c = members.add_contact(
                s,
                "CN",
                members.ContactFields(kind="technical", name="CERT", email="cert@cn.example.org"),
                actor="test",
                at=node.clock.now(),
            )
            members.confirm_contact(s, c.id, actor="test", at=node.clock.now())
    finally:
        node.close()
    delivery = {
        n["member"]: n["delivery"] for n in json.loads(run("notices", "list", "--json").output)
    }
    assert delivery == {"CN": "pending", "US": "not-onboarded"}

    # tick without an SMTP server: nothing sent, not an error; the notice keeps waiting.
    report = json.loads(run("tick", "--json").output)
    assert report["actions"] == 0
    mail_step = report["steps"][0]
    assert mail_step["summary"]["unsent_no_smtp_server"] == 1
    assert "Nothing to do" in run("tick").output


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["tick"],
        ["serve"],
        ["demo"],
        ["accounts"],
        ["accounts", "create-secretariat"],
        ["accounts", "invite"],
        ["rules"],
        ["rules", "list"],
        ["rules", "history"],
        ["rules", "set"],
        ["ledger"],
        ["ledger", "verify"],
        ["ledger", "export"],
        ["notices"],
        ["notices", "list"],
    ],
)
def test_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_serve_ticks_and_stops_on_sigterm(env: dict[str, str], tmp_path: Path) -> None:
    """``wuzhen serve`` as a user starts it: the API answers, the first tick e-mails the
    waiting notice, and SIGTERM stops it cleanly."""
    run("members", "admit", "--all")
    log = tmp_path / "auth.log"
    log.write_text(LOG)
    run("ingest", str(log))
    node = open_node()
    try:
        with node.db.session() as s:
            c = members.add_contact(
                s,
                "CN",
                members.ContactFields(kind="technical", name="CERT", email="cert@cn.example.org"),
                actor="test",
                at=node.clock.now(),
            )
            members.confirm_contact(s, c.id, actor="test", at=node.clock.now())
    finally:
        node.close()
    port = free_port()
    with smtp_server() as inbox:
        child_env = {
            **os.environ,
            **env,
            "WUZHEN_SMTP_HOST": inbox.host,
            "WUZHEN_SMTP_PORT": str(inbox.port),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "wuzhen", "serve", "--no-browser", "--port", str(port)],
            env=child_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 120
            status = None
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    status = httpx.get(f"http://127.0.0.1:{port}/api/v1/members", timeout=2)
                    if inbox.messages:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.3)
            assert status is not None
            assert status.status_code == 200
            assert [m.recipients for m in inbox.messages] == [["cert@cn.example.org"]]
            proc.send_signal(signal.SIGTERM)
            output, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, output
    assert f"Serving on http://127.0.0.1:{port}/" in output
    assert "Stopped." in output
    node = open_node()
    try:
        with node.db.session() as s:
            cn = s.scalars(select(Notice).where(Notice.member == "CN")).one()
            assert cn.emailed_at is not None
    finally:
        node.close()


def test_serve_refuses_a_port_in_use(env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--no-browser", "--port", str(port), ok=False)
    assert isinstance(result.exception, InputError)
    assert "choose another --port" in str(result.exception)


DOCS = Path(__file__).resolve().parents[2]
NODE_GUIDE = DOCS / "docs" / "admin" / "node.md"


def _documented_commands() -> list[list[str]]:
    lines = NODE_GUIDE.read_text(encoding="utf-8").splitlines()
    return [shlex.split(x.removeprefix("$ wuzhen ")) for x in lines if x.startswith("$ wuzhen ")]


@pytest.mark.parametrize("command", _documented_commands(), ids=" ".join)
def test_node_guide_commands_exist_with_their_options(command: list[str]) -> None:
    """Every ``wuzhen`` command the admin guide shows parses, options included (#5)."""
    # Options are parsed left to right before --help stops the command: a misspelt command
    # or option fails here.
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output


def test_readme_starts_with_the_run_and_test_commands() -> None:
    readme = (DOCS / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1].splitlines()[1:]
    assert first_block == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/wuzhen demo",
        "./scripts/test",
    ]
    assert (DOCS / "scripts" / "test").is_file()
    assert "docs/index.md" in readme
