"""Cowrie honeypot logs: the JSON log (``cowrie``) and the Twisted text log (``cowrie-log``)."""

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
from wuzhen.evidence.parsers.cowrie import (
    COMMAND_LIMIT,
    SKIP_BOOKKEEPING,
    SKIP_CONTINUATION,
    SKIP_OTHER,
    SKIP_OUTCOME,
    SKIP_SERVICE,
    CowrieJson,
    CowrieLog,
)

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "evidence"
JSON_SAMPLE = SAMPLES / "cowrie" / "cowrie.json"
TEXT_SAMPLE = SAMPLES / "cowrie-log" / "cowrie.log"
SHA = "a3f5c1d2e4b6a8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8"
SHA2 = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c"


def _parse(parser: Any, lines: list[str], ctx: Any = CTX) -> ParseResult:
    records = records_of(lines)
    result: ParseResult = parser.parse(records, parser.new_state(), ctx)
    assert_accounted(records, result)
    return result


def _by_record(result: ParseResult) -> dict[int, dict[str, Any]]:
    return {row["evidence.record"]: row for row in result.events.to_dicts()}


def _reasons(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame["reason"].value_counts().iter_rows())


def _event(**fields: Any) -> str:
    base: dict[str, Any] = {
        "session": "abcdef012345",
        "src_ip": "203.0.113.7",
        "src_port": 40000,
        "dst_ip": "192.0.2.10",
        "dst_port": 2222,
        "timestamp": "2024-03-01T10:00:00.000000Z",
        "sensor": "hp-1",
    }
    base.update(fields)
    return json.dumps(base)


# -- cowrie (JSON) -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def json_sample() -> tuple[pl.DataFrame, ParseResult]:
    lines = JSON_SAMPLE.read_text(encoding="utf-8").splitlines()
    return parse_lines(parsers.get("cowrie"), lines)


def test_json_sample_counts(json_sample: tuple[pl.DataFrame, ParseResult]) -> None:
    records, result = json_sample
    assert records.height == 27
    assert result.events.height == 14
    assert _reasons(result.skipped) == {SKIP_BOOKKEEPING: 8, SKIP_OUTCOME: 1, SKIP_OTHER: 1}
    assert _reasons(result.rejects) == {
        "evidence event without src_ip": 1,
        "not a cowrie event (no cowrie.* eventid)": 1,
        "not JSON": 1,
    }


