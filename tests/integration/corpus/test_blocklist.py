"""Plain blocklists and list publishers' line formats of the shared corpus, through the whole
pipeline: exact counts, each checked by the independent command in the comment beside it (run
from ``../shared/corpus/threatfeeds/intelmq_fixtures``), and three records per file (all of
them where a file has fewer) field by field.

Every file of these formats in the corpus is here: ``blocklistde_imap.txt`` (a plain list),
``bambenek_c2-ipmasterlist.txt``, the five ``dataplane_*.txt`` reports and ``dshield_block.txt``.
(Spamhaus' bare CIDR copies, also read as plain lists, are in ``test_spamhaus.py``.) The other
``intelmq_fixtures`` files are other feeds' formats and are not claimed here: AlienVault OTX,
CERT-EU CSV, Team Cymru, Microsoft CTIP, Shodan, HTML tables, DShield's AS details page and
MISP (the ``misp`` parser's).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.corpus.helpers import check, ingest
from wuzhen.evidence.ingest import FileSummary
from wuzhen.node import Node

pytestmark = pytest.mark.corpus

FIXTURES = "threatfeeds/intelmq_fixtures"
BAD_DATAPLANE = "not a dataplane record (ASN | ASname | ipaddr | [firstseen |] lastseen | category)"


def _ingest(node: Node, name: str, corpus: Path) -> tuple[FileSummary, dict[int, dict[str, Any]]]:
    return ingest(node, corpus / FIXTURES / name)


def test_blocklistde(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, "blocklistde_imap.txt", corpus)
    assert f.format == "blocklist"
    # grep -c . FILE; grep -cE '^[0-9.]+$' FILE                                         -> 6, 6
    assert (f.records, f.events, f.skipped, f.rejects, f.duplicates) == (6, 6, 0, 0, 0)
    # sed -n '1p;2p;6p' FILE: 192.0.2.4, 192.0.2.45, 203.0.113.254 (documentation addresses:
    # no country, unrouted)
    for record, ip in ((1, "192.0.2.4"), (2, "192.0.2.45"), (6, "203.0.113.254")):
        check(
            rows[record],
            {
                "source.ip": ip,
                "time.source": None,
                "classification.taxonomy": "other",
                "classification.type": "blacklist",
                "classification.identifier": "blocklist",
                "source.special_purpose": "documentation",
                "source.registration.cc": None,
                "route.state": "unrouted",
                "feed.name": None,
                "tlp": "AMBER",
                "extra": None,
            },
        )


def test_bambenek(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, "bambenek_c2-ipmasterlist.txt", corpus)
    assert f.format == "bambenek"
    # grep -c . FILE                                                                    -> 17
    assert f.records == 17
    # grep -vc '^#' FILE                                                                 -> 1
    assert f.events == 1
    # grep -c '^#' FILE                                                                  -> 16
    assert dict(f.skipped_reasons) == {"comment line": 16}
    assert (f.rejects, f.duplicates) == (0, 0)
    # sed -n 17p FILE: 213.247.47.190,IP used by shiotob/urlzone/bebloh C&C,2016-11-12 18:02,...
    check(
        rows[17],
        {
            "time.source": datetime(2016, 11, 12, 18, 2, tzinfo=UTC),
            "source.ip": "213.247.47.190",
            "classification.taxonomy": "malicious-code",
            "classification.type": "c2-server",
            "classification.identifier": "bambenek-c2",
            "malware.name": "shiotob/urlzone/bebloh",
            "event_description.text": "IP used by shiotob/urlzone/bebloh C&C",
            "source.registration.cc": "NL",
            # its licence forbids passing it on (the catalogue): kept with the owner
            "route.member": None,
            "feed.provider": "Bambenek Consulting",
            "tlp": "AMBER+STRICT",
            "extra": '{"manual":"http://osint.bambenekconsulting.com/manual/bebloh.txt"}',
        },
    )


def test_dshield_block(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, "dshield_block.txt", corpus)
    assert f.format == "dshield-block"
    # grep -c '[^[:space:]]' FILE (blank lines are not records)                          -> 36
    assert f.records == 36
    # grep -c $'^[0-9.]*\t' FILE                                                         -> 2
    assert f.events == 2
    assert dict(f.skipped_reasons) == {
        # grep -c '^#' FILE                                                              -> 33
        "comment line": 33,
        # grep -c '^Start' FILE                                                          -> 1
        "column header": 1,
    }
    assert (f.rejects, f.duplicates) == (0, 0)
    # grep -n updated FILE: "#    updated: Tue Dec 15 15:33:38 2015 UTC" (the list's time)
    updated = datetime(2015, 12, 15, 15, 33, 38, tzinfo=UTC)
    common = {
        "time.source": updated,
        "classification.taxonomy": "information-gathering",
        "classification.type": "scanner",
        "classification.identifier": "dshield-block",
        "feed.provider": "DShield",
        "tlp": "AMBER",
    }
    # sed -n 32p FILE: 43.229.53.0 43.229.53.255 24 788 Japan Inet JP admin@v6nic.net
    # (the block is registered in HK today: attribution wins over the stated JP; HK is CN's)
    check(
        rows[32],
        {
            **common,
            "source.network": "43.229.53.0/24",
            "source.registration.cc": "HK",
            "route.member": "CN",
            "extra": '{"attacks":788,"network_name":"Japan Inet"}',
        },
    )
    assert "v6nic" not in (rows[32]["extra"] or "")  # the contact address is not kept
    # sed -n 33p FILE: 194.63.140.0 194.63.140.255 24 585 (no name, country, e-mail)
    check(
        rows[33],
        {
            **common,
            "source.network": "194.63.140.0/24",
            "source.registration.cc": "VG",
            "route.member": "GB",
            "extra": '{"attacks":585}',
        },
    )


DATAPLANE = {"feed.provider": "DataPlane.org", "tlp": "AMBER", "source.port": None}


def test_dataplane_sshpwauth(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, "dataplane_sshpwauth.txt", corpus)
    assert f.format == "dataplane"
    # grep -c . FILE; grep -c '^#' FILE; grep -vc '^#' FILE                          -> 77, 74, 3
    assert (f.records, f.skipped, f.events) == (77, 74, 3)
    assert dict(f.skipped_reasons) == {"comment line": 74}
    assert (f.rejects, f.duplicates) == (0, 0)
    common = {
        **DATAPLANE,
        "classification.taxonomy": "intrusion-attempts",
        "classification.type": "brute-force",
        "classification.identifier": "dataplane:sshpwauth",
        "protocol.application": "ssh",
        "protocol.transport": "tcp",
        "feed.name": "sshpwauth",
    }
    # sed -n 71p FILE: NA | NA | 170.239.104.183 | 2016-12-01 04:26:48 | sshpwauth
    check(
        rows[71],
        {
            **common,
            "time.source": datetime(2016, 12, 1, 4, 26, 48, tzinfo=UTC),
            "source.ip": "170.239.104.183",
            "source.asn": 266355,  # attribution: the record states none
            "source.registration.cc": "BR",
            "route.member": "BR",
        },
    )
    # sed -n 72p FILE: 4134 | CHINANET-BACKBONE No.31,Jin-ro | 117.21.224.121 | 2016-12-06 ...
    check(
        rows[72],
        {
            **common,
            "time.source": datetime(2016, 12, 6, 2, 35, 38, tzinfo=UTC),
            "source.ip": "117.21.224.121",
            "source.asn": 4134,
            "source.registration.cc": "CN",
            "route.member": "CN",
        },
    )
    # sed -n 73p FILE: 1 | TEST-AS company | With | pipe | 1.2.3.4 | 2024-04-02 12:00:00 | ...
    # (awk -F'|' '{print NF}' gives 7: the AS name holds two "|"; it is read whole)
    check(
        rows[73],
        {
            **common,
            "time.source": datetime(2024, 4, 2, 12, tzinfo=UTC),
            "source.ip": "1.2.3.4",
            "source.asn": 1,
            "source.as_name": "TEST-AS company | With | pipe",
            "source.registration.cc": "AU",
            "route.member": "AU",
        },
    )


def test_dataplane_sshclient(corpus: Path, sqlite_node: Node) -> None:
    f, rows = _ingest(sqlite_node, "dataplane_sshclient.txt", corpus)
    # grep -c . FILE; grep -c '^#' FILE                                                 -> 72, 69
    # grep -v '^#' FILE | awk -F'|' '{print NF}': 5, 5 and 3 (a cut row)                -> 2 + 1
    assert (f.format, f.records, f.skipped, f.events, f.rejects) == ("dataplane", 72, 69, 2, 1)
    assert dict(f.reject_reasons) == {BAD_DATAPLANE: 1}
    rejects = sqlite_node.store.scan("rejects").collect()
    # sed -n 68p FILE
    assert rejects.select("evidence.record", "raw").rows() == [
        (68, "14080 | Telmex Colombia S.A., CO |")
    ]
    common = {
        **DATAPLANE,
        "classification.taxonomy": "information-gathering",
        "classification.type": "scanner",
        "classification.identifier": "dataplane:sshclient",
        "protocol.application": "ssh",
        "feed.name": "sshclient",
    }
    # sed -n 66p FILE: NA | NA | 5.157.7.82 | 2016-12-01 20:41:09 | sshclient
    check(
        rows[66],
        {
            **common,
            "time.source": datetime(2016, 12, 1, 20, 41, 9, tzinfo=UTC),
            "source.ip": "5.157.7.82",
            "source.registration.cc": "SC",
            "source.geolocation.cc": "SE",
            "route.member": "SC",
        },
    )
    # sed -n 67p FILE: 394472 | SWOI-ASN - SWOI, US | 104.241.232.238 | 2016-12-05 01:49:19 | ...
    check(
        rows[67],
        {
            **common,
            "time.source": datetime(2016, 12, 5, 1, 49, 19, tzinfo=UTC),
            "source.ip": "104.241.232.238",
            "source.asn": 394472,
            "source.registration.cc": "US",
            "route.member": "US",
        },
    )


@pytest.mark.parametrize(
    ("name", "record", "expected"),
    [
        # grep -c . FILE; grep -c '^#' FILE -> 72, 71; sed -n 72p FILE:
        # 1 | LVLT-1 | 45.6.192.1 | 2021-08-28 05:00:18 | 2021-08-28 05:00:18 | proto41
        (
            "dataplane_proto41.txt",
            72,
            {
                "time.source": datetime(2021, 8, 28, 5, 0, 18, tzinfo=UTC),
                "source.ip": "45.6.192.1",
                # attribution finds AS266545: the record's AS1 name "LVLT-1" is not its name
                "source.asn": 266545,
                "source.as_name": None,
                "classification.type": "potentially-unwanted-accessible",
                "classification.identifier": "dataplane:proto41",
                "protocol.application": "6to4",
                "source.registration.cc": "BR",
                "route.member": "BR",
                "extra": '{"first_seen":"2021-08-28T05:00:18Z"}',
            },
        ),
        # grep -c . FILE; grep -c '^#' FILE -> 69, 68; sed -n 69p FILE:
        # 1 | LVLT-1 | 24.220.77.46 | 2021-08-31 23:50:46 | telnetlogin
        (
            "dataplane_telnetlogin.txt",
            69,
            {
                "time.source": datetime(2021, 8, 31, 23, 50, 46, tzinfo=UTC),
                "source.ip": "24.220.77.46",
                "classification.type": "brute-force",
                "classification.identifier": "dataplane:telnetlogin",
                "protocol.application": "telnet",
                "source.registration.cc": "US",
                "route.member": "US",
            },
        ),
        # grep -c . FILE; grep -c '^#' FILE -> 69, 68; sed -n 69p FILE:
        # 3 | MIT-GATEWAYS | 128.31.0.13 | 2021-09-03 10:03:03 | vncrfb
        (
            "dataplane_vncrfb.txt",
            69,
            {
                "time.source": datetime(2021, 9, 3, 10, 3, 3, tzinfo=UTC),
                "source.ip": "128.31.0.13",
                "source.asn": 3,
                "source.as_name": "MIT-GATEWAYS",
                "classification.type": "scanner",
                "classification.identifier": "dataplane:vncrfb",
                "protocol.application": "vnc",
                "source.registration.cc": "US",
                "route.member": "US",
            },
        ),
    ],
)
def test_dataplane_single_row_reports(
    corpus: Path, sqlite_node: Node, name: str, record: int, expected: dict[str, Any]
) -> None:
    f, rows = _ingest(sqlite_node, name, corpus)
    assert (f.format, f.records, f.events, f.skipped, f.rejects) == (
        "dataplane",
        record,
        1,
        record - 1,
        0,
    )
    assert dict(f.skipped_reasons) == {"comment line": record - 1}
    check(rows[record], {**DATAPLANE, **expected})
