"""``wuzhen requests`` (#6), acting as members' accounts with ``--as``; and requests in the
ledger's public export: their entries are salted digests only, and the whole chain still
verifies (and a tampered request entry is found)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from wuzhen.accounts import service as accounts
from wuzhen.accounts.tables import ADMIN, ANALYST
from wuzhen.errors import ConflictError, InputError, NotFoundError
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.node import Node

from .test_cli_ops import open_node, run

PASSWORD = "a long enough member password"
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


@pytest.fixture
def node_with_accounts(env: dict[str, str], tmp_path: Path) -> Iterator[Node]:
    """Every state admitted; FR's analyst, CN's and the US's administrators; FR's evidence."""
    run("members", "admit", "--all")
    log = tmp_path / "auth.log"
    log.write_text(LOG)
    run("ingest", "--owner", "FR", str(log))
    node = open_node()
    try:
        with node.db.session() as s:
            now = node.clock.now()
            sec = accounts.create_secretariat(s, username="chair", password=PASSWORD, at=now)
            for code, name in (("FR", "fr"), ("CN", "cn"), ("US", "us")):
                first = accounts.invite(s, sec, member=code, role=ADMIN, at=now)
                admin = accounts.accept(
                    s, first.token, username=f"{name}-admin", password=PASSWORD, at=now
                )
                if code == "FR":
                    more = accounts.invite(s, admin, member=code, role=ANALYST, at=now)
                    accounts.accept(s, more.token, username="fr-analyst", password=PASSWORD, at=now)
        yield node
    finally:
        node.close()


def _events(node: Node) -> dict[str, str]:
    """Event id by source address."""
    frame = node.store.scan("events").collect()
    return dict(zip(frame["source.ip"].to_list(), frame["event.id"].to_list(), strict=True))


def test_requests_from_the_command_line(node_with_accounts: Node, tmp_path: Path) -> None:
    events = _events(node_with_accounts)
    cn_event = events["218.92.0.112"]
    # The operator names the account acting: there are several.
    ambiguous = run("requests", "list", ok=False)
    assert isinstance(ambiguous.exception, InputError)
    assert "--as" in str(ambiguous.exception)
    details = tmp_path / "details.json"
    details.write_text(json.dumps({"question": "who operates AS 4134?"}))
    out = run(
        "requests",
        "create",
        "--type",
        "information",
        "--to",
        "CN",
        "--offence",
        "cyberattack",
        "--title",
        "SSH attacks from AS4134",
        "--details-file",
        str(details),
        "--as",
        "fr-analyst",
    ).output
    assert "(draft)" in out
    rid = out.split()[1]
    hidden = run("requests", "show", rid, "--as", "cn-admin", ok=False)
    assert isinstance(hidden.exception, NotFoundError)  # a draft: the requester's only
    bad = run("requests", "attach", rid, "f" * 32, "--as", "fr-analyst", ok=False)
    assert isinstance(bad.exception, InputError)
    above = run("requests", "attach", rid, cn_event, "--as", "fr-analyst", ok=False)
    assert isinstance(above.exception, ConflictError)  # AMBER evidence, a GREEN request
    assert "confirm" in str(above.exception)
    attached = run(
        "requests", "attach", rid, cn_event, "--confirm-markings", "--as", "fr-analyst"
    ).output
    assert "FR" in attached
    assert "due" in run("requests", "send", rid, "--as", "fr-admin").output

    inbox = json.loads(run("requests", "list", "--as", "cn-admin", "--json").output)
    assert [r["id"] for r in inbox] == [rid]
    assert json.loads(run("requests", "list", "--as", "us-admin", "--json").output) == []
    outbox = run("requests", "list", "--box", "outbox", "--as", "fr-analyst").output
    assert rid in outbox
    for who in ("us-admin", "chair"):
        denied = run("requests", "show", rid, "--as", who, ok=False)
        assert isinstance(denied.exception, NotFoundError)

    shown = json.loads(run("requests", "show", rid, "--as", "cn-admin", "--json").output)
    assert (shown["state"], shown["actions"]) == ("sent", ["acknowledge"])
    assert shown["attachments"][0]["event_ids"] == [cn_event]
    assert "acknowledged" in run("requests", "act", rid, "acknowledge", "--as", "cn-admin").output
    wrong = run("requests", "act", rid, "execute", "--as", "cn-admin", ok=False)
    assert isinstance(wrong.exception, ConflictError)
    assert "cannot be asked to execute" in str(wrong.exception)
    unknown = run("requests", "act", rid, "ignore", "--as", "cn-admin", ok=False)
    assert isinstance(unknown.exception, InputError)
    run("requests", "act", rid, "consult", "--reason", "which network?", "--as", "cn-admin")
    out = run(
        "requests",
        "refuse",
        rid,
        "--ground",
        "other",
        "--reason",
        "no",
        "--other",
        "a shared address",
        "--as",
        "cn-admin",
    ).output
    assert "refused" in out
    run("requests", "act", rid, "feedback", "--not-useful", "--as", "fr-analyst")
    steps = json.loads(run("requests", "timeline", rid, "--as", "fr-admin", "--json").output)
    assert [(t["action"], t["member"]) for t in steps] == [
        ("request.drafted", "FR"),
        ("request.evidence_attached", "FR"),
        ("request.marking_confirmed", "FR"),
        ("request.send", "FR"),
        ("request.acknowledge", "CN"),
        ("request.consult", "CN"),
        ("request.refuse", "CN"),
        ("request.feedback", "FR"),
    ]
    assert "request.refuse" in run("requests", "timeline", rid, "--as", "cn-admin").output


def test_request_entries_are_salted_digests_in_the_public_export(
    node_with_accounts: Node, tmp_path: Path
) -> None:
    title = "Preservation for case 2026-114"
    details = {
        "requesting_authority": "Parquet de Paris",
        "offence_facts": "intrusion into a ministry",
        "data": "connection logs of 218.92.0.0/16",
        "relation": "source of the intrusion",
        "custodian": "the access provider",
        "necessity": "logs rotate weekly",
        "disclosure_to_follow": True,
    }
    out = run(
        "requests",
        "create",
        "--type",
        "preservation",
        "--to",
        "CN",
        "--offence",
        "cyberattack",
        "--title",
        title,
        "--details",
        json.dumps(details),
        "--send",
        "--as",
        "fr-admin",
    ).output
    rid = out.split()[1]
    run("requests", "act", rid, "acknowledge", "--as", "cn-admin")

    export = tmp_path / "ledger.jsonl"
    run("ledger", "export", "--output", str(export))
    text = export.read_text()
    rows = [json.loads(line) for line in text.splitlines()]
    node = node_with_accounts
    with node.db.session() as s:
        mine = {
            e.seq: e.digest
            for e in s.scalars(select(LedgerEntry).where(LedgerEntry.subject == f"request:{rid}"))
        }
    assert len(mine) == 3  # drafted, sent, acknowledged
    by_seq = {r["seq"]: r for r in rows}
    for seq, digest in mine.items():
        assert set(by_seq[seq]) == {"seq", "prev", "hash", "digest"}  # no content, no salt
        assert by_seq[seq]["digest"] == digest
    for secret in (rid, title, "Parquet de Paris", "218.92.0.0/16"):
        assert secret not in text
    public = [r for r in rows if "content" in r]
    assert public
    assert all(not r["content"]["subject"].startswith("request:") for r in public)
    assert "intact" in run("ledger", "verify", "--export", str(export)).output

    # Tampering with a request's entry in the store is found, by the chain.
    victim = max(mine)
    with node.db.session() as s:
        s.execute(update(LedgerEntry).where(LedgerEntry.seq == victim).values(data={"from": "x"}))
    broken = run("ledger", "verify", ok=False)
    assert broken.exit_code == 1
    assert f"broken at entry {victim}" in broken.output
    # In the export, a non-public entry's digest cannot be changed without breaking it.
    lines = text.splitlines()
    forged = json.loads(lines[victim - 1])
    forged["digest"] = "0" * 64
    lines[victim - 1] = json.dumps(forged)
    export.write_text("\n".join(lines) + "\n")
    failed = run("ledger", "verify", "--export", str(export), ok=False)
    assert failed.exit_code == 1
    assert f"broken at entry {victim}" in failed.output
