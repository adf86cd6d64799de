"""STIX 2.1 / 2.0 documents (``stix``): splitting, the pattern tokenizer, observed-data and
sightings, markings, classification, and what is skipped or rejected (#4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.evidence.conformance import CTX, assert_accounted, records_of
from wuzhen.evidence import parsers
from wuzhen.evidence.parsers._base import ParseResult
from wuzhen.evidence.parsers.stix import TLP1_MARKINGS, Stix
from wuzhen.schema.tlp import TLP, TLP2_EXTENSION, TLP2_MARKINGS

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "evidence" / "stix"
STIX = Stix()
IDENTITY = "identity--b38dfe21-7477-40d1-aa90-5c8671ce51ca"


def _run(doc: Any) -> tuple[pl.DataFrame, ParseResult]:
    """Split a document (bytes, text, or a JSON value) and parse its records."""
    if isinstance(doc, bytes):
        data = doc
    elif isinstance(doc, str):
        data = doc.encode()
    else:
        data = json.dumps(doc).encode()
    records = STIX.split_document(data)
    good = records.filter(pl.col("__bad").is_null()).drop("__bad")
    result = STIX.parse(good, None, CTX)
    assert_accounted(good, result)
    return records, result


def _events(doc: Any) -> list[dict[str, Any]]:
    return _run(doc)[1].events.sort("evidence.record").to_dicts()


def _reasons(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame["reason"].value_counts().iter_rows())


def _bundle(*objects: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "bundle",
        "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "objects": objects,
    }


def _indicator(pattern: str, n: int = 1, **more: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2024-05-01T08:00:00.000Z",
        "modified": "2024-05-01T08:00:00.000Z",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2024-05-01T07:00:00Z",
        **more,
    }


def _values(pattern: str) -> list[tuple[str | None, ...]]:
    return [
        (e["source.ip"], e["source.network"], e["source.fqdn"], e["source.url"])
        for e in _events(_bundle(_indicator(pattern)))
    ]


# -- detection -------------------------------------------------------------------------


def test_sniff_tells_stix_from_other_json() -> None:
    assert STIX.sniff(['{"type": "bundle", "id": "bundle--x", "objects": []}']) == 95
    # A bundle whose "type" comes last: its id says it.
    assert STIX.sniff(["{", '"id": "bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33",']) == 95
    one = json.dumps(_indicator("[ipv4-addr:value = '198.51.100.1']"))
    assert STIX.sniff([one]) == 75
    assert STIX.sniff([f"[{one}]"]) == 75
    assert STIX.sniff(['{"timestamp": "2024-01-01T00:00:00Z", "event_type": "alert"}']) == 0
    assert STIX.sniff(['{"Event": {"uuid": "5e9c2f0a-1b2c-4d3e-8f90-123456789abc"}}']) == 0
    assert STIX.sniff(["198.51.100.1"]) == 0


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.json")))
def test_samples_are_detected_as_stix(name: str) -> None:
    lines = [ln for ln in (SAMPLES / name).read_text().splitlines() if ln.strip()][:50]
    assert parsers.detect(lines).name == "stix"


# -- documents ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (b"not json at all", "document is not JSON"),
        (b'{"type": "bundle", "objects": [', "document is not JSON"),
        (b"42", "document is not a STIX bundle, object or array of objects"),
        (b'{"type": "bundle", "objects": {"a": 1}}', "bundle whose objects is not an array"),
    ],
)
def test_unreadable_document_is_one_rejected_record(doc: bytes, reason: str) -> None:
    records, result = _run(doc)
    assert records.select("evidence.record", "line", "__bad").rows() == [(1, doc.decode(), reason)]
    assert result.events.height == 0


def test_empty_bundle_has_no_records() -> None:
    for doc in ({"type": "bundle", "id": "bundle--1"}, _bundle()):
        records, _ = _run(doc)
        assert records.height == 0


def test_single_object_and_array_documents() -> None:
    one = _indicator("[ipv4-addr:value = '198.51.100.1']")
    assert [e["source.ip"] for e in _events(one)] == ["198.51.100.1"]
    two = [one, _indicator("[ipv4-addr:value = '198.51.100.2']", 2)]
    assert [e["source.ip"] for e in _events(two)] == ["198.51.100.1", "198.51.100.2"]


def test_a_bundle_without_its_type_is_read_by_its_id() -> None:
    # As in OASIS's TLP 2.0 example using-tlp2.0-green.json.
    ind = _indicator("[ipv4-addr:value = '198.51.100.1']")
    doc = {"id": "bundle--161f8ade-b67d-11e3-b8af-f01faf20d111", "objects": [ind]}
    assert [e["source.ip"] for e in _events(doc)] == ["198.51.100.1"]
    # Without a bundle id, it is one object without a type.
    _, result = _run({"id": "report--1", "objects": [ind]})
    assert _reasons(result.rejects) == {"not a STIX object (no type name)": 1}


def test_a_single_object_is_one_compact_record() -> None:
    ind = _indicator("[ipv4-addr:value = '198.51.100.1']")
    records, _ = _run(json.dumps(ind, indent=4))
    assert records["line"].to_list() == [json.dumps(ind, separators=(",", ":"))]


def test_records_are_the_objects_compact_json() -> None:
    records, _ = _run(SAMPLES.joinpath("bundle-2.1.json").read_bytes())
    doc = json.loads(SAMPLES.joinpath("bundle-2.1.json").read_text())
    compact = [json.dumps(o, separators=(",", ":"), ensure_ascii=False) for o in doc["objects"]]
    # One record per object, one per observable of objects that have several.
    assert set(records["line"]) == set(compact)
    assert records.height == 24
    phishing = records.filter(pl.col("line").str.contains("Phishing kit hosts"))
    assert phishing["evidence.record"].to_list() == [6, 7, 8, 9]
    assert phishing["line"].n_unique() == 1


# -- the tokenizer -----------------------------------------------------------------------


def test_compound_pattern_gives_one_event_per_observable_linked_by_id() -> None:
    pattern = (
        "([domain-name:value = 'evil.example' OR url:value = 'http://evil.example/a'] "
        "FOLLOWEDBY [ipv6-addr:value IN ('2001:db8::15', '2001:db8::16') "
        "AND ipv4-addr:value = '198.51.100.5']) WITHIN 600 SECONDS "
        "START t'2024-01-01T00:00:00Z' STOP t'2024-02-01T00:00:00Z'"
    )
    events = _events(_bundle(_indicator(pattern)))
    assert [(e["source.fqdn"], e["source.url"], e["source.ip"]) for e in events] == [
        ("evil.example", None, None),
        (None, "http://evil.example/a", None),
        (None, None, "2001:db8::15"),
        (None, None, "2001:db8::16"),
        (None, None, "198.51.100.5"),
    ]
    assert {e["evidence.ref"] for e in events} == {
        "indicator--00000000-0000-4000-8000-000000000001"
    }
    extras = [json.loads(e["extra"]) for e in events]
    assert [(x["observable_index"], x["observables"]) for x in extras] == [(i, 5) for i in range(5)]


def test_escapes_subsets_and_blocks() -> None:
    assert _values(r"[url:value = 'http://x.example/it\'s\\here']") == [
        (None, None, None, "http://x.example/it's\\here")
    ]
    assert _values("[ipv4-addr:value ISSUBSET '198.51.100.0/24']") == [
        (None, "198.51.100.0/24", None, None)
    ]
    # A block may also be written with "=" (the OASIS APT1 example does).
    assert _values("[ipv4-addr:value = '223.166.0.0/15']") == [(None, "223.166.0.0/15", None, None)]
    assert _values("[ipv6-addr:value ISSUBSET '2001:db8::/32']") == [
        (None, "2001:db8::/32", None, None)
    ]
    assert _values("[domain-name:value = 'WWW.Example.ORG.']") == [
        (None, None, "www.example.org", None)
    ]


@pytest.mark.parametrize(
    "pattern",
    [
        "[ipv4-addr:value != '198.51.100.1']",
        "[ipv4-addr:value NOT = '198.51.100.1']",
        "[ipv4-addr:value NOT IN ('198.51.100.1')]",
        "[domain-name:value LIKE '%.example']",
        "[url:value MATCHES '^http://']",
        "[domain-name:value ISSUBSET 'example.org']",
        "[network-traffic:dst_ref.value = '198.51.100.1']",
        "[x-ipv4-addr:value = '198.51.100.1']",
        "[file:name = 'ipv4-addr:value = \\'198.51.100.1\\'']",
        "[email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final.+\\\\.exe$']",
        "[ipv4-addr:value = 3232235777]",
        "[ipv4-addr:value.'x' = '198.51.100.1']",
    ],
)
def test_comparisons_that_are_not_observables(pattern: str) -> None:
    _, result = _run(_bundle(_indicator(pattern)))
    assert result.events.height == 0
    assert _reasons(result.skipped) == {"pattern without a network observable": 1}


@pytest.mark.parametrize(
    "pattern",
    [
        "[ipv4-addr:value = '198.51.100.1'",
        "ipv4-addr:value = '198.51.100.1']",
        "[ipv4-addr:value = '198.51.100.1'] OR",
        "[ipv4-addr:value = '198.51.100.1' ; DROP TABLE]",
        "[ipv4-addr:value = '198.51.100.1\\d']",
        "[ipv4-addr:value = '198.51.100.1'])",
        "[ipv4-addr:value = '198.51.100.1'] [url:value = 'http://x.example/']",
        "[ipv4-addr:value = '198.51.100.1'] AND OR [url:value = 'http://x.example/']",
        "[ipv4-addr:value = '198.51.100.1' AND]",
        "[] OR [ipv4-addr:value = '198.51.100.1']",
        "yara rule",
        "",
    ],
)
def test_patterns_that_are_not_stix_patterning_are_rejected(pattern: str) -> None:
    _, result = _run(_bundle(_indicator(pattern)))
    assert result.events.height == 0
    assert _reasons(result.rejects) == {"pattern is not valid STIX patterning": 1}


def test_the_same_observable_twice_is_one_observable() -> None:
    pattern = "[ipv4-addr:value = '198.51.100.1'] OR [ipv4-addr:value IN ('198.51.100.1')]"
    assert _values(pattern) == [("198.51.100.1", None, None, None)]


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("[ipv4-addr:value = '2001:db8::1']", "ipv4-addr value is not an IPv4 address or block"),
        ("[ipv6-addr:value = '198.51.100.1']", "ipv6-addr value is not an IPv6 address or block"),
        ("[domain-name:value = 'domain autuo.xicp.net']", "domain-name value is not a host name"),
        ("[domain-name:value = 'http://x.example/']", "domain-name value is not a host name"),
        ("[url:value = 'x.example/path']", "url value is not a URL"),
    ],
)
def test_values_of_the_wrong_kind_are_rejected(pattern: str, reason: str) -> None:
    _, result = _run(_bundle(_indicator(pattern)))
    assert _reasons(result.rejects) == {reason: 1}


def test_a_bad_value_rejects_only_its_own_record() -> None:
    pattern = "[domain-name:value = 'bad name.example' OR ipv4-addr:value = '198.51.100.2']"
    records, result = _run(_bundle(_indicator(pattern)))
    assert records.height == 2
    assert result.rejects["evidence.record"].to_list() == [1]
    assert result.events["source.ip"].to_list() == ["198.51.100.2"]


def test_an_autonomous_system_is_an_observable_where_nothing_else_is() -> None:
    def asns(pattern: str) -> list[tuple[str | None, int | None]]:
        return [(e["source.ip"], e["source.asn"]) for e in _events(_bundle(_indicator(pattern)))]

    assert asns("[autonomous-system:number = 64496]") == [(None, 64496)]
    assert asns("[autonomous-system:number IN (64497, 64498)]") == [(None, 64497), (None, 64498)]
    # beside an address it is where the address is announced, not a source of its own
    assert asns("[ipv4-addr:value = '198.51.100.7'] AND [autonomous-system:number = 64499]") == [
        ("198.51.100.7", None)
    ]
    for other in ("!= 64496", "NOT = 64496", "> 64496", "= '64496'"):
        _, result = _run(_bundle(_indicator(f"[autonomous-system:number {other}]")))
        assert _reasons(result.skipped) == {"pattern without a network observable": 1}, other
    _, result = _run(_bundle(_indicator("[autonomous-system:number = 4294967296]")))
    assert _reasons(result.rejects) == {"autonomous-system number is not an AS number": 1}


def test_observed_data_of_an_autonomous_system() -> None:
    as_sco = {"type": "autonomous-system", "number": 64500, "name": " Example AS "}
    alone = {
        "type": "observed-data",
        "id": "observed-data--1",
        "first_observed": "2024-01-01T00:00:00Z",
        "objects": {"0": as_sco},
    }
    (event,) = _events(alone)
    assert (event["source.asn"], event["source.as_name"], event["source.ip"]) == (
        64500,
        "Example AS",
        None,
    )
    with_address = alone | {
        "objects": {"0": {"type": "ipv4-addr", "value": "203.0.113.1"}, "1": as_sco}
    }
    (event,) = _events(with_address)
    assert (event["source.ip"], event["source.asn"], event["source.as_name"]) == (
        "203.0.113.1",
        None,
        None,
    )


# -- indicators: skipped and rejected -----------------------------------------------------


def test_indicators_that_are_not_evidence() -> None:
    ip = "[ipv4-addr:value = '198.51.100.1']"
    doc = _bundle(
        _indicator(ip, 1, indicator_types=["benign"]),
        _indicator(ip, 2, revoked=True),
        _indicator("rule x { condition: true }", 3, pattern_type="yara"),
        _indicator(ip, 4, pattern_type="Snort"),
        {k: v for k, v in _indicator(ip, 5).items() if k != "pattern"},
        {k: v for k, v in _indicator(ip, 6).items() if k != "id"},
        _indicator(ip, 7, valid_from="last week"),
    )
    _, result = _run(doc)
    assert result.events.height == 0
    assert _reasons(result.skipped) == {
        "benign indicator (not evidence of abuse)": 1,
        "revoked indicator": 1,
        "indicator with a yara pattern (not STIX patterning)": 1,
        "indicator with a snort pattern (not STIX patterning)": 1,
    }
    assert _reasons(result.rejects) == {
        "indicator without a pattern": 1,
        "indicator without an id": 1,
        "unreadable valid_from": 1,
    }


def test_other_objects_are_skipped_by_type_and_non_objects_rejected() -> None:
    doc = [
        {"type": "identity", "id": IDENTITY, "name": "Example CERT"},
        {"type": "attack-pattern", "id": "attack-pattern--1", "name": "Phishing"},
        {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.1"},
        {"type": "x-custom-thing", "id": "x-custom-thing--1"},
        {"id": "indicator--1"},
        {"type": "Not A Type"},
        [1, 2],
        None,
    ]
    _, result = _run(doc)
    assert _reasons(result.skipped) == {
        "identity object (not a network observable)": 1,
        "attack-pattern object (not a network observable)": 1,
        "x-custom-thing object (not a network observable)": 1,
        "ipv4-addr object (observable: evidence only when observed-data names it)": 1,
    }
    assert _reasons(result.rejects) == {
        "not a STIX object (no type name)": 2,
        "not a STIX object (JSON value is not an object)": 2,
    }


# -- classification, malware, provider ---------------------------------------------------


@pytest.mark.parametrize(
    ("indicator_types", "labels", "expected", "identifier"),
    [
        (["malicious-activity"], None, "blacklist", "stix-indicator:malicious-activity"),
        (None, None, "blacklist", "stix-indicator"),
        (
            ["malicious-activity", "attribution"],
            None,
            "blacklist",
            "stix-indicator:malicious-activity",
        ),
        (["malicious-activity"], ["c2"], "c2-server", "stix-indicator:c2"),
        (
            ["malicious-activity"],
            ["Command-and-Control"],
            "c2-server",
            "stix-indicator:command-and-control",
        ),
        (None, ["phishing", "c2"], "c2-server", "stix-indicator:c2"),
        (None, ["payload-delivery"], "malware-distribution", "stix-indicator:payload-delivery"),
        (None, ["scanning"], "scanner", "stix-indicator:scanning"),
        (None, ["brute-force"], "brute-force", "stix-indicator:brute-force"),
        (None, ["spam"], "spam", "stix-indicator:spam"),
        (["compromised"], None, "system-compromise", "stix-indicator:compromised"),
        (["anomalous-activity"], None, "undetermined", "stix-indicator:anomalous-activity"),
        (["anonymization"], None, "other", "stix-indicator:anonymization"),
        (
            ["compromised"],
            ['rsit:malicious-code="infected-system"'],
            "infected-system",
            "stix-indicator:rsit:malicious-code=infected-system",
        ),
        # An RSIT tag naming no RSIT type is an ordinary (unknown) label.
        (None, ['rsit:other="no-such-type"'], "blacklist", "stix-indicator"),
    ],
)
def test_classification_from_indicator_types_and_labels(
    indicator_types: list[str] | None, labels: list[str] | None, expected: str, identifier: str
) -> None:
    more = {k: v for k, v in (("indicator_types", indicator_types), ("labels", labels)) if v}
    (event,) = _events(_bundle(_indicator("[ipv4-addr:value = '198.51.100.1']", **more)))
    assert (event["classification.type"], event["classification.identifier"]) == (
        expected,
        identifier,
    )


def _malware(n: int, name: str) -> dict[str, Any]:
    return {"type": "malware", "id": f"malware--{n}", "name": name, "is_family": True}


def _indicates(source: str, target: str) -> dict[str, Any]:
    return {
        "type": "relationship",
        "id": f"relationship--{source}-{target}",
        "relationship_type": "indicates",
        "source_ref": source,
        "target_ref": target,
    }


def test_malware_named_by_an_indicates_relationship() -> None:
    one = _indicator("[ipv4-addr:value = '198.51.100.1']", 1)
    two = _indicator("[ipv4-addr:value = '198.51.100.2']", 2)
    three = _indicator("[ipv4-addr:value = '198.51.100.3']", 3)
    doc = _bundle(
        one,
        two,
        three,
        _malware(1, " Emotet "),
        _malware(2, "TrickBot"),
        _indicates(one["id"], "malware--1"),
        _indicates(two["id"], "malware--1"),
        _indicates(two["id"], "malware--2"),
        # Other relationship types and targets name no malware.
        {**_indicates(three["id"], "malware--2"), "relationship_type": "related-to"},
        _indicates(three["id"], "malware--404"),
    )
    events = _events(doc)
    assert [e["malware.name"] for e in events] == ["emotet", None, None]
    assert json.loads(events[1]["extra"])["malware"] == ["emotet", "trickbot"]
    assert "malware" not in json.loads(events[0]["extra"])
    # Classification is not changed by the relationship.
    assert {e["classification.type"] for e in events} == {"blacklist"}


def test_provider_is_the_creating_organisation_never_a_person() -> None:
    org = {
        "type": "identity",
        "id": IDENTITY,
        "name": " Example CERT ",
        "identity_class": "organization",
    }
    person = {
        "type": "identity",
        "id": "identity--2",
        "name": "Jane Doe",
        "identity_class": "individual",
    }
    doc = _bundle(
        org,
        person,
        _indicator("[ipv4-addr:value = '198.51.100.1']", 1, created_by_ref=IDENTITY),
        _indicator("[ipv4-addr:value = '198.51.100.2']", 2, created_by_ref="identity--2"),
        _indicator("[ipv4-addr:value = '198.51.100.3']", 3, created_by_ref="identity--404"),
    )
    assert [e["feed.provider"] for e in _events(doc)] == ["Example CERT", None, None]


def test_description_and_time() -> None:
    doc = _bundle(
        _indicator("[ipv4-addr:value = '198.51.100.1']", 1, name="C2", description="d"),
        _indicator("[ipv4-addr:value = '198.51.100.2']", 2, description="only a description"),
        _indicator(
            "[ipv4-addr:value = '198.51.100.3']", 3, valid_from="2024-05-01T07:00:00.123456789Z"
        ),
        {
            k: v
            for k, v in _indicator("[ipv4-addr:value = '198.51.100.4']", 4).items()
            if k != "valid_from"
        },
    )
    events = _events(doc)
    assert [e["event_description.text"] for e in events] == ["C2", "only a description", None, None]
    assert [e["time.source"] for e in events] == [
        datetime(2024, 5, 1, 7, tzinfo=UTC),
        datetime(2024, 5, 1, 7, tzinfo=UTC),
        datetime(2024, 5, 1, 7, 0, 0, 123456, tzinfo=UTC),
        None,
    ]


# -- markings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "tlp"),
    [
        *((ref, level.value) for ref, level in TLP1_MARKINGS.items()),
        *((ref, level.value) for level, ref in TLP2_MARKINGS.items()),
    ],
)
def test_predefined_tlp_markings(ref: str, tlp: str) -> None:
    ind = _indicator("[ipv4-addr:value = '198.51.100.1']", object_marking_refs=[ref])
    assert [e["tlp"] for e in _events(_bundle(ind))] == [tlp]


def test_tlp2_ids_are_the_oasis_ones() -> None:
    # github.com/oasis-open/cti-stix-common-objects, extension-definition-specifications/tlp-2.0
    assert TLP2_EXTENSION == "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
    assert TLP2_MARKINGS == {
        TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    }


def test_marking_definitions_in_the_bundle_and_the_most_restrictive_wins() -> None:
    defs = [
        {
            "type": "marking-definition",
            "id": "marking-definition--w",
            "definition_type": "tlp",
            "definition": {"tlp": "white"},
        },
        {
            "type": "marking-definition",
            "id": "marking-definition--s",
            "definition_type": "tlp",
            "definition": {"tlp": "AMBER+STRICT"},
        },
        {
            "type": "marking-definition",
            "id": "marking-definition--x",
            "name": "TLP:RED",
            "extensions": {
                TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "red"}
            },
        },
        {
            "type": "marking-definition",
            "id": "marking-definition--c",
            "definition_type": "statement",
            "definition": {"statement": "(c)"},
        },
        # The bundle cannot redefine a predefined marking.
        {
            "type": "marking-definition",
            "id": TLP1_MARKINGS_IDS[0],
            "definition_type": "tlp",
            "definition": {"tlp": "red"},
        },
    ]
    ip = "[ipv4-addr:value = '198.51.100.{}']"
    marks = [
        ["marking-definition--w"],
        ["marking-definition--s", "marking-definition--w"],
        ["marking-definition--x", "marking-definition--s"],
        ["marking-definition--c"],
        ["marking-definition--unknown"],
        [TLP1_MARKINGS_IDS[0]],
    ]
    doc = _bundle(
        *defs, *(_indicator(ip.format(i), i, object_marking_refs=m) for i, m in enumerate(marks, 1))
    )
    assert [e["tlp"] for e in _events(doc)] == ["CLEAR", "AMBER+STRICT", "RED", None, None, "CLEAR"]


TLP1_MARKINGS_IDS = list(TLP1_MARKINGS)


def test_a_granular_marking_is_a_ceiling_for_the_whole_object() -> None:
    """Regression: a RED granular marking on the pattern was passed over, and the event was
    released under the object's CLEAR."""
    red, clear = TLP2_MARKINGS[TLP.RED], TLP2_MARKINGS[TLP.CLEAR]
    ip = "[ipv4-addr:value = '198.51.100.{}']"
    doc = _bundle(
        _indicator(
            ip.format(1),
            1,
            object_marking_refs=[clear],
            granular_markings=[{"marking_ref": red, "selectors": ["pattern"]}],
        ),
        _indicator(  # on another property: the text kept (raw) holds it too
            ip.format(2),
            2,
            granular_markings=[{"marking_ref": red, "selectors": ["description"]}],
        ),
        _indicator(ip.format(3), 3, granular_markings=[{"lang": "en", "selectors": ["name"]}]),
    )
    assert [e["tlp"] for e in _events(doc)] == ["RED", "RED", None]


