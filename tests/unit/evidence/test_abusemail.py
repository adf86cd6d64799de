"""Abuse report e-mails (#4): X-ARF (JSON v3/v4, v0.x YAML in MIME) and ARF (RFC 5965), read
from ``.eml`` files, mailboxes and JSON files."""

from __future__ import annotations

import base64
import binascii
import json
import quopri
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.evidence.conformance import CTX, assert_accounted
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.evidence.parsers._base import LINE, RECORD, ParseContext, ParseResult
from wuzhen.evidence.parsers.abusemail import (
    ARF_SKIPPED,
    REJECT_NOT_RECORD,
    SKIP_NO_REPORT,
    SKIP_SHADOWSERVER,
    Arf,
    Xarf,
    sniff_kind,
)
from wuzhen.node import Node

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "evidence"
MIXED = SAMPLES / "xarf" / "mixed.mbox"
V4_MIME = SAMPLES / "xarf" / "xarf-v4-mime.eml"
V4_ENVELOPE = SAMPLES / "xarf" / "report-v4.json"
FEEDBACK = SAMPLES / "arf" / "feedback.eml"
FBL = SAMPLES / "arf" / "fbl.mbox"
XARF = Xarf()
ARF = Arf()


def _read(data: bytes, ctx: ParseContext = CTX) -> tuple[pl.DataFrame, ParseResult]:
    """split_document then parse, as the pipeline does; every good record accounted for."""
    records = XARF.split_document(data)
    assert records.columns == [RECORD, LINE, "__bad"]
    good = records.filter(pl.col("__bad").is_null()).drop("__bad")
    result = XARF.parse(good, None, ctx)
    assert_accounted(good, result)
    return records, result


def _events(result: ParseResult) -> dict[int, dict[str, Any]]:
    return {row[RECORD]: row for row in result.events.to_dicts()}


def _reasons(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame["reason"].value_counts().iter_rows())


def _check(row: dict[str, Any], expected: dict[str, Any]) -> None:
    assert {k: row.get(k) for k in expected} == expected


def _mail(*parts: tuple[str, str], headers: str = "", boundary: str = "b0") -> bytes:
    """A multipart message of (Content-Type line(s), body) parts."""
    head = (
        "From: Reports <reports@reporter.example>\n"
        "To: abuse@isp.example\n"
        "Date: Mon, 26 Sep 2016 09:12:16 +0000\n"
        "Message-ID: <m1@reporter.example>\n"
        f"{headers}"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n'
    )
    body = "".join(f"--{boundary}\n{ctype}\n\n{text}\n" for ctype, text in parts)
    return (head + body + f"--{boundary}--\n").encode()


def _yaml(**fields: str) -> bytes:
    report = "\n".join(f"{k.replace('_', '-')}: {v}" for k, v in fields.items())
    return _mail(
        ("Content-Type: text/plain", "Hello, see the attached report."),
        ('Content-Type: text/plain; charset=utf-8; name="report.txt"', f"---\n{report}\n"),
    )


def _feedback(fields: str) -> bytes:
    return _mail(
        ("Content-Type: text/plain", "This is an abuse report."),
        ("Content-Type: message/feedback-report", fields),
        ("Content-Type: message/rfc822", "From: x@sender.example\nSubject: spam\n\nbody"),
    )


LOGIN = {
    "Category": "abuse",
    "Report_Type": "login-attack",
    "Date": "Fri, 09 Sep 2016 23:20:09 +0200",
    "Source_Type": "ipv4",
    "Source": "192.0.2.66",
    "Port": "22",
    "Service": "ssh",
    "Report_ID": "rid-1@reporter.example",
}


# -- sniffing ------------------------------------------------------------------------------------


def _sample(path: Path) -> list[str]:
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()][:50]


