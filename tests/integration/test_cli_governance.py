"""Governance from the command line (#7), on both stores: the operator acts ``--as`` an
account (the secretariat by default); members' administrators register, table, amend, accept
and vote; analysts are refused; ``wuzhen tick`` closes the vote and applies the resolution;
the direct paths (``members admit``/``suspend``, ``rules set``) point to tabling a proposal.

The commands read the node's clock: here a fixed one, moved by the test."""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from typer.testing import CliRunner, Result

from wuzhen.accounts import service as accounts
from wuzhen.accounts.tables import ADMIN, ANALYST
from wuzhen.cli import app
from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.errors import ForbiddenError
from wuzhen.members.tables import Member
from wuzhen.node import Node

PASSWORD = "a long enough operator password"
VOTERS = ("CN", "FR", "BR", "ZA")
FMT = "%Y-%m-%d %H:%M:%S"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FixedClock:
    fixed = FixedClock(datetime(2026, 11, 29, 12, tzinfo=UTC))
    monkeypatch.setattr("wuzhen.node.SystemClock", lambda: fixed)
    return fixed


@pytest.fixture
def env(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, clock: FixedClock
) -> None:
    monkeypatch.setenv("WUZHEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WUZHEN_DATABASE_URL", database_url)


def run(*args: str, ok: bool = True) -> Result:
    result = CliRunner().invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, (args, result.output, result.exception)
    return result


def refused(*args: str) -> str:
    result = run(*args, ok=False)
    assert isinstance(result.exception, ForbiddenError), (args, result.output)
    return str(result.exception)


def made_id(result: Result) -> str:
    found = re.search(r"\b([0-9a-f]{16})\b", result.output)
    assert found, result.output
    return found[1]


def as_json(*args: str) -> Any:
    return json.loads(run(*args, "--json").output)


def _accounts() -> None:
    """The secretariat; CN's administrator and analyst; FR's administrator."""
    node = Node.open(Settings())
    try:
        now = node.clock.now()
        with node.db.session() as s:
            s.execute(update(Member).where(Member.code.not_in(VOTERS)).values(voting_rights=False))
            sec = accounts.create_secretariat(s, username="chair", password=PASSWORD, at=now)
            for code in ("CN", "FR"):
                inv = accounts.invite(s, sec, member=code, role=ADMIN, at=now)
                low = code.lower()
                admin = accounts.accept(
                    s, inv.token, username=f"{low}-admin", password=PASSWORD, at=now
                )
            inv = accounts.invite(s, admin, member="FR", role=ANALYST, at=now)
            accounts.accept(s, inv.token, username="fr-analyst", password=PASSWORD, at=now)
    finally:
        node.close()


def test_direct_paths_point_to_a_proposal(env: None) -> None:
    # before the founding admission, admitting one state points to it (a tester was told to
    # table a proposal in a compact with no member to vote on it)
    for args in (["CN"], []):
        assert "wuzhen members admit --all" in refused("members", "admit", *args)
    run("members", "admit", "--all")  # the founding admission of an empty compact
    assert "only by resolution" in refused("members", "admit", "--all")
    message = refused("members", "admit", "DE", "--reason", "r")
    assert "only by resolution: table a proposal" in message
    assert "wuzhen proposals table" in message
    assert "--suspend DE" in refused("members", "suspend", "de", "--reason", "r")
    assert "--rule retention.days=90" in refused("rules", "set", "retention.days", "90")