def test_a_marking_in_another_shape_is_refused_not_passed_over() -> None:
    red = TLP2_MARKINGS[TLP.RED]
    ip = "[ipv4-addr:value = '198.51.100.{}']"
    doc = _bundle(
        _indicator(ip.format(1), 1, object_marking_refs=red),  # a string, not a list
        _indicator(ip.format(2), 2, granular_markings={"marking_ref": red, "selectors": ["id"]}),
        _indicator(ip.format(3), 3, object_marking_refs=None),
    )
    result = _run(doc)[1]
    assert _reasons(result.rejects) == {
        "object_marking_refs is not a list of marking ids": 1,
        "granular_markings is not a list of markings": 1,
    }
    assert result.events["source.ip"].to_list() == ["198.51.100.3"]


# -- observed-data -----------------------------------------------------------------------


def test_observed_data_with_embedded_objects() -> None:
    doc = {
        "type": "observed-data",
        "id": "observed-data--1",
        "first_observed": "2019-03-02T09:15:27Z",
        "last_observed": "2019-03-02T09:15:27Z",
        "number_observed": 5,
        "objects": {
            "a": {"type": "ipv4-addr", "value": "203.0.113.1"},
            "b": {"type": "ipv4-addr", "value": "192.0.2.1"},
            "c": {
                "type": "network-traffic",
                "src_ref": "a",
                "dst_ref": "b",
                "dst_port": 443,
                "protocols": ["ipv4", "TCP", "TLS"],
            },
            "d": {"type": "network-traffic", "dst_ref": "b", "protocols": ["udp"]},
            "e": {"type": "url", "value": "http://203.0.113.9/x"},
            "f": {"type": "file", "name": "a.exe"},
            "g": {"type": "network-traffic", "src_ref": "zz", "protocols": ["tcp"]},
        },
    }
    events = _events(doc)
    assert [
        (
            e["source.ip"],
            e["source.url"],
            e["source.port"],
            e["destination.ip"],
            e["destination.port"],
            e["protocol.transport"],
            e["protocol.application"],
        )
        for e in events
    ] == [
        ("203.0.113.1", None, None, "192.0.2.1", 443, "tcp", "tls"),
        (None, "http://203.0.113.9/x", None, None, None, None, None),
    ]
    # what was seen is not offered for detection (as MISP reads observed-data): exported
    # again, it stays observed-data (regression: it came back an indicator)
    assert {json.loads(e["extra"])["to_ids"] for e in events} == {False}
    assert [json.loads(e["extra"])["object"] for e in events] == ["c", "e"]
    assert {e["classification.type"] for e in events} == {"undetermined"}
    assert {e["classification.identifier"] for e in events} == {"stix-observed-data"}
    assert {e["time.source"] for e in events} == {datetime(2019, 3, 2, 9, 15, 27, tzinfo=UTC)}


