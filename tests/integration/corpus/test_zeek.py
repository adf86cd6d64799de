"""Zeek logs of the shared corpus, through the whole pipeline: exact counts, each checked by the
independent command in the comment beside it (run from ``../shared/corpus/zeek``), and three
records per file field by field.

Every Zeek file of the corpus is listed: the WRCCDC 2018 logs (gzip TSV, read compressed), the
zat JSON logs and the two Zeek test baselines. Most of them hold no evidence (normal traffic,
DNS, certificates, inventory): for those the three records are checked by their skip reason,
since skipped records are never stored. The test baselines replace every ``ts`` by
``XXXXXXXXXX.XXXXXX``, so all their records are rejected.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from tests.integration.corpus.helpers import check, ingest
from tests.unit.evidence.conformance import CTX, records_of
from wuzhen.evidence import parsers
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.evidence.parsers._base import RECORD
from wuzhen.node import Node

pytestmark = pytest.mark.corpus

W = "zeek/wrccdc2018_brimdata"
Z = "zeek/zat_json"
HEADER = "zeek log header"


@dataclass(frozen=True)
class Expected:
    path: str
    format: str
    records: int
    events: int
    skipped: dict[str, int]
    rejects: dict[str, int] = field(default_factory=dict)


EXPECTED = [
    # zcat dce_rpc.log.gz | grep -c .  -> 87;  zcat dce_rpc.log.gz | grep -c '^#'  -> 9
    # zcat dce_rpc.log.gz | grep -vc '^#'  -> 78
    Expected(
        f"{W}/dce_rpc.log.gz",
        "zeek-tsv",
        87,
        0,
        {HEADER: 9, "zeek dce_rpc log is not evidence": 78},
    ),
    # zcat ftp.log.gz | grep -c .  -> 102;  grep -c '^#' -> 9;  grep -vc '^#'  -> 93
    # zcat ftp.log.gz | grep -v '^#' | awk -F'\t' '$13=="530"' | wc -l  -> 0  (reply_code)
    Expected(
        f"{W}/ftp.log.gz", "zeek-tsv", 102, 0, {HEADER: 9, "FTP command (not a failed login)": 93}
    ),
    # zcat known_services.log.gz | grep -c .  -> 1588;  ... | grep -vc '^#'  -> 1579
    Expected(
        f"{W}/known_services.log.gz",
        "zeek-tsv",
        1588,
        0,
        {HEADER: 9, "zeek known_services log is not evidence": 1579},
    ),
    # zcat notice.log.gz | grep -c .  -> 216
    # zcat notice.log.gz | grep -v '^#' | awk -F'\t' '$11 ~ /^SSL::/' | wc -l  -> 207 (note)
    Expected(
        f"{W}/notice.log.gz",
        "zeek-tsv",
        216,
        0,
        {HEADER: 9, "TLS notice describes the server's certificate or settings, not abuse": 207},
    ),
    # zcat ntlm.log.gz | grep -c .  -> 431
    # zcat ntlm.log.gz | grep -v '^#' | awk -F'\t' '{print $13}' | sort | uniq -c
    #   -> 216 -, 206 T  (success: unset, true; no F)
    Expected(
        f"{W}/ntlm.log.gz",
        "zeek-tsv",
        431,
        0,
        {HEADER: 9, "successful login": 206, "zeek ntlm log is not evidence": 216},
    ),
    # zcat rdp.log.gz | grep -c .  -> 4131
    # zcat rdp.log.gz | grep -v '^#' | awk -F'\t' 'tolower($7) ~ /^(nmap|nessus|masscan|zgrab)$/
    #   || $7 ~ /\.nbin$/ {s++; next} $8 ~ /^(SSL_REQUIRED_BY_SERVER|SSL_NOT_ALLOWED_BY_SERVER
    #   |SSL_CERT_NOT_ON_SERVER|INCONSISTENT_FLAGS|HYBRID_REQUIRED_BY_SERVER
    #   |SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER)$/ {b++; next} {o++} END {print s, b, o}'
    #   -> 19 1 4102  (scanner cookies, negotiation failures, others)
    Expected(
        f"{W}/rdp.log.gz",
        "zeek-tsv",
        4131,
        20,
        {HEADER: 9, "RDP connection without a failure": 4102},
    ),
    # zcat smtp.log.gz | grep -c .  -> 1197;  grep -vc '^#'  -> 1188
    # zcat smtp.log.gz | grep -v '^#' | awk -F'\t' '$22 ~ /^535/' | wc -l  -> 0  (last_reply)
    Expected(f"{W}/smtp.log.gz", "zeek-tsv", 1197, 0, {HEADER: 9, "mail transaction": 1188}),
    # zcat software.log.gz | grep -c .  -> 385;  grep -vc '^#'  -> 376
    Expected(
        f"{W}/software.log.gz",
        "zeek-tsv",
        385,
        0,
        {HEADER: 9, "zeek software log is not evidence": 376},
    ),
    # zcat ssh.log.gz | grep -c .  -> 31
    # zcat ssh.log.gz | grep -v '^#' | awk -F'\t' '{print $8, ($9>0)}' | sort | uniq -c
    #   -> 15 "- 0", 2 "F 1", 5 "T 1"  (auth_success, auth_attempts > 0)
    Expected(
        f"{W}/ssh.log.gz",
        "zeek-tsv",
        31,
        2,
        {HEADER: 9, "successful login": 5, "no authentication attempt seen": 15},
    ),
    # zcat weird.log.gz | grep -c .  -> 24211;  grep -vc '^#'  -> 24202
    Expected(
        f"{W}/weird.log.gz",
        "zeek-tsv",
        24211,
        0,
        {HEADER: 9, "protocol anomaly (weird) is not evidence by itself": 24202},
    ),
    # grep -c . conn.log  -> 50;  jq -r '.proto + " " + .conn_state' conn.log | sort | uniq -c
    #   -> 2 tcp OTH, 1 tcp RSTO, 14 tcp RSTR, 7 tcp SF, 26 udp SF
    # TCP attempts the responder sent no data in (a scan, or seen one way / midstream):
    # jq -c 'select(.proto=="tcp" and (.conn_state|IN("S0","REJ","RSTOS0","RSTRH","SH","SHR",
    #   "OTH")) and ((.resp_bytes // 0)==0))' conn.log | wc -l  -> 0  (the OTH ones got data)
    # of them scans (no originator payload; history S without A, D, d; no history: S0, REJ,
    # RSTOS0, SH): ... and ((.orig_bytes // 0)==0) and (if (.history // "")=="" then
    #   (.conn_state|IN("S0","REJ","RSTOS0","SH")) else (.history|test("^[^ADd]*S[^ADd]*$"))
    #   end))' conn.log | wc -l  -> 0
    Expected(f"{Z}/conn.log", "zeek-json", 50, 0, {"normal connection": 50}),
    # grep -c . dce_rpc.log  -> 7  (endpoint/operation: dce_rpc)
    Expected(f"{Z}/dce_rpc.log", "zeek-json", 7, 0, {"zeek dce_rpc log is not evidence": 7}),
    # grep -c . dns.log  -> 50;  jq -c 'select(has("query"))' dns.log | wc -l  -> 50
    Expected(f"{Z}/dns.log", "zeek-json", 50, 0, {"DNS query or answer": 50}),
    # grep -c . files.log  -> 50
    Expected(f"{Z}/files.log", "zeek-json", 50, 0, {"zeek files log is not evidence": 50}),
    # grep -c . http.log  -> 28
    # grep -ciE '\.\./|\.\.%2f|%2e%2e|\(\) \{|jndi|union|select|<script|nikto|nmap|sqlmap|masscan
    #   |zgrab|/\.env|/\.git/|phpmyadmin|/etc/passwd' http.log  -> 0
    Expected(f"{Z}/http.log", "zeek-json", 28, 0, {"normal HTTP request": 28}),
    # grep -c . kerberos.log  -> 14
    # jq -r 'if .error_msg then .error_msg elif .success == true then "success" elif
    #   has("request_type") then "other" else "no kerberos fields" end' kerberos.log
    #   | sort | uniq -c
    #   -> 2 KDC_ERR_PREAUTH_REQUIRED, 4 no kerberos fields, 8 success
    Expected(
        f"{Z}/kerberos.log",
        "zeek-json",
        14,
        0,
        {
            "Kerberos pre-authentication required (the normal first step)": 2,
            "zeek record of unknown log type (no _path and no distinguishing fields)": 4,
            "successful Kerberos request": 8,
        },
    ),
    # grep -c . smb_mapping.log  -> 7
    Expected(
        f"{Z}/smb_mapping.log", "zeek-json", 7, 0, {"zeek smb_mapping log is not evidence": 7}
    ),
    # grep -c . ssl.log  -> 50
    Expected(f"{Z}/ssl.log", "zeek-json", 50, 0, {"zeek ssl log is not evidence": 50}),
    # grep -c . weird.log  -> 2
    Expected(
        f"{Z}/weird.log",
        "zeek-json",
        2,
        0,
        {"protocol anomaly (weird) is not evidence by itself": 2},
    ),
    # grep -c . zeek-btest_ssh.basic_conn.log  -> 35;  grep -c '^#' ...  -> 10
    # grep -v '^#' zeek-btest_ssh.basic_conn.log | cut -f1 | sort | uniq -c  -> 25 XXXXXXXXXX.XXXXXX
    Expected(
        "zeek/zeek-btest_ssh.basic_conn.log",
        "zeek-tsv",
        35,
        0,
        {HEADER: 10},
        {"ts is not a Zeek time value": 25},
    ),
    # grep -c . zeek-btest_ssh.basic_ssh.log  -> 32;  grep -c '^#' ...  -> 10
    # grep -v '^#' zeek-btest_ssh.basic_ssh.log | cut -f1 | sort | uniq -c  -> 22 XXXXXXXXXX.XXXXXX
    Expected(
        "zeek/zeek-btest_ssh.basic_ssh.log",
        "zeek-tsv",
        32,
        0,
        {HEADER: 10},
        {"ts is not a Zeek time value": 22},
    ),
]


def test_every_zeek_file_of_the_corpus_is_listed(corpus: Path) -> None:
    # find zeek -name '*.log*' | wc -l  -> 21
    found = {str(p.relative_to(corpus)) for p in (corpus / "zeek").rglob("*.log*")}
    assert found == {e.path for e in EXPECTED}
    assert len(found) == 21


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e.path)
def test_counts(corpus: Path, sqlite_node: Node, expected: Expected) -> None:
    f, _ = ingest(sqlite_node, corpus / expected.path)
    assert f.format == expected.format
    assert f.records == expected.records
    assert (f.events, f.duplicates) == (expected.events, 0)
    assert f.skipped == sum(expected.skipped.values())
    assert dict(f.skipped_reasons) == expected.skipped
    assert f.rejects == sum(expected.rejects.values())
    assert dict(f.reject_reasons) == expected.rejects
    assert f.records == f.events + f.duplicates + f.skipped + f.rejects


PRIVATE = {
    "source.special_purpose": "private",
    "source.registration.cc": None,
    "route.member": None,
    "route.state": "unrouted",
}


def test_ssh_records(corpus: Path, sqlite_node: Node) -> None:
    _, rows = ingest(sqlite_node, corpus / W / "ssh.log.gz")
    assert sorted(rows) == [11, 13]
    # zcat ssh.log.gz | sed -n 11p: 1521911958.864751 CJqhXL1pzFV2qOuS1b 10.128.0.233 36040
    #   10.47.26.186 22 2 F 1 - SSH-2.0-OpenSSH_7.6p1 Debian-4 SSH-2.0-OpenSSH_6.7p1 ...
    check(
        rows[11],
        {
            "time.source": datetime(2018, 3, 24, 17, 19, 18, 864751, tzinfo=UTC),
            "source.ip": "10.128.0.233",
            "source.port": 36040,
            "destination.ip": "10.47.26.186",
            "destination.port": 22,
            "protocol.transport": "tcp",
            "protocol.application": "ssh",
            "classification.taxonomy": "intrusion-attempts",
            "classification.type": "brute-force",
            "classification.identifier": "zeek-ssh:auth-failed",
            "extra": '{"log":"ssh","uid":"CJqhXL1pzFV2qOuS1b","auth_attempts":1,'
            '"client":"SSH-2.0-OpenSSH_7.6p1 Debian-4",'
            '"server":"SSH-2.0-OpenSSH_6.7p1 Debian-5+deb8u4"}',
            **PRIVATE,
        },
    )
    # zcat ssh.log.gz | sed -n 13p: 1521911968.699016 ClGx2e3BpgqmkBvWJh 10.128.0.233 56772
    #   10.47.24.186 22 2 F 1 ...
    check(
        rows[13],
        {
            "time.source": datetime(2018, 3, 24, 17, 19, 28, 699016, tzinfo=UTC),
            "source.ip": "10.128.0.233",
            "source.port": 56772,
            "destination.ip": "10.47.24.186",
            "destination.port": 22,
            "classification.identifier": "zeek-ssh:auth-failed",
            **PRIVATE,
        },
    )
    # zcat ssh.log.gz | sed -n 9p: 1521911799.739898 ... 10.0.0.227 59849 10.47.8.50 22 2 T 1
    assert _outcomes(corpus / W / "ssh.log.gz", "zeek-tsv")[9] == "successful login"


def test_rdp_records(corpus: Path, sqlite_node: Node) -> None:
    _, rows = ingest(sqlite_node, corpus / W / "rdp.log.gz")
    # zcat rdp.log.gz | sed -n 1720p: 1521911780.205136 CFfNjB3imS1NCODufj 10.164.94.120 42479
    #   10.47.3.142 3389 - SSL_NOT_ALLOWED_BY_SERVER - ...
    check(
        rows[1720],
        {
            "time.source": datetime(2018, 3, 24, 17, 16, 20, 205136, tzinfo=UTC),
            "source.ip": "10.164.94.120",
            "source.port": 42479,
            "destination.ip": "10.47.3.142",
            "destination.port": 3389,
            "protocol.transport": "tcp",
            "protocol.application": "rdp",
            "classification.taxonomy": "intrusion-attempts",
            "classification.type": "brute-force",
            "classification.identifier": "zeek-rdp:SSL_NOT_ALLOWED_BY_SERVER",
            "extra": '{"log":"rdp","uid":"CFfNjB3imS1NCODufj",'
            '"result":"SSL_NOT_ALLOWED_BY_SERVER"}',
            **PRIVATE,
        },
    )
    # zcat rdp.log.gz | sed -n 1721p: ... 10.164.94.120 33341 10.47.3.142 3389
    #   rdp_logon_screen.nbin SSL_NOT_ALLOWED_BY_SERVER -   (the cookie names Nessus' plugin)
    check(
        rows[1721],
        {
            "time.source": datetime(2018, 3, 24, 17, 16, 20, 211484, tzinfo=UTC),
            "source.ip": "10.164.94.120",
            "source.port": 33341,
            "destination.port": 3389,
            "classification.taxonomy": "information-gathering",
            "classification.type": "scanner",
            "classification.identifier": "zeek-rdp:scanner-cookie",
            **PRIVATE,
        },
    )
    # zcat rdp.log.gz | sed -n 2744p: 1521911880.565330 Ct55nB3LAAyBQFmzrb 10.128.0.241 44524
    #   10.47.1.208 3389 nmap - - ...
    check(
        rows[2744],
        {
            "time.source": datetime(2018, 3, 24, 17, 18, 0, 565330, tzinfo=UTC),
            "source.ip": "10.128.0.241",
            "source.port": 44524,
            "destination.ip": "10.47.1.208",
            "destination.port": 3389,
            "classification.type": "scanner",
            "classification.identifier": "zeek-rdp:scanner-cookie",
            "extra": '{"log":"rdp","uid":"Ct55nB3LAAyBQFmzrb"}',
            **PRIVATE,
        },
    )


def _outcomes(path: Path, name: str) -> dict[int, str]:
    """Skip or reject reason of each record, from the parser itself (skips are not stored)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    parser = parsers.get(name)
    result = parser.parse(records_of(lines), parser.new_state(), CTX)
    both = pl.concat([result.skipped, result.rejects.select(RECORD, "reason")])
    return dict(both.iter_rows())