@pytest.mark.parametrize(
    ("path", "kind", "xarf", "arf"),
    [
        (MIXED, "xarf-mail", 90, 40),
        (V4_MIME, "xarf-mail", 90, 40),
        (V4_ENVELOPE, "xarf-json", 95, 0),
        (FEEDBACK, "arf-mail", 40, 90),
        (FBL, "arf-mail", 40, 90),
    ],
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_sniff_own_samples(path: Path, kind: str, xarf: int, arf: int) -> None:
    sample = _sample(path)
    assert sniff_kind(sample) == kind
    assert (XARF.sniff(sample), ARF.sniff(sample)) == (xarf, arf)


def test_sniff_plain_mail_goes_to_xarf_first() -> None:
    sample = ["From: bob@customer.example", "To: abuse@isp.example", "Subject: stop it", "hi"]
    assert sniff_kind(sample) == "mail"
    assert XARF.sniff(sample) > ARF.sniff(sample) >= 50


@pytest.mark.parametrize(
    "sample",
    [
        [],
        ['{"event_type": "alert", "src_ip": "192.0.2.1"}'],  # Suricata EVE
        ['{"Event": {"uuid": "x", "Attribute": []}}'],  # MISP
        ['{"type": "bundle", "spec_version": "2.1", "objects": []}'],  # STIX
        ["Nov 28 03:14:07 sensor-1 sshd[4121]: Invalid user admin from 203.0.113.45"],
        ["Date: 2024-01-01", "just a line"],  # one header name is not an e-mail
        ["# comment", "192.0.2.1"],
    ],
)
def test_sniff_rejects_other_formats(sample: list[str]) -> None:
    assert sniff_kind(sample) is None
    assert XARF.sniff(sample) == ARF.sniff(sample) == 0


def test_sniff_reads_a_mailbox_by_its_first_report() -> None:
    arf_first = FBL.read_text(encoding="utf-8") + "\n" + MIXED.read_text(encoding="utf-8")
    sample = [ln for ln in arf_first.splitlines() if ln.strip()][:50]
    assert sniff_kind(sample) == "arf-mail"


def test_sniff_finds_a_mail_under_many_trace_fields() -> None:
    sample = [
        "Received: from a.example (a.example [192.0.2.1])",
        "\tby b.example; Mon, 21 Jun 2021 05:36:21 +0000",
        "ARC-Seal: i=1; a=rsa-sha256; t=1624253780; cv=none;",
        "        d=google.com; s=arc-20160816;",
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;",
    ]
    assert sniff_kind(sample) == "mail"


# -- containers and what a record keeps ------------------------------------------------------------


def test_mailbox_is_one_record_per_message_and_keeps_no_personal_data() -> None:
    data = MIXED.read_bytes()
    records, result = _read(data)
    assert records[RECORD].to_list() == [1, 2, 3]
    assert records["__bad"].null_count() == 3
    kinds = [json.loads(line)["format"] for line in records[LINE]]
    assert kinds == ["xarf-yaml", "arf", "mail"]
    text = "\n".join(records[LINE])
    # victims and reporters' mailboxes, attached logs and the original spam are not kept
    for private in ("alice", "bulk@", "abuse-out@", "Bob", "bob@", "You have won", "sshd[", "pi "):
        assert private not in text
    assert json.loads(records[LINE][1])["fields"] == {
        "feedback-type": "abuse",
        "user-agent": "ExampleFBL/1.0",
        "version": "1",
        "arrival-date": "Mon, 26 Sep 2016 09:12:15 +0000",
        "source-ip": "203.0.113.6",
        "reported-domain": "sender.example",
        "incidents": "3",
    }
    assert json.loads(records[LINE][0])["mail"] == {
        "message-id": "20160909212011.604241D0649D@mail.reporter.example",
        "date": "Fri, 09 Sep 2016 23:20:10 +0200",
        "from-domain": "reporter.example",
    }
    assert result.events.height == 2
    assert _reasons(result.skipped) == {SKIP_NO_REPORT: 1}


def test_json_report_keeps_no_contacts_recipients_or_payloads() -> None:
    records, _ = _read(V4_ENVELOPE.read_bytes())
    line = records[LINE][0]
    for private in ("Jane Doe", "contact@", "victim@", "+1 555", "bWFpbA==", "Samples"):
        assert private not in line
    kept = json.loads(line)
    assert kept["report"]["ReporterInfo"] == {
        "ReporterOrg": "Example Mail Trap",
        "ReporterOrgDomain": "trap.example",
    }
    records, _ = _read(V4_MIME.read_bytes())
    for private in ("honeypot@", "U1NI", "username_patterns", "admin"):
        assert private not in records[LINE][0]


def test_from_line_inside_a_message_body_does_not_split_an_eml() -> None:
    data = _yaml(**LOGIN).replace(b"Hello,", b"Hello,\n\nFrom the team:")
    records, result = _read(data)
    assert records.height == 1
    assert result.events.height == 1


def test_mbox_escaped_from_lines_stay_in_their_message() -> None:
    one = b"From a@b.example Mon Sep 26 09:12:15 2016\n" + _yaml(**LOGIN).replace(
        b"Hello,", b"Hello,\n\n>From the team:"
    )
    records, result = _read(one + b"\n" + one)
    assert records.height == 2
    assert result.events.height == 2


@pytest.mark.parametrize("data", [b"", b"  \n\n", b"[]"])
def test_empty_documents_have_no_records(data: bytes) -> None:
    assert XARF.split_document(data).height == 0


def test_a_mailbox_without_a_message_is_one_reject() -> None:
    records = XARF.split_document(b"From a@b Mon Sep 26 2016\n")
    assert records["__bad"].to_list() == ["no e-mail message found"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"just some text\nand more", "not an e-mail message (no RFC 5322 header fields)"),
        (b'{"Version": "4", "Report": ', "not valid JSON (an X-ARF JSON report was expected)"),
        (b'{"event_type": "alert"}', "JSON document is not an X-ARF report"),
    ],
)
def test_unreadable_documents_are_one_bad_record(data: bytes, reason: str) -> None:
    records = XARF.split_document(data)
    assert records["__bad"].to_list() == [reason]
    assert records[LINE].to_list() == [data.decode()]


