"""abuse.ch feeds of the shared corpus, through the whole pipeline: exact counts, each checked
by the independent command in the comment beside it (run from ``../shared/corpus/threatfeeds``),
and three records per file (all of them where a file has fewer) field by field.

Every abuse.ch file of the corpus is here: ``abusech_feodotracker_ipblocklist_2024-04-04.csv``
(Feodo Tracker CSV), ``abusech_urlhaus_dump_elastic-integrations.ndjson`` (URLhaus dump as JSON
lines) and ``intelmq_fixtures/abusech_feodotracker_ipblocklist.json`` (Feodo Tracker JSON).
``intelmq_fixtures/html_table_feodotracker.html`` is an HTML page, not a feed format: not
claimed. The corpus has no ThreatFox file; ThreatFox is covered by the samples and unit tests.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.corpus.helpers import check, ingest
from wuzhen.node import Node

pytestmark = pytest.mark.corpus

FEODO_CSV = "threatfeeds/abusech_feodotracker_ipblocklist_2024-04-04.csv"
URLHAUS = "threatfeeds/abusech_urlhaus_dump_elastic-integrations.ndjson"
FEODO_JSON = "threatfeeds/intelmq_fixtures/abusech_feodotracker_ipblocklist.json"


FEODO = {
    "classification.taxonomy": "malicious-code",
    "classification.type": "c2-server",
    "classification.identifier": "feodotracker",
    "feed.name": "Feodo Tracker",
    "feed.provider": "abuse.ch",
    "evidence.ref": None,
    "tlp": "AMBER",  # the feed's default: the records carry no marking
}


def test_feodotracker_csv(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / FEODO_CSV)
    assert f.format == "feodotracker-csv"
    # grep -c . FILE                                                                    -> 38
    assert f.records == 38
    # grep -c '^"20' FILE (the data rows; "# END 28 entries" says the same)             -> 28
    assert f.events == 28
    assert f.skipped == 10
    assert dict(f.skipped_reasons) == {
        # grep -c '^#' FILE                                                              -> 9
        "comment line": 9,
        # grep -c '^"first_seen_utc"' FILE                                               -> 1
        "column header": 1,
    }
    assert (f.rejects, f.duplicates) == (0, 0)
    # sed -n 10p FILE: "2023-05-23 17:51:44","192.9.135.73","1194","online","2024-04-01","Pikabot"
    check(
        rows[10],
        {
            **FEODO,
            "time.source": datetime(2023, 5, 23, 17, 51, 44, tzinfo=UTC),
            "source.ip": "192.9.135.73",
            "source.port": 1194,
            "malware.name": "pikabot",
            "source.registration.cc": "US",
            "route.member": "US",
            "extra": '{"status":"online","last_online":"2024-04-01"}',
        },
    )
    # sed -n 11p FILE: "2024-02-08 19:20:49","85.239.243.155","5000","offline","2024-03-11",...
    # (registered in DE, used in the US: routed by registration)
    check(
        rows[11],
        {
            **FEODO,
            "time.source": datetime(2024, 2, 8, 19, 20, 49, tzinfo=UTC),
            "source.ip": "85.239.243.155",
            "source.port": 5000,
            "source.registration.cc": "DE",
            "source.geolocation.cc": "US",
            "route.member": "DE",
            "route.basis": "registration",
            "extra": '{"status":"offline","last_online":"2024-03-11"}',
        },
    )
    # sed -n 37p FILE (the last row): "2024-04-04 07:03:03","172.233.221.61","5938",...
    check(
        rows[37],
        {
            **FEODO,
            "time.source": datetime(2024, 4, 4, 7, 3, 3, tzinfo=UTC),
            "source.ip": "172.233.221.61",
            "source.port": 5938,
            "source.registration.cc": "US",
            "route.member": "US",
        },
    )


def test_urlhaus_ndjson(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / URLHAUS)
    assert f.format == "urlhaus-ndjson"
    # jq -c . FILE | wc -l (two objects; the file has no final newline)               -> 2
    assert f.records == 2
    # jq -r .threat FILE | grep -c malware_download                                    -> 2
    assert f.events == 2
    assert (f.skipped, f.rejects, f.duplicates) == (0, 0, 0)
    common = {
        "classification.taxonomy": "malicious-code",
        "classification.type": "malware-distribution",
        "classification.identifier": "urlhaus:malware_download",
        "feed.name": "URLhaus",
        "feed.provider": "abuse.ch",
        "source.fqdn": None,
        "tlp": "AMBER",
    }
    # jq -r '[.id,.url,.dateadded]|@tsv' FILE, line 1:
    #   2786904  http://115.55.244.160:41619/Mozi.m  2024-03-19 11:34:09 UTC
    check(
        rows[1],
        {
            **common,
            "time.source": datetime(2024, 3, 19, 11, 34, 9, tzinfo=UTC),
            "source.url": "http://115.55.244.160:41619/Mozi.m",
            "source.ip": "115.55.244.160",
            "source.port": 41619,
            "evidence.ref": "2786904",
            "source.registration.cc": "CN",
            "route.member": "CN",
            "extra": '{"url_status":"online","last_online":"2024-03-19 11:34:09 UTC",'
            '"threat":"malware_download","tags":["elf","Mozi"],"reporter":"lrz_urlhaus"}',
        },
    )
    # line 2: 2786903  http://27.206.236.188:59429/i  2024-03-19 11:33:08 UTC
    check(
        rows[2],
        {
            **common,
            "time.source": datetime(2024, 3, 19, 11, 33, 8, tzinfo=UTC),
            "source.url": "http://27.206.236.188:59429/i",
            "source.ip": "27.206.236.188",
            "source.port": 59429,
            "evidence.ref": "2786903",
            "source.registration.cc": "CN",
            "route.member": "CN",
        },
    )
    assert '"tags":["32-bit","elf","mips","Mozi"]' in rows[2]["extra"]


def test_feodotracker_json(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / FEODO_JSON)
    assert f.format == "feodotracker-json"
    # jq length FILE                                                                    -> 4
    assert f.records == 4
    # jq -r '.[].ip_address' FILE | grep -cE '^[0-9.]+$'                                -> 4
    assert f.events == 4
    assert (f.skipped, f.rejects, f.duplicates) == (0, 0, 0)
    # jq -r '.[]|[.ip_address,.port,.first_seen,.last_online,.malware]|@tsv' FILE, line 1:
    #   51.178.161.32  4643  2021-01-17 07:44:46  2022-11-15  Dridex  (hostname srv-web...)
    check(
        rows[1],
        {
            **FEODO,
            "time.source": datetime(2021, 1, 17, 7, 44, 46, tzinfo=UTC),
            "source.ip": "51.178.161.32",
            "source.port": 4643,
            "malware.name": "dridex",
            "source.asn": 16276,
            "source.registration.cc": "FR",
            "route.member": "FR",
            "extra": '{"status":"online","last_online":"2022-11-15",'
            '"hostname":"srv-web.ffconsulting.com"}',
        },
    )
    # line 2: 142.44.247.57  4043  2021-01-26 03:22:41  2022-10-17  Dridex  (country CA)
    check(
        rows[2],
        {
            **FEODO,
            "time.source": datetime(2021, 1, 26, 3, 22, 41, tzinfo=UTC),
            "source.ip": "142.44.247.57",
            "source.port": 4043,
            "source.geolocation.cc": "CA",
            "source.registration.cc": "CA",
            "route.member": "CA",
        },
    )
    # line 4: 1.234.21.73  6601  (no first_seen)  2022-11-15  Dridex: the day last online
    check(
        rows[4],
        {
            **FEODO,
            "time.source": datetime(2022, 11, 15, tzinfo=UTC),
            "source.ip": "1.234.21.73",
            "source.port": 6601,
            "source.asn": 9318,
            "source.registration.cc": "KR",
            "route.member": "KR",
            "extra": '{"status":"online","last_online":"2022-11-15"}',
        },
    )
