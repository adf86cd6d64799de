"""sshd messages: what each becomes, for the cases a tester found read wrongly.

The scanner and the rule table agree on these (``test_openssh_scan.py``); here each message goes
through the whole parser, and the test checks what it makes of it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.evidence.conformance import CTX, assert_accounted, records_of
from wuzhen.evidence.parsers._base import RECORD, ParseResult
from wuzhen.evidence.parsers.openssh import OpenSSH

HEADER = "2026-11-20T03:14:09.223456+01:00 srv1 sshd[1236]: "


def _parse(messages: list[str]) -> ParseResult:
    records = records_of([HEADER + m for m in messages])
    parser = OpenSSH()
    result = parser.parse(records, parser.new_state(), CTX)
    assert_accounted(records, result)
    return result


def _event(message: str) -> dict[str, Any]:
    result = _parse([message])
    assert result.events.height == 1, (result.skipped.to_dicts(), result.rejects.to_dicts())
    return result.events.to_dicts()[0]


def _skip_reason(message: str) -> str:
    result = _parse([message])
    assert result.skipped.height == 1, (result.events.to_dicts(), result.rejects.to_dicts())
    return str(result.skipped["reason"][0])


@pytest.mark.parametrize(
    ("message", "identifier", "kind", "host", "port"),
    [
        # OpenSSH 8+ writes these after "kex_exchange_identification: ...", where OpenSSH 7
        # wrote "Did not receive identification string": no user, no [preauth], before any
        # login (a tester found them skipped as "disconnect after login")
        (
            "Connection closed by 198.51.100.8 port 40001",
            "ssh-no-identification",
            "scanner",
            "198.51.100.8",
            40001,
        ),
        (
            "Connection reset by 2001:db8::8 port 40005",
            "ssh-no-identification",
            "scanner",
            "2001:db8::8",
            40005,
        ),
        # found "not recognised" by the same tester
        (
            "ssh_dispatch_run_fatal: Connection from 203.0.113.50 port 5001: invalid format "
            "[preauth]",
            "ssh-preauth-protocol-error",
            "scanner",
            "203.0.113.50",
            5001,
        ),
        (
            "error: Protocol major versions differ for 203.0.113.52 port 5003: "
            "SSH-2.0-OpenSSH_9.6 vs. SSH-1.5-Nmap-SSH1-Hostkey",
            "ssh-bad-protocol",
            "scanner",
            "203.0.113.52",
            5003,
        ),
        (
            "drop connection #0 from [203.0.113.9]:41234 on [192.0.2.1]:22 penalty: failed "
            "authentication",
            "ssh-penalty-failed-auth",
            "brute-force",
            "203.0.113.9",
            41234,
        ),
        (
            "drop connection #2 from [2001:db8::9]:41234 on [2001:db8::1]:22 penalty: "
            "connections without attempting authentication",
            "ssh-penalty-no-auth",
            "scanner",
            "2001:db8::9",
            41234,
        ),
        (
            "drop connection #1 from [203.0.113.9]:41 on [192.0.2.1]:22 penalty: caused crash",
            "ssh-penalty-crash",
            "exploit",
            "203.0.113.9",
            41,
        ),
        (
            "probed from 203.0.113.3 port 22 with SSH-2.0-Probe-x.  Don't panic.",
            "ssh-scanner-version",
            "scanner",
            "203.0.113.3",
            22,
        ),
    ],
)
def test_probes_and_penalties(
    message: str, identifier: str, kind: str, host: str, port: int
) -> None:
    row = _event(message)
    assert row["classification.identifier"] == identifier
    assert row["classification.type"] == kind
    assert row["source.ip"] == host
    assert row["source.port"] == port


@pytest.mark.parametrize(
    ("message", "identifier", "port"),
    [
        (
            "Failed password for root from fe80::1%eth0 port 53222 ssh2",
            "ssh-failed-password",
            53222,
        ),
        ("Invalid user bob from fe80::1%eth0 port 53223", "ssh-invalid-user", 53223),
        (
            "Connection closed by invalid user bob fe80::1%eth0 port 53224 [preauth]",
            "ssh-preauth-disconnect",
            53224,
        ),
    ],
)
def test_a_link_local_source_keeps_its_zone_and_port(
    message: str, identifier: str, port: int
) -> None:
    # sshd writes a link-local address with its zone; the port after it was lost (the host
    # ended before "%"), and the address was not read as one (the attributor drops the zone)
    row = _event(message)
    assert row["classification.identifier"] == identifier
    assert (row["source.ip"], row["source.fqdn"], row["source.port"]) == (
        "fe80::1%eth0",
        None,
        port,
    )


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        # after a login sshd names the user: "by user U HOST port PORT"
        ("Connection closed by user alice 192.0.2.50 port 50000", "disconnect after login"),
        ("Disconnected from user alice 192.0.2.50 port 50000", "disconnect after login"),
        # OpenSSH before 7.3 wrote no port, with or without a login: left as it was
        ("Connection closed by 192.0.2.50", "disconnect after login"),
        (
            "drop connection #1 from [2001:db8::9]:41234 on [2001:db8::1]:22 past MaxStartups",
            "connection dropped by sshd's limits (MaxStartups, RefuseConnection)",
        ),
    ],
)
def test_not_evidence(message: str, reason: str) -> None:
    assert _skip_reason(message) == reason


@pytest.mark.parametrize(
    ("message", "invalid"),
    [
        # a tester found extra.invalid_user false for the first four
        ("Invalid user admin from 203.0.113.1 port 22", True),
        ("Illegal user admin from 203.0.113.1", True),
        ("Connection closed by invalid user test 203.0.113.10 port 50001 [preauth]", True),
        ("Disconnected from invalid user oracle 203.0.113.14 port 50002 [preauth]", True),
        (
            "Disconnecting invalid user x 203.0.113.57 port 5008: Too many authentication "
            "failures [preauth]",
            True,
        ),
        ("Failed password for invalid user admin from 203.0.113.1 port 22 ssh2", True),
        (
            "ssh_dispatch_run_fatal: Connection from invalid user x 203.0.113.1 port 5: "
            "incomplete message [preauth]",
            True,
        ),
        ("Connection closed by authenticating user root 203.0.113.5 port 52344 [preauth]", False),
        ("Disconnected from 192.0.2.4 port 36985 [preauth]", False),
        ("Failed password for root from 203.0.113.1 port 22 ssh2", False),
    ],
)
def test_invalid_user_is_whether_sshd_said_the_user_does_not_exist(
    message: str, invalid: bool
) -> None:
    row = _event(message)
    assert json.loads(row["extra"])["invalid_user"] is invalid


def test_many_lines_at_once_keep_their_reading() -> None:
    """The scanner reads the common forms and the rule table the rest, in one batch."""
    messages = [
        "Connection closed by 198.51.100.8 port 40001",
        "Invalid user admin from 203.0.113.1 port 22",
        "message repeated 2 times: [ Invalid user admin from 203.0.113.1 port 22]",
        "error: Protocol major versions differ for 203.0.113.52 port 5003: a vs. b",
    ]
    events = _parse(messages).events.sort(RECORD)
    assert events["classification.identifier"].to_list() == [
        "ssh-no-identification",
        "ssh-invalid-user",
        "ssh-invalid-user",
        "ssh-bad-protocol",
    ]
    assert [json.loads(e)["invalid_user"] for e in events["extra"]] == [False, True, True, False]