# Three records per file without events: (line number, its text in short, the reason).
SKIPPED_RECORDS = {
    f"{W}/dce_rpc.log.gz": [
        (1, "#separator \\x09", HEADER),
        (
            9,
            "1521911725.396014 Com0DqIPOu8FjMTma 10.164.94.120 ... samr SamrConnect2",
            "zeek dce_rpc log is not evidence",
        ),
        (87, "#close 2024-04-12-19-34-07", HEADER),
    ],
    f"{W}/ftp.log.gz": [
        (
            9,
            "... 10.164.94.120 45905 10.47.27.80 21 anonymous ... PASV - - - 227",
            "FTP command (not a failed login)",
        ),
        (10, "... STOR ftp://10.47.27.80/nessus_test - - 550", "FTP command (not a failed login)"),
        (7, "#fields ts uid id.orig_h ...", HEADER),
    ],
    f"{W}/known_services.log.gz": [
        (9, "1521911720.609736 10.47.3.200 80 tcp HTTP", "zeek known_services log is not evidence"),
        (5, "#path known_services", HEADER),
        (
            1587,
            "1521912892.311898 10.47.6.218 80 tcp (empty)",
            "zeek known_services log is not evidence",
        ),
    ],
    f"{W}/notice.log.gz": [
        (
            9,
            "... tcp SSL::Invalid_Server_Cert SSL certificate validation failed ...",
            "TLS notice describes the server's certificate or settings, not abuse",
        ),
        (
            215,
            "... 10.47.5.156 45217 173.194.166.123 443 ... SSL::Invalid_Server_Cert",
            "TLS notice describes the server's certificate or settings, not abuse",
        ),
        (8, "#types time string addr ...", HEADER),
    ],
    f"{W}/ntlm.log.gz": [
        (9, "... 10.164.94.120 36315 10.47.8.208 445 - - - SNOZBERRY ... T", "successful login"),
        (
            430,
            "... 10.128.0.214 44094 10.47.8.152 445 Administrator - COTTONCANDY ... -",
            "zeek ntlm log is not evidence",
        ),
        (2, "#set_separator ,", HEADER),
    ],
    f"{W}/smtp.log.gz": [
        (
            9,
            "... 10.164.94.120 38041 10.47.8.208 25 1 ... 220 2.0.0 SMTP server ready",
            "mail transaction",
        ),
        (1196, "... 36403 10.47.1.208 587 1 hotmail.com ... 250 Snozberry...", "mail transaction"),
        (3, "#empty_field (empty)", HEADER),
    ],
    f"{W}/software.log.gz": [
        (
            9,
            "1521911720.609736 10.164.94.120 - HTTP::BROWSER MSIE 8 0 ...",
            "zeek software log is not evidence",
        ),
        (
            10,
            "... HTTP::BROWSER ) { ... bash_cve_2014_6278 ...",
            "zeek software log is not evidence",
        ),
        (4, "#unset_field -", HEADER),
    ],
    f"{W}/weird.log.gz": [
        (
            9,
            "... 10.47.1.152 49562 23.217.103.245 80 TCP_ack_underflow_or_misorder",
            "protocol anomaly (weird) is not evidence by itself",
        ),
        (
            24210,
            "... 10.174.251.215 56593 10.47.26.81 443 SYN_seq_jump",
            "protocol anomaly (weird) is not evidence by itself",
        ),
        (6, "#open 2024-04-12-19-29-12", HEADER),
    ],
    f"{Z}/conn.log": [
        (
            1,
            '{"ts":1575413096.052279,...,"proto":"tcp","service":"krb_tcp",...,"conn_state":"RSTR"',
            "normal connection",
        ),
        (6, '{"ts":1575413101.219804,...,"resp_bytes":144,"conn_state":"OTH"', "normal connection"),
        (50, "sed -n 50p conn.log", "normal connection"),
    ],
    f"{Z}/dce_rpc.log": [
        (
            1,
            '{"ts":1575413122.23146,...,"endpoint":"epmapper","operation":"ept_map"}',
            "zeek dce_rpc log is not evidence",
        ),
        (
            2,
            '{"ts":1575413122.244997,...,"endpoint":"drsuapi","operation":"DRSBind"}',
            "zeek dce_rpc log is not evidence",
        ),
        (7, "sed -n 7p dce_rpc.log", "zeek dce_rpc log is not evidence"),
    ],
    f"{Z}/dns.log": [
        (
            1,
            '{..."query":"_ldap._tcp.default-first-site-name._sites.icemaiden-dc..."',
            "DNS query or answer",
        ),
        (2, '{..."query":"_ldap._tcp.icemaiden-dc.icemaiden.com"...', "DNS query or answer"),
        (50, "sed -n 50p dns.log", "DNS query or answer"),
    ],
    f"{Z}/files.log": [
        (
            1,
            '{"ts":1575413122.784443,"fuid":"FOpzrF3HeCQSlDLQo6","tx_hosts":["10.18.20.8"],...',
            "zeek files log is not evidence",
        ),
        (
            2,
            '{"ts":1575413156.023372,"fuid":"FAbjvB2sWxQoaj6bye",...,"source":"HTTP",...',
            "zeek files log is not evidence",
        ),
        (50, "sed -n 50p files.log", "zeek files log is not evidence"),
    ],
    f"{Z}/http.log": [
        (
            1,
            '{...,"method":"GET","host":"mail.aol.com","uri":"/",...,"status_code":301,...',
            "normal HTTP request",
        ),
        (
            3,
            '{...,"uri":"/USERTrustRSAAddTrustCA.crt","user_agent":"Microsoft-CryptoAPI/6.1",...',
            "normal HTTP request",
        ),
        (28, "sed -n 28p http.log", "normal HTTP request"),
    ],
    f"{Z}/kerberos.log": [
        (
            1,
            '{...,"request_type":"AS",...,"success":false,"error_msg":"KDC_ERR_PREAUTH_REQUIRED",...',
            "Kerberos pre-authentication required (the normal first step)",
        ),
        (2, '{...,"request_type":"AS",...,"success":true,...', "successful Kerberos request"),
        (
            11,
            '{"ts":1575413122.78212,"uid":"CwqmM6eurK7Dmu7u4",...,"id.resp_p":445}',
            "zeek record of unknown log type (no _path and no distinguishing fields)",
        ),
    ],
    f"{Z}/smb_mapping.log": [
        (
            1,
            '{"ts":1575413122.273108,...,"share_type":"PIPE"}',
            "zeek smb_mapping log is not evidence",
        ),
        (
            2,
            '{"ts":1575413122.493055,...,"share_type":"DISK"}',
            "zeek smb_mapping log is not evidence",
        ),
        (7, "sed -n 7p smb_mapping.log", "zeek smb_mapping log is not evidence"),
    ],
    f"{Z}/ssl.log": [
        (
            1,
            '{...,"server_name":"mail.aol.com",...,"validation_status":"ok"}',
            "zeek ssl log is not evidence",
        ),
        (2, '{...,"server_name":"oidc.mail.aol.com",...}', "zeek ssl log is not evidence"),
        (50, "sed -n 50p ssl.log", "zeek ssl log is not evidence"),
    ],
    f"{Z}/weird.log": [
        (
            1,
            '{...,"name":"unknown_dce_rpc_auth_type","addl":"68","notice":false,"peer":"zeek"}',
            "protocol anomaly (weird) is not evidence by itself",
        ),
        # the file has two records; the second is a weird without a connection
        (
            2,
            '{"ts":1575413205.85388,"name":"unknown_protocol","addl":"2",...}',
            "protocol anomaly (weird) is not evidence by itself",
        ),
    ],
    "zeek/zeek-btest_ssh.basic_conn.log": [
        (1, "### BTest baseline data generated by btest-diff. Do not edit. ...", HEADER),
        (
            10,
            "XXXXXXXXXX.XXXXXX CHhAvVGS1DHFjwGM9 192.168.1.79 51880 131.159.21.1 22 tcp ssh ...",
            "ts is not a Zeek time value",
        ),
        (
            28,
            "XXXXXXXXXX.XXXXXX CykQaM33ztNt0csB9a 192.168.1.31 57621 192.168.1.255 57621 udp ...",
            "ts is not a Zeek time value",
        ),
    ],
    "zeek/zeek-btest_ssh.basic_ssh.log": [
        (2, "#separator \\x09", HEADER),
        (
            26,
            "XXXXXXXXXX.XXXXXX C7fIlMZDuRiqjpYbb 192.168.1.32 41268 128.2.10.238 22 2 F 6 ...",
            "ts is not a Zeek time value",
        ),
        (32, "#close XXXX-XX-XX-XX-XX-XX", HEADER),
    ],
}