def test_observed_data_refs_resolve_against_the_bundle_and_its_markings() -> None:
    red = TLP2_MARKINGS[TLP.RED]
    green = TLP2_MARKINGS[TLP.GREEN]
    objects = [
        {
            "type": "ipv6-addr",
            "id": "ipv6-addr--1",
            "value": "2001:db8::1",
            "object_marking_refs": [red],
        },
        {"type": "domain-name", "id": "domain-name--1", "value": "x.example"},
        {
            "type": "network-traffic",
            "id": "network-traffic--1",
            "src_ref": "ipv6-addr--1",
            "src_port": 5353,
            "protocols": ["udp"],
        },
        {
            "type": "observed-data",
            "id": "observed-data--1",
            "first_observed": "2024-01-01T00:00:00Z",
            "last_observed": "2024-01-01T00:00:00Z",
            "number_observed": 1,
            "object_refs": [
                "network-traffic--1",
                "domain-name--1",
                "ipv6-addr--1",
                "ipv4-addr--404",
            ],
            "object_marking_refs": [green],
        },
        {
            "type": "observed-data",
            "id": "observed-data--2",
            "first_observed": "2024-01-01T00:00:00Z",
            "object_refs": ["ipv4-addr--404"],
        },
    ]
    _, result = _run(_bundle(*objects))
    events = result.events.sort("evidence.record").to_dicts()
    assert [(e["source.ip"], e["source.port"], e["source.fqdn"], e["tlp"]) for e in events] == [
        ("2001:db8::1", 5353, None, "RED"),  # the SCO's own marking is the stricter
        (None, None, "x.example", "GREEN"),
    ]
    assert _reasons(result.skipped)["observed-data without a network observable"] == 1