def test_json_array_is_one_record_per_report() -> None:
    report = json.loads(V4_ENVELOPE.read_text(encoding="utf-8"))
    records, result = _read(json.dumps([report, {"x": 1}, report]).encode())
    assert records["__bad"].to_list() == [None, "JSON value is not an X-ARF report", None]
    assert records[LINE][1] == '{"x":1}'
    assert sorted(_events(result)) == [1, 3]


def test_huge_bad_document_is_kept_cut() -> None:
    records = XARF.split_document(b"{" + b"x" * (2 * 1024 * 1024))
    assert records["__bad"].to_list() == [
        "not valid JSON (an X-ARF JSON report was expected) (kept cut to 1 MiB)"
    ]
    assert records[LINE].str.len_chars()[0] == 1024 * 1024


def test_invalid_xarf_json_part_is_rejected_and_other_json_ignored() -> None:
    data = _mail(
        ("Content-Type: application/json", '{"xarf_version": "4.2.0", "type": '),
        ("Content-Type: application/json", '{"unrelated": true}'),
        ('Content-Type: text/plain; name="report.txt"', "Report-Type: spam\nSource: 192.0.2.66"),
    )
    records, result = _read(data)
    assert records["__bad"].to_list() == ["X-ARF JSON part is not valid JSON", None]
    assert records[LINE][0] == '{"xarf_version": "4.2.0", "type": '
    assert result.events.height == 1


def test_report_part_found_by_its_fields_without_a_name() -> None:
    report = (
        "Report-Type: portscan\nSchema-URL: http://www.x-arf.org/schema/x.json\nSource: 192.0.2.7"
    )
    records, result = _read(_mail(("Content-Type: text/plain", report)))
    assert json.loads(records[LINE][0])["format"] == "xarf-yaml"
    assert result.events["classification.type"].to_list() == ["scanner"]


def test_attached_messages_are_not_walked() -> None:
    inner = "From: x@y.example\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
    data = _mail(("Content-Type: message/rfc822", inner))
    _, result = _read(data)
    assert result.events.height == 0
    assert _reasons(result.skipped) == {SKIP_NO_REPORT: 1}


def test_shadowserver_mail_with_csv_is_left_to_the_shadowserver_parser() -> None:
    csv = (
        'Content-Type: application/zip\nContent-Disposition: attachment; filename="'
        '2023-04-04-scan_ntp-isp-asn.csv.zip"\nContent-Transfer-Encoding: base64',
        "UEsDBA==",
    )
    shadow = _mail(csv).replace(b"reports@reporter.example", b"autoreports@shadowserver.org")
    _, result = _read(shadow)
    assert _reasons(result.skipped) == {SKIP_SHADOWSERVER: 1}
    _, result = _read(_mail(csv))  # the same attachment from another sender
    assert _reasons(result.skipped) == {SKIP_NO_REPORT: 1}