def test_a_session_from_convening_to_the_resolution(env: None, clock: FixedClock) -> None:
    run("members", "admit", "--all")
    _accounts()
    opens, closes = clock.now(), clock.now() + timedelta(days=5)
    sid = made_id(
        run(
            "sessions",
            "convene",
            "Annual conference",
            "--opens",
            opens.strftime(FMT),
            "--closes",
            closes.strftime(FMT),
        )
    )
    assert "Only the secretariat" in refused(
        "sessions",
        "convene",
        "x",
        "--opens",
        "2026-12-01",
        "--closes",
        "2026-12-02",
        "--as",
        "cn-admin",
    )
    run("sessions", "register", sid, "--as", "cn-admin")
    run("sessions", "register", sid, "--as", "fr-admin", "--proxy-for", "br")
    refused("sessions", "register", sid, "--as", "fr-analyst")
    session = as_json("sessions", "show", sid)
    assert session["quorum"]["present"] == 3
    assert [d["member"] for d in session["delegations"]] == ["CN", "FR"]

    pid = made_id(
        run(
            "proposals",
            "table",
            sid,
            "--title",
            "Retention",
            "--text",
            "Keep 90 days.",
            "--rule",
            "retention.days=90",
            "--as",
            "fr-admin",
        )
    )
    refused("proposals", "table", sid, "--title", "t", "--text", "t", "--as", "fr-analyst")
    aid = made_id(
        run(
            "proposals",
            "amend",
            pid,
            "--title",
            "Retention",
            "--text",
            "Keep 120 days.",
            "--rule",
            "retention.days=120",
            "--as",
            "cn-admin",
        )
    )
    refused("proposals", "accept", aid, "--as", "cn-admin")  # not CN's proposal
    run("proposals", "accept", aid, "--as", "fr-admin")
    vote_closes = (clock.now() + timedelta(hours=1)).strftime(FMT)
    refused("proposals", "open-vote", pid, "--closes", vote_closes, "--as", "cn-admin")
    run("proposals", "open-vote", pid, "--closes", vote_closes)  # the only secretariat admin

    run("vote", pid, "no", "--as", "cn-admin")
    run("vote", pid, "yes", "--as", "cn-admin")  # changed before the close
    run("vote", pid, "yes", "--as", "fr-admin", "--for", "BR")
    assert "administrator" in refused("vote", pid, "yes", "--as", "fr-analyst")
    assert "administrator" in refused("vote", pid, "yes", "--as", "chair")
    shown = as_json("proposals", "show", pid)
    assert (shown["voted"], shown["result"]) == (["BR", "CN"], None)
    assert "The result is shown when the vote closes." in run("proposals", "show", pid).output

    clock.advance(timedelta(hours=1))
    report = as_json("tick")
    (step,) = [s for s in report["steps"] if s["name"] == "governance"]
    assert step["summary"] == {"votes_closed": 1, "resolutions_applied": 1}
    shown = as_json("proposals", "show", pid)
    assert shown["state"] == "adopted"
    assert shown["result"]["choices"] == {"BR": "yes", "CN": "yes"}
    (res,) = as_json("resolutions", "list")
    assert (res["number"], res["applied"], res["changes"][0]["value"]) == (1, True, 120)
    assert as_json("rules", "list")["retention.days"] == 120
    last = as_json("rules", "history", "retention.days")[-1]
    assert (last["resolution"], last["reason"]) == (res["id"], "resolution 1")
    minutes = as_json("sessions", "minutes", sid)
    assert [m["action"] for m in minutes if m["action"].startswith("vote.")] == [
        "vote.opened",
        "vote.cast",
        "vote.cast",
        "vote.cast",
        "vote.closed",
    ]
    assert "Retention" in run("proposals", "list").output
    assert "Annual conference" in run("sessions", "list").output
    assert "Retention" in run("sessions", "show", sid).output


def test_commitments(env: None) -> None:
    run("members", "admit", "--all")
    _accounts()
    cid = made_id(
        run(
            "commitments",
            "propose",
            "No theft of trade secrets",
            "--party",
            "CN",
            "--party",
            "FR",
            "--clause",
            "no theft",
            "--clause",
            "answer promptly",
            "--as",
            "cn-admin",
        )
    )
    refused("commitments", "adopt", cid, "--as", "fr-analyst")
    refused("commitments", "register", cid, "--as", "fr-admin")
    run("commitments", "adopt", cid, "--as", "fr-admin")
    run("commitments", "register", cid)
    run("commitments", "status", cid, "under-review", "--reason", "annual review")
    (listed,) = as_json("commitments", "list")
    assert (listed["id"], listed["status"]) == (cid, "under-review")
    shown = json.loads(run("commitments", "show", cid, "--as", "cn-admin").output)
    assert shown["requests"] == []
    assert json.loads(run("commitments", "show", cid).output)["requests"] is None


@pytest.mark.parametrize(
    "command",
    [
        ["sessions"],
        ["sessions", "convene"],
        ["sessions", "register"],
        ["sessions", "show"],
        ["sessions", "minutes"],
        ["proposals", "table"],
        ["proposals", "amend"],
        ["proposals", "accept"],
        ["proposals", "open-vote"],
        ["proposals", "show"],
        ["proposals", "list"],
        ["vote"],
        ["resolutions", "list"],
        ["commitments", "propose"],
        ["commitments", "link"],
        ["commitments", "status"],
    ],
)
def test_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


GUIDE = Path(__file__).resolve().parents[2] / "docs" / "user" / "governance.md"


@pytest.mark.parametrize(
    "command",
    [
        shlex.split(line.removeprefix("$ wuzhen "))
        for line in GUIDE.read_text(encoding="utf-8").splitlines()
        if line.startswith("$ wuzhen ")
    ],
    ids=" ".join,
)
def test_the_guides_commands_parse(command: list[str]) -> None:
    """Every command docs/user/governance.md shows parses, options included."""
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
