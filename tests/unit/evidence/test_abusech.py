"""abuse.ch Feodo Tracker, URLhaus and ThreatFox: field mapping and document splitting."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.unit.evidence.conformance import CTX, assert_accounted, parse_lines, records_of
from wuzhen.evidence import parsers
from wuzhen.evidence.parsers._base import Parser, ParseResult
from wuzhen.evidence.parsers.abusech import (
    FeodoTrackerCsv,
    FeodoTrackerJson,
    ThreatFoxCsv,
    ThreatFoxJson,
    UrlhausCsv,
    UrlhausJson,
    UrlhausNdjson,
    split_keyed,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "evidence"


def _sample(parser: Parser, file: str) -> ParseResult:
    records, result = parse_lines(parser, (DATA / parser.name / file).read_text().splitlines())
    assert_accounted(records, result)
    return result


def _parse(parser: Parser, lines: list[str]) -> ParseResult:
    records = records_of(lines)
    result = parser.parse(records, parser.new_state(), CTX)
    assert_accounted(records, result)
    return result


def _parse_document(parser: Parser, doc: bytes) -> ParseResult:
    records = parser.split_document(doc)
    assert "__bad" not in records.columns or records["__bad"].null_count() == records.height
    records = records.drop("__bad", strict=False)
    result = parser.parse(records, parser.new_state(), CTX)
    assert_accounted(records, result)
    return result


def _rows(result: ParseResult) -> dict[int, dict[str, Any]]:
    return {r["evidence.record"]: r for r in result.events.to_dicts()}


def _reasons(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame["reason"].value_counts().iter_rows())


# -- Feodo Tracker ---------------------------------------------------------------------------


def test_feodo_csv() -> None:
    result = _sample(FeodoTrackerCsv(), "ipblocklist.csv")
    rows = _rows(result)
    assert rows[10]["source.ip"] == "192.0.2.73"
    assert rows[10]["source.port"] == 1194
    assert rows[10]["time.source"] == datetime(2026, 10, 23, 17, 51, 44, tzinfo=UTC)
    assert rows[10]["malware.name"] == "pikabot"
    assert rows[10]["extra"] == '{"status":"online","last_online":"2026-11-28"}'
    assert (rows[10]["classification.type"], rows[10]["classification.identifier"]) == (
        "c2-server",
        "feodotracker",
    )
    assert (rows[10]["feed.name"], rows[10]["feed.provider"]) == ("Feodo Tracker", "abuse.ch")
    assert _reasons(result.skipped) == {"comment line": 9, "column header": 1}
    assert _reasons(result.rejects) == {"C2 address is not an IP address": 1}


def test_feodo_csv_older_layout_and_bad_time() -> None:
    old = _rows(_sample(FeodoTrackerCsv(), "ipblocklist_2021.csv"))
    assert old[6]["source.ip"] == "192.0.2.41"
    assert old[6]["extra"] == '{"last_online":"2021-04-06"}'  # no c2_status column then
    assert old[7]["malware.name"] == "trickbot"
    aggressive = _sample(FeodoTrackerCsv(), "ipblocklist_aggressive.csv")
    assert _reasons(aggressive.rejects) == {"first_seen is not a readable time": 1}


def test_feodo_json() -> None:
    result = _sample(FeodoTrackerJson(), "ipblocklist.json")
    rows = _rows(result)
    assert rows[1]["source.asn"] == 64496
    assert rows[1]["source.as_name"] == "EXAMPLE-OVH"
    assert rows[1]["source.geolocation.cc"] == "FR"
    assert rows[1]["extra"] == (
        '{"status":"online","last_online":"2026-11-28","hostname":"srv-web.example.com"}'
    )
    # no first_seen: the day it was last online
    assert rows[2]["time.source"] == datetime(2026, 11, 15, tzinfo=UTC)
    assert rows[3]["source.ip"] == "2001:db8::5"
    assert rows[3]["source.asn"] is None
    assert _reasons(result.rejects) == {
        "C2 address is not an IP address": 1,
        "JSON but not an object": 1,
    }


def test_feodo_json_document_that_is_no_array() -> None:
    records = FeodoTrackerJson().split_document(b'{"ip_address": "192.0.2.1"}')
    assert records.select("evidence.record", "__bad").rows() == [
        (1, "document is not a JSON array")
    ]


# -- URLhaus ---------------------------------------------------------------------------------


def test_urlhaus_csv() -> None:
    result = _sample(UrlhausCsv(), "csv_recent.csv")
    rows = _rows(result)
    ip_host = rows[10]
    assert ip_host["source.url"] == "http://198.51.100.160:41619/Mozi.m"
    assert (ip_host["source.ip"], ip_host["source.fqdn"], ip_host["source.port"]) == (
        "198.51.100.160",
        None,
        41619,
    )
    assert ip_host["evidence.ref"] == "3786904"
    assert ip_host["time.source"] == datetime(2026, 11, 28, 11, 34, 9, tzinfo=UTC)
    assert ip_host["classification.type"] == "malware-distribution"
    assert ip_host["classification.identifier"] == "urlhaus:malware_download"
    assert ip_host["extra"] == (
        '{"url_status":"online","last_online":"2026-11-28 11:34:09",'
        '"threat":"malware_download","tags":["elf","Mozi"],"reporter":"lrz_urlhaus"}'
    )
    assert (rows[11]["source.fqdn"], rows[11]["source.ip"]) == ("files.example.com", None)
    assert rows[12]["source.ip"] == "2001:db8::7"  # a bracketed IPv6 literal
    assert _reasons(result.rejects) == {
        "url is not a URL with a host": 1,
        "not a URLhaus CSV row": 1,
    }


def test_urlhaus_csv_without_last_online() -> None:
    rows = _rows(_sample(UrlhausCsv(), "csv_2020.csv"))
    assert rows[6]["evidence.ref"] == "312345"
    assert rows[6]["extra"] == (
        '{"url_status":"offline","threat":"malware_download","tags":["elf","mirai"],'
        '"reporter":"zbetcheckin"}'
    )
    assert (rows[7]["source.fqdn"], rows[7]["source.port"]) == ("dl.example.net", 8080)


def test_csv_quotes_inside_fields() -> None:
    line = (
        '"1","2026-11-28 10:00:00","http://a.example.com/x?q=""1"",2","online","",'
        '"malware_download","","https://urlhaus.abuse.ch/url/1/","r"'
    )
    rows = _rows(_parse(UrlhausCsv(), [line]))
    assert rows[1]["source.url"] == 'http://a.example.com/x?q="1",2'


def test_urlhaus_json_forms_agree() -> None:
    """The JSON dump (keyed by id) and the JSON lines give the same events."""
    keyed = _sample(UrlhausJson(), "urlhaus_recent.json")
    lines = _sample(UrlhausNdjson(), "urlhaus.ndjson")
    columns = ["source.url", "source.ip", "source.fqdn", "evidence.ref", "time.source", "extra"]
    assert keyed.events.select(columns).rows() == lines.events.select(columns).rows()
    assert _reasons(lines.rejects) == {
        "not a URLhaus record (no url)": 1,
        "url is not a URL with a host": 1,
    }


def test_sniffing_tells_the_urlhaus_forms_apart() -> None:
    ndjson = (DATA / "urlhaus-ndjson" / "urlhaus.ndjson").read_text().splitlines()
    keyed = (DATA / "urlhaus-json" / "urlhaus_recent.json").read_text().splitlines()
    compact = [json.dumps(json.loads("\n".join(keyed)))]
    assert (UrlhausNdjson().sniff(ndjson), UrlhausJson().sniff(ndjson)) == (90, 0)
    assert (UrlhausNdjson().sniff(keyed), UrlhausJson().sniff(keyed)) == (0, 90)
    assert (UrlhausNdjson().sniff(compact), UrlhausJson().sniff(compact)) == (0, 90)
    assert UrlhausCsv().sniff(ndjson) == 0


def test_urlhaus_api_response() -> None:
    """The API's answer (urls/recent, host lookups): each entry of ``urls`` is a record, read
    like the dump's, with the API's ``date_added`` and ``urlhaus_reference``."""
    result = _sample(UrlhausJson(), "api_urls_recent.json")
    rows = _rows(result)
    assert (rows[1]["source.url"], rows[1]["source.ip"], rows[1]["source.port"]) == (
        "http://198.51.100.160:41619/Mozi.m",
        "198.51.100.160",
        41619,
    )
    assert rows[1]["evidence.ref"] == "3786904"
    assert rows[1]["time.source"] == datetime(2026, 11, 28, 11, 34, 9, tzinfo=UTC)
    assert rows[1]["classification.identifier"] == "urlhaus:malware_download"
    assert rows[1]["extra"] == (
        '{"url_status":"online","threat":"malware_download","tags":["elf","Mozi"],'
        '"reporter":"lrz_urlhaus"}'
    )
    assert (rows[2]["source.fqdn"], rows[2]["source.ip"]) == ("files.example.com", None)
    assert _reasons(result.rejects) == {"url is not a URL with a host": 1}


def test_urlhaus_api_lookup_and_empty_answer() -> None:
    one = (
        b'{"query_status": "ok", "id": "7", "urlhaus_reference": "https://urlhaus.abuse.ch/url/7/",'
        b' "url": "http://192.0.2.5/a.sh", "date_added": "2026-11-28 10:00:00 UTC",'
        b' "payloads": [{"filename": "a.sh"}]}'
    )
    empty = b'{"query_status": "no_results"}'
    for doc, events, skipped in ((one, 1, {}), (empty, 0, {"API response without URLs": 1})):
        result = _parse_document(UrlhausJson(), doc)
        assert result.events.height == events
        assert _reasons(result.skipped) == skipped
    assert _rows(_parse_document(UrlhausJson(), one))[1]["evidence.ref"] == "7"


def test_the_plain_text_url_list_is_a_blocklist_not_urlhaus_csv() -> None:
    """Regression (tester's defect 1): abuse.ch's plain-text URL list (its banner, then one
    URL a line) was taken for urlhaus-csv and every URL rejected."""
    text = (DATA / "blocklist" / "urlhaus_plain_text.txt").read_text().splitlines()
    assert UrlhausCsv().sniff(text) == 0
    assert parsers.detect(text).name == "blocklist"
    csv = (DATA / "urlhaus-csv" / "csv_recent.csv").read_text().splitlines()
    assert UrlhausCsv().sniff(csv) == 95
    rows_only = [line for line in csv if not line.startswith("#")]  # quoted rows, no banner
    assert UrlhausCsv().sniff(rows_only) == 80


def test_the_urlhaus_api_is_detected() -> None:
    api = (DATA / "urlhaus-json" / "api_urls_recent.json").read_text().splitlines()
    assert parsers.detect(api).name == "urlhaus-json"
    assert parsers.detect([json.dumps(json.loads("\n".join(api)))]).name == "urlhaus-json"


# -- ThreatFox -------------------------------------------------------------------------------


def test_threatfox_csv() -> None:
    result = _sample(ThreatFoxCsv(), "recent.csv")
    rows = _rows(result)
    domain = rows[10]
    assert domain["source.fqdn"] == "mbond38982.example.dev"
    assert domain["evidence.ref"] == "1891291"
    assert domain["classification.type"] == "c2-server"
    assert domain["classification.identifier"] == "threatfox:botnet_cc"
    assert domain["malware.name"] == "php.shin_webshell"
    assert domain["extra"] == (
        '{"ioc_type":"domain","malpedia":"php.shin_webshell","confidence_level":50,'
        '"is_compromised":true,"reporter":"xscon"}'
    )
    url = rows[12]
    assert (url["source.url"], url["source.fqdn"]) == (
        "https://wps-fake.example.cn/setup.exe",
        "wps-fake.example.cn",
    )
    assert url["classification.type"] == "malware-distribution"
    ip_port = rows[13]
    assert (ip_port["source.ip"], ip_port["source.port"]) == ("192.0.2.4", 8080)
    assert ip_port["malware.name"] == "cobalt strike"
    assert '"malware_alias":["Agentemis","BEACON","CobaltStrike","cobeacon"]' in ip_port["extra"]
    assert '"tags":["CobaltStrike","cs-watermark-987654321"]' in ip_port["extra"]
    assert '"last_seen":"2026-11-28 02:00:00"' in ip_port["extra"]
    assert (rows[14]["source.ip"], rows[14]["source.port"]) == ("2001:db8::8", 443)
    assert rows[14]["malware.name"] is None  # "Unknown malware"
    assert rows[17]["classification.type"] == "undetermined"  # cc_skimming
    assert _reasons(result.skipped) == {
        "comment line": 9,
        "file hash indicator (no network observable)": 2,
    }
    assert _reasons(result.rejects) == {
        "ioc_value is not a value of its ioc_type": 1,
        "not a ThreatFox CSV row": 1,
    }


def test_threatfox_csv_without_is_compromised() -> None:
    rows = _rows(_sample(ThreatFoxCsv(), "full_2024.csv"))
    assert rows[7]["malware.name"] == "loki password stealer (pws)"
    assert rows[7]["source.fqdn"] == "rocheholding.example.top"
    assert '"reference":"https://bazaar.abuse.ch/sample/d5a6b19e/"' in rows[7]["extra"]
    assert "is_compromised" not in rows[7]["extra"]
    assert (rows[8]["source.ip"], rows[8]["source.port"]) == ("198.51.100.90", 7777)


def test_threatfox_export_and_csv_agree() -> None:
    csv = _sample(ThreatFoxCsv(), "recent.csv")
    export = _sample(ThreatFoxJson(), "recent.json")
    columns = ["evidence.ref", "source.ip", "source.port", "source.fqdn", "malware.name"]
    both = export.events.select(columns).join(csv.events.select(columns), on="evidence.ref")
    assert both.height == export.events.height == 3
    for name in columns[1:]:
        assert both[name].equals(both[f"{name}_right"]), name


def test_threatfox_api_response() -> None:
    result = _sample(ThreatFoxJson(), "api_response.json")
    rows = _rows(result)
    assert (rows[1]["source.ip"], rows[1]["source.port"]) == ("2001:db8:1::5", 40669)
    assert rows[1]["evidence.ref"] == "841508"
    assert rows[1]["time.source"] == datetime(2026, 11, 28, 11, 40, 15, tzinfo=UTC)
    assert '"tags":["RedLineStealer"]' in rows[1]["extra"]
    assert rows[2]["source.fqdn"] == "malaikahlowry33.example.top"
    assert _reasons(result.skipped) == {"file hash indicator (no network observable)": 1}


def test_threatfox_api_response_without_iocs() -> None:
    doc = b'{"query_status": "no_result", "data": "Your search did not yield any results"}'
    records = ThreatFoxJson().split_document(doc)
    assert records.height == 1
    result = ThreatFoxJson().parse(records.drop("__bad"), None, CTX)
    assert _reasons(result.skipped) == {"API response without IOCs": 1}


@pytest.mark.parametrize(
    "doc",
    [
        '{"query_status":"no_result","data":"Your search did not yield any results"}',
        '{\n  "query_status": "no_result",\n  "data": "Your search did not yield any results"\n}',
    ],
)
def test_threatfox_api_response_without_iocs_is_detected(doc: str) -> None:
    """Regression (tester's defect 2): the valid empty answer was not recognised, which
    stopped the whole ingest."""
    assert parsers.detect(doc.splitlines()).name == "threatfox-json"


@pytest.mark.parametrize(
    "doc",
    [
        "[]",  # empty Feodo Tracker JSON, or any other JSON array format: no sound rule
        '{"query_status": "no_results"}',  # URLhaus' empty answer (and others'): no list key
        '{"query_status": "ok", "data": []}',  # no field of any one feed
    ],
)
def test_ambiguous_empty_answers_stay_unrecognised(doc: str) -> None:
    assert parsers.best([doc]) is None


def test_keyed_split_adds_the_key_in_document_order() -> None:
    doc = b'{"9": [{"a": 1}], "10": [{"a": 2}, {"a": 3}], "11": [], "12": "odd"}'
    records = split_keyed(doc, "ioc_id")
    assert records.select("evidence.record", "line").rows() == [
        (1, '{"ioc_id":"9","a":1}'),
        (2, '{"ioc_id":"10","a":2}'),
        (3, '{"ioc_id":"10","a":3}'),
        (4, '"odd"'),  # not a list of objects: rejected by the parser
    ]


@pytest.mark.parametrize("doc", [b"[1, 2]", b"not json", b"", b'"text"'])
def test_keyed_split_of_something_else(doc: bytes) -> None:
    records = split_keyed(doc, "id")
    assert records.select("evidence.record", "__bad").rows() == [
        (1, "document is not a JSON object")
    ]
