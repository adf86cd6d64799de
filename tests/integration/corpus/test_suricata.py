"""Suricata EVE files of the shared corpus, through the whole pipeline: exact counts, each
checked by the independent command in the comment beside it (run from
``../shared/corpus/suricata_eve``), and three records per file field by field.

Every EVE file of the corpus is here: the three FrankHassanabad alert sets, each as the JSON
array it was published as (``*_alerts-only.json``) and re-serialized one object per line
(``*.ndjson``: the same data must give the same events); Elastic's ``eve-small.log`` (one
record of each kind) and suricata-verify's expected ``eve.json`` for the fileinfo test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.corpus.helpers import check, ingest
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.node import Node

pytestmark = pytest.mark.corpus

DIR = "suricata_eve"
FIRST = "frankhassanabad_first-org-conf-2015_alerts-only"
W2017 = "frankhassanabad_wrccdc-2017_alerts-only"
W2018 = "frankhassanabad_wrccdc-2018_alerts-only"
ELASTIC = "elastic-beats_eve-small.log"
VERIFY = "suricata-verify_output-eve-fileinfo_expected_eve.json"


def _utc(year: int, month: int, day: int, hour: int, minute: int, second: int, us: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


# Each alert set: (format by extension, records).
# jq length FIRST.json -> 136; wc -l < FIRST.ndjson -> 136
# jq length W2017.json -> 161; wc -l < W2017.ndjson -> 161
# jq length W2018.json -> 207; wc -l < W2018.ndjson -> 207
# Every record is an alert, so every record is an event:
# jq '[.[] | select(.event_type == "alert")] | length' X.json -> 136, 161, 207
# grep -c '"event_type":"alert"' X.ndjson                     -> 136, 161, 207
# jq -c . X.ndjson > /dev/null && echo ok (every line is JSON) -> ok
# sort X.ndjson | uniq -d | wc -l (no line repeats: no duplicates) -> 0
ALERT_SETS = [(FIRST, 136), (W2017, 161), (W2018, 207)]


@pytest.mark.parametrize(("stem", "count"), ALERT_SETS)
@pytest.mark.parametrize(
    ("suffix", "fmt"), [(".json", "suricata-eve-array"), (".ndjson", "suricata-eve")]
)
def test_alert_set_counts(
    corpus: Path, sqlite_node: Node, stem: str, count: int, suffix: str, fmt: str
) -> None:
    f, rows = ingest(sqlite_node, corpus / DIR / f"{stem}{suffix}")
    assert f.format == fmt
    assert (f.records, f.events, f.duplicates, f.skipped, f.rejects) == (count, count, 0, 0, 0)
    assert {r["classification.type"] for r in rows.values()} == {"ids-alert"}
    assert {r["classification.taxonomy"] for r in rows.values()} == {"intrusion-attempts"}


# jq -c '.[N-1] | [.timestamp, .src_ip, .src_port, .dest_ip, .dest_port, .proto, .app_proto,
#   .alert.gid, .alert.signature_id, .alert.signature]' X.json   (the same as sed -n Np X.ndjson)
EXPECTED: dict[str, dict[int, dict[str, Any]]] = {
    FIRST: {
        # ["2015-03-29T11:01:38.221126-0600","222.186.56.46",4904,"192.168.0.2",22,"TCP",null,
        #  1,2001219,"ET SCAN Potential SSH Scan"]
        1: {
            "time.source": _utc(2015, 3, 29, 17, 1, 38, 221126),
            "source.ip": "222.186.56.46",
            "source.port": 4904,
            "destination.ip": "192.168.0.2",
            "destination.port": 22,
            "protocol.transport": "tcp",
            "protocol.application": None,
            "classification.identifier": "suricata:1:2001219",
            "event_description.text": "ET SCAN Potential SSH Scan",
            "source.registration.cc": "CN",
            "route.member": "CN",
            "route.state": "routed",
        },
        # ["2015-03-25T04:07:53.803407-0600","104.246.96.148",22054,"192.168.0.54",55269,"UDP",
        #  "failed",1,2003311,"ET P2P Edonkey Publicize File ACK"]
        7: {
            "time.source": _utc(2015, 3, 25, 10, 7, 53, 803407),
            "source.ip": "104.246.96.148",
            "source.port": 22054,
            "destination.ip": "192.168.0.54",
            "destination.port": 55269,
            "protocol.transport": "udp",
            "protocol.application": None,
            "classification.identifier": "suricata:1:2003311",
            "source.registration.cc": "US",
            "route.member": "US",
        },
        # ["2015-04-07T21:27:02.538121-0600","217.172.189.243",80,"192.168.0.53",2042,"TCP",
        #  "http",1,2009897,"ET TROJAN Possible Windows executable sent when remote host ..."]
        17: {
            "time.source": _utc(2015, 4, 8, 3, 27, 2, 538121),
            "source.ip": "217.172.189.243",
            "source.port": 80,
            "destination.ip": "192.168.0.53",
            "destination.port": 2042,
            "protocol.transport": "tcp",
            "protocol.application": "http",
            "classification.identifier": "suricata:1:2009897",
            "source.registration.cc": "DE",
            "route.member": "DE",
        },
    },
    W2017: {
        # ["2017-03-25T16:49:58.856335-0600","84.92.227.177",6668,"10.192.19.6",57966,"TCP",
        #  "ftp",1,2000355,"ET CHAT IRC authorization message"]
        # jq -c '.[0].alert | [.category, .severity, .rev]' -> ["Misc activity",3,5]
        1: {
            "time.source": _utc(2017, 3, 25, 22, 49, 58, 856335),
            "source.ip": "84.92.227.177",
            "source.port": 6668,
            "destination.ip": "10.192.19.6",
            "destination.port": 57966,
            "protocol.transport": "tcp",
            "protocol.application": "ftp",
            "classification.identifier": "suricata:1:2000355",
            "event_description.text": "ET CHAT IRC authorization message",
            "source.registration.cc": "GB",
            "route.member": "GB",
            "extra": '{"category":"Misc activity","severity":3,"action":"allowed","rev":5,'
            '"flow_id":1127398650588751,"app_proto":"ftp"}',
        },
        # ["2017-03-25T16:39:27.566904-0600","10.47.1.2",23,"10.192.0.158",36887,"TCP",
        #  "failed",1,2001239,"ET POLICY Cisco Device in Config Mode"]
        2: {
            "time.source": _utc(2017, 3, 25, 22, 39, 27, 566904),
            "source.ip": "10.47.1.2",
            "source.port": 23,
            "destination.port": 36887,
            "protocol.application": None,
            "classification.identifier": "suricata:1:2001239",
            "source.registration.cc": None,
            "route.member": None,
            "route.state": "unrouted",
        },
        # ["2017-03-25T16:02:21.432068-0600","10.93.1.1",54134,"255.255.255.255",69,"UDP",
        #  "failed",1,2008119,"ET TFTP Outbound TFTP Error Message"]
        19: {
            "time.source": _utc(2017, 3, 25, 22, 2, 21, 432068),
            "source.ip": "10.93.1.1",
            "destination.ip": "255.255.255.255",
            "destination.port": 69,
            "protocol.transport": "udp",
            "classification.identifier": "suricata:1:2008119",
            "route.state": "unrouted",
        },
    },
    W2018: {
        # ["2018-03-24T14:37:19.037299-0600","0.0.0.0",26078,"10.47.8.150",22,"TCP",null,
        #  1,2001219,"ET SCAN Potential SSH Scan"]
        1: {
            "time.source": _utc(2018, 3, 24, 20, 37, 19, 37299),
            "source.ip": "0.0.0.0",
            "source.port": 26078,
            "destination.ip": "10.47.8.150",
            "destination.port": 22,
            "classification.identifier": "suricata:1:2001219",
            "source.registration.cc": None,
            "route.state": "unrouted",
        },
        # ["2018-03-23T15:58:25.400773-0600","23.75.4.57",80,"10.47.5.152",52691,"TCP","http",
        #  1,2012692,"ET POLICY Microsoft user-agent automated process response to ..."]
        25: {
            "time.source": _utc(2018, 3, 23, 21, 58, 25, 400773),
            "source.ip": "23.75.4.57",
            "source.port": 80,
            "destination.ip": "10.47.5.152",
            "destination.port": 52691,
            "protocol.application": "http",
            "classification.identifier": "suricata:1:2012692",
            "source.registration.cc": "US",
            "route.member": "US",
        },
        # ["2018-03-24T15:36:43.576629-0600","134.119.3.164",9001,"10.47.44.68",50049,"TCP",
        #  "tls",1,2018789,"ET POLICY TLS possible TOR SSL traffic"]
        59: {
            "time.source": _utc(2018, 3, 24, 21, 36, 43, 576629),
            "source.ip": "134.119.3.164",
            "source.port": 9001,
            "destination.ip": "10.47.44.68",
            "destination.port": 50049,
            "protocol.transport": "tcp",
            "protocol.application": "tls",
            "classification.identifier": "suricata:1:2018789",
            "event_description.text": "ET POLICY TLS possible TOR SSL traffic",
            "source.registration.cc": "DE",
            "route.member": "DE",
        },
    },
}


@pytest.mark.parametrize("stem", [FIRST, W2017, W2018])
@pytest.mark.parametrize("suffix", [".json", ".ndjson"])
def test_alert_set_records(corpus: Path, sqlite_node: Node, stem: str, suffix: str) -> None:
    _, rows = ingest(sqlite_node, corpus / DIR / f"{stem}{suffix}")
    for record, expected in EXPECTED[stem].items():
        check(rows[record], expected)


@pytest.mark.parametrize(("stem", "count"), ALERT_SETS)
def test_array_and_lines_are_the_same_events(
    corpus: Path, sqlite_node: Node, stem: str, count: int
) -> None:
    # The array's elements, re-serialized compactly, are byte-identical to the .ndjson lines:
    # cmp <(jq -c '.[]' X.json) X.ndjson && echo same                           -> same
    # so the second file's events are the first's: all duplicates, nothing new stored.
    first = sqlite_node.pipeline.ingest([corpus / DIR / f"{stem}.json"], IngestOptions(owner="CN"))
    second = sqlite_node.pipeline.ingest(
        [corpus / DIR / f"{stem}.ndjson"], IngestOptions(owner="CN")
    )
    assert (first.files[0].events, first.files[0].duplicates) == (count, 0)
    assert (second.files[0].events, second.files[0].duplicates) == (0, count)
    assert sqlite_node.store.scan("events").collect().height == count


def test_elastic_eve_small(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / DIR / ELASTIC)
    assert f.format == "suricata-eve"
    # wc -l < elastic-beats_eve-small.log                                             -> 8
    assert f.records == 8
    # jq -r .event_type FILE | sort | uniq -c
    #   -> 1 each of alert, dns, fileinfo, flow, http, ssh, stats, tls
    assert (f.events, f.duplicates, f.rejects) == (1, 0, 0)
    assert f.skipped == 7
    # jq -c '[.event_type, .flow.state, .flow.alerted, .ssh.client.software_version,
    #   .http.url]' FILE: the flow is UDP (DHCPv6 to ff02::1:2), new, not alerted; the SSH
    #   client is OpenSSH_7.6; the HTTP request is GET /dd.xml (status 200)
    assert dict(f.skipped_reasons) == {
        "SSH session metadata": 1,
        "normal HTTP request": 1,
        "fileinfo record is not evidence": 1,
        "DNS query or answer": 1,
        "sensor statistics": 1,
        "TLS handshake": 1,
        "normal flow": 1,
    }
    # sed -n 2p FILE | jq -c '[.timestamp, .src_ip, .src_port, .dest_ip, .dest_port, .proto,
    #   .app_proto, .alert.gid, .alert.signature_id, .alert.signature]'
    # -> ["2018-07-05T15:07:20.910626-0400","192.168.86.85",55641,"192.168.156.70",443,"TCP",
    #     "tls",1,2024833,"ET POLICY Observed IP Lookup Domain (l2 .io in TLS SNI)"]
    # (the file's only evidence; its other records are checked by their skip reasons above)
    check(
        rows[2],
        {
            "time.source": _utc(2018, 7, 5, 19, 7, 20, 910626),
            "source.ip": "192.168.86.85",
            "source.port": 55641,
            "destination.ip": "192.168.156.70",
            "destination.port": 443,
            "protocol.transport": "tcp",
            "protocol.application": "tls",
            "classification.taxonomy": "intrusion-attempts",
            "classification.type": "ids-alert",
            "classification.identifier": "suricata:1:2024833",
            "event_description.text": "ET POLICY Observed IP Lookup Domain (l2 .io in TLS SNI)",
            "source.registration.cc": None,
            "route.state": "unrouted",
            "extra": '{"category":"Potential Corporate Privacy Violation","severity":1,'
            '"action":"allowed","rev":3,"flow_id":904992230150281,"app_proto":"tls"}',
        },
    )


def test_suricata_verify_fileinfo(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / DIR / VERIFY)
    # The name ends in .json but the file is one EVE object per line, not an array.
    assert f.format == "suricata-eve"
    # wc -l < FILE -> 1; jq -r .event_type FILE -> fileinfo
    assert (f.records, f.events, f.skipped, f.rejects) == (1, 0, 1, 0)
    assert dict(f.skipped_reasons) == {"fileinfo record is not evidence": 1}
    assert rows == {}