# -- X-ARF mapping ---------------------------------------------------------------------------------


def test_xarf_yaml_fields() -> None:
    _, result = _read(MIXED.read_bytes())
    _check(
        _events(result)[1],
        {
            "time.source": datetime(2016, 9, 9, 21, 20, 9, tzinfo=UTC),
            "source.ip": "192.0.2.66",
            "source.port": None,
            "destination.port": 22,
            "protocol.application": "ssh",
            "classification.type": "brute-force",
            "classification.identifier": "xarf:login-attack",
            "event_description.text": "X-ARF report: abuse/login-attack",
            "evidence.ref": "109143461640@reporter.example",
            "feed.provider": "reporter.example",
            "feed.name": None,
            "tlp": None,
            "extra": '{"report_format":"xarf-yaml","version":"0.2","category":"abuse",'
            '"source_type":"ipv4","schema_url":'
            '"http://www.x-arf.org/schema/abuse_login-attack_0.1.2.json",'
            '"user_agent":"Example X-ARF Mailer 1.0"}',
        },
    )


def test_xarf_v4_flat_json_in_mime() -> None:
    _, result = _read(V4_MIME.read_bytes())
    _check(
        _events(result)[1],
        {
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
            "extra": '{"report_format":"xarf-json","version":"4.2.0","category":"connection",'
            '"evidence_source":"honeypot"}',
        },
    )


def test_xarf_envelope_json_file() -> None:
    _, result = _read(V4_ENVELOPE.read_bytes())
    _check(
        _events(result)[1],
        {
            "time.source": datetime(2018, 2, 5, 14, 17, 10, tzinfo=UTC),
            "source.ip": "192.0.2.55",
            "source.port": 54321,
            "destination.ip": "198.51.100.33",
            "destination.port": 25,
            "classification.type": "spam",
            "classification.identifier": "xarf:spam",
            "evidence.ref": None,  # the report names no id, and a file has no Message-ID
            "feed.provider": "Example Mail Trap",
        },
    )


def test_v3_source_object_malware_and_c2() -> None:
    report = {
        "Version": "3",
        "ReporterInfo": {"ReporterOrg": "CERT"},
        "Report": {
            "ReportClass": "System",
            "ReportType": "Botnet",
            "Date": "2024-01-15T11:30:15+01:00",
            "ReportId": "r-9",
            "Source": {"IP": "198.51.100.25", "Type": "ip"},
            "AdditionalInfo": {"MalwareFamily": "Conficker", "C2Server": "c2.example"},
        },
    }
    _, result = _read(json.dumps(report).encode())
    _check(
        _events(result)[1],
        {
            "time.source": datetime(2024, 1, 15, 10, 30, 15, tzinfo=UTC),
            "source.ip": "198.51.100.25",
            "classification.type": "infected-system",
            "malware.name": "conficker",
            "evidence.ref": "r-9",
            "extra": '{"report_format":"xarf-json","version":"3","category":"system",'
            '"source_type":"ip","c2_server":"c2.example"}',
        },
    )


@pytest.mark.parametrize(
    ("report_type", "category", "expected"),
    [
        ("login-attack", "abuse", "brute-force"),
        ("LoginAttack", "Activity", "brute-force"),
        ("login_attack", "connection", "brute-force"),
        ("PortScan", "Activity", "scanner"),
        ("port_scan", "connection", "scanner"),
        ("DDoS", "Activity", "ddos"),
        ("DOS", "Activity", "dos"),
        ("ddos_amplification", "connection", "ddos-amplifier"),
        ("Phishing", "Content", "phishing"),
        ("cryptocurrency-scam", "fraud", "masquerade"),
        ("spam", "messaging", "spam"),
        ("Malware", "Content", "malware-distribution"),
        ("botnet", "infrastructure", "infected-system"),
        ("c2", "infrastructure", "c2-server"),
        ("sql_injection", "connection", "exploit"),
        ("copyright", "copyright", "copyright"),
        ("harvesting", "info", "scanner"),
        ("bulk_messaging", "messaging", "spam"),
        ("something-new", "messaging", "spam"),  # by its category
        ("info", "abuse", "undetermined"),  # neither type nor category says more
    ],
)
def test_xarf_report_types(report_type: str, category: str, expected: str) -> None:
    fields = {**LOGIN, "Report_Type": report_type, "Category": category}
    _, result = _read(_yaml(**fields))
    assert result.events["classification.type"].to_list() == [expected]
    assert result.events["classification.identifier"].to_list() == [f"xarf:{report_type.lower()}"]


