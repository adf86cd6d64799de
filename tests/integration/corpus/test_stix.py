"""STIX files of the shared corpus, through the whole pipeline: exact counts, each checked by
the independent command in the comment beside it (run from ``../shared/corpus/stix``), and
three records per file field by field (#4).

Every STIX file of the corpus is here: the six OASIS examples in ``stix/`` (STIX 2.1 bundles
from cti-stix2-json-schemas) and ``misp/pymisp_stix2.json`` (a STIX 2.0 bundle PyMISP's tests
use; a STIX document, not a MISP event, so it is read by ``stix``).

Counting rule used by the commands: an object is one record, an indicator with network
observables one record per distinct ``ipv4-addr``/``ipv6-addr``/``domain-name``/``url``
``value =`` comparison of its pattern (``unique`` in jq: the same comparison twice is one).
The files use no other operator on those properties:
  grep -ho "\\(ipv4-addr\\|ipv6-addr\\|domain-name\\|url\\):value [A-Z!<>=]*" oasis_*.json \\
    ../misp/pymisp_stix2.json | sort | uniq -c      -> 28 domain-name:value =, 46 ipv4-addr:value =
and no indicator repeats one (74 = 7 + 1 + 1 + 65, the distinct observables counted below).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.corpus.helpers import check, ingest
from wuzhen.evidence.ingest import FileSummary
from wuzhen.node import Node

pytestmark = pytest.mark.corpus

OBSERVABLES = (
    'jq \'[.objects[] | select(.type=="indicator") | [.pattern | scan("(?:ipv4-addr|'
    "ipv6-addr|domain-name|url):value = \\u0027[^\\u0027]*\\u0027\")] | unique | length]'"
)
TIME_2015 = datetime(2015, 5, 15, 9, 12, 16, 432678, tzinfo=UTC)


def _ingest(node: Node, path: Path) -> tuple[FileSummary, dict[int, dict[str, Any]]]:
    summary, rows = ingest(node, path)
    assert summary.format == "stix"
    return summary, rows


def _counts(f: FileSummary) -> tuple[int, int, int, int, int]:
    return (f.records, f.events, f.duplicates, f.skipped, f.rejects)


def test_apt1(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, corpus / "stix" / "oasis_apt1.json")
    # jq '.objects | length' oasis_apt1.json                                   -> 76
    # $OBSERVABLES oasis_apt1.json  -> [1,1,1,1,1,1,1,0,0,0,0,0]: 7 indicators with one
    #   observable each (records 76 - 7 + 7 = 76), 5 without (file hashes, certificates)
    # jq -c '[.objects[].type] | group_by(.) | map({(.[0]): length}) | add' oasis_apt1.json
    #   -> {"attack-pattern":7,"identity":4,"indicator":12,"intrusion-set":1,"malware":6,
    #       "relationship":30,"report":1,"threat-actor":5,"tool":10}
    assert _counts(f) == (76, 7, 0, 69, 0)
    assert f.skipped_reasons == {
        "pattern without a network observable": 5,
        "attack-pattern object (not a network observable)": 7,
        "identity object (not a network observable)": 4,
        "intrusion-set object (not a network observable)": 1,
        "malware object (not a network observable)": 6,
        "relationship object (not a network observable)": 30,
        "report object (not a network observable)": 1,
        "threat-actor object (not a network observable)": 5,
        "tool object (not a network observable)": 10,
    }
    # Record numbers: python3 -c over the objects, adding max(1, observables) per object
    # -> indicator--031778a4... is record 11, indicator--da1d061b... 12, indicator--2173d108... 13
    # jq -r '.objects[] | select(.id=="indicator--031778a4-057f-48e6-9db9-c8d72b81ccd5") |
    #   [.valid_from, .name, .pattern] | @tsv' oasis_apt1.json
    #   -> 2015-05-15T09:12:16.432678Z  HTRAN Hop Point Accessor
    #      [ipv4-addr:value = '223.166.0.0/15']
    # jq '.objects[] | select(.type=="relationship" and .source_ref=="indicator--031778a4-057f-
    #   48e6-9db9-c8d72b81ccd5") | .target_ref' -> malware--33159b98..., whose name is
    #   "HUC Packet Transmit Tool (HTRAN)"; the same for the other two
    # python -c "import iptocc; print(iptocc.country_code('223.166.0.0'),
    #   iptocc.country_code('223.167.255.255'))" -> CN CN (58.246/15 and 112.64/15 too)
    common = {
        "time.source": TIME_2015,
        "source.ip": None,
        "classification.type": "blacklist",
        "classification.taxonomy": "other",
        "classification.identifier": "stix-indicator:malicious-activity",
        "event_description.text": "HTRAN Hop Point Accessor",
        "malware.name": "huc packet transmit tool (htran)",
        "tlp": "AMBER",  # unmarked: the feed's default
        "feed.name": None,
        "feed.provider": None,  # the indicators name no creator
        "source.registration.cc": "CN",
        "route.member": "CN",
        "route.state": "routed",
    }
    for record, network, ref in [
        (11, "223.166.0.0/15", "indicator--031778a4-057f-48e6-9db9-c8d72b81ccd5"),
        (12, "58.246.0.0/15", "indicator--da1d061b-2bc9-467a-b16f-8d14f468e1f0"),
        (13, "112.64.0.0/15", "indicator--2173d108-5714-42fd-8213-4f3790259fda"),
    ]:
        check(rows[record], {**common, "source.network": network, "evidence.ref": ref})
    # jq -r '.objects[] | select(.type=="indicator") | .pattern' oasis_apt1.json | grep domain
    #   -> hugesoft.org, arrowservice.net, msnhome.org
    assert sorted(r["source.fqdn"] for r in rows.values() if r["source.fqdn"]) == [
        "arrowservice.net",
        "hugesoft.org",
        "msnhome.org",
    ]


def test_indicator_for_c2_ip_address(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, corpus / "stix" / "oasis_indicator-for-c2-ip-address.json")
    # jq '.objects | length' -> 1;  $OBSERVABLES -> [1]
    assert _counts(f) == (1, 1, 0, 0, 0)
    # jq -r '.objects[0] | [.id, .valid_from, .name, .pattern] | @tsv'
    #   -> indicator--33fe3b22-0201-47cf-85d0-97c02164528d  2014-05-08T09:00:00.000000Z
    #      IP Address for known C2 channel  [ipv4-addr:value = '10.0.0.0']
    # 10.0.0.0 is private (RFC 1918): no country, not routed.
    check(
        rows[1],
        {
            "time.source": datetime(2014, 5, 8, 9, 0, tzinfo=UTC),
            "source.ip": "10.0.0.0",
            "source.special_purpose": "private",
            "source.registration.cc": None,
            "route.member": None,
            "route.state": "unrouted",
            "classification.type": "blacklist",
            "classification.identifier": "stix-indicator:malicious-activity",
            "event_description.text": "IP Address for known C2 channel",
            "evidence.ref": "indicator--33fe3b22-0201-47cf-85d0-97c02164528d",
            "tlp": "AMBER",
            "feed.provider": None,
            "malware.name": None,
        },
    )
    assert json.loads(rows[1]["extra"]) == {
        "observable_index": 0,
        "observables": 1,
        "indicator_types": ["malicious-activity"],
    }


def test_indicators_for_c2_with_coa(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, corpus / "stix" / "oasis_indicators-for-C2-with-COA.json")
    # jq '.objects | length' -> 8;  $OBSERVABLES -> [1,0] (the second is a SHA-256 file hash)
    # jq -c '[.objects[].type] | group_by(.) | map({(.[0]): length}) | add'
    #   -> {"course-of-action":1,"identity":1,"indicator":2,"malware":1,"relationship":3}
    assert _counts(f) == (8, 1, 0, 7, 0)
    assert f.skipped_reasons == {
        "pattern without a network observable": 1,
        "course-of-action object (not a network observable)": 1,
        "identity object (not a network observable)": 1,
        "malware object (not a network observable)": 1,
        "relationship object (not a network observable)": 3,
    }
    # jq -r '.objects | to_entries[] | select(.value.type=="indicator") | [.key, .value.id,
    #   .value.created_by_ref, .value.valid_from] | @tsv'
    #   -> 2 indicator--53fe3b22-0201-47cf-85d0-97c02164528d identity--f690c992...
    #      2014-05-08T09:00:00.000000Z
    # jq -r '.objects[] | select(.id=="identity--f690c992-8e7d-4b9a-9303-3312616c0220") |
    #   [.name, .identity_class] | @tsv' -> The MITRE Corporation - DHS Support Team  organization
    # jq -r '.objects[] | select(.relationship_type=="indicates" and .source_ref==
    #   "indicator--53fe3b22-0201-47cf-85d0-97c02164528d") | .target_ref' -> malware--fdd60b30...
    #   (name "Poison Ivy")
    check(
        rows[3],
        {
            "time.source": datetime(2014, 5, 8, 9, 0, tzinfo=UTC),
            "source.ip": "10.0.0.0",
            "route.state": "unrouted",
            "classification.type": "blacklist",
            "classification.identifier": "stix-indicator:malicious-activity",
            "event_description.text": "IP Address for known C2 channel",
            "evidence.ref": "indicator--53fe3b22-0201-47cf-85d0-97c02164528d",
            "malware.name": "poison ivy",
            "feed.provider": "The MITRE Corporation - DHS Support Team",
            "tlp": "AMBER",
        },
    )


def test_infrastructure(corpus: Path, sqlite_node: Node) -> None:
    f, _ = _ingest(sqlite_node, corpus / "stix" / "oasis_infrastructure.json")
    # jq -c '[.objects[].type] | group_by(.) | map({(.[0]): length}) | add'
    #   -> {"domain-name":1,"infrastructure":2,"ipv4-addr":1,"malware":2,"relationship":4}
    # No indicator, observed-data or sighting: the SCOs are related to infrastructure only.
    assert _counts(f) == (10, 0, 0, 10, 0)
    assert f.skipped_reasons == {
        "domain-name object (observable: evidence only when observed-data names it)": 1,
        "ipv4-addr object (observable: evidence only when observed-data names it)": 1,
        "infrastructure object (not a network observable)": 2,
        "malware object (not a network observable)": 2,
        "relationship object (not a network observable)": 4,
    }


def test_malicious_email_indicator_with_attachment(corpus: Path, sqlite_node: Node) -> None:
    path = corpus / "stix" / "oasis_malicious-email-indicator-with-attachment.json"
    f, _ = _ingest(sqlite_node, path)
    # jq '.objects | length' -> 6;  $OBSERVABLES -> [0,0] (email-message MATCHES patterns)
    # jq -c '[.objects[].type] | group_by(.) | map({(.[0]): length}) | add'
    #   -> {"attack-pattern":1,"identity":1,"indicator":2,"relationship":2}
    assert _counts(f) == (6, 0, 0, 6, 0)
    assert f.skipped_reasons == {
        "pattern without a network observable": 2,
        "attack-pattern object (not a network observable)": 1,
        "identity object (not a network observable)": 1,
        "relationship object (not a network observable)": 2,
    }


def test_poisonivy(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, corpus / "stix" / "oasis_poisonivy.json")
    # jq '.objects | length' -> 155
    # $OBSERVABLES | jq 'map(select(. > 0)) | [length, add]' -> [23, 65]:
    #   records 155 - 23 + 65 = 197
    # jq '[.objects[] | select(.type=="indicator") | .pattern | scan("domain-name:value =
    #   \u0027[^\u0027]* [^\u0027]*\u0027")]' -> ["domain-name:value = 'domain autuo.xicp.net'"]
    #   (a name with a blank: the one reject; events 65 - 1 = 64)
    # jq -c '[.objects[].type] | group_by(.) | map({(.[0]): length}) | add'
    #   -> {"attack-pattern":3,"campaign":3,"course-of-action":1,"identity":1,"indicator":25,
    #       "malware":25,"relationship":90,"report":1,"vulnerability":6}
    assert _counts(f) == (197, 64, 0, 132, 1)
    assert f.reject_reasons == {"domain-name value is not a host name": 1}
    assert f.skipped_reasons == {
        "pattern without a network observable": 2,
        "attack-pattern object (not a network observable)": 3,
        "campaign object (not a network observable)": 3,
        "course-of-action object (not a network observable)": 1,
        "identity object (not a network observable)": 1,
        "malware object (not a network observable)": 25,
        "relationship object (not a network observable)": 90,
        "report object (not a network observable)": 1,
        "vulnerability object (not a network observable)": 6,
    }
    # Record numbers (python3 -c over the objects as in test_apt1): indicator--e8094b09... is
    # record 34, indicator--329ae6e9... records 35-40 (6 observables), the indicator with
    # 'domain autuo.xicp.net' (indicator--4e4c4ad7...) records 73-74.
    # jq -r '.objects[] | select(.id=="indicator--329ae6e9-25bd-49e8-89d1-aae4ca52e4a7") |
    #   [.valid_from, .name, .pattern] | @tsv' -> 2015-05-15T09:12:16.432678Z
    #   www.webserver.dynssl.com  [domain-name:value = 'www.webserver.dynssl.com' OR ipv4-addr:
    #   value = '113.10.246.30' OR ... '219.90.112.203' ... '75.126.95.138' ... '219.90.112.197'
    #   ... '202.65.222.45']
    # python -c "import iptocc; print([iptocc.country_code(a) for a in ('219.76.208.163',
    #   '75.126.95.138', '60.10.1.115')])" -> ['HK', 'US', 'CN']  (CN answers for HK)
    common = {
        "time.source": TIME_2015,
        "classification.type": "blacklist",
        "classification.identifier": "stix-indicator:malicious-activity",
        "tlp": "AMBER",
        "feed.provider": None,
    }
    check(
        rows[34],
        {
            **common,
            "source.ip": "219.76.208.163",
            "event_description.text": "IP address: 219.76.208.163",
            "evidence.ref": "indicator--e8094b09-7df4-4b13-b207-1e27af3c4bde",
            "malware.name": "pivy variant (808e21d6efa2884811fbd0adf67fda78)",
            "source.registration.cc": "HK",
            "route.member": "CN",
        },
    )
    dynssl = "indicator--329ae6e9-25bd-49e8-89d1-aae4ca52e4a7"
    assert [rows[r]["evidence.ref"] for r in range(35, 41)] == [dynssl] * 6
    assert [(rows[r]["source.fqdn"], rows[r]["source.ip"]) for r in range(35, 41)] == [
        ("www.webserver.dynssl.com", None),
        (None, "113.10.246.30"),
        (None, "219.90.112.203"),
        (None, "75.126.95.138"),
        (None, "219.90.112.197"),
        (None, "202.65.222.45"),
    ]
    assert [json.loads(rows[r]["extra"])["observable_index"] for r in range(35, 41)] == list(
        range(6)
    )
    check(
        rows[38],
        {
            **common,
            "event_description.text": "www.webserver.dynssl.com",
            "malware.name": "pivy variant (8010cae3e8431bb11ed6dc9acabb93b7,)",
            "source.registration.cc": "US",
            "route.member": "US",
        },
    )
    # The domain is not routed: names are never routed on by default.
    assert (rows[35]["route.state"], rows[35]["source.tld.cc"]) == ("unrouted", None)
    check(
        rows[74],
        {
            **common,
            "source.ip": "60.10.1.115",
            "evidence.ref": "indicator--4e4c4ad7-4909-456a-b6fa-e24a6f682a40",
            "source.registration.cc": "CN",
            "route.member": "CN",
        },
    )
    assert 73 not in rows
    reject = sqlite_node.store.scan("rejects").collect().to_dicts()
    assert [(r["evidence.record"], r["reason"]) for r in reject] == [
        (73, "domain-name value is not a host name")
    ]
    assert "domain autuo.xicp.net" in reject[0]["raw"]
    # jq -r '.objects[] | select(.relationship_type=="indicates" and .source_ref==
    #   "indicator--9842a3b9-fc5b-44c4-bb48-578cf6f728d9") | .target_ref |
    #   select(startswith("malware--"))' | wc -l -> 3 (and a campaign): several families, so no
    #   malware.name (all three in extra.malware)
    several = [
        r
        for r in rows.values()
        if r["evidence.ref"] == "indicator--9842a3b9-fc5b-44c4-bb48-578cf6f728d9"
    ]
    assert [r["malware.name"] for r in several] == [None, None]
    assert len(json.loads(several[0]["extra"])["malware"]) == 3


def test_pymisp_stix2(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, corpus / "misp" / "pymisp_stix2.json")
    # jq -c '[.objects[].type]' ../misp/pymisp_stix2.json -> ["identity","report","observed-data"]
    # jq -c '.objects[2].objects' -> {"0":{"type":"ipv4-addr","value":"8.8.8.8"},
    #   "1":{"type":"network-traffic","src_ref":"0","protocols":["ipv4"]}}: one source observable
    assert _counts(f) == (3, 1, 0, 2, 0)
    assert f.skipped_reasons == {
        "identity object (not a network observable)": 1,
        "report object (not a network observable)": 1,
    }
    # jq -r '.objects[2] | [.id, .first_observed, .created_by_ref] | @tsv'
    #   -> observed-data--0853d51f-0fe7-4d35-b3cb-b96bdbc1f0ee 2021-08-24T10:53:13Z
    #      identity--5d397c4b...
    # jq -r '.objects[0] | [.name, .identity_class] | @tsv' -> ORGNAME  organization
    # python -c "import iptocc; print(iptocc.country_code('8.8.8.8'))" -> US
    check(
        rows[3],
        {
            "time.source": datetime(2021, 8, 24, 10, 53, 13, tzinfo=UTC),
            "source.ip": "8.8.8.8",
            "source.port": None,
            "protocol.transport": None,  # "ipv4" is no transport
            "classification.type": "undetermined",
            "classification.taxonomy": "other",
            "classification.identifier": "stix-observed-data",
            "evidence.ref": "observed-data--0853d51f-0fe7-4d35-b3cb-b96bdbc1f0ee",
            "feed.provider": "ORGNAME",
            "tlp": "AMBER",
            "source.registration.cc": "US",
            "route.member": "US",
        },
    )
    extra = json.loads(rows[3]["extra"])
    assert (extra["object"], extra["number_observed"]) == ("1", 1)


def test_every_stix_file_of_the_corpus_is_covered(corpus: Path) -> None:
    # ls ../shared/corpus/stix/*.json -> the six oasis_*.json files tested above
    assert sorted(p.name for p in (corpus / "stix").glob("*.json")) == [
        "oasis_apt1.json",
        "oasis_indicator-for-c2-ip-address.json",
        "oasis_indicators-for-C2-with-COA.json",
        "oasis_infrastructure.json",
        "oasis_malicious-email-indicator-with-attachment.json",
        "oasis_poisonivy.json",
    ]