# -- sightings ----------------------------------------------------------------------------


def test_sighting_is_one_event_per_observable_of_its_indicator() -> None:
    ind = _indicator(
        "[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'x.example']",
        labels=["c2"],
        name="C2 servers",
        object_marking_refs=[TLP2_MARKINGS[TLP.AMBER]],
    )
    sighting = {
        "type": "sighting",
        "id": "sighting--1",
        "sighting_of_ref": ind["id"],
        "first_seen": "2024-05-02T00:00:00Z",
        "last_seen": "2024-05-03T00:00:00Z",
        "count": 12,
        "object_marking_refs": [TLP2_MARKINGS[TLP.GREEN]],
    }
    late = {k: v for k, v in sighting.items() if k != "first_seen"} | {"id": "sighting--2"}
    bare = {"type": "sighting", "id": "sighting--3", "sighting_of_ref": ind["id"]}
    events = [
        e for e in _events(_bundle(sighting, late, bare, ind)) if e["evidence.ref"] != ind["id"]
    ]
    assert [(e["evidence.ref"], e["source.ip"], e["source.fqdn"]) for e in events] == [
        ("sighting--1", "198.51.100.1", None),
        ("sighting--1", None, "x.example"),
        ("sighting--2", "198.51.100.1", None),
        ("sighting--2", None, "x.example"),
        ("sighting--3", "198.51.100.1", None),
        ("sighting--3", None, "x.example"),
    ]
    assert [e["time.source"] for e in events[::2]] == [
        datetime(2024, 5, 2, tzinfo=UTC),
        datetime(2024, 5, 3, tzinfo=UTC),
        None,
    ]
    first = events[0]
    assert first["classification.type"] == "c2-server"
    assert first["classification.identifier"] == "stix-sighting:c2"
    assert first["event_description.text"] == "C2 servers"
    assert first["tlp"] == "AMBER"  # the indicator's marking is stricter than the sighting's
    extra = json.loads(first["extra"])
    assert (extra["count"], extra["first_seen"], extra["sighting_of_ref"]) == (
        12,
        "2024-05-02T00:00:00Z",
        ind["id"],
    )