def test_json_connect(json_sample: tuple[pl.DataFrame, ParseResult]) -> None:
    row = _by_record(json_sample[1])[1]
    assert row["time.source"] == datetime(2024, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert row["source.ip"] == "203.0.113.45"
    assert row["source.port"] == 51122
    assert row["destination.ip"] == "192.0.2.10"
    assert row["destination.port"] == 2222
    assert row["destination.fqdn"] == "hp-sensor-01"
    assert row["protocol.transport"] == "tcp"
    assert row["protocol.application"] == "ssh"
    assert row["classification.type"] == "scanner"
    assert row["classification.identifier"] == "cowrie.session.connect"
    assert json.loads(row["extra"]) == {"session": "a1b2c3d4e5f6"}


def test_json_logins_are_brute_force_without_credentials(
    json_sample: tuple[pl.DataFrame, ParseResult],
) -> None:
    rows = _by_record(json_sample[1])
    failed, success = rows[4], rows[5]
    assert (failed["classification.type"], failed["classification.identifier"]) == (
        "brute-force",
        "cowrie.login.failed",
    )
    assert (success["classification.type"], success["classification.identifier"]) == (
        "brute-force",
        "cowrie.login.success",
    )
    for row in (failed, success):
        shared = {k: v for k, v in row.items() if k != "raw"}
        text = json.dumps(shared, default=str)
        assert "123456" not in text
        assert "username" not in text
        assert "password" not in text
        assert "root/" not in text


def test_json_commands(json_sample: tuple[pl.DataFrame, ParseResult]) -> None:
    rows = _by_record(json_sample[1])
    assert rows[8]["classification.type"] == "system-compromise"
    assert rows[8]["classification.identifier"] == "cowrie.command.input"
    assert rows[8]["event_description.text"] == "uname -a"
    assert rows[18]["protocol.application"] == "telnet"
    assert rows[18]["event_description.text"] == "enable"


def test_json_long_command_is_bounded() -> None:
    command = "echo " + "A" * 2000
    result = _parse(CowrieJson(), [_event(eventid="cowrie.command.input", input=command)])
    text = result.events["event_description.text"][0]
    assert len(text) == COMMAND_LIMIT
    assert text.endswith("…")
    assert text.startswith("echo AAAA")


def test_json_downloads_and_uploads(json_sample: tuple[pl.DataFrame, ParseResult]) -> None:
    rows = _by_record(json_sample[1])
    download, failed, upload = rows[10], rows[12], rows[13]
    assert download["classification.type"] == "malware-distribution"
    assert download["classification.identifier"] == "cowrie.session.file_download"
    assert download["source.ip"] == "203.0.113.45"  # the attacker, not the URL's host
    assert download["source.url"] == "http://198.51.100.7/bins.sh"
    assert json.loads(download["extra"]) == {"session": "a1b2c3d4e5f6", "sha256": SHA}
    assert failed["classification.identifier"] == "cowrie.session.file_download.failed"
    assert failed["source.url"] == "http://malware.example.net/x86"
    assert upload["classification.identifier"] == "cowrie.session.file_upload"
    assert upload["classification.type"] == "malware-distribution"
    assert upload["source.url"] is None
    assert json.loads(upload["extra"])["sha256"] == SHA2


def test_json_port_forwarding(json_sample: tuple[pl.DataFrame, ParseResult]) -> None:
    rows = _by_record(json_sample[1])
    request, data = rows[21], rows[22]
    assert request["classification.type"] == "unauthorized-use-of-resources"
    assert request["classification.identifier"] == "cowrie.direct-tcpip.request"
    assert request["source.ip"] == "192.0.2.200"
    assert request["source.port"] is None  # the originator port the client claims
    assert (request["destination.ip"], request["destination.port"]) == ("198.51.100.99", 25)
    assert data["classification.identifier"] == "cowrie.direct-tcpip.data"
    assert data["destination.ip"] is None
    assert (data["destination.fqdn"], data["destination.port"]) == ("smtp.example.org", 25)
    assert "EHLO" not in json.dumps({k: v for k, v in data.items() if k != "raw"}, default=str)


@pytest.mark.parametrize(
    ("fields", "destination"),
    [
        ({"dst_ip": "8.8.8.8", "dst_port": 53}, ("8.8.8.8", None, 53)),
        ({"dst_ip": "dns.example.net", "dst_port": 53}, (None, "dns.example.net", 53)),
    ],
)
def test_json_forwarding_destination_is_the_target_not_the_sensor(
    fields: dict[str, Any], destination: tuple[str | None, str | None, int]
) -> None:
    """Regression: a forwarding request to 8.8.8.8:53 named the honeypot as destination.fqdn."""
    line = _event(eventid="cowrie.direct-tcpip.request", src_port=0, sensor="hp1", **fields)
    row = _parse(CowrieJson(), [line]).events.to_dicts()[0]
    got = (row["destination.ip"], row["destination.fqdn"], row["destination.port"])
    assert got == destination
    tunnel = _event(eventid="cowrie.tunnelproxy-tcpip.data", sensor="hp1", dst_ip=None)
    assert _parse(CowrieJson(), [tunnel]).events["destination.fqdn"].to_list() == [None]


def test_json_other_forwarding_events_are_evidence() -> None:
    result = _parse(
        CowrieJson(),
        [_event(eventid="cowrie.direct-tcpip.redirect", dst_ip="198.51.100.1", dst_port=80)],
    )
    row = result.events.to_dicts()[0]
    assert row["classification.type"] == "unauthorized-use-of-resources"
    assert row["classification.identifier"] == "cowrie.direct-tcpip.redirect"


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2018-05-07T00:08:26.713576Z", datetime(2018, 5, 7, 0, 8, 26, 713576, tzinfo=UTC)),
        ("2018-05-07T02:08:26.500000+0200", datetime(2018, 5, 7, 0, 8, 26, 500000, tzinfo=UTC)),
        ("2018-05-06T19:08:26.000000-05:00", datetime(2018, 5, 7, 0, 8, 26, tzinfo=UTC)),
    ],
)
def test_json_timestamps_become_utc(stamp: str, expected: datetime) -> None:
    result = _parse(CowrieJson(), [_event(eventid="cowrie.session.connect", timestamp=stamp)])
    assert result.events["time.source"][0] == expected


def test_json_unreadable_timestamp_is_rejected() -> None:
    result = _parse(CowrieJson(), [_event(eventid="cowrie.login.failed", timestamp="yesterday")])
    assert result.events.height == 0
    assert _reasons(result.rejects) == {"timestamp missing or not readable": 1}


def test_json_old_records_take_the_protocol_from_the_system_field() -> None:
    line = _event(
        eventid="cowrie.login.failed",
        system="SSHService 'ssh-userauth' on CowrieTelnetTransport,3,203.0.113.7",
    )
    row = _parse(CowrieJson(), [line]).events.to_dicts()[0]
    assert row["protocol.application"] == "telnet"


def test_json_non_objects_are_rejected() -> None:
    result = _parse(CowrieJson(), ["[1, 2]", "# failJSON: { }", '"text"'])
    assert _reasons(result.rejects) == {"JSON but not an object": 2, "not JSON": 1}


