"""Shadowserver report CSVs of the shared corpus, through the whole pipeline.

Every file of ``threatfeeds/shadowserver_intelmq/`` (IntelMQ's Shadowserver test data: one
file per report type, 93 files) is here. ``README.md`` there is not a report.

Counts, from these independent commands (run in ``../shared/corpus/threatfeeds/
shadowserver_intelmq``), whose outputs are the table's numbers:

- records: ``for f in *.csv; do echo "$f $(grep -c . "$f")"; done`` (every line is a record:
  the header and one line per row; no row spans lines);
- events: ``python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1],
  newline='')))-1)" FILE`` (the rows), minus the rejects;
- rejects: ``python3 -c "import csv,glob,ipaddress ..."`` trying ``ipaddress.ip_network`` on
  each row's ``src_ip``/``ip``/``http_referer_ip`` prints one row only:
  ``event4_honeypot_ddos_amp.csv 6 '37.120.178.9.10'`` (an address the anonymiser mangled:
  rejected as "source.ip: not an IP address");
- skipped: the header line of each file (``head -1``), "CSV header".

Three records per file (the first, middle and last row), field by field: ``time.source`` and
the source address and port are the row's ``timestamp``, ``src_ip``/``ip``/
``http_referer_ip`` and port columns (read with ``csv.reader``); ``source.asn``,
``source.registration.cc`` and ``route.member`` come from attribution (the ASN a row states,
noted beside each row, is kept only where attribution knows none: private and documentation
addresses); the classification follows IntelMQ's Shadowserver schema; ``malware.name`` is the
row's ``infection``, else its ``family`` (sinkholes: ``python3 -c "import csv; r=list(csv.reader(
open('event4_sinkhole_http_referer.csv', newline=''))); print([(x[21], x[22]) for x in r[1:]])"``
prints empty infections and the families kovter, sunburst, kovter, sunburst, sunburst);
``feed.name`` is the file's report type.
"""

# The table below holds one record per line, some longer than the usual 100 characters.
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.conftest import NOW, open_compact
from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.evidence.ingest import FileSummary, IngestOptions
from wuzhen.schema.taxonomy import TAXONOMY_OF_TYPE

pytestmark = pytest.mark.corpus

FOLDER = "threatfeeds/shadowserver_intelmq"