def test_a_sighting_keeps_its_indicators_valid_until() -> None:
    # Regression (tester's exports defect D1): a sighting of an indicator valid until
    # 2026-03-03 kept no end of validity, so the STIX export wrote it as an indicator valid
    # forever.
    ending = _indicator("[ipv4-addr:value = '203.0.113.77']", 1, valid_until="2026-03-03T00:00:00Z")
    endless = _indicator("[ipv4-addr:value = '203.0.113.78']", 2)
    sightings = [
        {"type": "sighting", "id": f"sighting--{n}", "sighting_of_ref": ind["id"]}
        | {"first_seen": "2026-03-02T12:00:00Z", "count": 2}
        for n, ind in enumerate((ending, endless))
    ]
    events = _events(_bundle(ending, endless, *sightings))
    until = {e["evidence.ref"]: json.loads(e["extra"]).get("valid_until") for e in events}
    assert until == {
        ending["id"]: "2026-03-03T00:00:00Z",
        endless["id"]: None,
        "sighting--0": "2026-03-03T00:00:00Z",
        "sighting--1": None,
    }


def test_sightings_that_give_no_event() -> None:
    file_ind = _indicator("[file:name = 'a.exe']", 2)
    benign = _indicator("[ipv4-addr:value = '198.51.100.1']", 3, indicator_types=["benign"])
    doc = _bundle(
        file_ind,
        benign,
        _malware(1, "x"),
        {"type": "sighting", "id": "sighting--1", "sighting_of_ref": "indicator--404"},
        {"type": "sighting", "id": "sighting--2", "sighting_of_ref": "malware--1"},
        {"type": "sighting", "id": "sighting--3", "sighting_of_ref": file_ind["id"]},
        {"type": "sighting", "id": "sighting--4", "sighting_of_ref": benign["id"]},
        {"type": "sighting", "sighting_of_ref": benign["id"]},
    )
    _, result = _run(doc)
    reasons = _reasons(result.skipped)
    assert reasons["sighting of an object not in the bundle"] == 1
    assert reasons["sighting of a malware object (not a network observable)"] == 1
    assert reasons["sighting of an indicator without a network observable"] == 1
    assert reasons["sighting of a benign or revoked indicator"] == 1
    assert _reasons(result.rejects) == {"sighting without an id": 1}


