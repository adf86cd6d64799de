"""fail2ban's own log: Found and Ban are evidence, classified by jail; the rest is skipped."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.unit.evidence.conformance import CTX, assert_accounted, parse_lines, records_of
from wuzhen.evidence import parsers
from wuzhen.evidence.parsers._base import ParseResult
from wuzhen.evidence.parsers.fail2ban import Fail2ban

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "evidence" / "fail2ban" / "fail2ban.log"
SERVICE = "fail2ban service message"


def _parse(lines: list[str], ctx: Any = CTX) -> ParseResult:
    records = records_of(lines)
    parser = Fail2ban()
    result = parser.parse(records, parser.new_state(), ctx)
    assert_accounted(records, result)
    return result


def _reasons(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame["reason"].value_counts().iter_rows())


def _line(message: str, level: str = "NOTICE", logger: str = "fail2ban.actions") -> str:
    return f"2024-03-01 10:00:05,789 {logger:<24}[1234]: {level:<7} {message}"


@pytest.fixture(scope="module")
def sample() -> tuple[pl.DataFrame, ParseResult]:
    return parse_lines(parsers.get("fail2ban"), SAMPLE.read_text(encoding="utf-8").splitlines())


def test_sample_counts(sample: tuple[pl.DataFrame, ParseResult]) -> None:
    records, result = sample
    assert records.height == 36
    assert result.events.height == 15
    assert _reasons(result.skipped) == {
        SERVICE: 12,
        "ban lifted (not evidence)": 1,
        "ban restored at restart (its Ban was logged before)": 1,
        "repeat for an address already banned": 2,
        "observer re-count of an address already found (not a new failure)": 1,
        "address ignored by fail2ban (ignore list or ban expired)": 1,
        "not a fail2ban message": 1,
    }
    assert _reasons(result.rejects) == {
        "not a fail2ban log line": 1,
        "found: message not in the expected form": 1,
    }


def test_found_takes_the_failure_time(sample: tuple[pl.DataFrame, ParseResult]) -> None:
    row = sample[1].events.filter(pl.col("evidence.record") == 12).to_dicts()[0]
    assert row["time.source"] == datetime(2024, 3, 1, 10, 0, 0, tzinfo=UTC)  # not 10:00:01,123
    assert row["source.ip"] == "203.0.113.5"
    assert row["classification.type"] == "brute-force"
    assert row["classification.identifier"] == "fail2ban:sshd:found"
    assert (row["protocol.transport"], row["protocol.application"]) == ("tcp", "ssh")
    assert row["destination.fqdn"] is None
    assert json.loads(row["extra"]) == {"jail": "sshd"}
    assert row["event_description.text"] == "[sshd] Found 203.0.113.5 - 2024-03-01 10:00:00"


def test_ban_takes_the_log_time(sample: tuple[pl.DataFrame, ParseResult]) -> None:
    row = sample[1].events.filter(pl.col("evidence.record") == 15).to_dicts()[0]
    assert row["time.source"] == datetime(2024, 3, 1, 10, 0, 5, 789000, tzinfo=UTC)
    assert row["classification.identifier"] == "fail2ban:sshd:ban"
    assert row["source.ip"] == "203.0.113.5"


def test_times_are_read_in_the_ingest_zone() -> None:
    lines = [
        _line("[sshd] Found 203.0.113.5 - 2024-07-01 10:00:00", "INFO", "fail2ban.filter"),
        _line("[sshd] Ban 203.0.113.5"),
    ]
    result = _parse(lines, replace(CTX, timezone="Europe/Berlin"))
    assert result.events["time.source"].to_list() == [
        datetime(2024, 7, 1, 8, 0, 0, tzinfo=UTC),
        datetime(2024, 3, 1, 9, 0, 5, 789000, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("line", "when", "host"),
    [
        (  # 0.8
            "2014-06-02 11:42:13,002 fail2ban.actions: WARNING [ssh] Ban 203.0.113.8",
            datetime(2014, 6, 2, 11, 42, 13, 2000, tzinfo=UTC),
            None,
        ),
        (  # 0.9
            "2016-03-01 10:00:00,000 fail2ban.actions[877]: NOTICE [ssh] Ban 203.0.113.8",
            datetime(2016, 3, 1, 10, 0, tzinfo=UTC),
            None,
        ),
        (  # syslog
            "Mar  1 10:03:00 gw fail2ban.actions[1234]: NOTICE [ssh] Ban 203.0.113.8",
            datetime(2026, 3, 1, 10, 3, tzinfo=UTC),
            "gw",
        ),
        (  # syslog, daemon name first
            "Mar 05 08:41:28 gw fail2ban-server[11524]: fail2ban.actions        [11524]: "
            "NOTICE  [ssh] Ban 203.0.113.8",
            datetime(2026, 3, 5, 8, 41, 28, tzinfo=UTC),
            "gw",
        ),
        ("gw fail2ban[15699]: [ssh] Ban 203.0.113.8", None, "gw"),  # journal, no time
        # systemd with logtarget = STDOUT: a syslog header, then fail2ban's whole line, whose
        # time is taken (a tester found these skipped as service messages)
        (
            "Nov 25 08:27:20 gw fail2ban-server[123]: 2026-11-25 08:27:19,123 "
            "fail2ban.actions        [123]: NOTICE  [ssh] Ban 203.0.113.8",
            datetime(2026, 11, 25, 8, 27, 19, 123000, tzinfo=UTC),
            "gw",
        ),
        (  # the same in the journal's short form (no time of its own)
            "gw fail2ban-server[123]: 2026-11-25 08:27:19,123 fail2ban.actions [123]: NOTICE "
            "[ssh] Ban 203.0.113.8",
            datetime(2026, 11, 25, 8, 27, 19, 123000, tzinfo=UTC),
            "gw",
        ),
    ],
)
def test_layouts(line: str, when: datetime | None, host: str | None) -> None:
    row = _parse([line]).events.to_dicts()[0]
    assert row["time.source"] == when
    assert row["destination.fqdn"] == host
    assert row["source.ip"] == "203.0.113.8"
    assert row["classification.identifier"] == "fail2ban:ssh:ban"


def test_found_under_systemd_takes_the_failure_time() -> None:
    line = (
        "Nov 25 08:27:12 gw fail2ban-server[123]: 2026-11-25 08:27:11,123 fail2ban.filter "
        "[123]: INFO [sshd] Found 203.0.113.80 - 2026-11-25 08:27:09"
    )
    row = _parse([line]).events.to_dicts()[0]
    assert row["classification.identifier"] == "fail2ban:sshd:found"
    assert row["time.source"] == datetime(2026, 11, 25, 8, 27, 9, tzinfo=UTC)
    assert row["event_description.text"] == "[sshd] Found 203.0.113.80 - 2026-11-25 08:27:09"
    assert row["destination.fqdn"] == "gw"


def test_service_messages_under_systemd_stay_skipped() -> None:
    line = (
        "Nov 25 08:27:12 gw fail2ban-server[123]: 2026-11-25 08:27:11,123 fail2ban.server "
        "[123]: INFO    Starting Fail2ban v1.0.2"
    )
    result = _parse([line])
    assert _reasons(result.skipped) == {SERVICE: 1}


@pytest.mark.parametrize(
    ("jail", "kind", "application"),
    [
        ("sshd", "brute-force", "ssh"),
        ("sshd-ddos", "brute-force", "ssh"),
        ("pam-generic", "brute-force", None),
        ("dropbear", "brute-force", "ssh"),
        ("apache-auth", "brute-force", "http"),
        ("nginx-http-auth", "brute-force", "http"),
        ("apache-badbots", "scanner", "http"),
        ("nginx-botsearch", "scanner", "http"),
        ("apache-noscript", "scanner", "http"),
        ("portsentry", "scanner", None),
        ("apache-shellshock", "exploit", "http"),
        ("apache-overflows", "exploit", "http"),
        ("php-url-fopen", "exploit", "http"),
        ("postfix", "spam", "smtp"),
        ("postfix-sasl", "brute-force", "smtp"),
        ("exim-spam", "spam", "smtp"),
        ("dovecot", "brute-force", "imap"),
        ("vsftpd", "brute-force", "ftp"),
        ("asterisk", "brute-force", "sip"),
        ("mysqld-auth", "brute-force", "mysql"),
        ("nginx-limit-req", "dos", "http"),
        ("recidive", "blacklist", None),
        ("myapp", "undetermined", None),
    ],
)
def test_jail_classification(jail: str, kind: str, application: str | None) -> None:
    row = _parse([_line(f"[{jail}] Ban 198.51.100.7")]).events.to_dicts()[0]
    assert row["classification.type"] == kind
    assert row["protocol.application"] == application
    assert row["classification.identifier"] == f"fail2ban:{jail}:ban"


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("[sshd] Unban 203.0.113.5", "ban lifted (not evidence)"),
        ("[sshd] Restore Ban 203.0.113.5", "ban restored at restart (its Ban was logged before)"),
        ("[sshd] 203.0.113.5 already banned", "repeat for an address already banned"),
        (
            "[sshd] Increase Ban 203.0.113.5 (2 # 0:20:00 -> 2024-03-01 10:20:07)",
            "repeat for an address already banned",
        ),
        (
            "[sshd] Found 203.0.113.5, bad - 2024-03-01 10:00:07, 1 # -> 3, Ban",
            "observer re-count of an address already found (not a new failure)",
        ),
        (
            "[sshd] Ignore 192.0.2.1 by ip",
            "address ignored by fail2ban (ignore list or ban expired)",
        ),
        ("Jail 'sshd' started", SERVICE),
        ("Starting Fail2ban v1.0.2", SERVICE),
        ("[sshd] Added logfile: '/var/log/auth.log' (pos = 0, hash = 3c1b)", SERVICE),
        ("[sshd] Flush ticket(s) with iptables-multiport", SERVICE),
    ],
)
def test_skipped(message: str, reason: str) -> None:
    result = _parse([_line(message)])
    assert result.events.height == 0
    assert _reasons(result.skipped) == {reason: 1}


def test_rejected() -> None:
    result = _parse(
        [
            "# failJSON: { }",
            "2024-03-01 10:00:05 something else entirely",
            "2024-13-45 10:00:05,789 fail2ban.actions [1234]: NOTICE [sshd] Ban 203.0.113.5",
            _line("[sshd] Ban not-an-ip"),
        ]
    )
    assert _reasons(result.rejects) == {
        "not a fail2ban log line": 3,
        "ban: message not in the expected form": 1,
    }


def test_other_programs_in_a_syslog_file_are_skipped() -> None:
    line = "Mar  1 10:03:06 gw sshd[999]: Failed password for root from 203.0.113.11 port 4242"
    result = _parse([line])
    assert _reasons(result.skipped) == {"not a fail2ban message": 1}


def test_ipv6_addresses() -> None:
    row = _parse([_line("[sshd] Ban 2001:db8::7")]).events.to_dicts()[0]
    assert row["source.ip"] == "2001:db8::7"


def test_sniff() -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    assert Fail2ban().sniff(lines) >= 80
    assert parsers.detect(lines[:50]).name == "fail2ban"
    recidive_style = [
        "# failJSON: { }",
        "2006-02-13 15:52:30,388 fail2ban.actions: NOTICE [x] Ban 1.2.3.4",
    ]
    assert Fail2ban().sniff(recidive_style) >= 80
    auth_log = [
        "Mar  1 10:03:06 gw sshd[999]: Failed password for root from 203.0.113.11 port 4242 ssh2",
        "Mar  1 10:03:07 gw sshd[999]: Connection closed by 203.0.113.11 port 4242 [preauth]",
    ]
    assert Fail2ban().sniff(auth_log) == 0
    apache = ['192.0.2.1 - - [01/Mar/2024:10:00:00 +0000] "GET /admin HTTP/1.1" 404 12 "-" "x"']
    assert Fail2ban().sniff(apache) == 0