@pytest.mark.parametrize(
    ("source", "source_type", "expected"),
    [
        ("192.0.2.66", "ipv4", {"source.ip": "192.0.2.66", "destination.port": 22}),
        ("2001:db8::66", "ipv6", {"source.ip": "2001:db8::66", "destination.port": 22}),
        ("192.0.2.66/32", "ipv4", {"source.ip": "192.0.2.66", "source.network": None}),
        ("192.0.2.0/24", "ipv4", {"source.ip": None, "source.network": "192.0.2.0/24"}),
        (
            "http://192.0.2.80:8080/x.php",
            "uri",
            {
                "source.ip": "192.0.2.80",
                "source.url": "http://192.0.2.80:8080/x.php",
                "destination.port": None,
            },
        ),
        (
            "https://Phish.Example/login",
            "uri",
            {"source.ip": None, "source.url": "https://Phish.Example/login", "source.fqdn": None},
        ),
        ("Bad-Host.Example.", "domain", {"source.ip": None, "source.fqdn": "bad-host.example"}),
    ],
)
def test_xarf_source_shapes(source: str, source_type: str, expected: dict[str, Any]) -> None:
    _, result = _read(_yaml(**{**LOGIN, "Source": source, "Source_Type": source_type}))
    _check(_events(result)[1], expected)


def test_xarf_port_of_a_url_source_is_kept_in_extra() -> None:
    fields = {**LOGIN, "Source": "https://phish.example/", "Domain": "phish.example"}
    _, result = _read(_yaml(**fields, Ports="443"))
    row = _events(result)[1]
    assert (row["destination.port"], row["source.fqdn"]) == (None, "phish.example")
    assert json.loads(row["extra"])["service_port"] == 22  # Port before Ports


def test_xarf_rejects() -> None:
    no_type = {k: v for k, v in LOGIN.items() if k != "Report_Type"}
    no_source = {k: v for k, v in LOGIN.items() if k != "Source"}
    garbage = {**LOGIN, "Source": "not an address"}
    data = b"\n".join(
        b"From a@b.example Mon Sep 26 09:12:15 2016\n" + _yaml(**f)
        for f in (no_type, no_source, garbage, LOGIN)
    )
    _, result = _read(data)
    assert _reasons(result.rejects) == {
        "X-ARF report without a report type": 1,
        "X-ARF report names no source (an address, URL or host name)": 2,
    }
    assert sorted(_events(result)) == [4]


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Fri, 09 Sep 2016 23:20:09 +0200", datetime(2016, 9, 9, 21, 20, 9, tzinfo=UTC)),
        ("Fri,  9 Sep 2016 23:20:09 +0200 (CEST)", datetime(2016, 9, 9, 21, 20, 9, tzinfo=UTC)),
        ("9 Sep 2016 23:20 GMT", datetime(2016, 9, 9, 23, 20, tzinfo=UTC)),
        ("Thu, 29 Apr 2009 00:00:00 -0000 (EST)", datetime(2009, 4, 29, tzinfo=UTC)),
        ("2021-06-21T05:35:44+00:00", datetime(2021, 6, 21, 5, 35, 44, tzinfo=UTC)),
        ("2021-06-21T05:35:44.250Z", datetime(2021, 6, 21, 5, 35, 44, 250000, tzinfo=UTC)),
        ("2021-06-21 07:35:44", datetime(2021, 6, 21, 5, 35, 44, tzinfo=UTC)),  # --timezone
        ("yesterday", datetime(2016, 9, 26, 9, 12, 16, tzinfo=UTC)),  # the mail's Date
    ],
)
def test_report_dates(date: str, expected: datetime) -> None:
    ctx = ParseContext(now=CTX.now, timezone="Europe/Berlin")
    _, result = _read(_yaml(**{**LOGIN, "Date": date}), ctx)
    assert result.events["time.source"].to_list() == [expected]


def test_report_id_falls_back_to_the_message_id() -> None:
    fields = {k: v for k, v in LOGIN.items() if k != "Report_ID"}
    _, result = _read(_yaml(**fields))
    assert result.events["evidence.ref"].to_list() == ["m1@reporter.example"]