@pytest.mark.parametrize("path", sorted(SKIPPED_RECORDS))
def test_records_without_events(corpus: Path, path: str) -> None:
    name = next(e.format for e in EXPECTED if e.path == path)
    outcomes = _outcomes(corpus / path, name)
    records = next(e.records for e in EXPECTED if e.path == path)
    assert len(SKIPPED_RECORDS[path]) == min(3, records)
    for record, text, expected in SKIPPED_RECORDS[path]:
        assert outcomes[record] == expected, (record, text)


def test_rejects_are_stored_with_their_text(corpus: Path, sqlite_node: Node) -> None:
    path = corpus / "zeek" / "zeek-btest_ssh.basic_ssh.log"
    sqlite_node.pipeline.ingest([path], IngestOptions(owner="CN"))
    rejects = {
        r["evidence.record"]: r for r in sqlite_node.store.scan("rejects").collect().to_dicts()
    }
    # grep -n 'C7fIlMZDuRiqjpYbb' zeek-btest_ssh.basic_ssh.log  -> 26:XXXXXXXXXX.XXXXXX ...
    line = path.read_text(encoding="utf-8").splitlines()[25]
    assert "C7fIlMZDuRiqjpYbb" in line
    assert rejects[26]["raw"] == line
    assert rejects[26]["reason"] == "ts is not a Zeek time value"
    assert rejects[26]["evidence.format"] == "zeek-tsv"
    assert len(rejects) == 22
