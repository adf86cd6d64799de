"""MISP events of the shared corpus, through the whole pipeline: exact counts, each checked by the
independent command in the comment beside it (run from ``../shared/corpus``), and three
records per file field by field.

Every MISP file of the corpus is here: the five PyMISP test events in ``misp/`` and IntelMQ's
two MISP parser fixtures in ``threatfeeds/intelmq_fixtures/`` (``misp_misp_event.json`` is a bare
event, ``misp_misp_attribute.json`` one attribute: the raw record IntelMQ expects for it).
``misp/pymisp_stix2.json`` is a STIX 2.0 bundle that MISP exported, not a MISP event: it is
read by the ``stix`` parser, and only its detection is checked here.

In the commands, ``$A`` lists a file's attributes in the parser's record order (the event's
own, then those of its objects) and ``$NET`` keeps the network attributes that are not deleted::

    A='[(.Event // .) as $e | ($e.Attribute // [])[], (($e.Object // [])[] | .Attribute[])]'
    NET='select(.deleted != true and (.type | IN("ip-src","ip-dst","ip-src|port",
         "ip-dst|port","domain","hostname","hostname|port","domain|ip","url","AS")))'

No file has a deleted attribute or a network attribute outside the evidence categories:
``jq -c "$A | map($NET | .category) | unique" FILE`` prints only ``Network activity`` and
``Payload delivery``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.corpus.helpers import check, ingest
from wuzhen.evidence import parsers
from wuzhen.evidence.ingest import FileSummary, IngestOptions
from wuzhen.node import Node

pytestmark = pytest.mark.corpus

XORIST = "misp/pymisp_57c4445b-c548-4654-af0b-4be3950d210f.json"
SEDNIT = "misp/pymisp_existing_event.json"
ASERT = "misp/pymisp_long_event.json"
SAMSAM = "misp/pymisp_mainly_objects_1.json"
FALLCHILL = "misp/pymisp_to_delete2.json"
STIX = "misp/pymisp_stix2.json"
INTELMQ_EVENT = "threatfeeds/intelmq_fixtures/misp_misp_event.json"
INTELMQ_ATTRIBUTE = "threatfeeds/intelmq_fixtures/misp_misp_attribute.json"


def _type(kind: str) -> str:
    return f"MISP attribute type {kind} (not a network observable)"


def _ingest(node: Node, path: Path) -> tuple[FileSummary, dict[int, dict[str, Any]]]:
    summary, rows = ingest(node, path)
    assert summary.format == "misp"
    assert summary.duplicates == 0
    return summary, rows


def test_xorist_has_no_network_observable(corpus: Path, sqlite_node: Node) -> None:
    f, _ = _ingest(sqlite_node, corpus / XORIST)
    # jq "$A | length" FILE                                                              -> 9
    assert f.records == 9
    # jq "$A | map($NET) | length" FILE                                                  -> 0
    assert (f.events, f.rejects, f.skipped) == (0, 0, 9)
    # jq -c "$A | map(.type) | group_by(.) | map({(.[0]): length}) | add" FILE
    #   -> {"comment":1,"filename":1,"link":2,"md5":1,"regkey|value":1,"sha1":1,"sha256":1,
    #       "text":1}
    assert dict(f.skipped_reasons) == {
        _type("comment"): 1,
        _type("filename"): 1,
        _type("link"): 2,
        _type("md5"): 1,
        _type("regkey|value"): 1,
        _type("sha1"): 1,
        _type("sha256"): 1,
        _type("text"): 1,
    }


def test_sednit_bare_event_with_objects(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, corpus / SEDNIT)
    # jq "$A | length" FILE                                                            -> 122
    assert f.records == 122
    # jq "$A | map($NET) | length" FILE                                                -> 31
    assert f.events == 31
    # jq -c "$A | map(.type) | group_by(.) | map({(.[0]): length}) | add" FILE
    #   -> {"domain":19,"filename":15,"ip-dst":12,"link":1,"sha1":37,"text":38}
    assert dict(f.skipped_reasons) == {
        _type("filename"): 15,
        _type("link"): 1,
        _type("sha1"): 37,
        _type("text"): 38,
    }
    assert (f.skipped, f.rejects) == (91, 0)
    # The event names seven mitre-malware families and no malpedia one: no malware name.
    # jq -c '[.Tag[].name | select(startswith("tlp:"))]' FILE -> ["tlp:white"]
    # jq -r '.Orgc.name, .info, .uuid, .id' FILE
    #   -> CIRCL / OSINT - Sednit update: How Fancy Bear Spent the Year /
    #      5a3c2fcd-8328-42bb-a95e-4f4402de0b81 / 9747
    event = {
        "tlp": "CLEAR",
        "feed.provider": "CIRCL",
        "feed.name": None,
        "event_description.text": "OSINT - Sednit update: How Fancy Bear Spent the Year",
        "malware.name": None,
    }
    # jq -c "$A | .[2] | {type, category, value, timestamp, uuid}" FILE
    #   -> domain, Network activity, movieultimate.com, 1513893957 (2017-12-21 22:05:57 UTC),
    #      5a3c3045-ab0c-4d38-8efe-459002de0b81
    check(
        rows[3],
        {
            **event,
            "time.source": datetime(2017, 12, 21, 22, 5, 57, tzinfo=UTC),
            "source.fqdn": "movieultimate.com",
            "source.ip": None,
            "classification.type": "blacklist",
            "classification.taxonomy": "other",
            "classification.identifier": "domain",
            "evidence.ref": "5a3c3045-ab0c-4d38-8efe-459002de0b81",
            "route.state": "unrouted",
            "extra": '{"event_uuid":"5a3c2fcd-8328-42bb-a95e-4f4402de0b81","event_id":"9747",'
            '"category":"Network activity","attribute_type":"domain","to_ids":true,'
            '"comment":"Xagent Samples"}',
        },
    )
    # jq -c "$A | .[106] | {type, category, value, timestamp, uuid}" FILE
    #   -> ip-dst (in a domain-ip object), Network activity, 87.236.211.182, 1513940542,
    #      5a3ce63e-66d4-483f-bae6-44f6950d210f
    check(
        rows[107],
        {
            **event,
            "time.source": datetime(2017, 12, 22, 11, 2, 22, tzinfo=UTC),
            "source.ip": "87.236.211.182",
            "source.registration.cc": "IR",
            "source.asn": 200296,
            "route.member": "IR",
            "classification.type": "c2-server",
            "classification.taxonomy": "malicious-code",
            "classification.identifier": "ip-dst",
            "evidence.ref": "5a3ce63e-66d4-483f-bae6-44f6950d210f",
        },
    )
    assert '"object":"domain-ip"' in rows[107]["extra"]
    # jq -c "$A | .[121] | {type, value, timestamp, uuid}" FILE
    #   -> domain, webviewres.net, 1513940654, 5a3ce6ae-3b00-420a-82fd-45fb950d210f
    check(
        rows[122],
        {
            **event,
            "time.source": datetime(2017, 12, 22, 11, 4, 14, tzinfo=UTC),
            "source.fqdn": "webviewres.net",
            "classification.type": "blacklist",
            "evidence.ref": "5a3ce6ae-3b00-420a-82fd-45fb950d210f",
        },
    )


def test_asert_event_with_scheme_less_urls(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, corpus / ASERT)
    # jq "$A | length" FILE                                                            -> 370
    assert f.records == 370
    # jq "$A | map($NET | select(.type == \"url\" and (.value | test(\"^[A-Za-z][A-Za-z0-9+.-]*://\")
    #   | not))) | length" FILE -> 11 (107.183.86, igfxtray.exe, Data/dtl.dat, www.whitewall.top...)
    assert f.rejects == 11
    assert dict(f.reject_reasons) == {"MISP url attribute: malformed value": 11}
    # jq "$A | map($NET) | length" FILE -> 47; 47 - 11                                 -> 36
    assert f.events == 36
    # 370 - 47                                                                          -> 323
    assert f.skipped == 323
    # jq -c "$A | map(.type) | group_by(.) | map({(.[0]): length}) | add" FILE
    #   -> ... "link":64, "sha1":58, "filename|md5":46, "filename|sha256":46, "sha256":41,
    #      "md5":31, "filename":18, "vulnerability":4 ...
    reasons = dict(f.skipped_reasons)
    assert len(reasons) == 17
    assert reasons[_type("link")] == 64
    assert reasons[_type("filename|md5")] == 46
    assert reasons[_type("vulnerability")] == 4
    # jq -c '[.Event.Tag[].name]' FILE -> ["tlp:white","type:OSINT"]
    event = {
        "tlp": "CLEAR",
        "feed.provider": "CIRCL",
        "malware.name": None,
        "event_description.text": (
            "OSINT - ASERT Threat Intelligence Report 2016-03 The Four-Element Sword Engagement"
        ),
    }
    # jq -c "$A | .[3] | {type, value, timestamp, uuid}" FILE
    #   -> hostname, akm.epac.to, 1461067951 (2016-04-19 12:12:31 UTC),
    #      571620af-e57c-4008-80f2-4933950d210f
    check(
        rows[4],
        {
            **event,
            "time.source": datetime(2016, 4, 19, 12, 12, 31, tzinfo=UTC),
            "source.fqdn": "akm.epac.to",
            "classification.type": "blacklist",
            "classification.identifier": "hostname",
            "evidence.ref": "571620af-e57c-4008-80f2-4933950d210f",
        },
    )
    # jq -c "$A | .[14] | {type, value, timestamp, uuid, comment}" FILE
    #   -> ip-dst, 103.240.203.232, 1461067319, 57161e37-fe5c-4f2a-b9ec-4eea950d210f,
    #      "On port 8080; Located in Honk Kong"
    check(
        rows[15],
        {
            **event,
            "time.source": datetime(2016, 4, 19, 12, 1, 59, tzinfo=UTC),
            "source.ip": "103.240.203.232",
            "source.port": None,
            "source.registration.cc": "CN",
            "route.member": "CN",
            "classification.type": "c2-server",
            "classification.taxonomy": "malicious-code",
            "classification.identifier": "ip-dst",
            "evidence.ref": "57161e37-fe5c-4f2a-b9ec-4eea950d210f",
            "extra": '{"event_uuid":"57153590-f73c-49fa-be4b-4737950d210f",'
            '"category":"Network activity","attribute_type":"ip-dst","to_ids":true,'
            '"comment":"On port 8080; Located in Honk Kong"}',
        },
    )
    # jq -c "$A | .[312] | {type, value, timestamp, uuid}" FILE
    #   -> url, http://www.whitewall.top:995/5724DD3DCC4A19E8416E5691, 1461144197,
    #      57174a85-8a24-41d6-bc55-4eef950d210f
    check(
        rows[313],
        {
            **event,
            "time.source": datetime(2016, 4, 20, 9, 23, 17, tzinfo=UTC),
            "source.url": "http://www.whitewall.top:995/5724DD3DCC4A19E8416E5691",
            "source.fqdn": None,
            "classification.type": "blacklist",
            "classification.identifier": "url",
            "evidence.ref": "57174a85-8a24-41d6-bc55-4eef950d210f",
        },
    )


def test_samsam_has_only_file_objects(corpus: Path, sqlite_node: Node) -> None:
    f, _ = _ingest(sqlite_node, corpus / SAMSAM)
    # jq "$A | length" FILE -> 74; jq "$A | map($NET) | length" FILE                     -> 0
    assert (f.records, f.events, f.skipped, f.rejects) == (74, 0, 74, 0)
    # jq -c "$A | map(.type) | group_by(.) | map({(.[0]): length}) | add" FILE
    #   -> {"attachment":1,"counter":2,"filename":7,"float":11,"md5":14,"mime-type":3,"sha1":6,
    #       "sha256":6,"sha512":3,"size-in-bytes":11,"ssdeep":3,"text":7}
    assert dict(f.skipped_reasons) == {
        _type(t): n
        for t, n in {
            "attachment": 1,
            "counter": 2,
            "filename": 7,
            "float": 11,
            "md5": 14,
            "mime-type": 3,
            "sha1": 6,
            "sha256": 6,
            "sha512": 3,
            "size-in-bytes": 11,
            "ssdeep": 3,
            "text": 7,
        }.items()
    }


def test_fallchill_c2_addresses(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, corpus / FALLCHILL)
    # jq "$A | length" FILE                                                            -> 128
    assert f.records == 128
    # jq "$A | map($NET) | length" FILE                                                -> 93
    assert (f.events, f.rejects) == (93, 0)
    # jq -c "$A | map(.type) | group_by(.) | map({(.[0]): length}) | add" FILE
    #   -> {"attachment":1,"comment":1,"filename":2,"float":2,"ip-dst":90,"ip-dst|port":3,
    #       "link":3,"md5":16,"port":3,"sha1":2,"sha256":2,"size-in-bytes":1,"ssdeep":2}
    assert f.skipped == 35
    assert dict(f.skipped_reasons)[_type("md5")] == 16
    assert dict(f.skipped_reasons)[_type("port")] == 3
    # jq -c '[.Event.Tag[].name]' FILE
    #   -> ["type:OSINT","tlp:white","osint:source-type=\"technical-report\"",
    #       "misp-galaxy:threat-actor=\"Lazarus Group\"","misp-galaxy:rat=\"FALLCHILL\""]
    event = {
        "tlp": "CLEAR",
        "feed.provider": "CIRCL",
        "malware.name": "fallchill",
        "classification.identifier": "fallchill",
    }
    # jq -c "$A | .[0] | {type, category, value, timestamp, uuid}" FILE
    #   -> ip-dst, Network activity, 98.101.211.162, 1510922092 (2017-11-17 12:34:52 UTC),
    #      5a0d5cac-2ef4-4bae-baa4-4a91950d210f
    check(
        rows[1],
        {
            **event,
            "time.source": datetime(2017, 11, 17, 12, 34, 52, tzinfo=UTC),
            "source.ip": "98.101.211.162",
            "source.registration.cc": "US",
            "source.asn": 11426,
            "route.member": "US",
            "classification.type": "c2-server",
            "evidence.ref": "5a0d5cac-2ef4-4bae-baa4-4a91950d210f",
        },
    )
    # jq -c "$A | .[96] | {type, category, value, timestamp, uuid}" FILE
    #   -> ip-dst|port, Payload delivery, 125.212.132.222|443, 1510922094,
    #      5a0d6a76-7878-4cec-ad85-76fa950d210f
    check(
        rows[97],
        {
            **event,
            "time.source": datetime(2017, 11, 17, 12, 34, 54, tzinfo=UTC),
            "source.ip": "125.212.132.222",
            "source.port": 443,
            "source.registration.cc": "VN",
            "route.member": "VN",
            "classification.type": "malware-distribution",
            "classification.taxonomy": "malicious-code",
            "evidence.ref": "5a0d6a76-7878-4cec-ad85-76fa950d210f",
        },
    )
    # jq -c "$A | .[122] | {type, value, timestamp, uuid}" FILE
    #   -> ip-dst (in an ip-port object), 10.10.30.110, 1510828762,
    #      5a0d6ada-0ee0-406e-8722-21c1950d210f
    check(
        rows[123],
        {
            **event,
            "time.source": datetime(2017, 11, 16, 10, 39, 22, tzinfo=UTC),
            "source.ip": "10.10.30.110",
            "source.special_purpose": "private",
            "source.registration.cc": None,
            "route.state": "unrouted",
            "classification.type": "c2-server",
            "evidence.ref": "5a0d6ada-0ee0-406e-8722-21c1950d210f",
        },
    )


def test_intelmq_fixtures(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, corpus / INTELMQ_EVENT)
    # jq "$A | length" FILE -> 2; jq -c "$A | map({type, category})" FILE
    #   -> url / Payload delivery, text / Payload type
    assert (f.records, f.events, f.skipped, f.rejects) == (2, 1, 1, 0)
    assert dict(f.skipped_reasons) == {_type("text"): 1}
    # jq -c '.Attribute[0] | {value, timestamp, uuid}, [.Tag[].name], .Orgc.name' FILE
    #   -> http://fake.example.com/malware/is/here, 1465681304 (2016-06-11 21:41:44 UTC),
    #      575c8598-f1f0-4c16-a94a-0612c0a83866; ["ecsirt:malicious-code=\"ransomware\"",
    #      "for_intelmq_processing"]; ORGNAME. The "Payload type" attribute says Locky (as
    #      IntelMQ reads it). No TLP tag: the feed's default (AMBER here).
    check(
        rows[1],
        {
            "time.source": datetime(2016, 6, 11, 21, 41, 44, tzinfo=UTC),
            "source.url": "http://fake.example.com/malware/is/here",
            "classification.type": "malware-distribution",
            "classification.identifier": "locky",
            "malware.name": "locky",
            "tlp": "AMBER",
            "evidence.ref": "575c8598-f1f0-4c16-a94a-0612c0a83866",
            "feed.provider": "ORGNAME",
            "event_description.text": "A Random Event",
        },
    )
    # The same attribute, alone: its record text differs (no event), so it is a new event.
    f, rows = _ingest_more(sqlite_node, corpus / INTELMQ_ATTRIBUTE)
    # jq -c '{type, category, value, uuid}' FILE
    #   -> url, Payload delivery, http://fake.example.com/malware/is/here, 575c8598-...
    assert (f.records, f.events, f.skipped, f.rejects) == (1, 1, 0, 0)
    check(
        rows[1],
        {
            "time.source": datetime(2016, 6, 11, 21, 41, 44, tzinfo=UTC),
            "source.url": "http://fake.example.com/malware/is/here",
            "classification.type": "malware-distribution",
            "classification.identifier": "url",
            "malware.name": None,
            "evidence.ref": "575c8598-f1f0-4c16-a94a-0612c0a83866",
            "feed.provider": None,
        },
    )


def _ingest_more(node: Node, path: Path) -> tuple[FileSummary, dict[int, dict[str, Any]]]:
    summary = node.pipeline.ingest([path], IngestOptions(owner="CN")).files[0]
    assert summary.format == "misp"
    events = node.store.scan("events").collect()
    events = events.filter(events["evidence.id"] == summary.evidence_id)
    return summary, {r["evidence.record"]: r for r in events.to_dicts()}


def test_stix_bundle_exported_by_misp_is_not_misp(corpus: Path) -> None:
    # head -c 60 FILE -> {"type": "bundle", "spec_version": "2.0", ...
    sample = (corpus / STIX).read_text().splitlines()
    assert parsers.get("misp").sniff(sample) == 0
    assert parsers.detect(sample).name != "misp"
