"""Abuse report e-mails and X-ARF JSON of the shared corpus (#4), through the whole pipeline:
exact counts, each checked by the independent command in the comment beside it (run from
``../shared/corpus/abuse_reports``), and every report field by field.

Every file of ``abuse_reports/`` is here (``SOURCES.md`` aside; a test checks the list is
complete): the 15 e-mails of ``abusix_inbound-parsers/``, the 4 of ``sisimai_arf/`` and the 5
JSON reports of ``xarf_spec_examples/``. Each file holds one message or one JSON report, so one
record; "three records per file" is every record here, and the whole set again as one mailbox.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from wuzhen.evidence.ingest import IngestOptions
from wuzhen.evidence.parsers.abusemail import ARF_SKIPPED, SKIP_NO_REPORT, SKIP_SHADOWSERVER
from wuzhen.node import Node

pytestmark = pytest.mark.corpus

ABUSIX = "abuse_reports/abusix_inbound-parsers"
SISIMAI = "abuse_reports/sisimai_arf"
SPEC = "abuse_reports/xarf_spec_examples"
AUTH = ARF_SKIPPED["auth-failure"]

# file -> (format, events, skipped reason or None); every file is one record.
#   ARF:    grep -c '^Content-Type: message/feedback-report' FILE                        -> 1
#           grep '^Feedback-Type:' FILE                     -> abuse / auth-failure as listed
#   X-ARF:  grep -ciE '^Content-Type: text/plain.*name="report\.txt"' FILE                -> 1
#   plain:  grep -ciE 'message/feedback-report|name="report\.txt"|application/json' FILE  -> 0
#   Shadowserver: grep -ciE 'filename="[^"]*\.csv(\.zip)?"' FILE                          -> 1
#                 grep -ciE '^From: .*@shadowserver\.org' FILE                            -> 1
#   JSON:   jq -c '[.Version // .xarf_version, .Report.ReportType // .type]' FILE (one object)
FILES: dict[str, tuple[str, int, str | None]] = {
    f"{ABUSIX}/01_marf.eml": ("arf", 1, None),  # abuse
    f"{ABUSIX}/01_marf.eml_hotmail": ("arf", 0, AUTH),  # auth-failure
    f"{ABUSIX}/01_marf.old.0.eml": ("arf", 1, None),  # abuse
    f"{ABUSIX}/02_xarf.eml": ("xarf", 1, None),
    f"{ABUSIX}/02_xarf.fraud.eml": ("xarf", 1, None),
    f"{ABUSIX}/02_xarf.login_attack.0.eml": ("xarf", 1, None),
    f"{ABUSIX}/02_xarf.old.0.eml": ("xarf", 1, None),
    f"{ABUSIX}/bsi.3.reflection.eml": ("xarf", 0, SKIP_NO_REPORT),
    f"{ABUSIX}/bsi.botnet.0.eml": ("xarf", 0, SKIP_NO_REPORT),
    f"{ABUSIX}/fail2ban.0.eml": ("xarf", 0, SKIP_NO_REPORT),
    f"{ABUSIX}/fail2ban.login_attack.0.eml": ("xarf", 0, SKIP_NO_REPORT),
    f"{ABUSIX}/fail2ban.login_attack.3.eml": ("xarf", 0, SKIP_NO_REPORT),
    f"{ABUSIX}/shadowserver.ddos_amplification.0.eml": ("xarf", 0, SKIP_SHADOWSERVER),
    f"{ABUSIX}/shadowserver.eml": ("xarf", 0, SKIP_SHADOWSERVER),
    f"{ABUSIX}/spamcop.0.eml": ("xarf", 0, SKIP_NO_REPORT),
    f"{SISIMAI}/arf-01.eml": ("arf", 1, None),  # abuse
    f"{SISIMAI}/arf-14.eml": ("arf", 1, None),  # abuse
    f"{SISIMAI}/arf-20.eml": ("arf", 0, AUTH),  # auth-failure
    f"{SISIMAI}/arf-24.eml": ("xarf", 0, SKIP_NO_REPORT),  # Hotmail JMRP: no feedback part
    f"{SPEC}/botnet_v3_sample.json": ("xarf", 1, None),  # ["3.0.0","botnet"]
    f"{SPEC}/connection-ddos.json": ("xarf", 1, None),  # ["4.2.0","ddos"]
    f"{SPEC}/connection-login-attack.json": ("xarf", 1, None),  # ["4.2.0","login_attack"]
    f"{SPEC}/connection-port-scan.json": ("xarf", 1, None),  # ["4.2.0","port_scan"]
    f"{SPEC}/content-phishing.json": ("xarf", 1, None),  # ["4.2.0","phishing"]
}


def test_every_corpus_file_is_listed(corpus: Path) -> None:
    # find abuse_reports -type f ! -name SOURCES.md | wc -l                                -> 24
    found = {
        str(p.relative_to(corpus))
        for p in (corpus / "abuse_reports").rglob("*")
        if p.is_file() and p.name != "SOURCES.md"
    }
    assert found == set(FILES)
    assert len(FILES) == 24


@pytest.mark.parametrize("name", sorted(FILES))
def test_counts(name: str, corpus: Path, sqlite_node: Node) -> None:
    fmt, events, reason = FILES[name]
    f = sqlite_node.pipeline.ingest([corpus / name], IngestOptions(owner="CN")).files[0]
    assert f.format == fmt
    assert f.records == 1
    assert (f.events, f.duplicates, f.rejects) == (events, 0, 0)
    assert dict(f.skipped_reasons) == ({reason: 1} if reason else {})
    assert sqlite_node.store.scan("events").collect().height == events


# The report of each file with an event, field by field. The comment gives the command that
# shows the values (grep of the report part, or jq of the JSON report).
EXPECTED: dict[str, dict[str, Any]] = {
    # grep -E '^(Feedback-Type|Source-IP|Arrival-Date|Message-ID|From):' FILE | head -5:
    # abuse, 24.224.217.6, Mon, 26 Sep 2016 09:12:15 +0000, <ARF-PDNC...@report.abusix.org>,
    # no-reply@abusix.org
    f"{ABUSIX}/01_marf.eml": {
        "time.source": datetime(2016, 9, 26, 9, 12, 15, tzinfo=UTC),
        "source.ip": "24.224.217.6",
        "source.fqdn": None,
        "classification.taxonomy": "abusive-content",
        "classification.type": "spam",
        "classification.identifier": "arf:abuse",
        "evidence.ref": "ARF-PDNCM0U4OERCRDAwNDJBOTk0NTQwMDlCNDAwODYwM0I3QHdoby1nb3QtbWFpbC5j"
        "b20+@report.abusix.org",
        "feed.provider": "abusix.org",
        "feed.name": None,
        "tlp": "AMBER",
        "source.registration.cc": "CA",
        "route.member": "CA",
    },
    # grep -E '^(Reported-Domain|Arrival-Date|Feedback-Type|Source-IP):' FILE:
    # newsletter.jasmin.com, Tue, 11 Feb 2014 23:55:03 +0000, abuse, 212.6.134.40
    f"{ABUSIX}/01_marf.old.0.eml": {
        "time.source": datetime(2014, 2, 11, 23, 55, 3, tzinfo=UTC),
        "source.ip": "212.6.134.40",
        "source.fqdn": "newsletter.jasmin.com",
        "classification.type": "spam",
        "classification.identifier": "arf:abuse",
        "evidence.ref": "20140211235503.7CB1360714@poma00.lan.returnpath.net",
        "feed.provider": "comcastfbl.senderscore.net",
        "tlp": "AMBER",
        "source.registration.cc": "DE",
        "route.member": "DE",
    },
    # grep -A14 'name="report.txt"' FILE: Reported-From: abuse-out@checkdomain.de,
    # Report-Type: login-attack, Service: ssh, Date: Fri, 09 Sep 2016 23:20:09 +0200,
    # Source: 37.209.92.66, Port: 22, Report-ID: 109143461640@checkdomain.de
    f"{ABUSIX}/02_xarf.eml": {
        "time.source": datetime(2016, 9, 9, 21, 20, 9, tzinfo=UTC),
        "source.ip": "37.209.92.66",
        "destination.port": 22,
        "protocol.application": "ssh",
        "classification.taxonomy": "intrusion-attempts",
        "classification.type": "brute-force",
        "classification.identifier": "xarf:login-attack",
        "evidence.ref": "109143461640@checkdomain.de",
        "feed.provider": "checkdomain.de",
        "tlp": "AMBER",
        "source.registration.cc": "DE",
        "route.member": "DE",
    },
    # grep -A14 'name="report.txt"' FILE: Category: fraud, Date: 2021-06-21T05:35:44+00:00,
    # Domain: rent-gopro.ru, Port: 443, Report-ID: takedown-response+18927937@netcraft.com,
    # Report-Type: cryptocurrency-scam, Source: https://www.rent-gopro.ru/..., Source-Type: uri
    f"{ABUSIX}/02_xarf.fraud.eml": {
        "time.source": datetime(2021, 6, 21, 5, 35, 44, tzinfo=UTC),
        "source.ip": None,
        "source.url": "https://www.rent-gopro.ru/omlakdj17fkcjfsd/wtuds/contribute/"
        "shownewarrivals/undercon.php?run=9hc1b1vf1kx1n&map=anyone&silver=foot",
        "source.fqdn": "rent-gopro.ru",
        "source.tld.cc": "RU",
        "destination.port": None,
        "protocol.application": "https",
        "classification.taxonomy": "fraud",
        "classification.type": "masquerade",
        "classification.identifier": "xarf:cryptocurrency-scam",
        "evidence.ref": "takedown-response+18927937@netcraft.com",
        "feed.provider": "netcraft.com",
        "tlp": "AMBER",
        "source.registration.cc": None,
        "route.member": None,
        "route.state": "unrouted",
    },
    # grep -A14 'name="report.txt"' FILE: Category: abuse, Report-Type: info, Service: mail,
    # Date: Sat, 02 Nov 2024 20:13:45 +0100, Source: 164.128.189.94, Ports: 25,
    # Report-ID: 1730574826b76e2c2f-81fa-4ff6-a218-915745706828@iNetWorker.at
    f"{ABUSIX}/02_xarf.login_attack.0.eml": {
        "time.source": datetime(2024, 11, 2, 19, 13, 45, tzinfo=UTC),
        "source.ip": "164.128.189.94",
        "destination.port": 25,
        "protocol.application": "mail",
        "classification.taxonomy": "other",
        "classification.type": "undetermined",
        "classification.identifier": "xarf:info",
        "evidence.ref": "1730574826b76e2c2f-81fa-4ff6-a218-915745706828@iNetWorker.at",
        "feed.provider": "inetworker.at",
        "tlp": "AMBER",
        "source.registration.cc": "CH",
        "route.member": "CH",
    },
    # grep -A14 'name="report.txt"' FILE: Category: info, Report-Type: harvesting,
    # Service: postfix, Date: Fri, 14 Feb 2014 23:08:34 +0100, Source: 176.198.140.68,
    # Port: 25, Report-ID: 94637406@postfix.clean-mx.de, Reported-From: abuse@clean-mx.de
    f"{ABUSIX}/02_xarf.old.0.eml": {
        "time.source": datetime(2014, 2, 14, 22, 8, 34, tzinfo=UTC),
        "source.ip": "176.198.140.68",
        "destination.port": 25,
        "protocol.application": "postfix",
        "classification.type": "scanner",
        "classification.identifier": "xarf:harvesting",
        "evidence.ref": "94637406@postfix.clean-mx.de",
        "feed.provider": "clean-mx.de",
        "source.registration.cc": "DE",
        "route.member": "DE",
    },
    # grep -E '^(Feedback-Type|Received-Date|Source-IP|Reported-Domain|From):' FILE | head -5:
    # kijitora@example.co.jp, abuse, Thu, 29 Apr 2009 00:00:00 -0000 (EST), 192.0.2.89,
    # example.ed.jp (documentation address: no country)
    f"{SISIMAI}/arf-01.eml": {
        "time.source": datetime(2009, 4, 29, tzinfo=UTC),
        "source.ip": "192.0.2.89",
        "source.fqdn": "example.ed.jp",
        "source.tld.cc": "JP",
        "classification.type": "spam",
        "classification.identifier": "arf:abuse",
        "evidence.ref": "000000000000000.000000000000@x34.mx.example.net",
        "feed.provider": "example.co.jp",
        "source.special_purpose": "documentation",
        "source.registration.cc": None,
        "route.member": None,
        "route.state": "unrouted",
    },
    # grep -E '^(Feedback-Type|Received-Date|Reported-Domain|Source-IP):' FILE: abuse,
    # Thu, 29 Apr 2017 23:34:45 +0000, amazonses.com (no Source-IP)
    f"{SISIMAI}/arf-14.eml": {
        "time.source": datetime(2017, 4, 29, 23, 34, 45, tzinfo=UTC),
        "source.ip": None,
        "source.fqdn": "amazonses.com",
        "classification.type": "spam",
        "evidence.ref": "222222222222eeee-22222222-2222-2222-2222-2222222222222222222"
        "@email.amazonses.com",
        "feed.provider": "email-abuse.amazonses.com",
        "route.state": "unrouted",
    },
    # jq -c '[.Report.Date, .Report.Source.IP, .Report.ReportClass, .Report.ReportType,
    #   .ReporterInfo.ReporterOrg, .Report.AdditionalInfo.MalwareFamily]' FILE:
    # ["2024-01-15T11:30:15Z","198.51.100.25","System","botnet","Example CERT Organization",
    #  "Conficker"]
    f"{SPEC}/botnet_v3_sample.json": {
        "time.source": datetime(2024, 1, 15, 11, 30, 15, tzinfo=UTC),
        "source.ip": "198.51.100.25",
        "classification.taxonomy": "malicious-code",
        "classification.type": "infected-system",
        "classification.identifier": "xarf:botnet",
        "malware.name": "conficker",
        "evidence.ref": None,
        "feed.provider": "Example CERT Organization",
        "tlp": "AMBER",
        "route.state": "unrouted",
    },
    # jq -c '[.timestamp, .source_identifier, .source_port, .destination_ip,
    #   .destination_port, .protocol, .type, .report_id, .reporter.org]' FILE:
    # ["2025-01-11T09:21:23Z","192.0.2.155",1,"203.0.113.100",80,"tcp","ddos",
    #  "9ac39cd1-85f3-4c31-ae87-a0a95f3ebc83","DDoS Protection Service"]
    f"{SPEC}/connection-ddos.json": {
        "time.source": datetime(2025, 1, 11, 9, 21, 23, tzinfo=UTC),
        "source.ip": "192.0.2.155",
        "source.port": 1,
        "destination.ip": "203.0.113.100",
        "destination.port": 80,
        "protocol.transport": "tcp",
        "classification.taxonomy": "availability",
        "classification.type": "ddos",
        "classification.identifier": "xarf:ddos",
        "evidence.ref": "9ac39cd1-85f3-4c31-ae87-a0a95f3ebc83",
        "feed.provider": "DDoS Protection Service",
    },
    # the same jq: ["2025-01-11T12:17:20Z","198.51.100.77",45621,"203.0.113.22",22,"tcp",
    #  "login_attack","dbf79f17-f4f4-4c22-ae58-19991f52a1e8","SSH Honeypot Network"]; .service ssh
    f"{SPEC}/connection-login-attack.json": {
        "time.source": datetime(2025, 1, 11, 12, 17, 20, tzinfo=UTC),
        "source.ip": "198.51.100.77",
        "source.port": 45621,
        "destination.ip": "203.0.113.22",
        "destination.port": 22,
        "protocol.transport": "tcp",
        "protocol.application": "ssh",
        "classification.type": "brute-force",
        "classification.identifier": "xarf:login_attack",
        "evidence.ref": "dbf79f17-f4f4-4c22-ae58-19991f52a1e8",
        "feed.provider": "SSH Honeypot Network",
    },
    # the same jq: ["2025-01-11T11:26:59Z","198.51.100.150",54321,"203.0.113.50",null,"tcp",
    #  "port_scan","5cb60abc-119f-4f7d-a81d-26f89eed942b","Network Security Monitoring"]
    f"{SPEC}/connection-port-scan.json": {
        "time.source": datetime(2025, 1, 11, 11, 26, 59, tzinfo=UTC),
        "source.ip": "198.51.100.150",
        "source.port": 54321,
        "destination.ip": "203.0.113.50",
        "destination.port": None,
        "classification.taxonomy": "information-gathering",
        "classification.type": "scanner",
        "classification.identifier": "xarf:port_scan",
        "evidence.ref": "5cb60abc-119f-4f7d-a81d-26f89eed942b",
        "feed.provider": "Network Security Monitoring",
    },
    # jq -c '[.timestamp, .source_identifier, .url, .type, .report_id, .reporter.org]' FILE:
    # ["2025-01-11T15:15:24Z","203.0.113.45","http://secure-banking-login.example.com/auth",
    #  "phishing","1a5ec293-0849-40a4-9eba-d5926262ff05","Brand Protection Service"]
    f"{SPEC}/content-phishing.json": {
        "time.source": datetime(2025, 1, 11, 15, 15, 24, tzinfo=UTC),
        "source.ip": "203.0.113.45",
        "source.url": "http://secure-banking-login.example.com/auth",
        "classification.taxonomy": "fraud",
        "classification.type": "phishing",
        "classification.identifier": "xarf:phishing",
        "evidence.ref": "1a5ec293-0849-40a4-9eba-d5926262ff05",
        "feed.provider": "Brand Protection Service",
    },
}


def test_expected_covers_every_event_file() -> None:
    assert set(EXPECTED) == {name for name, (_, events, _) in FILES.items() if events}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_report_fields(name: str, corpus: Path, sqlite_node: Node) -> None:
    sqlite_node.pipeline.ingest([corpus / name], IngestOptions(owner="CN"))
    rows = sqlite_node.store.scan("events").collect().to_dicts()
    assert len(rows) == 1
    row = rows[0]
    assert row["evidence.record"] == 1
    assert {k: row[k] for k in EXPECTED[name]} == EXPECTED[name]


def test_corpus_mails_as_one_mailbox(corpus: Path, sqlite_node: Node, tmp_path: Path) -> None:
    """The 19 e-mails in one mbox: the same reports, and they deduplicate with the files."""
    # ls abuse_reports/*/*.eml* | wc -l                                                     -> 19
    mails = sorted(n for n in FILES if not n.endswith(".json"))
    assert len(mails) == 19
    mbox = tmp_path / "abuse.mbox"
    mbox.write_bytes(
        b"".join(
            b"From abuse@isp.example Mon Jan  1 00:00:00 2024\n"
            + (corpus / n).read_bytes().rstrip(b"\r\n")
            + b"\n\n"
            for n in mails
        )
    )
    options = IngestOptions(owner="CN")
    singles = sqlite_node.pipeline.ingest([corpus / n for n in mails], options)
    f = sqlite_node.pipeline.ingest([mbox], options).files[0]
    assert f.format == "arf"  # the first message, 01_marf.eml, is an ARF report
    assert f.records == 19
    # the events of the single files (FILES): 01_marf, 01_marf.old, 4 x 02_xarf, arf-01, arf-14
    assert (f.events, f.duplicates) == (0, 8)
    assert sum(s.events for s in singles.files) == 8
    assert dict(f.skipped_reasons) == {SKIP_NO_REPORT: 7, AUTH: 2, SKIP_SHADOWSERVER: 2}
    assert f.rejects == 0