# -- the samples, field by field -----------------------------------------------------------


def test_sample_bundle_counts_and_fields() -> None:
    _, result = _run(SAMPLES.joinpath("bundle-2.1.json").read_bytes())
    assert _reasons(result.rejects) == {"pattern is not valid STIX patterning": 1}
    assert _reasons(result.skipped) == {
        "identity object (not a network observable)": 1,
        "marking-definition object (not a network observable)": 1,
        "malware object (not a network observable)": 1,
        "relationship object (not a network observable)": 1,
        "report object (not a network observable)": 1,
        "pattern without a network observable": 1,
        "indicator with a yara pattern (not STIX patterning)": 1,
        "benign indicator (not evidence of abuse)": 1,
        "revoked indicator": 1,
        "ipv4-addr object (observable: evidence only when observed-data names it)": 2,
        "network-traffic object (observable: evidence only when observed-data names it)": 1,
        "url object (observable: evidence only when observed-data names it)": 1,
        "sighting of an object not in the bundle": 1,
    }
    rows = {e["evidence.record"]: e for e in result.events.to_dicts()}
    assert sorted(rows) == [4, 6, 7, 8, 9, 10, 20, 21, 22]
    c2 = rows[4]
    assert {
        k: c2[k]
        for k in ("source.ip", "classification.type", "malware.name", "tlp", "feed.provider")
    } == {
        "source.ip": "198.51.100.7",
        "classification.type": "c2-server",
        "malware.name": "emotet",
        "tlp": "GREEN",
        "feed.provider": "Example CERT",
    }
    assert c2["time.source"] == datetime(2024, 5, 1, 7, 55, 12, 250000, tzinfo=UTC)
    assert [rows[r]["tlp"] for r in (6, 7, 8, 9)] == ["AMBER+STRICT"] * 4
    assert rows[7]["source.url"] == "https://login.example-bank.test/it's/verify.php"
    assert [rows[r]["source.ip"] for r in (8, 9)] == ["2001:db8::15", "2001:db8::16"]
    assert (rows[10]["source.network"], rows[10]["classification.type"]) == (
        "203.0.113.0/24",
        "scanner",
    )
    traffic = rows[20]
    assert (
        traffic["source.ip"],
        traffic["source.port"],
        traffic["destination.ip"],
        traffic["destination.port"],
    ) == (
        "198.51.100.3",
        51234,
        "192.0.2.10",
        22,
    )
    assert (traffic["protocol.transport"], traffic["protocol.application"], traffic["tlp"]) == (
        "tcp",
        "ssh",
        "AMBER",
    )
    assert (traffic["classification.type"], rows[21]["source.url"]) == (
        "brute-force",
        "http://203.0.113.50/bins/mips",
    )
    sighting = rows[22]
    assert (sighting["source.ip"], sighting["evidence.ref"], sighting["malware.name"]) == (
        "198.51.100.7",
        "sighting--ee20065d-2555-424f-ad9e-0f8428623c75",
        "emotet",
    )
    assert json.loads(sighting["extra"])["count"] == 40