def T(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    record: int
    time: datetime
    source: str | None  # source.ip, or source.network for a block
    port: int | None
    asn: int | None
    registration: str | None
    route: str | None
    identifier: str
    other: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class File:
    name: str
    records: int
    events: int
    rejects: int
    type: str
    rows: list[Row]


# fmt: off
FILES = [
    File('blocklist', 4, 3, 0, 'blacklist', [
        Row(2, T(2019, 9, 4, 7, 0, 19), '198.123.245.134', None, 297, 'US', 'US', 'blacklisted-ip'),  # stated ASN 5678
        Row(3, T(2019, 9, 4, 7, 0, 19), '198.123.245.171', None, 297, 'US', 'US', 'blacklisted-ip'),  # stated ASN 5678
        Row(4, T(2019, 9, 4, 7, 0, 19), '198.123.245.0/24', None, 297, 'US', 'US', 'blacklisted-ip'),  # stated ASN 5678
    ]),
    File('compromised_website', 4, 3, 0, 'system-compromise', [
        Row(2, T(2017, 1, 16, 0, 43, 48), '203.0.113.1', 80, 64496, None, None, 'compromised-website', {'source.fqdn': 'example.com', 'source.url': 'http://example.com/header.php'}),  # stated ASN 64496
        Row(3, T(2018, 4, 9, 15, 43, 41), '203.0.113.1', 80, 64496, None, None, 'compromised-website', {'source.fqdn': 'example.com', 'source.url': 'http://example.com/'}),  # stated ASN 64496
        Row(4, T(2022, 2, 7, 21, 52, 29), '66.249.0.0', None, 29873, 'US', 'US', 'compromised-website'),  # stated ASN 1234
    ]),
    File('device_id', 4, 3, 0, 'undetermined', [
        Row(2, T(2022, 1, 10, 0, 1, 42), '88.84.0.0', 10443, 41549, 'CH', 'CH', 'device-id'),  # stated ASN 2116
        Row(3, T(2022, 1, 10, 0, 1, 42), '170.231.0.0', 10443, 263439, 'BR', 'BR', 'device-id'),  # stated ASN 27843
        Row(4, T(2022, 1, 10, 0, 1, 42), '96.60.0.0', 10443, 4181, 'US', 'US', 'device-id'),  # stated ASN 4181
    ]),
    File('event4_ddos_participant', 4, 3, 0, 'ddos', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 38055, 64512, None, None, 'ddos-participant'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 53, 64512, None, None, 'ddos-participant'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 53, 64512, None, None, 'ddos-participant'),  # stated ASN 64512
    ]),
    File('event4_honeypot_brute_force', 7, 6, 0, 'brute-force', [
        Row(2, T(2021, 3, 27, 0, 0, 0), '141.98.1.2', 30123, 151407, 'GB', 'GB', 'ssh'),  # stated ASN 209588
        Row(4, T(2021, 3, 27, 0, 0, 0), '45.14.5.6', 38636, 34244, 'SE', 'SE', 'telnet'),  # stated ASN 44220
        Row(7, T(2021, 3, 27, 0, 0, 0), '5.188.9.10', 33289, 205553, 'RU', 'RU', 'ssh'),  # stated ASN 49453
    ]),
    File('event4_honeypot_darknet', 9, 8, 0, 'other', [
        Row(2, T(2021, 3, 7, 0, 0, 0), '61.3.1.2', 4717, 9829, 'IN', 'IN', 'mirai', {'malware.name': 'mirai'}),  # stated ASN 9829
        Row(5, T(2021, 3, 7, 0, 0, 0), '125.122.7.8', 8460, 4134, 'CN', 'CN', 'mirai', {'malware.name': 'mirai'}),  # stated ASN 4134
        Row(9, T(2021, 3, 7, 0, 0, 0), '27.198.15.16', 56133, 4837, 'CN', 'CN', 'mirai', {'malware.name': 'mirai'}),  # stated ASN 4837
    ]),
    File('event4_honeypot_ddos', 4, 3, 0, 'ddos', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 61234, 64512, None, None, 'honeypot-ddos', {'malware.name': 'mirai'}),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 61234, 64512, None, None, 'honeypot-ddos', {'malware.name': 'mirai'}),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 6379, 64512, None, None, 'honeypot-ddos', {'malware.name': 'mirai'}),  # stated ASN 64512
    ]),
    File('event4_honeypot_ddos_amp', 6, 4, 1, 'ddos', [
        Row(2, T(2021, 3, 28, 0, 0, 2), '107.141.1.2', None, 7018, 'US', 'US', 'amplification-ddos-victim'),  # stated ASN 7018
        Row(4, T(2021, 3, 28, 0, 0, 2), '65.131.5.6', None, 209, 'US', 'US', 'amplification-ddos-victim'),  # stated ASN 209
    ]),
    File('event4_honeypot_ddos_target', 4, 3, 0, 'ddos', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 61234, 64512, None, None, 'honeypot-ddos-target', {'malware.name': 'mirai'}),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 61234, 64512, None, None, 'honeypot-ddos-target', {'malware.name': 'mirai'}),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 61234, 64512, None, None, 'honeypot-ddos-target', {'malware.name': 'mirai'}),  # stated ASN 64512
    ]),
    File('event4_honeypot_http_scan', 3, 2, 0, 'scanner', [
        Row(2, T(2021, 8, 1, 0, 24, 8), '191.23.45.67', 36455, 27699, 'BR', 'BR', 'honeypot-http-scan'),  # stated ASN 1234
        Row(3, T(2021, 8, 1, 5, 21, 59), '45.67.89.123', 58610, 39184, 'BG', 'BG', 'honeypot-http-scan'),  # stated ASN 12345
    ]),
    File('event4_ip_spoofer', 7, 6, 0, 'masquerade', [
        Row(2, T(2021, 3, 28, 0, 42, 59), '98.191.250.0', None, 22898, 'US', 'US', 'ip-spoofer', {'source.network': '98.191.250.0/24'}),  # stated ASN 22898
        Row(4, T(2021, 3, 28, 2, 10, 58), '202.53.160.0', None, 23923, 'BD', 'BD', 'ip-spoofer', {'source.network': '202.53.160.0/24'}),  # stated ASN 23923
        Row(7, T(2021, 3, 28, 6, 59, 53), '197.15.48.0', None, 37671, 'TN', 'TN', 'ip-spoofer', {'source.network': '197.15.48.0/24'}),  # stated ASN 37671
    ]),
    File('event4_microsoft_sinkhole', 7, 6, 0, 'infected-system', [
        Row(2, T(2021, 6, 7, 0, 0, 0), '190.229.1.2', 52955, 7303, 'AR', 'AR', 'b68-zeroaccess-2-32bit', {'malware.name': 'b68-zeroaccess-2-32bit'}),  # stated ASN 7303
        Row(4, T(2021, 6, 7, 0, 0, 0), '187.222.5.6', 55049, 8151, 'MX', 'MX', 'b68-zeroaccess-2-32bit', {'malware.name': 'b68-zeroaccess-2-32bit'}),  # stated ASN 8151
        Row(7, T(2021, 6, 7, 0, 0, 0), '124.101.11.12', 50386, 4713, 'JP', 'JP', 'b68-zeroaccess-2-64bit', {'malware.name': 'b68-zeroaccess-2-64bit'}),  # stated ASN 4713
    ]),
    File('event4_microsoft_sinkhole_http', 6, 5, 0, 'infected-system', [
        Row(2, T(2021, 6, 7, 0, 0, 0), '31.206.1.2', 49245, 8386, 'TR', 'TR', 'necurs', {'malware.name': 'necurs'}),  # stated ASN 8386
        Row(4, T(2021, 6, 7, 0, 0, 1), '180.190.5.6', 49264, 4775, 'PH', 'PH', 'necurs', {'malware.name': 'necurs'}),  # stated ASN 132199
        Row(6, T(2021, 6, 7, 0, 0, 1), '174.114.9.10', 59000, 812, 'CA', 'CA', 'necurs', {'malware.name': 'necurs'}),  # stated ASN 812
    ]),
    File('event4_sinkhole', 4, 3, 0, 'infected-system', [
        Row(2, T(2021, 3, 4, 0, 0, 0), '190.113.1.2', 17409, 22860, 'CL', 'CL', 'victorygate.b', {'malware.name': 'victorygate.b'}),  # stated ASN 12252
        Row(3, T(2021, 3, 4, 0, 0, 0), '35.205.9.10', 44696, 396982, 'US', 'US', 'virut', {'malware.name': 'virut'}),  # stated ASN 15169
        Row(4, T(2021, 3, 4, 0, 0, 0), '35.197.11.12', 36968, 396982, 'US', 'US', 'virut', {'malware.name': 'virut'}),  # stated ASN 15169
    ]),
    File('event4_sinkhole_dns', 4, 3, 0, 'other', [
        Row(2, T(2022, 1, 6, 0, 0, 2), '217.110.0.0', 29614, 8220, 'GB', 'GB', 'sinkholedns', {'malware.name': 'calypso'}),  # stated ASN 8220
        Row(3, T(2022, 1, 6, 0, 0, 2), '209.66.0.0', 46189, 40934, 'US', 'US', 'sinkholedns', {'malware.name': 'orcus'}),  # stated ASN 40934
        Row(4, T(2022, 1, 6, 0, 0, 2), '217.110.0.0', 3590, 8220, 'GB', 'GB', 'sinkholedns', {'malware.name': 'calypso'}),  # stated ASN 8220
    ]),
    File('event4_sinkhole_http', 6, 5, 0, 'infected-system', [
        Row(2, T(2021, 3, 4, 0, 0, 0), '103.196.1.2', 60902, 141529, 'IN', 'IN', 'andromeda', {'malware.name': 'andromeda'}),  # stated ASN 134707
        Row(4, T(2021, 3, 4, 0, 0, 0), '49.145.5.6', 31350, 9299, 'PH', 'PH', 'andromeda', {'malware.name': 'andromeda'}),  # stated ASN 9299
        Row(6, T(2021, 3, 4, 0, 0, 0), '187.189.9.10', 45335, 22884, 'MX', 'MX', 'andromeda', {'malware.name': 'andromeda'}),  # stated ASN 17072
    ]),
    File('event4_sinkhole_http_referer', 6, 5, 0, 'infected-system', [
        Row(2, T(2021, 3, 4, 0, 0, 2), '178.162.203.211', 80, 28753, 'DE', 'DE', 'sinkhole-http-referer', {'source.url': 'http://12106.mobapptrack.com/click/redirect?feed_id=12106&sub_id=7&q=8A5491983C8FBE7743E2D2C36E45EBC4-18307118D2626C9BD756B3F09D14BB910E381EE4', 'malware.name': 'kovter', 'evidence.ref': '1614816002'}),  # stated ASN 28753
        Row(4, T(2021, 3, 4, 0, 0, 12), '142.250.3.4', 80, 15169, 'US', 'US', 'sinkhole-http-referer', {'source.url': 'http://x.blogspot.com/', 'malware.name': 'kovter', 'evidence.ref': '1614816012'}),  # stated ASN 15169
        Row(6, T(2021, 3, 4, 0, 1, 26), '210.172.7.8', 80, 9600, 'JP', 'JP', 'sinkhole-http-referer', {'source.url': 'http://x.communes.jp/?url=http://freescanonline.com/raftcomply.com', 'malware.name': 'sunburst', 'evidence.ref': '1614816086'}),  # stated ASN 2516
    ]),
    File('event6_sinkhole_http', 4, 3, 0, 'infected-system', [
        Row(2, T(2022, 3, 2, 9, 14, 19), '2001:448a:1082:4d9b:7491:bf9e:3d5f:a634', 49431, 7713, 'ID', 'ID', 'boaxxe', {'malware.name': 'boaxxe'}),  # stated ASN 7713
        Row(3, T(2022, 3, 2, 9, 15, 10), '2001:448a:1082:4d9b:7491:bf9e:3d5f:a634', 49460, 7713, 'ID', 'ID', 'boaxxe', {'malware.name': 'boaxxe'}),  # stated ASN 7713
        Row(4, T(2022, 3, 2, 14, 15, 10), '2603:8080:b20a:dc00:f06e:8304:71f6:27e2', 62932, 11427, 'US', 'US', 'boaxxe', {'malware.name': 'boaxxe'}),  # stated ASN 11427
    ]),
    File('malware_url', 4, 3, 0, 'malware-distribution', [
        Row(2, T(2022, 1, 7, 0, 2, 7), '41.86.0.0', None, 37203, 'LR', 'LR', 'malware-url', {'source.url': 'http://41.86.0.0:50008/Mozi.m'}),  # stated ASN 37203
        Row(3, T(2022, 1, 7, 0, 3, 14), '42.225.0.0', None, 4837, 'CN', 'CN', 'malware-url', {'source.url': 'http://42.225.0.0:38173/Mozi.m'}),  # stated ASN 4837
        Row(4, T(2022, 1, 7, 0, 10, 26), '211.52.0.0', None, 4766, 'KR', 'KR', 'malware-url', {'source.url': 'http://211.52.0.0:53029/Mozi.m'}),  # stated ASN 4766
    ]),
    File('phish_url', 4, 3, 0, 'phishing', [
        Row(2, T(2022, 2, 1, 8, 0, 7), '172.245.0.0', None, 55286, 'US', 'US', 'phish-url', {'source.fqdn': 'priceless-pare.example.net', 'source.url': 'https://priceless-pare.example.net/Postal-/acec6/'}),  # stated ASN 64512
        Row(3, T(2022, 2, 1, 8, 0, 7), '199.34.0.0', None, 36026, 'US', 'US', 'phish-url', {'source.fqdn': 'mailyahooattt.example.net', 'source.url': 'https://mailyahooattt.example.net/'}),  # stated ASN 64512
        Row(4, T(2022, 2, 1, 8, 0, 7), '216.58.0.0', None, 11814, 'CA', 'CA', 'phish-url', {'source.fqdn': 'www.example.net', 'source.url': 'https://www.example.net/viewer/vbid-730ec2b1-omsttuer'}),  # stated ASN 64512
    ]),
    File('population_http_proxy', 4, 3, 0, 'other', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 3128, 64512, None, None, 'accessible-http-proxy'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 3128, 64512, None, None, 'accessible-http-proxy'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 3128, 64512, None, None, 'accessible-http-proxy'),  # stated ASN 64512
    ]),
    File('sandbox_conn', 4, 3, 0, 'malware-distribution', [
        Row(2, T(2022, 1, 10, 0, 0, 3), '40.119.6.228', 123, 8075, 'US', 'US', 'sandbox-conn', {'source.fqdn': 'time.windows.com'}),  # stated ASN 8075
        Row(3, T(2022, 1, 10, 0, 0, 3), '8.252.70.126', 80, 3356, 'US', 'US', 'sandbox-conn'),  # stated ASN 3356
        Row(4, T(2022, 1, 10, 0, 0, 3), '52.109.8.22', 443, 8075, 'US', 'US', 'sandbox-conn'),  # stated ASN 8075
    ]),
    File('sandbox_dns', 4, 3, 0, 'other', [
        Row(2, T(2022, 1, 10, 0, 0, 2), None, None, None, None, None, 'sandbox-dns', {'source.fqdn': 'time.windows.com'}),  # stated ASN None
        Row(3, T(2022, 1, 10, 0, 0, 8), None, None, None, None, None, 'sandbox-dns', {'source.fqdn': 'time.windows.com'}),  # stated ASN None
        Row(4, T(2022, 1, 10, 0, 0, 20), None, None, None, None, None, 'sandbox-dns', {'source.fqdn': 'client-office365-tas.msedge.net'}),  # stated ASN None
    ]),
    File('sandbox_url', 4, 3, 0, 'malware-distribution', [
        Row(2, T(2022, 1, 10, 0, 1, 13), '23.196.47.89', None, 20940, 'US', 'US', 'sandbox-url', {'source.fqdn': 'www.msftncsi.com', 'source.url': 'http://www.msftncsi.com/ncsi.txt'}),  # stated ASN 20940
        Row(3, T(2022, 1, 10, 0, 1, 28), '72.21.81.240', None, 15133, 'US', 'US', 'sandbox-url', {'source.fqdn': 'www.download.windowsupdate.com', 'source.url': 'http://www.download.windowsupdate.com/msdownload/update/v3/static/trustedr/en/authrootstl.cab'}),  # stated ASN 15133
        Row(4, T(2022, 1, 10, 0, 8, 24), '23.56.4.57', None, 20940, 'US', 'US', 'sandbox-url', {'source.fqdn': 'crl.microsoft.com', 'source.url': 'http://crl.microsoft.com/pki/crl/products/MicTimStaPCA_2010-07-01.crl'}),  # stated ASN 20940
    ]),
    File('scan_adb', 3, 2, 0, 'vulnerable-system', [
        Row(2, T(2018, 7, 26, 2, 7, 16), '36.239.124.210', 5555, 3462, 'TW', None, 'accessible-adb'),  # stated ASN 3462
        Row(3, T(2018, 7, 26, 2, 7, 16), '36.236.108.107', 5555, 3462, 'TW', None, 'accessible-adb'),  # stated ASN 3462
    ]),
    File('scan_afp', 3, 2, 0, 'vulnerable-system', [
        Row(2, T(2019, 9, 4, 5, 5, 53), '198.13.34.22', 548, 20473, 'US', 'US', 'accessible-afp'),  # stated ASN 6057
        Row(3, T(2019, 9, 4, 5, 5, 56), '198.40.27.212', 548, 18555, 'US', 'US', 'accessible-afp'),  # stated ASN 6057
    ]),
    File('scan_amqp', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2022, 1, 10, 4, 32, 13), '47.103.0.0', 5672, 37963, 'CN', 'CN', 'accessible-amqp'),  # stated ASN 37963
        Row(3, T(2022, 1, 10, 4, 32, 13), '141.95.0.0', 5672, 16276, 'FR', 'FR', 'accessible-amqp'),  # stated ASN 16276
        Row(4, T(2022, 1, 10, 4, 32, 13), '54.234.0.0', 5672, 14618, 'US', 'US', 'accessible-amqp'),  # stated ASN 14618
    ]),
    File('scan_ard', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 3283, 64512, None, None, 'accessible-ard'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 3283, 64512, None, None, 'accessible-ard'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 3283, 64512, None, None, 'accessible-ard'),  # stated ASN 64512
    ]),
    File('scan_chargen', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 19, 64512, None, None, 'open-chargen'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 19, 64512, None, None, 'open-chargen'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 19, 64512, None, None, 'open-chargen'),  # stated ASN 64512
    ]),
    File('scan_cisco_smart_install', 3, 2, 0, 'vulnerable-system', [
        Row(2, T(2017, 11, 18, 8, 42, 45), '198.51.100.103', 4786, 8559, None, None, 'accessible-cisco-smart-install'),  # stated ASN 8559
        Row(3, T(2017, 11, 18, 8, 47, 54), '198.51.100.218', 4786, 35609, None, None, 'accessible-cisco-smart-install'),  # stated ASN 35609
    ]),
    File('scan_coap', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 5683, 64512, None, None, 'accessible-coap'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 5683, 64512, None, None, 'accessible-coap'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 5683, 64512, None, None, 'accessible-coap'),  # stated ASN 64512
    ]),
    File('scan_couchdb', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 5984, 64512, None, None, 'open-couchdb'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 5984, 64512, None, None, 'open-couchdb'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 5984, 64512, None, None, 'open-couchdb'),  # stated ASN 64512
    ]),
    File('scan_cwmp', 3, 2, 0, 'vulnerable-system', [
        Row(2, T(2019, 9, 4, 10, 44, 55), '198.123.245.142', 30005, 297, 'US', 'US', 'open-cwmp'),  # stated ASN 5678
        Row(3, T(2019, 9, 4, 11, 6, 50), '198.123.245.162', 5678, 297, 'US', 'US', 'open-cwmp'),  # stated ASN 5678
    ]),
    File('scan_db2', 3, 2, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 523, 64512, None, None, 'open-db2-discovery-service'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 523, 64512, None, None, 'open-db2-discovery-service'),  # stated ASN 64512
    ]),
    File('scan_ddos_middlebox', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 80, 64512, None, None, 'open-ddos-middlebox'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 80, 64512, None, None, 'open-ddos-middlebox'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 80, 64512, None, None, 'open-ddos-middlebox'),  # stated ASN 64512
    ]),
    File('scan_dns', 101, 100, 0, 'vulnerable-system', [
        Row(2, T(2018, 4, 14, 0, 14, 34), '198.51.100.179', 53, 25255, None, None, 'dns-open-resolver'),  # stated ASN 25255
        Row(51, T(2018, 4, 14, 0, 16, 5), '198.51.100.111', 53, 8447, None, None, 'dns-open-resolver'),  # stated ASN 8447
        Row(101, T(2018, 4, 14, 0, 18, 10), '198.51.100.205', 53, 8437, None, None, 'dns-open-resolver'),  # stated ASN 8437
    ]),
    File('scan_docker', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 2375, 64512, None, None, 'open-docker'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 2375, 64512, None, None, 'open-docker'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 2375, 64512, None, None, 'open-docker'),  # stated ASN 64512
    ]),
    File('scan_dvr_dhcpdiscover', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 37810, 64512, None, None, 'open-dvr-dhcpdiscover'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 37810, 64512, None, None, 'open-dvr-dhcpdiscover'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 37810, 64512, None, None, 'open-dvr-dhcpdiscover'),  # stated ASN 64512
    ]),
    File('scan_elasticsearch', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 9200, 64512, None, None, 'open-elasticsearch'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 9200, 64512, None, None, 'open-elasticsearch'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 9200, 64512, None, None, 'open-elasticsearch'),  # stated ASN 64512
    ]),
    File('scan_exchange', 8, 7, 0, 'vulnerable-system', [
        Row(2, T(2021, 5, 14, 0, 11, 30), '12.237.1.2', 443, 7018, 'US', 'US', 'vulnerable-exchange-server'),  # stated ASN 7018
        # tag "exchange;webshell" (rows 3 and 4: grep -c 'exchange;webshell' -> 2)
        Row(3, T(2021, 5, 14, 0, 11, 37), '98.153.3.4', 443, 20001, 'US', 'US', 'exchange-server-webshell', {'classification.type': 'system-compromise'}),  # stated ASN 20001
        Row(5, T(2021, 5, 14, 0, 11, 38), '12.33.7.8', 443, 7018, 'US', 'US', 'vulnerable-exchange-server'),  # stated ASN 7018
        Row(8, T(2021, 5, 14, 0, 11, 43), '199.33.13.14', 443, 26481, None, None, 'vulnerable-exchange-server'),  # stated ASN 26481
    ]),
    File('scan_ftp', 3, 2, 0, 'vulnerable-system', [
        Row(2, T(2019, 3, 6, 6, 37, 0), '61.126.3.70', 21, 4713, 'JP', 'JP', 'accessible-ftp'),  # stated ASN 4713
        Row(3, T(2019, 3, 6, 6, 37, 0), '62.48.156.65', 21, 15525, 'PT', 'PT', 'accessible-ftp'),  # stated ASN 15525
    ]),
    File('scan_hadoop', 3, 2, 0, 'vulnerable-system', [
        Row(2, T(2017, 9, 13, 2, 6, 5), '199.116.235.200', 50070, 15296, 'CA', 'CA', 'accessible-hadoop'),  # stated ASN 15296
        Row(3, T(2017, 9, 13, 2, 7, 48), '104.43.235.92', 50075, 8075, 'US', 'US', 'accessible-hadoop'),  # stated ASN 8075
    ]),
    File('scan_http', 3, 2, 0, 'other', [
        Row(2, T(2018, 4, 19, 0, 2, 26), '75.74.78.113', 8080, 7922, 'US', 'US', 'accessible-http'),  # stated ASN 7922
        Row(3, T(2018, 4, 19, 0, 2, 26), '88.162.174.130', 8080, 12322, 'FR', 'FR', 'accessible-http'),  # stated ASN 12322
    ]),
    File('scan_http_proxy', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 3128, 64512, None, None, 'open-http-proxy'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 3128, 64512, None, None, 'open-http-proxy'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 3128, 64512, None, None, 'open-http-proxy'),  # stated ASN 64512
    ]),
    File('scan_http_vulnerable', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 8080, 64512, None, None, 'vulnerable-http'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 80, 64512, None, None, 'vulnerable-http'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 443, 64512, None, None, 'vulnerable-http'),  # stated ASN 64512
    ]),
    File('scan_ics', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2022, 3, 2, 0, 34, 22), '192.168.0.1', 502, 64512, None, None, 'open-ics'),  # stated ASN 64512
        Row(3, T(2022, 3, 2, 0, 34, 22), '192.168.0.2', 502, 64513, None, None, 'open-ics'),  # stated ASN 64513
        Row(4, T(2022, 3, 2, 0, 34, 22), '192.168.0.3', 502, 64514, None, None, 'open-ics'),  # stated ASN 64514
    ]),
    File('scan_ipmi', 96, 95, 0, 'vulnerable-system', [
        Row(2, T(2016, 7, 24, 0, 9, 42), '198.51.100.4', 623, 2914, None, None, 'open-ipmi'),  # stated ASN 2914
        Row(49, T(2016, 7, 24, 0, 10, 8), '198.51.100.122', 623, 24961, None, None, 'open-ipmi'),  # stated ASN 24961
        Row(96, T(2016, 7, 24, 0, 10, 25), '198.51.100.45', 623, 13301, None, None, 'open-ipmi'),  # stated ASN 13301
    ]),
    File('scan_ipp', 2, 1, 0, 'vulnerable-system', [
        Row(2, T(2020, 6, 8, 11, 30, 14), '123.45.67.89', 631, 12345, 'KR', 'KR', 'open-ipp'),  # stated ASN 12345
    ]),
    File('scan_isakmp', 3, 2, 0, 'vulnerable-system', [
        Row(2, T(2019, 9, 4, 0, 17, 25), '198.123.245.42', 500, 297, 'US', 'US', 'open-ike'),  # stated ASN 5678
        Row(3, T(2019, 9, 4, 0, 17, 28), '198.123.245.67', 500, 297, 'US', 'US', 'open-ike'),  # stated ASN 20255
    ]),
    File('scan_kubernetes', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 6443, 64512, None, None, 'open-kubernetes'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 6443, 64512, None, None, 'open-kubernetes'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 6443, 64512, None, None, 'open-kubernetes'),  # stated ASN 64512
    ]),
    File('scan_ldap_tcp', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 389, 64512, None, None, 'open-ldap'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 389, 64512, None, None, 'open-ldap'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 389, 64512, None, None, 'open-ldap'),  # stated ASN 64512
    ]),
    File('scan_ldap_udp', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 389, 64512, None, None, 'open-ldap'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 389, 64512, None, None, 'open-ldap'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 389, 64512, None, None, 'open-ldap'),  # stated ASN 64512
    ]),
    File('scan_mdns', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 5353, 64512, None, None, 'open-mdns'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 5353, 64512, None, None, 'open-mdns'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 5353, 64512, None, None, 'open-mdns'),  # stated ASN 64512
    ]),
    File('scan_memcached', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 50260, 64512, None, None, 'open-memcached'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 11211, 64512, None, None, 'open-memcached'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 11211, 64512, None, None, 'open-memcached'),  # stated ASN 64512
    ]),
    File('scan_mongodb', 11, 10, 0, 'vulnerable-system', [
        Row(2, T(2016, 7, 24, 0, 40, 7), '198.51.100.203', 27017, 20773, None, None, 'open-mongodb'),  # stated ASN 20773
        Row(6, T(2016, 7, 24, 0, 40, 7), '198.51.100.68', 27017, 201229, None, None, 'open-mongodb'),  # stated ASN 201229
        Row(11, T(2016, 7, 24, 0, 40, 10), '198.51.100.173', 27017, 24940, None, None, 'open-mongodb'),  # stated ASN 24940
    ]),
    File('scan_mqtt', 2, 1, 0, 'vulnerable-system', [
        Row(2, T(2022, 2, 7, 12, 56, 53), '18.220.0.0', 8883, 16509, 'US', 'US', 'open-mqtt'),  # stated ASN 12345
    ]),
    File('scan_mqtt_anon', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2022, 1, 10, 0, 59, 34), '47.106.0.0', 8883, 37963, 'CN', 'CN', 'open-mqtt-anon'),  # stated ASN 37963
        Row(3, T(2022, 1, 10, 0, 59, 34), '144.76.0.0', 8883, 24940, 'DE', 'DE', 'open-mqtt-anon'),  # stated ASN 24940
        Row(4, T(2022, 1, 10, 0, 59, 34), '173.0.0.0', 8883, 54702, 'US', 'US', 'open-mqtt-anon'),  # stated ASN 5555
    ]),
    File('scan_mssql', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 1434, 64512, None, None, 'open-mssql'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 1434, 64512, None, None, 'open-mssql'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 1434, 64512, None, None, 'open-mssql'),  # stated ASN 64512
    ]),
    File('scan_mysql', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 3306, 64512, None, None, 'open-mysql'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 3306, 64512, None, None, 'open-mysql'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 3306, 64512, None, None, 'open-mysql'),  # stated ASN 64512
    ]),
    File('scan_nat_pmp', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 5351, 64512, None, None, 'open-natpmp'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 5351, 64512, None, None, 'open-natpmp'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 5351, 64512, None, None, 'open-natpmp'),  # stated ASN 64512
    ]),
    File('scan_netbios', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 137, 64512, None, None, 'open-netbios-nameservice'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 137, 64512, None, None, 'open-netbios-nameservice'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 137, 64512, None, None, 'open-netbios-nameservice'),  # stated ASN 64512
    ]),
    File('scan_netis_router', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 53413, 64512, None, None, 'open-netis'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 53413, 64512, None, None, 'open-netis'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 53413, 64512, None, None, 'open-netis'),  # stated ASN 64512
    ]),
    File('scan_ntp', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 123, 64512, None, None, 'ntp-version'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 123, 64512, None, None, 'ntp-version'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 123, 64512, None, None, 'ntp-version'),  # stated ASN 64512
    ]),
    File('scan_ntpmonitor', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 123, 64512, None, None, 'ntp-monitor'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 123, 64512, None, None, 'ntp-monitor'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 123, 64512, None, None, 'ntp-monitor'),  # stated ASN 64512
    ]),
    File('scan_portmapper', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 111, 64512, None, None, 'open-portmapper'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 111, 64512, None, None, 'open-portmapper'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 111, 64512, None, None, 'open-portmapper'),  # stated ASN 64512
    ]),
    File('scan_postgres', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 5432, 64512, None, None, 'open-postgres'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 5432, 64512, None, None, 'open-postgres'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 5432, 64512, None, None, 'open-postgres'),  # stated ASN 64512
    ]),
    File('scan_qotd', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 17, 64512, None, None, 'open-qotd'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 17, 64512, None, None, 'open-qotd'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 17, 64512, None, None, 'open-qotd'),  # stated ASN 64512
    ]),
    File('scan_quic', 4, 3, 0, 'other', [
        Row(2, T(2022, 1, 10, 14, 31, 17), '176.255.0.0', 443, 5607, 'GB', 'GB', 'open-quic'),  # stated ASN 5607
        Row(3, T(2022, 1, 10, 14, 31, 17), '24.244.0.0', 443, 6327, 'CA', 'CA', 'open-quic'),  # stated ASN 6327
        Row(4, T(2022, 1, 10, 14, 31, 17), '23.60.0.0', 443, 20940, 'US', 'US', 'open-quic'),  # stated ASN 20940
    ]),
    File('scan_radmin', 10, 9, 0, 'vulnerable-system', [
        Row(2, T(2020, 7, 6, 13, 55, 26), '74.101.218.75', 4899, 701, 'US', 'US', 'accessible-radmin'),  # stated ASN 701
        Row(6, T(2020, 7, 6, 13, 55, 27), '121.147.215.178', 4899, 4766, 'KR', 'KR', 'accessible-radmin'),  # stated ASN 4766
        Row(10, T(2020, 7, 6, 13, 55, 27), '46.27.146.22', 4899, 12430, 'ES', 'ES', 'accessible-radmin'),  # stated ASN 12430
    ]),
    File('scan_rdp', 3, 2, 0, 'vulnerable-system', [
        Row(2, T(2019, 9, 4, 15, 45, 51), '198.123.245.178', 5678, 297, 'US', 'US', 'open-rdp'),  # stated ASN 5678
        Row(3, T(2019, 9, 4, 15, 45, 51), '198.123.245.233', 5678, 297, 'US', 'US', 'open-rdp'),  # stated ASN 5678
    ]),
    File('scan_rdpeudp', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 3389, 64512, None, None, 'accessible-msrdpeudp'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 3389, 64512, None, None, 'accessible-msrdpeudp'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 3389, 64512, None, None, 'accessible-msrdpeudp'),  # stated ASN 64512
    ]),
    File('scan_redis', 94, 93, 0, 'vulnerable-system', [
        Row(2, T(2016, 7, 24, 0, 42, 33), '198.51.100.152', 6379, 201229, None, None, 'open-redis'),  # stated ASN 201229
        Row(48, T(2016, 7, 24, 1, 25, 30), '198.51.100.182', 6379, 31400, None, None, 'open-redis'),  # stated ASN 31400
        Row(94, T(2016, 7, 24, 2, 9, 20), '198.51.100.120', 6379, 24940, None, None, 'open-redis'),  # stated ASN 24940
    ]),
    File('scan_rsync', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 873, 64512, None, None, 'accessible-rsync'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 873, 64512, None, None, 'accessible-rsync'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 873, 64512, None, None, 'accessible-rsync'),  # stated ASN 64512
    ]),
    File('scan_sip', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 5060, 64512, None, None, 'open-sip'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 5060, 64512, None, None, 'open-sip'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 5060, 64512, None, None, 'open-sip'),  # stated ASN 64512
    ]),
    File('scan_slp', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 427, 64512, None, None, 'open-slp'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 427, 64512, None, None, 'open-slp'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 427, 64512, None, None, 'open-slp'),  # stated ASN 64512
    ]),
    File('scan_smb', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 445, 64512, None, None, 'open-smb'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 445, 64512, None, None, 'open-smb'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 445, 64512, None, None, 'open-smb'),  # stated ASN 64512
    ]),
    File('scan_smtp_vulnerable', 3, 2, 0, 'vulnerable-system', [
        Row(2, T(2021, 7, 8, 11, 58, 42), '1.2.3.4', 25, 12345, 'AU', 'AU', 'vulnerable-smtp'),  # stated ASN 12345
        Row(3, T(2021, 7, 8, 11, 58, 44), '5.6.7.8', 25, 6805, 'DE', 'DE', 'vulnerable-smtp'),  # stated ASN 23456
    ]),
    File('scan_snmp', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 161, 64512, None, None, 'open-snmp'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 161, 64512, None, None, 'open-snmp'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 161, 64512, None, None, 'open-snmp'),  # stated ASN 64512
    ]),
    File('scan_socks', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 1080, 64512, None, None, 'open-socks'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 1080, 64512, None, None, 'open-socks'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 1080, 64512, None, None, 'open-socks'),  # stated ASN 64512
    ]),
    File('scan_ssdp', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 60194, 64512, None, None, 'open-ssdp', {'source.fqdn': 'node01.example.com'}),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 38732, 64512, None, None, 'open-ssdp', {'source.fqdn': 'node02.example.com'}),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 57626, 64512, None, None, 'open-ssdp', {'source.fqdn': 'node03.example.com'}),  # stated ASN 64512
    ]),
    File('scan_ssh', 4, 3, 0, 'other', [
        Row(2, T(2022, 1, 10, 2, 20, 37), '18.179.0.0', 22, 16509, 'US', 'US', 'open-ssh'),  # stated ASN 16509
        Row(3, T(2022, 1, 10, 2, 20, 37), '170.10.0.0', 22, 11976, 'US', 'US', 'open-ssh'),  # stated ASN 11976
        Row(4, T(2022, 1, 10, 2, 20, 37), '72.17.0.0', 22, 33363, 'US', 'US', 'open-ssh'),  # stated ASN 33363
    ]),
    File('scan_ssl', 4, 3, 0, 'other', [
        Row(2, T(2022, 1, 10, 0, 1, 42), '96.60.0.0', 10443, 4181, 'US', 'US', 'open-ssl'),  # stated ASN 4181
        Row(3, T(2022, 1, 10, 0, 1, 42), '113.160.0.0', 10443, 45899, 'VN', 'VN', 'open-ssl'),  # stated ASN 45899
        Row(4, T(2022, 1, 10, 0, 1, 42), '34.224.0.0', 10443, 14618, 'US', 'US', 'open-ssl'),  # stated ASN 14618
    ]),
    File('scan_ssl_freak', 46, 45, 0, 'vulnerable-system', [
        Row(2, T(2018, 4, 23, 13, 25, 21), '198.51.100.232', 443, 8447, None, None, 'ssl-freak'),  # stated ASN 8447
        Row(24, T(2018, 4, 23, 13, 26, 42), '198.51.100.235', 443, 6830, None, None, 'ssl-freak'),  # stated ASN 6830
        Row(46, T(2022, 2, 7, 0, 1, 41), '2.136.0.0', 10443, 3352, 'ES', 'ES', 'ssl-freak'),  # stated ASN 12345
    ]),
    File('scan_ssl_poodle', 32, 31, 0, 'vulnerable-system', [
        Row(2, T(2018, 8, 8, 0, 51, 42), '203.0.113.85', 8443, 65540, None, None, 'ssl-poodle'),  # stated ASN 65540
        Row(17, T(2018, 4, 19, 13, 32, 41), '198.51.100.187', 443, 28760, None, None, 'ssl-poodle'),  # stated ASN 28760
        Row(32, T(2022, 2, 7, 0, 1, 41), '206.162.0.0', 10443, 8047, 'US', 'US', 'ssl-poodle'),  # stated ASN 12345
    ]),
    File('scan_stun', 4, 3, 0, 'other', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 3478, 64512, None, None, 'open-stun'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 3478, 64512, None, None, 'open-stun'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 3478, 64512, None, None, 'open-stun'),  # stated ASN 64512
    ]),
    File('scan_synfulknock', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2022, 1, 10, 9, 18, 23), '66.9.0.0', 80, 12975, 'PS', 'PS', 'open-synfulknock'),  # stated ASN 18885
        Row(3, T(2022, 1, 10, 9, 19, 17), '213.131.0.0', 80, 12925, 'RU', 'RU', 'open-synfulknock'),  # stated ASN 35805
        Row(4, T(2022, 1, 10, 9, 27, 39), '213.178.0.0', 80, 12898, 'DE', 'DE', 'open-synfulknock'),  # stated ASN 29256
    ]),
    File('scan_telnet', 3, 2, 0, 'vulnerable-system', [
        Row(2, T(2019, 9, 4, 12, 27, 34), '198.123.245.145', 5678, 297, 'US', 'US', 'open-telnet'),  # stated ASN 20255
        Row(3, T(2019, 9, 4, 12, 27, 40), '198.123.245.145', 5678, 297, 'US', 'US', 'open-telnet'),  # stated ASN 20255
    ]),
    File('scan_tftp', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 35067, 64512, None, None, 'open-tftp'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 56709, 64512, None, None, 'open-tftp'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 32785, 64512, None, None, 'open-tftp'),  # stated ASN 64512
    ]),
    File('scan_ubiquiti', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 10001, 64512, None, None, 'accessible-ubiquiti-discovery-service'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 10001, 64512, None, None, 'accessible-ubiquiti-discovery-service'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 10001, 64512, None, None, 'accessible-ubiquiti-discovery-service'),  # stated ASN 64512
    ]),
    File('scan_vnc', 3, 2, 0, 'vulnerable-system', [
        Row(2, T(2019, 9, 4, 14, 51, 44), '198.123.245.53', 5678, 297, 'US', 'US', 'open-vnc'),  # stated ASN 5678
        Row(3, T(2019, 9, 4, 14, 51, 44), '198.123.245.112', 5678, 297, 'US', 'US', 'open-vnc'),  # stated ASN 5678
    ]),
    File('scan_ws_discovery', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 3702, 64512, None, None, 'open-ws-discovery'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 3702, 64512, None, None, 'open-ws-discovery'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 3702, 64512, None, None, 'open-ws-discovery'),  # stated ASN 64512
    ]),
    File('scan_xdmcp', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', 177, 64512, None, None, 'open-xdmcp'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', 47074, 64512, None, None, 'open-xdmcp'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', 177, 64512, None, None, 'open-xdmcp'),  # stated ASN 64512
    ]),
    File('special', 4, 3, 0, 'vulnerable-system', [
        Row(2, T(2010, 2, 10, 0, 0, 0), '192.168.0.1', None, 64512, None, None, 'cyclops-blink'),  # stated ASN 64512
        Row(3, T(2010, 2, 10, 0, 0, 1), '192.168.0.2', None, 64512, None, None, 'cyclops-blink'),  # stated ASN 64512
        Row(4, T(2010, 2, 10, 0, 0, 2), '192.168.0.3', None, 64512, None, None, 'cyclops-blink'),  # stated ASN 64512
    ]),
]
# fmt: on


