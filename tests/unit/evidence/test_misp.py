"""MISP events, event lists, attribute searches and feeds (``misp``): the mapping in detail."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.evidence.conformance import CTX, assert_accounted
from wuzhen.evidence import parsers
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.evidence.parsers._base import LINE, RECORD, ParseResult
from wuzhen.evidence.parsers.misp import (
    MAX_BAD_DOCUMENT,
    SKIP_DELETED,
    SKIP_HASH,
    SKIP_MANIFEST,
    Misp,
)
from wuzhen.node import Node
from wuzhen.schema.tlp import TLP

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "evidence" / "misp"
FEED = SAMPLES / "feed"
PARSER = Misp()


def _split(data: bytes) -> tuple[pl.DataFrame, ParseResult]:
    """Split a document and parse its readable records (unreadable ones are returned too)."""
    records = PARSER.split_document(data)
    readable = records.filter(pl.col("__bad").is_null()).drop("__bad")
    result = PARSER.parse(readable, PARSER.new_state(), CTX)
    assert_accounted(readable, result)
    return records, result


def _rows(result: ParseResult) -> dict[int, dict[str, Any]]:
    return {r[RECORD]: r for r in result.events.to_dicts()}


def _reasons(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame["reason"].value_counts().iter_rows())


def _event(
    attributes: list[dict[str, Any]],
    tags: list[str] | None = None,
    objects: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "uuid": "11111111-2222-4333-8444-555555555555",
        "id": "7",
        "info": "test event",
        "date": "2026-01-02",
        "Orgc": {"name": "ORG"},
        "Tag": [{"name": t} for t in tags or []],
        "Attribute": attributes,
        **fields,
    }
    if objects is not None:
        event["Object"] = objects
    return event


def _attr(
    kind: str, value: str, category: str = "Network activity", **fields: Any
) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_OID, f"{kind} {value}")),
        "type": kind,
        "category": category,
        "value": value,
        "to_ids": True,
        "timestamp": "1767312000",
        **fields,
    }


def _parse_event(event: dict[str, Any]) -> ParseResult:
    return _split(json.dumps({"Event": event}).encode())[1]


def _only(result: ParseResult) -> dict[str, Any]:
    assert result.events.height == 1, (result.skipped, result.rejects)
    row: dict[str, Any] = result.events.to_dicts()[0]
    return row


# -- splitting ----------------------------------------------------------------------------------


def _one_event(attributes: int) -> dict[str, Any]:
    return _event([_attr("ip-src", f"198.51.100.{i}") for i in range(attributes)])


@pytest.mark.parametrize(
    ("document", "records"),
    [
        ({"Event": _one_event(2)}, 2),
        (_one_event(3), 3),
        ([{"Event": _one_event(2)}, _one_event(1)], 3),
        ({"response": [{"Event": _one_event(2)}, {"Event": _one_event(2)}]}, 4),
        (_attr("url", "http://a.example/x"), 1),
        ({"response": {"Attribute": [_attr("ip-src", "198.51.100.1")] * 3}}, 3),
        ([], 0),
    ],
    ids=["event", "bare-event", "event-list", "rest-search", "attribute", "attribute-search", "[]"],
)
def test_every_layout_splits_into_one_record_per_attribute(document: Any, records: int) -> None:
    split, result = _split(json.dumps(document).encode())
    assert split.height == records
    assert split["__bad"].null_count() == records
    assert split[RECORD].to_list() == list(range(1, records + 1))
    assert result.events.height == records


def test_attributes_of_objects_follow_the_events_own_in_document_order() -> None:
    objects = [
        {"name": "domain-ip", "uuid": "o1", "Attribute": [_attr("domain", "b.example.com")]},
        {"name": "url", "uuid": "o2", "Attribute": [_attr("url", "http://c.example.com/")]},
    ]
    event = _event([_attr("ip-src", "198.51.100.1")], objects=objects)
    event["Galaxy"] = [{"name": "big", "GalaxyCluster": [{"description": "x" * 1000}]}]
    event["RelatedEvent"] = [{"Event": {"id": "9"}}]
    split, result = _split(json.dumps({"Event": event}).encode())
    lines = [json.loads(t) for t in split[LINE]]
    assert [ln["Attribute"]["value"] for ln in lines] == [
        "198.51.100.1",
        "b.example.com",
        "http://c.example.com/",
    ]
    # The record is the attribute with its event and object, without the rest of the event.
    assert "Object" not in lines[0]
    assert lines[1]["Object"] == {"name": "domain-ip", "uuid": "o1"}
    assert set(lines[0]["Event"]) == {"uuid", "id", "info", "date", "Orgc", "Tag"}
    assert _rows(result)[2]["extra"] == (
        '{"event_uuid":"11111111-2222-4333-8444-555555555555","event_id":"7",'
        '"object":"domain-ip","category":"Network activity","attribute_type":"domain",'
        '"to_ids":true}'
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("this is not JSON", "document is not JSON"),
        ('{"type": "bundle", "objects": []}', "not a MISP event, event list"),
        ('"a string"', "not a MISP event, event list"),
        ("{}", "not a MISP event, event list"),
    ],
)
def test_documents_that_are_not_misp_are_one_rejected_record(text: str, reason: str) -> None:
    split = PARSER.split_document(text.encode())
    assert split.height == 1
    assert split[LINE].to_list() == [text]
    assert reason in split["__bad"][0]


def test_a_huge_unreadable_document_is_kept_cut() -> None:
    split = PARSER.split_document(b"x" * (MAX_BAD_DOCUMENT + 10))
    assert split[LINE].str.len_chars().to_list() == [MAX_BAD_DOCUMENT]
    assert split["__bad"][0].endswith("(kept cut to 1 MiB)")


def test_list_elements_that_are_not_events_are_rejected_records() -> None:
    split, result = _split(json.dumps([{"Event": _one_event(1)}, 5, None, {"a": 1}]).encode())
    assert split["__bad"].to_list() == [None] + ["list element is not a MISP event"] * 3
    assert split[LINE].to_list()[1:] == ["5", "null", '{"a":1}']
    assert result.events.height == 1


# -- what is evidence ---------------------------------------------------------------------------


def test_the_event_sample_field_by_field() -> None:
    split, result = _split((SAMPLES / "event.json").read_bytes())
    assert split.height == 15
    rows = _rows(result)
    assert sorted(rows) == [1, 2, 3, 4, 5, 6, 7, 13, 14]
    assert _reasons(result.skipped) == {
        SKIP_DELETED: 2,
        "MISP attribute type sha256 (not a network observable)": 1,
        "MISP attribute category External analysis (not evidence of an abusive host)": 1,
    }
    assert dict(zip(result.rejects[RECORD], result.rejects["reason"], strict=True)) == {
        11: "MISP url attribute: malformed value",
        12: "MISP ip-src|port attribute: malformed value",
    }
    common = {
        "malware.name": "emotet",
        "classification.identifier": "emotet",
        "event_description.text": "Emotet epoch 5 loader infrastructure",
        "feed.provider": "CERT-EXAMPLE",
    }
    expected = {
        1: {
            "source.url": "http://update.example.net/wp-content/x/loader.bin",
            "classification.type": "malware-distribution",
            "tlp": "AMBER",
            "time.source": datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
            "evidence.ref": "6a1f3c2e-5b4d-4e8a-9c01-100000000001",
        },
        2: {
            "source.ip": "198.51.100.23",
            "source.port": 8080,
            "classification.type": "c2-server",
            "tlp": "RED",
            "time.source": datetime(2026, 3, 1, 22, 15, 7, 250000, tzinfo=UTC),
        },
        3: {"source.ip": "203.0.113.7", "classification.type": "spam", "tlp": "AMBER"},
        4: {"source.fqdn": "update.example.net", "source.ip": None},
        5: {"source.fqdn": "cdn.example.org", "source.port": 443},
        6: {"source.network": "192.0.2.0/24", "source.ip": None},
        7: {"source.asn": 64511},
        13: {"source.fqdn": "c2.example.com", "classification.type": "malware-distribution"},
        14: {"source.ip": "198.51.100.24", "tlp": "AMBER"},
    }
    for record, fields in expected.items():
        want = {**common, **fields}
        assert {k: rows[record][k] for k in want} == want, record
    assert json.loads(rows[3]["extra"]) == {
        "event_uuid": "6a1f3c2e-5b4d-4e8a-9c01-000000000001",
        "event_id": "1207",
        "category": "Network activity",
        "attribute_type": "ip-src",
        "to_ids": False,
        "comment": "Sends the malspam",
    }
    assert json.loads(rows[2]["extra"])["last_seen"] == "2026-03-02T06:00:00.000000+00:00"
    assert (result.events["raw"] == split.filter(pl.col(RECORD).is_in(list(rows)))[LINE]).all()


def test_the_event_list_sample() -> None:
    split, result = _split((SAMPLES / "events_list.json").read_bytes())
    assert split["__bad"].to_list() == [None] * 7 + ["list element is not a MISP event"]
    rows = _rows(result)
    assert {r: (v["source.ip"], v["source.port"], v["source.fqdn"]) for r, v in rows.items()} == {
        1: ("198.51.100.40", None, None),
        2: ("2001:db8::40", 443, None),
        3: ("198.51.100.41", None, "qbot-c2.example.org"),
        5: (None, None, None),
        6: (None, None, "login-example.example.net"),
    }
    # ecsirt c&c on the event; QakBot from the event's "Payload type" attribute.
    for r in (1, 2, 3):
        assert rows[r]["classification.type"] == "c2-server"
        assert rows[r]["malware.name"] == "qakbot"
        assert rows[r]["tlp"] == "CLEAR"
    assert rows[1]["time.source"] == datetime(2026, 2, 26, 8, 0, tzinfo=UTC)
    assert (rows[5]["classification.type"], rows[5]["tlp"]) == ("phishing", "GREEN")
    assert rows[5]["source.url"] == "https://login-example.example.net/secure/"
    assert (rows[6]["classification.type"], rows[6]["malware.name"]) == ("blacklist", None)
    assert rows[6]["classification.identifier"] == "hostname"
    assert _reasons(result.skipped) == {
        "MISP attribute type text (not a network observable)": 1,
        "MISP attribute type email-src (not a network observable)": 1,
    }


def test_the_attribute_search_sample() -> None:
    _, result = _split((SAMPLES / "attribute_search.json").read_bytes())
    rows = _rows(result)
    assert rows[1]["source.ip"] == "203.0.113.50"
    assert rows[1]["classification.type"] == "brute-force"
    assert rows[1]["tlp"] == "CLEAR"
    assert rows[1]["event_description.text"] == "SSH scanners reported by members"
    assert rows[1]["feed.provider"] is None  # the search result names no creator organisation
    assert rows[2]["source.ip"] == "not-an-address"  # the pipeline rejects it (not an address)


@pytest.mark.parametrize(
    ("kind", "value", "fields"),
    [
        ("ip-src", "198.51.100.7", {"source.ip": "198.51.100.7"}),
        ("ip-dst", " 2001:db8::1 ", {"source.ip": "2001:db8::1"}),
        ("ip-dst", "198.51.100.0/25", {"source.network": "198.51.100.0/25", "source.ip": None}),
        ("ip-src|port", "198.51.100.7|22", {"source.ip": "198.51.100.7", "source.port": 22}),
        ("ip-dst|port", "2001:db8::1|443", {"source.ip": "2001:db8::1", "source.port": 443}),
        ("domain", "Bad.Example.COM.", {"source.fqdn": "bad.example.com"}),
        ("hostname", "a.b.example.org", {"source.fqdn": "a.b.example.org"}),
        (
            "hostname|port",
            "a.example.org|8443",
            {"source.fqdn": "a.example.org", "source.port": 8443},
        ),
        (
            "domain|ip",
            "a.example.org|198.51.100.9",
            {"source.fqdn": "a.example.org", "source.ip": "198.51.100.9"},
        ),
        ("url", "hxxp://a.example.org/x", {"source.url": "hxxp://a.example.org/x"}),
        ("AS", "AS64500", {"source.asn": 64500}),
        ("AS", "64501", {"source.asn": 64501}),
    ],
)
def test_observables_by_type(kind: str, value: str, fields: dict[str, Any]) -> None:
    row = _only(_parse_event(_event([_attr(kind, value)])))
    assert {k: row[k] for k in fields} == fields
    assert row["classification.identifier"] == kind


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("url", "www.example.com/path"),
        ("url", "loader.exe"),
        ("url", "http://"),
        ("ip-dst|port", "198.51.100.7"),
        ("ip-dst|port", "198.51.100.7|http"),
        ("hostname|port", "a.example.org|"),
        ("domain", "not a host"),
        ("domain", "localhost"),
        ("domain|ip", "a.example.org"),
        ("AS", "Example Networks"),
        ("ip-src", " "),
    ],
)
def test_values_not_in_their_types_form_are_rejected(kind: str, value: str) -> None:
    result = _parse_event(_event([_attr(kind, value)]))
    assert result.events.height == 0
    assert _reasons(result.rejects) == {f"MISP {kind} attribute: malformed value": 1}


def test_attributes_without_type_or_value_are_rejected() -> None:
    attrs = [{"uuid": "x", "type": "ip-src"}, {"value": "198.51.100.1"}, "not an object"]
    result = _parse_event(_event(attrs))  # type: ignore[list-item]
    assert _reasons(result.rejects) == {"not a MISP attribute (no type or value)": 3}


def test_deleted_attributes_and_objects_and_other_types_are_skipped() -> None:
    objects = [
        {"name": "domain-ip", "deleted": True, "Attribute": [_attr("domain", "a.example.com")]},
        {"name": "file", "Attribute": [_attr("md5", "d41d8cd98f00b204e9800998ecf8427e")]},
    ]
    attrs = [
        _attr("ip-src", "198.51.100.1", deleted=True),
        _attr("ip-src", "198.51.100.2", deleted="1"),
        _attr("email-src", "x@example.com", category="Payload delivery"),
        _attr("url", "https://vt.example/report", category="External analysis"),
        _attr("ip-dst", "198.51.100.3", category="Attribution"),
    ]
    result = _parse_event(_event(attrs, objects=objects))
    assert result.events.height == 0
    assert _reasons(result.skipped) == {
        SKIP_DELETED: 3,
        "MISP attribute type email-src (not a network observable)": 1,
        "MISP attribute type md5 (not a network observable)": 1,
        "MISP attribute category External analysis (not evidence of an abusive host)": 1,
        "MISP attribute category Attribution (not evidence of an abusive host)": 1,
    }


def test_to_ids_false_is_still_evidence_and_says_so() -> None:
    row = _only(_parse_event(_event([_attr("domain", "a.example.com", to_ids=False)])))
    assert json.loads(row["extra"])["to_ids"] is False


# -- markings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_tags", "attribute_tags", "tlp"),
    [
        ([], [], None),  # no marking: the pipeline applies the feed's default
        (["tlp:white"], [], "CLEAR"),
        (["tlp:clear"], [], "CLEAR"),
        (["TLP:GREEN"], [], "GREEN"),
        (["tlp:amber+strict"], [], "AMBER+STRICT"),
        (["tlp:amber"], ["tlp:red"], "RED"),  # more restrictive: the attribute's own
        (["tlp:amber"], ["tlp:green"], "AMBER"),  # less restrictive: the event's ceiling holds
        (["tlp:green", "tlp:amber"], [], "AMBER"),  # several: the most restrictive
        ([], ["tlp:green"], "GREEN"),
        (["tlp:ex:chr"], [], None),  # not a marking
    ],
)
def test_tlp_is_the_most_restrictive_marking(
    event_tags: list[str], attribute_tags: list[str], tlp: str | None
) -> None:
    attr = _attr("ip-src", "198.51.100.1", Tag=[{"name": t} for t in attribute_tags])
    assert _only(_parse_event(_event([attr], tags=event_tags)))["tlp"] == tlp


# -- classification -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_tags", "attribute_tags", "kind", "category", "expected"),
    [
        ([], [], "ip-dst", "Network activity", "c2-server"),
        ([], [], "ip-dst|port", "Network activity", "c2-server"),
        ([], [], "ip-src", "Network activity", "blacklist"),
        ([], [], "domain", "Network activity", "blacklist"),
        ([], [], "url", "Payload delivery", "malware-distribution"),
        ([], [], "ip-dst", "Payload installation", "blacklist"),
        (['rsit:fraud="phishing"'], [], "url", "Payload delivery", "phishing"),
        (['ecsirt:malicious-code="c&c"'], [], "domain", "Network activity", "c2-server"),
        (
            ['ecsirt:malicious-code="botnet-drone"'],
            [],
            "ip-src",
            "Network activity",
            "infected-system",
        ),
        (
            ['ecsirt:vulnerable="vulnerable-service"'],
            [],
            "ip-src",
            "Network activity",
            "vulnerable-system",
        ),
        (['ecsirt:intrusions="backdoor"'], [], "ip-src", "Network activity", "system-compromise"),
        # A kind of malware says nothing of the host's role: the category decides.
        (
            ['ecsirt:malicious-code="ransomware"'],
            [],
            "url",
            "Payload delivery",
            "malware-distribution",
        ),
        # The attribute's tag before the event's; rsit before ecsirt; then tag order.
        (['rsit:fraud="phishing"'], ['ecsirt:abusive-content="spam"'], "ip-src", None, "spam"),
        (
            ['ecsirt:abusive-content="spam"', 'rsit:fraud="phishing"'],
            [],
            "ip-src",
            None,
            "phishing",
        ),
        (
            ['rsit:information-gathering="scanner"', 'rsit:fraud="phishing"'],
            [],
            "ip-src",
            None,
            "scanner",
        ),
        (['rsit:availability="misconfiguration"'], [], "ip-dst", "Network activity", "c2-server"),
    ],
)
def test_classification_from_tags_else_category(
    event_tags: list[str],
    attribute_tags: list[str],
    kind: str,
    category: str | None,
    expected: str,
) -> None:
    values = {
        "ip-dst|port": "198.51.100.1|80",
        "domain": "a.example.com",
        "url": "http://a.example/",
    }
    attr = _attr(kind, values.get(kind, "198.51.100.1"))
    attr["category"] = category
    attr["Tag"] = [{"name": t} for t in attribute_tags]
    row = _only(_parse_event(_event([attr], tags=event_tags)))
    assert row["classification.type"] == expected


@pytest.mark.parametrize(
    ("event_tags", "attribute_tags", "payload_type", "malware"),
    [
        (
            ['misp-galaxy:malpedia="SamSam"', 'misp-galaxy:ransomware="Samas-Samsam"'],
            [],
            None,
            "samsam",
        ),
        (['misp-galaxy:rat="FALLCHILL"'], [], None, "fallchill"),
        (['misp-galaxy:mitre-malware="A"', 'misp-galaxy:mitre-malware="B"'], [], None, None),
        (['misp-galaxy:mitre-malware="A"'], ['misp-galaxy:botnet="Mirai"'], None, "mirai"),
        (['misp-galaxy:threat-actor="Sofacy"', 'misp-galaxy:tool="X-Agent"'], [], None, None),
        (['malware_classification:malware-category="Ransomware"'], [], None, None),
        ([], [], "Locky", "locky"),
        (['misp-galaxy:malpedia="Emotet"'], [], "Locky", "emotet"),
        ([], [], "Key: 85350044dF4AC3518D185678A9414A7F,\r\nrounds: 8", None),
    ],
)
def test_malware_name_from_one_family(
    event_tags: list[str], attribute_tags: list[str], payload_type: str | None, malware: str | None
) -> None:
    attrs = [_attr("ip-dst", "198.51.100.1", Tag=[{"name": t} for t in attribute_tags])]
    if payload_type is not None:
        attrs.append(_attr("text", payload_type, category="Payload type"))
    result = _parse_event(_event(attrs, tags=event_tags))
    row = _rows(result)[1]
    assert row["malware.name"] == malware
    assert row["classification.identifier"] == (malware or "ip-dst")


def test_time_source_prefers_first_seen_then_timestamp_then_event_date() -> None:
    attrs = [
        _attr("ip-src", "198.51.100.1", first_seen="2026-01-01T10:00:00.123456+02:00"),
        _attr("ip-src", "198.51.100.2", timestamp="1767312000"),
        _attr("ip-src", "198.51.100.3", timestamp=None),
    ]
    rows = _rows(_parse_event(_event(attrs)))
    assert rows[1]["time.source"] == datetime(2026, 1, 1, 8, 0, 0, 123456, tzinfo=UTC)
    assert rows[2]["time.source"] == datetime(2026, 1, 2, 0, 0, tzinfo=UTC)
    assert rows[3]["time.source"] == datetime(2026, 1, 2, tzinfo=UTC)


def test_long_descriptions_and_comments_are_cut() -> None:
    attr = _attr("ip-src", "198.51.100.1", comment="c" * 900)
    row = _only(_parse_event(_event([attr], info="i" * 900)))
    assert row["event_description.text"] == "i" * 499 + "…"
    assert json.loads(row["extra"])["comment"] == "c" * 499 + "…"


# -- feeds and detection ------------------------------------------------------------------------


def test_manifest_and_hash_index_are_skipped_records() -> None:
    split, result = _split((FEED / "manifest.json").read_bytes())
    assert split.height == 2
    assert _reasons(result.skipped) == {SKIP_MANIFEST: 2}
    split, result = _split((FEED / "hashes.csv").read_bytes())
    assert split.height == 5
    assert _reasons(result.skipped) == {SKIP_HASH: 5}


def test_a_hash_index_line_not_in_its_form_is_rejected() -> None:
    good = (FEED / "hashes.csv").read_text().splitlines()[0]
    split, result = _split(f"{good}\n\nnot,a,hash line\n".encode())
    assert split[RECORD].to_list() == [1, 3]
    assert _reasons(result.skipped) == {SKIP_HASH: 1}
    assert _reasons(result.rejects) == {"not a MISP record (not a JSON object)": 1}


def test_a_feed_directory_through_the_pipeline(sqlite_node: Node) -> None:
    report = sqlite_node.pipeline.ingest([FEED], IngestOptions(owner="CN"))
    by_name = {Path(f.path).name: f for f in report.files}
    assert {n: f.format for n, f in by_name.items()} == dict.fromkeys(
        [
            "6a1f3c2e-5b4d-4e8a-9c04-000000000001.json",
            "6a1f3c2e-5b4d-4e8a-9c04-000000000002.json",
            "hashes.csv",
            "manifest.json",
        ],
        "misp",
    )
    counts = {n: (f.records, f.events, f.skipped, f.rejects) for n, f in by_name.items()}
    assert counts == {
        "6a1f3c2e-5b4d-4e8a-9c04-000000000001.json": (3, 2, 1, 0),
        "6a1f3c2e-5b4d-4e8a-9c04-000000000002.json": (2, 2, 0, 0),
        "hashes.csv": (5, 0, 5, 0),
        "manifest.json": (2, 0, 2, 0),
    }
    events = sqlite_node.store.scan("events").collect().sort("evidence.ref")
    columns = ["source.ip", "source.port", "source.url", "classification.type", "tlp"]
    assert events.select(*columns, "malware.name").rows() == [
        ("198.51.100.60", None, None, "scanner", "CLEAR", "mirai"),
        ("198.51.100.61", None, None, "scanner", "CLEAR", "mirai"),
        ("203.0.113.70", 50050, None, "c2-server", "GREEN", None),
        (None, None, "https://203.0.113.70/pixel.gif", "blacklist", "GREEN", None),
    ]
    again = sqlite_node.pipeline.ingest([FEED], IngestOptions(owner="CN"))
    assert sum(f.events for f in again.files) == 0
    assert sum(f.duplicates for f in again.files) == 4


def test_records_without_a_marking_get_the_feeds_default(sqlite_node: Node, tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"Event": _event([_attr("ip-src", "198.51.100.1")])}))
    sqlite_node.pipeline.ingest([path], IngestOptions(owner="CN", tlp=TLP.GREEN))
    assert sqlite_node.store.scan("events").collect()["tlp"].to_list() == ["GREEN"]


@pytest.mark.parametrize(
    "path",
    sorted(p for p in [*SAMPLES.glob("*"), *FEED.glob("*")] if p.is_file()),
    ids=lambda p: p.name,
)
def test_every_sample_is_detected_as_misp(path: Path) -> None:
    sample = [ln for ln in path.read_text().splitlines() if ln.strip()][:50]
    assert parsers.detect(sample).name == "misp"


@pytest.mark.parametrize(
    "text",
    [
        '{"type": "bundle", "id": "bundle--1", "objects": [{"type": "indicator"}]}',
        '[{"timestamp": "2024-01-01T00:00:00Z", "event_type": "alert"}]',
        '{"eventid": "cowrie.session.connect", "src_ip": "198.51.100.1"}',
        "198.51.100.1",
        '{"info": "an object that merely has an info key"}',
    ],
)
def test_other_formats_are_not_claimed(text: str) -> None:
    assert PARSER.sniff([text]) == 0


# -- random input -------------------------------------------------------------------------------

KEYS = st.sampled_from(
    [
        "Event",
        "Attribute",
        "Object",
        "Tag",
        "name",
        "type",
        "value",
        "category",
        "uuid",
        "info",
        "deleted",
        "to_ids",
        "timestamp",
        "first_seen",
        "response",
        "Orgc",
    ]
)
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(["ip-src", "ip-dst|port", "url", "domain|ip", "AS", "tlp:red", "1"]),
    st.text(max_size=20),
)
JSON_VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(KEYS, st.text()), inner, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_and_truncated_documents_never_crash_or_lose_records(data: st.DataObject) -> None:
    sample = (SAMPLES / data.draw(st.sampled_from(["event.json", "events_list.json"]))).read_bytes()
    document = data.draw(
        st.one_of(
            JSON_VALUES.map(lambda v: json.dumps(v).encode()),
            st.integers(0, len(sample)).map(lambda i: sample[:i]),
            st.binary(max_size=300),
        )
    )
    records = PARSER.split_document(document)
    assert records[RECORD].n_unique() == records.height
    readable = records.filter(pl.col("__bad").is_null()).drop("__bad")
    result = PARSER.parse(readable, PARSER.new_state(), CTX)
    assert_accounted(readable, result)