# -- ARF mapping -----------------------------------------------------------------------------------


def test_arf_fields_and_privacy() -> None:
    records, result = _read(FEEDBACK.read_bytes())
    for private in ("carol", "security@", "Reported-URI", "reported-uri", "Verify your account"):
        assert private not in records[LINE][0]
    _check(
        _events(result)[1],
        {
            "time.source": datetime(2014, 2, 11, 23, 55, 3, tzinfo=UTC),
            "source.ip": "2001:db8::25",
            "source.port": 40123,
            "source.fqdn": "bank-login.example",
            "source.url": None,
            "classification.type": "phishing",
            "classification.identifier": "arf:fraud",
            "event_description.text": "ARF feedback report: fraud",
            "evidence.ref": "20140211235503.7CB1360714@fbl.mailbox-provider.example",
            "feed.provider": "mailbox-provider.example",
            "extra": '{"report_format":"arf","version":"1","user_agent":"ExampleFBL/2.0"}',
        },
    )


def test_arf_mailbox() -> None:
    _, result = _read(FBL.read_bytes())
    rows = _events(result)
    assert sorted(rows) == [1, 3]
    _check(
        rows[1],
        {
            "time.source": datetime(2021, 4, 28, 23, 58, 12, tzinfo=UTC),  # Received-Date
            "source.ip": "192.0.2.89",
            "classification.type": "spam",
            "evidence.ref": "fbl-0001@fbl.mailbox-provider.example",
        },
    )
    _check(rows[3], {"source.ip": "203.0.113.77", "classification.type": "malware-distribution"})
    assert _reasons(result.skipped) == {ARF_SKIPPED["not-spam"]: 1}


@pytest.mark.parametrize(
    ("fields", "outcome"),
    [
        ("Feedback-Type: abuse\nSource-IP: [192.0.2.9]", ("event", "spam")),
        ("Feedback-Type: other\nSource-IP: 192.0.2.9", ("event", "undetermined")),
        ("Feedback-Type: opt-out\nSource-IP: 192.0.2.9", ("event", "undetermined")),
        ("feedback-type: Abuse\nreported-domain: Spammer.Example", ("event", "spam")),
        (
            "Feedback-Type: auth-failure\nSource-IP: 192.0.2.9",
            ("skip", ARF_SKIPPED["auth-failure"]),
        ),
        ("Feedback-Type: not-spam\nSource-IP: 192.0.2.9", ("skip", ARF_SKIPPED["not-spam"])),
        ("Source-IP: 192.0.2.9", ("reject", "ARF report without a Feedback-Type")),
        (
            "Feedback-Type: abuse\nUser-Agent: x",
            ("reject", "ARF report names no source (Source-IP or Reported-Domain)"),
        ),
    ],
)
def test_arf_outcomes(fields: str, outcome: tuple[str, str]) -> None:
    _, result = _read(_feedback(fields))
    kind, value = outcome
    if kind == "event":
        assert result.events["classification.type"].to_list() == [value]
    elif kind == "skip":
        assert _reasons(result.skipped) == {value: 1}
    else:
        assert _reasons(result.rejects) == {value: 1}


ENCODED_FIELDS = (
    "Feedback-Type: abuse\nVersion: 1\nOriginal-Rcpt-To: <victim@mailbox.example>\n"
    "Source-IP: 2a0b:f4c2:2::20\nReported-Domain: first.example\n"
)


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("base64", base64.encodebytes(ENCODED_FIELDS.encode()).decode()),
        ("Base64", base64.encodebytes(ENCODED_FIELDS.encode()).decode()),
        # a soft line break inside a field, and an encoded "="-free line: quopri's own form
        ("quoted-printable", ENCODED_FIELDS.replace("2a0b:f4c2:2", "2a0b:f4c2=\n:2", 1)),
        ("quoted-printable", quopri.encodestring(ENCODED_FIELDS.encode()).decode()),
    ],
)
def test_arf_feedback_part_in_base64_or_quoted_printable_is_decoded(
    encoding: str, text: str
) -> None:
    """Regression (tester report, ``arf_b64_v6.eml``): a base64 feedback-report part was
    rejected as "ARF report without a Feedback-Type"."""
    records, result = _read(
        _mail(
            ("Content-Type: text/plain", "complaint"),
            (f"Content-Type: message/feedback-report\nContent-Transfer-Encoding: {encoding}", text),
        )
    )
    assert "victim" not in records[LINE][0]
    assert result.rejects.height == 0
    _check(
        _events(result)[1],
        {
            "source.ip": "2a0b:f4c2:2::20",
            "source.fqdn": "first.example",
            "classification.identifier": "arf:abuse",
        },
    )