@pytest.fixture(scope="module")
def ingested(
    corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, FileSummary], pl.DataFrame]]:
    """Every file, ingested in one run; each file's summary and all stored events."""
    data = tmp_path_factory.mktemp("shadowserver") / "data"
    node = open_compact(Settings(data_dir=data, default_owner="CN"), FixedClock(NOW))
    try:
        paths = sorted((corpus / FOLDER).glob("*.csv"))
        report = node.pipeline.ingest(paths, IngestOptions(owner="CN"))
        summaries = {Path(f.path).stem: f for f in report.files}
        yield summaries, node.store.scan("events").collect()
    finally:
        node.close()


def test_every_file_is_in_the_table(corpus: Path) -> None:
    on_disk = {p.stem for p in (corpus / FOLDER).glob("*.csv")}
    assert on_disk == {f.name for f in FILES}
    assert len(on_disk) == 93


@pytest.mark.parametrize("expected", FILES, ids=lambda f: f.name)
def test_file(expected: File, ingested: tuple[dict[str, FileSummary], pl.DataFrame]) -> None:
    summaries, events = ingested
    f = summaries[expected.name]
    assert f.format == "shadowserver"
    assert (f.records, f.events, f.duplicates, f.skipped, f.rejects) == (
        expected.records,
        expected.events,
        0,
        1,
        expected.rejects,
    )
    assert dict(f.skipped_reasons) == {"CSV header": 1}
    if expected.rejects:
        assert dict(f.reject_reasons) == {"source.ip: not an IP address": expected.rejects}
    mine = events.filter(pl.col("evidence.id") == f.evidence_id)
    assert mine.height == expected.events
    assert set(mine["feed.name"]) == {expected.name}
    assert set(mine["feed.provider"]) == {"Shadowserver"}
    types = {expected.type} | {r.other.get("classification.type") for r in expected.rows}
    assert set(mine["classification.type"]) == types - {None}
    assert all(
        TAXONOMY_OF_TYPE[t] == x
        for t, x in mine.select("classification.type", "classification.taxonomy").iter_rows()
    )
    assert set(mine["tlp"]) == {"AMBER"}  # no marking in the reports: the default
    rows = {r["evidence.record"]: r for r in mine.to_dicts()}
    for want in expected.rows:
        got = rows[want.record]
        source = got["source.ip"] if got["source.ip"] is not None else got["source.network"]
        assert (
            got["time.source"],
            source,
            got["source.port"],
            got["source.asn"],
            got["source.registration.cc"],
            got["route.member"],
            got["classification.identifier"],
        ) == (
            want.time,
            want.source,
            want.port,
            want.asn,
            want.registration,
            want.route,
            want.identifier,
        ), want.record
        optional = ("source.fqdn", "source.url", "malware.name", "evidence.ref")
        expected_other = {k: want.other.get(k) for k in optional}
        expected_other["classification.type"] = want.other.get("classification.type", expected.type)
        if "source.network" in want.other:
            expected_other["source.network"] = want.other["source.network"]
        assert {k: got[k] for k in expected_other} == expected_other, want.record