def test_json_sniff() -> None:
    lines = JSON_SAMPLE.read_text(encoding="utf-8").splitlines()
    assert CowrieJson().sniff(lines) >= 90
    commented = ["# Cowrie honeypot JSON log", "# failJSON: { }", *lines[:3]]
    assert CowrieJson().sniff(commented) >= 90
    eve = ['{"timestamp":"2024-01-01T00:00:00Z","event_type":"alert","src_ip":"192.0.2.1"}']
    assert CowrieJson().sniff(eve) == 0
    assert CowrieJson().sniff(TEXT_SAMPLE.read_text(encoding="utf-8").splitlines()) == 0
    assert parsers.detect(lines[:50]).name == "cowrie"


# -- cowrie-log (text) -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def text_sample() -> tuple[pl.DataFrame, ParseResult]:
    lines = TEXT_SAMPLE.read_text(encoding="utf-8").splitlines()
    return parse_lines(parsers.get("cowrie-log"), lines)


def test_text_sample_counts(text_sample: tuple[pl.DataFrame, ParseResult]) -> None:
    records, result = text_sample
    assert records.height == 33
    assert result.events.height == 15
    assert _reasons(result.skipped) == {
        "session bookkeeping": 10,
        SKIP_SERVICE: 2,
        SKIP_OUTCOME: 2,
        SKIP_CONTINUATION: 1,
    }
    assert _reasons(result.rejects) == {
        "not a cowrie log line": 1,
        "evidence message without a session address in its prefix": 1,
        "cowrie.session.connect: message not in the expected form": 1,
    }


def test_text_events_match_the_json_sample(
    text_sample: tuple[pl.DataFrame, ParseResult],
    json_sample: tuple[pl.DataFrame, ParseResult],
) -> None:
    """The text log of the same sessions yields the same kinds of evidence from the same
    addresses (plus the redirect save, which the JSON sample does not have)."""

    def kinds(result: ParseResult) -> list[tuple[str, str, str]]:
        return sorted(
            result.events.select(
                "source.ip", "classification.identifier", "classification.type"
            ).iter_rows()
        )

    text = kinds(text_sample[1])
    text.remove(("203.0.113.45", "cowrie.session.file_download", "malware-distribution"))
    assert text == kinds(json_sample[1])


def test_text_fields(text_sample: tuple[pl.DataFrame, ParseResult]) -> None:
    rows = _by_record(text_sample[1])
    connect = rows[2]
    assert connect["time.source"] == datetime(2024, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert (connect["source.ip"], connect["source.port"]) == ("203.0.113.45", 51122)
    assert (connect["destination.ip"], connect["destination.port"]) == ("192.0.2.10", 2222)
    assert connect["protocol.application"] == "ssh"
    assert json.loads(connect["extra"]) == {"session": "a1b2c3d4e5f6"}
    failed = rows[6]
    assert failed["source.ip"] == "203.0.113.45"
    assert failed["classification.identifier"] == "cowrie.login.failed"
    assert failed["event_description.text"] == "login attempt failed"
    assert "123456" not in json.dumps({k: v for k, v in failed.items() if k != "raw"}, default=str)
    assert rows[9]["classification.identifier"] == "cowrie.login.success"
    assert rows[13]["event_description.text"].startswith("cd /tmp; wget")
    download = rows[14]
    assert download["source.url"] == "http://198.51.100.7/bins.sh"
    assert json.loads(download["extra"]) == {"sha256": SHA}
    assert rows[16]["source.url"] == "http://malware.example.net/x86"
    assert json.loads(rows[17]["extra"]) == {"sha256": SHA2}  # redirect save
    assert rows[18]["classification.identifier"] == "cowrie.session.file_upload"
    telnet = rows[24]
    assert (telnet["source.ip"], telnet["protocol.application"]) == ("198.51.100.23", "telnet")
    request = rows[28]
    assert request["classification.type"] == "unauthorized-use-of-resources"
    assert (request["source.ip"], request["source.port"]) == ("192.0.2.200", None)
    assert (request["destination.ip"], request["destination.port"]) == ("198.51.100.99", 25)
    assert rows[29]["destination.fqdn"] == "smtp.example.org"


def test_text_time_without_zone_is_read_in_the_context_zone() -> None:
    line = (
        "2024-03-01 10:00:00 [cowrie.ssh.factory.CowrieSSHFactory] New connection: "
        "203.0.113.1:1000 (192.0.2.10:22) [session: s1]"
    )
    result = _parse(CowrieLog(), [line], replace(CTX, timezone="Asia/Shanghai"))
    assert result.events["time.source"][0] == datetime(2024, 3, 1, 2, 0, tzinfo=UTC)


def test_text_sniff() -> None:
    lines = TEXT_SAMPLE.read_text(encoding="utf-8").splitlines()
    assert CowrieLog().sniff(lines) >= 80
    assert parsers.detect([ln for ln in lines if ln.strip()][:50]).name == "cowrie-log"
    twisted = ["2024-03-01T10:00:00+0000 [-] Site starting on 8080"]
    assert CowrieLog().sniff(twisted) == 0  # another Twisted program
    assert CowrieLog().sniff(JSON_SAMPLE.read_text(encoding="utf-8").splitlines()) == 0