def test_arf_feedback_part_in_another_encoding_is_rejected_as_encoded() -> None:
    text = "begin 644 report\n" + binascii.b2a_uu(ENCODED_FIELDS[:40].encode()).decode() + "end"
    records, result = _read(
        _mail(
            ("Content-Type: message/feedback-report\nContent-Transfer-Encoding: x-uuencode", text)
        )
    )
    assert "victim" not in records[LINE][0]
    assert _reasons(result.rejects) == {
        "ARF feedback-report part is encoded (x-uuencode), an encoding not decoded: "
        "its fields cannot be read": 1
    }


def test_arf_source_in_brackets_and_domain_lower_case() -> None:
    _, result = _read(
        _feedback("Feedback-Type: abuse\nSource-IP: [192.0.2.9]\nReported-Domain: A.Example")
    )
    _check(_events(result)[1], {"source.ip": "192.0.2.9", "source.fqdn": "a.example"})


# -- robustness ------------------------------------------------------------------------------------


def test_lines_not_made_by_split_document_are_rejected() -> None:
    records = pl.DataFrame(
        {RECORD: [1, 2, 3, 4], LINE: ["x", "[1]", '{"format": "other"}', '{"a": 1}']}
    )
    result = XARF.parse(records, None, CTX)
    assert_accounted(records, result)
    assert _reasons(result.rejects) == {REJECT_NOT_RECORD: 4}


@settings(max_examples=80, deadline=None)
@given(data=st.binary(max_size=400))
def test_any_bytes_split_and_parse_without_loss(data: bytes) -> None:
    _read(data)


PARTS = [
    ('Content-Type: text/plain; name="report.txt"', "Report-Type: spam\nSource: 192.0.2.1"),
    ("Content-Type: message/feedback-report", "Feedback-Type: abuse\nSource-IP: 192.0.2.2"),
    ("Content-Type: application/json", V4_ENVELOPE.read_text(encoding="utf-8")),
    ("Content-Type: text/plain", "hello"),
    ("Content-Type: text/plain; charset=no-such-charset", "caf\xe9"),
    ("Content-Type: application/json", "{not json"),
]


REPORT_PARTS = 3  # the first three parts _part draws are reports


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_random_mailboxes_are_fully_accounted(data: st.DataObject) -> None:
    """One record per report part, or one per message without any; cut mailboxes never fail."""
    kinds = st.lists(st.integers(0, len(PARTS) - 1), max_size=3)
    messages = data.draw(st.lists(kinds, max_size=4))
    mbox = b"".join(
        b"From x@y.example Mon Sep 26 09:12:15 2016\n" + _mail(*(PARTS[i] for i in m)) + b"\n"
        for m in messages
    )
    records, _ = _read(mbox)
    expected = sum(max(1, sum(i < REPORT_PARTS for i in m)) for m in messages)
    assert records.height == expected
    assert records["__bad"].null_count() == expected
    _read(mbox[: data.draw(st.integers(0, len(mbox)))])


# -- through the pipeline --------------------------------------------------------------------------


def test_pipeline_stores_only_the_kept_report(sqlite_node: Node) -> None:
    report = sqlite_node.pipeline.ingest([MIXED, FEEDBACK], IngestOptions(owner="CN"))
    assert [(f.format, f.records, f.events, f.skipped) for f in report.files] == [
        ("xarf", 3, 2, 1),
        ("arf", 1, 1, 0),
    ]
    stored = sqlite_node.store.scan("events").collect()
    raws = "\n".join(stored["raw"])
    for private in ("alice", "carol", "bob@", "Original-Rcpt-To", "original-rcpt-to"):
        assert private not in raws
    assert sorted(stored["evidence.format"]) == ["arf", "xarf", "xarf"]
    assert set(stored["tlp"]) == {"AMBER"}  # no marking in these formats: the feed's default