def test_parse_without_split_columns_rejects() -> None:
    records = records_of(['{"type": "indicator"}'])
    result = STIX.parse(records, None, CTX)
    assert _reasons(result.rejects) == {"not split from a STIX document": 1}


# -- never crash, never lose a record ---------------------------------------------------


BASE = SAMPLES.joinpath("bundle-2.1.json").read_bytes()


@pytest.mark.parametrize("at", [44, 45])
def test_a_nul_inside_a_string_is_one_reject_not_a_crash(at: int) -> None:
    """DuckDB's error for this document quotes it cut inside a UTF-8 character (found by the
    damaged-document test): the document is still one reject with its reason."""
    records = STIX.split_document(BASE[:at] + b"\x00\xff{[" + BASE[at:])
    assert records.height == 1
    assert records["__bad"].to_list() == ["document is not JSON"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cuts=st.lists(st.tuples(st.integers(0, len(BASE)), st.integers(0, 40)), max_size=4),
    junk=st.sampled_from([b"", b'"', b"{", b"]", b",", b"'", b"\\", b"null", b"\xff"]),
    at=st.integers(0, len(BASE)),
)
def test_damaged_documents_never_crash_or_lose_records(
    cuts: list[tuple[int, int]], junk: bytes, at: int
) -> None:
    data = bytearray(BASE)
    for start, size in cuts:
        del data[start : start + size]
    data[at:at] = junk
    records = STIX.split_document(bytes(data))
    if records.height == 0:
        # Only a bundle with no objects holds no record (STIX 2.1: objects is optional).
        document = json.loads(bytes(data).decode("utf-8", errors="replace"))
        assert document["type"] == "bundle"
        assert not document.get("objects")
        return
    assert set(records["evidence.record"]) == set(range(1, records.height + 1))
    good = records.filter(pl.col("__bad").is_null()).drop("__bad")
    assert_accounted(good, STIX.parse(good, None, CTX))
