"""Spamhaus lists of the shared corpus, through the whole pipeline: exact counts, each checked
by the independent command in the comment beside it (run from ``../shared/corpus/threatfeeds``),
and three records per file (all of them where a file has fewer) field by field.

Every Spamhaus file of the corpus is here: IntelMQ's ``intelmq_fixtures/spamhaus_drop.txt``,
``spamhaus_asndrop.txt`` (the text ASN-DROP) and ``spamhaus_cert.txt`` (the CERT feed), and the
``spamhaus/`` copies of 2024: ``asn_drop.json`` (ASN-DROP, JSON lines) and ``drop.txt``,
``drop_ipv6.txt``, ``edrop.txt``. Those three copies dropped the header and the ``; SBL`` part
of every line: nothing in them says Spamhaus, so they are read as plain blocklists unless the
operator names the format (``--format spamhaus-drop``); both ways are checked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.corpus.helpers import check, ingest
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.node import Node

pytestmark = pytest.mark.corpus

FIXTURES = "threatfeeds/intelmq_fixtures"
LISTS = "threatfeeds/spamhaus"
MODIFIED_2015 = datetime(2015, 9, 14, 4, 39, 22, tzinfo=UTC)  # "; Last-Modified: Mon, 14 Sep..."


BLACKLIST = {
    "classification.taxonomy": "other",
    "classification.type": "blacklist",
    "feed.provider": "Spamhaus",
    # the feed's default AMBER, made AMBER+STRICT by its terms (the catalogue's Spamhaus
    # entries may not be passed on): the records carry no marking
    "tlp": "AMBER+STRICT",
}


def test_drop_text(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / FIXTURES / "spamhaus_drop.txt")
    assert f.format == "spamhaus-drop"
    # grep -c . FILE                                                                    -> 6
    assert f.records == 6
    # grep -c '; SBL' FILE                                                               -> 2
    assert f.events == 2
    # grep -c '^;' FILE                                                                  -> 4
    assert dict(f.skipped_reasons) == {"comment line": 4}
    assert (f.rejects, f.duplicates) == (0, 0)
    # sed -n 5p FILE: 1.4.0.0/17 ; SBL256893 (the block spans several registrations)
    check(
        rows[5],
        {
            **BLACKLIST,
            "time.source": MODIFIED_2015,
            "source.network": "1.4.0.0/17",
            "source.ip": None,
            "evidence.ref": "SBL256893",
            "classification.identifier": "spamhaus-drop",
            "source.registration.cc": None,
            "route.state": "unrouted",
        },
    )
    # sed -n 6p FILE: 2a06:e480::/29 ; SBL301771
    check(
        rows[6],
        {
            **BLACKLIST,
            "time.source": MODIFIED_2015,
            "source.network": "2a06:e480::/29",
            "evidence.ref": "SBL301771",
            "classification.identifier": "spamhaus-drop",
            "source.registration.cc": "IN",
            "route.member": None,  # its terms keep it with the owner
        },
    )


def test_asndrop_text(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / FIXTURES / "spamhaus_asndrop.txt")
    assert f.format == "spamhaus-drop"
    # grep -c . FILE                                                                    -> 6
    assert f.records == 6
    # grep -c '^AS' FILE                                                                 -> 2
    assert f.events == 2
    # grep -c '^;' FILE                                                                  -> 4
    assert dict(f.skipped_reasons) == {"comment line": 4}
    assert (f.rejects, f.duplicates) == (0, 0)
    # sed -n 5p FILE: AS260 ; AE | XCONNECT24 - Xconnect24 Inc., US (the stated country routes)
    check(
        rows[5],
        {
            **BLACKLIST,
            "time.source": MODIFIED_2015,
            "source.asn": 260,
            "source.as_name": "XCONNECT24 - Xconnect24 Inc., US",
            "source.registration.cc": "AE",
            "source.network": None,
            "classification.identifier": "spamhaus-asndrop",
            "route.member": None,  # its terms keep it with the owner
        },
    )
    # sed -n 6p FILE: AS10516 ; | Orb-bit Design Group (no country: unrouted)
    check(
        rows[6],
        {
            **BLACKLIST,
            "source.asn": 10516,
            "source.as_name": "Orb-bit Design Group",
            "source.registration.cc": None,
            "classification.identifier": "spamhaus-asndrop",
            "route.state": "unrouted",
        },
    )


def test_asndrop_json(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / LISTS / "asn_drop.json")
    assert f.format == "spamhaus-drop-json"
    # grep -c . FILE                                                                    -> 202
    assert f.records == 202
    # jq -c 'select(.asn)' FILE | wc -l                                                  -> 201
    assert f.events == 201
    # jq -c 'select(.type=="metadata")' FILE | wc -l                                     -> 1
    assert dict(f.skipped_reasons) == {"list metadata": 1}
    assert (f.rejects, f.duplicates) == (0, 0)
    common = {**BLACKLIST, "classification.identifier": "spamhaus-asndrop", "time.source": None}
    # sed -n 1p FILE: {"asn":932,"rir":"arin","domain":"xn.net","cc":"US","asname":"XNNET"}
    check(
        rows[1],
        {
            **common,
            "source.asn": 932,
            "source.as_name": "XNNET",
            "source.registration.cc": "US",
            "route.member": None,  # its terms keep it with the owner
            "extra": '{"rir":"arin","domain":"xn.net"}',
        },
    )
    # sed -n 2p FILE: {"asn":6060,...,"domain":"management-alliance-group",...,"MAGI-NET-GW"}
    check(
        rows[2],
        {
            **common,
            "source.asn": 6060,
            "source.as_name": "MAGI-NET-GW",
            "extra": '{"rir":"arin","domain":"management-alliance-group"}',
        },
    )
    # sed -n 201p FILE: {"asn":400506,"rir":"arin","domain":"black-apple","cc":"US",...}
    check(rows[201], {**common, "source.asn": 400506, "source.as_name": "BAIAS"})


@pytest.mark.parametrize(
    ("name", "lines", "checked"),
    [
        # grep -c . FILE; grep -cE '^[0-9a-f:.]+/[0-9]+ *$' FILE (both)     -> 989, 51, 322
        # sed -n '1p;2p;$p' FILE: the blocks checked (registration country from attribution)
        (
            "drop.txt",
            989,
            [(1, "1.10.16.0/20", "CN"), (2, "1.19.0.0/16", "KR"), (989, "223.254.0.0/16", "CN")],
        ),
        (
            "drop_ipv6.txt",
            51,
            [
                (1, "2a12:2640::/29", "LB"),
                (2, "2a13:ef45::/32", None),
                (51, "2801:80:c00::/48", "BR"),
            ],
        ),
        (
            "edrop.txt",
            322,
            [
                (1, "2.56.247.0/24", "DE"),
                (2, "2.57.122.0/24", "RO"),
                (322, "221.227.188.0/22", "CN"),
            ],
        ),
    ],
)
def test_bare_drop_copies(
    corpus: Path,
    sqlite_node: Node,
    name: str,
    lines: int,
    checked: list[tuple[int, str, str | None]],
) -> None:
    path = corpus / LISTS / name
    f, rows = ingest(sqlite_node, path)
    assert f.format == "blocklist"  # nothing in the file names Spamhaus
    assert (f.records, f.events, f.skipped, f.rejects) == (lines, lines, 0, 0)
    for record, network, cc in checked:
        check(
            rows[record],
            {
                "source.network": network,
                "classification.type": "blacklist",
                "classification.identifier": "blocklist",
                "source.registration.cc": cc,
                "route.member": cc,
            },
        )
    # The same file read as a DROP list yields the same events (same fingerprints: nothing new
    # is stored); see test_bare_copy_as_drop_list for what that parser makes of them.
    again = sqlite_node.pipeline.ingest([path], IngestOptions(owner="CN", format="spamhaus-drop"))
    summary = again.files[0]
    assert (summary.records, summary.events, summary.duplicates) == (lines, 0, lines)


def test_bare_copy_as_drop_list(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / LISTS / "edrop.txt", format="spamhaus-drop")
    # grep -cE '^[0-9a-f:.]+/[0-9]+ *$' FILE                                            -> 322
    assert (f.format, f.records, f.events, f.skipped, f.rejects) == (
        "spamhaus-drop",
        322,
        322,
        0,
        0,
    )
    # sed -n '1p;2p;$p' FILE; no header: no time, no EDROP mark, no SBL id
    for record, network, cc in (
        (1, "2.56.247.0/24", "DE"),
        (2, "2.57.122.0/24", "RO"),
        (322, "221.227.188.0/22", "CN"),
    ):
        check(
            rows[record],
            {
                **BLACKLIST,
                "time.source": None,
                "source.network": network,
                "evidence.ref": None,
                "classification.identifier": "spamhaus-drop",
                "source.registration.cc": cc,
                "route.member": None,  # its terms keep it with the owner
            },
        )


def test_cert(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / FIXTURES / "spamhaus_cert.txt")
    assert f.format == "spamhaus-cert"
    # grep -c . FILE                                                                    -> 21
    assert f.records == 21
    # grep -vc '^;' FILE                                                                 -> 19
    assert f.events == 19
    # grep -c '^;' FILE                                                                  -> 2
    assert dict(f.skipped_reasons) == {"comment line": 2}
    assert (f.rejects, f.duplicates) == (0, 0)
    # awk -F, '!/^;/{print $5}' FILE | sort | uniq -c: one row per bot name; by CERT_BOTS:
    # asprox auto conficker extortion iotmirai misc patcher (malware: 7), authspoofbadehlo
    # imap smtpauth sshauth telnetauth (5), iotrdp iotscan w_wplogin wpscanner (4),
    # l_spamlink, openrelay, proxyget (1 each)
    types = sqlite_node.store.scan("events").collect()["classification.type"].value_counts()
    assert dict(types.iter_rows()) == {
        "infected-system": 7,
        "brute-force": 5,
        "scanner": 4,
        "spam": 1,
        "vulnerable-system": 1,
        "unauthorized-use-of-resources": 1,
    }
    # sed -n 3p FILE: 109.90.233.19,AS6830,AT,1441008351,patcher,dxxt.sinkhole.dk,
    #                 212.227.20.19,80,1036,tcp (registered in DE: attribution wins over "AT")
    check(
        rows[3],
        {
            "time.source": datetime(2015, 8, 31, 8, 5, 51, tzinfo=UTC),
            "source.ip": "109.90.233.19",
            "source.port": 1036,
            "destination.fqdn": "dxxt.sinkhole.dk",
            "destination.ip": "212.227.20.19",
            "destination.port": 80,
            "protocol.transport": "tcp",
            "classification.taxonomy": "malicious-code",
            "classification.type": "infected-system",
            "classification.identifier": "spamhaus-cert:patcher",
            "malware.name": "patcher",
            "source.registration.cc": "DE",
            "route.member": "DE",
            "feed.provider": "Spamhaus",
            "tlp": "AMBER",
        },
    )
    # sed -n 5p FILE: 111.111.111.183,AS11178,LV,1471111139,iotmirai,-,?,?,?,?
    check(
        rows[5],
        {
            "time.source": datetime(2016, 8, 13, 17, 58, 59, tzinfo=UTC),
            "source.ip": "111.111.111.183",
            "source.port": None,
            "destination.ip": None,
            "destination.port": None,
            "protocol.transport": None,
            "classification.type": "infected-system",
            "classification.identifier": "spamhaus-cert:iotmirai",
            "malware.name": "mirai",
            "source.registration.cc": "JP",
            "route.member": "JP",
        },
    )
    # sed -n 13p FILE: 192.168.46.8,AS64496,AT,1523192708,l_spamlink,http://example.com/,
    #                  http://example.com/,,192.168.46.8:1660:darkmailer2,tcp (a private address)
    check(
        rows[13],
        {
            "time.source": datetime(2018, 4, 8, 13, 5, 8, tzinfo=UTC),
            "source.ip": "192.168.46.8",
            "source.url": None,
            "source.special_purpose": "private",
            "source.asn": 64496,
            "classification.taxonomy": "abusive-content",
            "classification.type": "spam",
            "classification.identifier": "spamhaus-cert:l_spamlink",
            "malware.name": "darkmailer2",
            "route.state": "unrouted",
            "extra": '{"spam_url":"http://example.com/","spam_ip":"192.168.46.8",'
            '"malware_version":"1660"}',
        },
    )
