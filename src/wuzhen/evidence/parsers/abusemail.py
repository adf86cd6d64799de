"""Abuse report e-mails: X-ARF and ARF reports, from ``.eml`` files, mailboxes and JSON files.

**Containers.** A file is either one e-mail message (``.eml``, RFC 5322, optionally starting
with an mbox ``From `` line), a mailbox (``mbox``: messages each starting with a From_ line, at
the start of the file or, well-formed -- an address and a date --, after a blank line; see
:mod:`._mailbox`), or an X-ARF JSON document (a report object, or an array of them).
``split_document`` walks each message's MIME tree with the ``email`` package and makes **one
record per report**; a message without a report is one record too.
Attached original messages (``message/rfc822``, ``text/rfc822-headers``) are not walked.

**What a record keeps (``raw``).** Not the e-mail: mail bodies, attached logs and the original
spam name victims. The record is a compact JSON object of the report's own fields that identify
the source, the report type and the report, and of its message's ``Message-ID``, ``Date`` and
sender domain: ``{"format": ..., "fields"|"report": {...}, "mail": {...}}``. Header-style
reports keep a fixed set of fields (names lower-cased: header names are case-insensitive; the
reporter's address cut to its domain); JSON reports keep their documented keys, without
evidence payloads, samples, reporter contacts or recipients.

**Variants.**

- X-ARF v0.1 / v0.2 (``format: xarf-yaml``): the YAML report part of a MIME message (the
  ``text/plain`` part named ``report.txt``, or any text part with ``Report-Type:`` and
  ``Schema-URL:`` lines): ``Category``, ``Report-Type``, ``Report-ID``, ``Date``, ``Source``,
  ``Source-Type``, ``Port``/``Ports``, ``Service``, ``Domain``, ``Version``, ``Schema-URL``,
  ``User-Agent``, ``Reported-From``.
- X-ARF JSON (``format: xarf-json``), as a file or as a JSON part of a message: the envelope
  form with ``Version`` (``3``, ``4``), ``ReporterInfo`` and ``Report`` {``ReportClass``,
  ``ReportType``, ``Date``, ``SourceIp``/``Source.IP``, ``SourcePort``, ``SourceUrl``,
  ``DestinationIp``, ``DestinationPort``, ...}; and the flat xarf.org v4.x form with
  ``xarf_version``, ``report_id``, ``timestamp``, ``reporter``, ``source_identifier``,
  ``category``/``class``, ``type``, ``url``, ...
- ARF, RFC 5965 (``format: arf``): the ``message/feedback-report`` part of a
  ``multipart/report; report-type=feedback-report`` message: ``Feedback-Type``,
  ``Source-IP``, ``Source-Port``, ``Arrival-Date`` (or the common ``Received-Date``),
  ``Reported-Domain`` (the first), ``Incidents``, ``User-Agent``, ``Version``. A part sent in
  base64 or quoted-printable (RFC 5965 asks for 7bit; some senders encode it) is decoded.
  ``Original-Mail-From``, ``Original-Rcpt-To``, ``Reported-URI`` and ``Authentication-Results``
  are personal data or per-recipient links: not kept.

**Fields.** ``source.ip`` / ``source.network`` / ``source.url`` / ``source.fqdn`` from the
report's source as its shape says (an address, a CIDR block -- a /32 or /128 is the address --,
a URL, whose IPv4 host is also ``source.ip``, a host name), plus the report's URL and domain
fields; ports, destination and protocols where stated (an X-ARF v0.x ``Port`` is the attacked
service's port: ``destination.port``, for address sources); ``time.source`` is the report's
date (``Date``, ``timestamp``, ``Arrival-Date``), else the message's ``Date``;
``evidence.ref`` the report id (``Report-ID``, ``report_id``, ``ReportId``), else the
message's ``Message-ID``; ``feed.provider`` the reporter (``ReporterOrg``, ``reporter.org``,
the domain of ``Reported-From``, else of the message's sender). ``classification.type`` follows
:data:`XARF_TYPES` (report type, spelling-insensitive), then :data:`XARF_CATEGORIES`, else
``undetermined``; for ARF :data:`ARF_TYPES`. ``classification.identifier`` is
``xarf:<report type>`` or ``arf:<feedback type>``. No format carries a TLP marking.

**Evidence, skipped, rejected.** Every X-ARF report and every ARF complaint is an event.
Skipped: ARF ``not-spam`` (the recipient wanted the message) and ``auth-failure`` reports
(an authentication failure, often of forwarded mail, not a complaint); messages without a
machine-readable report (plain-text complaints, fail2ban, SpamCop, CERT mails); Shadowserver
mails with a CSV attachment (the ``shadowserver`` parser reads those CSV files). Rejected: files
that are neither e-mail nor X-ARF JSON, X-ARF JSON parts that are not valid JSON, ARF parts in
another transfer encoding (the reason names it), reports without a type, and reports that name
no usable source.
"""

from __future__ import annotations

import email.errors
import json
import re
from collections.abc import Iterator, Mapping
from email import policy
from email.message import Message
from email.parser import HeaderParser
from email.utils import parseaddr
from typing import Any, ClassVar

import polars as pl

from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    ParseContext,
    Parser,
    ParseResult,
    as_int,
    decode_json,
    extra_json,
    parse_time,
    reject,
    skip,
)
from wuzhen.evidence.parsers._mailbox import (
    DECODED,
    IDENTITY,
    leaves,
    messages,
    part_text,
    read_message,
    transfer_encoding,
)
from wuzhen.schema.fields import TRANSPORTS

XARF_YAML = "xarf-yaml"
XARF_JSON = "xarf-json"
ARF = "arf"
MAIL = "mail"
KINDS = (XARF_YAML, XARF_JSON, ARF, MAIL)

#: X-ARF report types -> RSIT type, one type a line. A report type is looked up in lower case,
#: letters and digits only: ``login-attack``, ``LoginAttack`` and ``login_attack`` are one key.
_TYPE_TABLE = """
brute-force: loginattack bruteforce authfailure
scanner: portscan scan scanner reconnaissance vulnerabilityscan harvesting
ddos: ddos
dos: dos
ddos-amplifier: ddosamplification reflection
phishing: phishing
masquerade: fraud scam cryptocurrencyscam brandinfringement
spam: spam bulkmessaging spamvertised
malware-distribution: malware malwaredistribution
infected-system: botnet bot infectedhost
c2-server: c2 c2server cc commandandcontrol
system-compromise: compromisedserver remotecompromise
application-compromise: webhack
unauthorised-information-modification: defacement
exploit: exploit sqlinjection
copyright: copyright cyberlocker linksite p2p usenet ugcplatform dmca
violence: csam csem
harmful-speech: harassment
data-leak: exposeddata
vulnerable-system: cve misconfiguration openservice
blacklist: blocklist
test: test
"""
XARF_TYPES: dict[str, str] = {
    key: rsit
    for rsit, keys in (line.split(":") for line in _TYPE_TABLE.strip().splitlines())
    for key in keys.split()
}
#: X-ARF categories (classes), for report types not in :data:`XARF_TYPES`.
XARF_CATEGORIES: dict[str, str] = {
    "messaging": "spam",
    "copyright": "copyright",
    "fraud": "masquerade",
    "malware": "malware-distribution",
    "infrastructure": "infected-system",
    "vulnerability": "vulnerable-system",
    "reputation": "blacklist",
}
#: ARF Feedback-Type -> RSIT type (RFC 5965 section 7.3); others are ``undetermined``.
ARF_TYPES: dict[str, str] = {
    "abuse": "spam",
    "fraud": "phishing",
    "virus": "malware-distribution",
}
ARF_SKIPPED: dict[str, str] = {
    "not-spam": "ARF not-spam report (the recipient wanted the message)",
    "auth-failure": "ARF authentication-failure report (not an abuse complaint)",
}
SKIP_NO_REPORT = "abuse e-mail without a machine-readable report (X-ARF or ARF)"
SKIP_SHADOWSERVER = "Shadowserver e-mail: its CSV attachment is read by the shadowserver parser"
REJECT_NOT_RECORD = "not an abuse-report record"

# -- what split_document keeps of each report --------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Header-style fields kept of an X-ARF v0.x YAML report, and of an ARF feedback report.
YAML_KEEP = _words(
    "category report-type report-id date source source-type port ports service domain version"
    " schema-url user-agent reported-from"
)
ARF_KEEP = _words(
    "feedback-type source-ip source-port arrival-date received-date reported-domain incidents"
    " user-agent version"
)
ADDRESS_FIELDS = ("reported-from",)  # kept as the address's domain only
_ANY = None  # a leaf: kept as stated (a scalar, or a list of scalars)
#: Keys kept of an X-ARF JSON report (both forms; their keys do not collide).
JSON_KEEP: dict[str, Any] = {
    # envelope form: Version 3 / 4
    "Version": _ANY,
    "ReportId": _ANY,
    "Disclosure": _ANY,
    "ReporterInfo": {"ReporterOrg": _ANY, "ReporterOrgDomain": _ANY},
    "Report": {
        **dict.fromkeys(
            _words(
                "ReportClass ReportType ReportSubType ReportId Date SourceIp SourcePort SourceUrl"
                " DestinationIp DestinationPort Protocol Service"
            )
        ),
        "Source": {"IP": _ANY, "Type": _ANY},
        "AdditionalInfo": {"MalwareFamily": _ANY, "C2Server": _ANY},
    },
    # flat form: xarf_version 4.x
    **dict.fromkeys(
        _words(
            "xarf_version legacy_version report_id timestamp category class type source_identifier"
            " source_port destination_ip destination_port protocol service url domain"
            " evidence_source attack_vector malware_family c2_server"
        )
    ),
    "reporter": {"org": _ANY, "domain": _ANY},
}
MAIL_KEYS = ("message-id", "date", "from-domain")
#: Header names of which an e-mail message has at least one.
RFC5322 = frozenset(
    ("received", "from", "to", "subject", "date", "message-id", "mime-version", "content-type")
)
FEEDBACK = "message/feedback-report"
MAX_BAD = 1024 * 1024  # text kept of what cannot be read
# Errors the email package (or a pathological message) may raise while a message is read.
MESSAGE_ERRORS = (
    email.errors.MessageError,
    ValueError,
    LookupError,
    TypeError,
    AttributeError,
    IndexError,
    RecursionError,
)

YAML_TYPE = re.compile(r"(?im)^Report-Type:[ \t]*\S")
YAML_SCHEMA = re.compile(r"(?im)^Schema-URL:[ \t]*\S")
CSV_NAME = re.compile(r"(?i)\.csv(?:\.zip|\.gz)?$")

Row = tuple[str, str | None]  # (line, reason it cannot be read)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _bad(text: str, reason: str) -> Row:
    if len(text) > MAX_BAD:
        return text[:MAX_BAD], f"{reason} (kept cut to 1 MiB)"
    return text, reason


def _is_xarf(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    return "xarf_version" in value or (
        "Version" in value and ("Report" in value or "ReporterInfo" in value)
    )


def _is_leaf(value: Any) -> bool:
    scalar = (str, int, float, bool)
    return isinstance(value, scalar) or (
        isinstance(value, list) and all(isinstance(v, scalar) for v in value)
    )


def _project(value: Mapping[str, Any], keep: Mapping[str, Any]) -> dict[str, Any]:
    """The members of a JSON object named by ``keep`` (nested dicts: objects; None: leaves)."""
    out: dict[str, Any] = {}
    for key, inner in keep.items():
        if key not in value:
            continue
        v = value[key]
        if isinstance(inner, Mapping):
            if isinstance(v, dict) and (sub := _project(v, inner)):
                out[key] = sub
        elif _is_leaf(v):
            out[key] = v
    return out


def _header_fields(headers: Message, keep: tuple[str, ...]) -> dict[str, str]:
    """The kept header-style fields (first occurrence), whitespace folded, quotes removed."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = name.strip().lower()
        if key not in keep or key in out:
            continue
        text = " ".join(str(value).split())
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            text = text[1:-1].strip()
        if key in ADDRESS_FIELDS:
            text = parseaddr(text)[1].rpartition("@")[2].lower()
        if text:
            out[key] = text
    return out


def _yaml_report(text: str) -> dict[str, str]:
    """An X-ARF v0.x report: YAML of ``Key: value`` lines, read as the header block it is."""
    kept = [
        ln
        for ln in text.splitlines()
        if ln.strip() and ln.strip() not in ("---", "...") and not ln.lstrip().startswith("#")
    ]
    headers = HeaderParser(policy=policy.default).parsestr("\n".join(kept) + "\n\n")
    return _header_fields(headers, YAML_KEEP)


def _feedback_fields(part: Message) -> dict[str, str]:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return _header_fields(payload[0], ARF_KEEP)
    headers = HeaderParser(policy=policy.default).parsestr(part_text(part))
    return _header_fields(headers, ARF_KEEP)


def _feedback_record(part: Message, mail: dict[str, str]) -> Row:
    """An ARF report's record; one in a transfer encoding not read names it (``encoding``)."""
    encoding = transfer_encoding(part)
    if encoding in IDENTITY or encoding in DECODED:
        return _record(ARF, "fields", _feedback_fields(part), mail)
    return _compact({"format": ARF, "fields": {}, "encoding": encoding[:40], "mail": mail}), None


def _record(kind: str, member: str, fields: dict[str, Any], mail: dict[str, str]) -> Row:
    return _compact({"format": kind, member: fields, "mail": mail}), None


def _reports(message: Message, mail: dict[str, str]) -> Iterator[Row]:
    """The records of the reports of a message (bad rows for reports that cannot be read)."""
    for part in leaves(message):
        ctype = part.get_content_type()
        if ctype == FEEDBACK:
            yield _feedback_record(part, mail)
            continue
        if part.get_content_maintype() != "text" and not ctype.endswith("json"):
            continue
        text = part_text(part)
        if text.lstrip().startswith("{"):
            try:
                doc = json.loads(text)
            except (ValueError, RecursionError):
                if '"xarf_version"' in text or '"ReporterInfo"' in text:
                    yield _bad(text, "X-ARF JSON part is not valid JSON")
                continue
            if _is_xarf(doc):
                yield _record(XARF_JSON, "report", _project(doc, JSON_KEEP), mail)
            continue
        name = (part.get_filename() or "").strip().lower()
        marked = YAML_TYPE.search(text) and YAML_SCHEMA.search(text)
        if ctype == "text/plain" and (name == "report.txt" or marked):
            yield _record(XARF_YAML, "fields", _yaml_report(text), mail)


def _mail_summary(message: Message) -> dict[str, str]:
    out: dict[str, str] = {}
    message_id = " ".join(str(message.get("Message-ID", "")).split())
    if message_id:
        out["message-id"] = message_id.strip("<>")
    date = " ".join(str(message.get("Date", "")).split())
    if date:
        out["date"] = date
    sender = parseaddr(str(message.get("From", "")))[1]
    if "@" in sender:
        out["from-domain"] = sender.rpartition("@")[2].lower()
    return out


def _shadowserver_csv(message: Message, mail: dict[str, str]) -> bool:
    if not mail.get("from-domain", "").endswith("shadowserver.org"):
        return False
    return any(CSV_NAME.search(p.get_filename() or "") for p in message.walk())


def _message_rows(raw: bytes) -> list[Row]:
    """The records of one e-mail message: one per report, or one for the whole message."""
    text = raw.decode("utf-8", errors="replace")
    message = read_message(raw)
    if not {k.lower() for k in message} & RFC5322:
        return [_bad(text, "not an e-mail message (no RFC 5322 header fields)")]
    mail = _mail_summary(message)
    rows = list(_reports(message, mail))
    if rows:
        return rows
    record: dict[str, Any] = {"format": MAIL, "mail": mail}
    if _shadowserver_csv(message, mail):
        record["shadowserver_csv"] = True
    return [(_compact(record), None)]


def _json_rows(text: str) -> list[Row]:
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return [_bad(text, "not valid JSON (an X-ARF JSON report was expected)")]
    if not isinstance(doc, list):
        if not _is_xarf(doc):
            return [_bad(text, "JSON document is not an X-ARF report")]
        return [(_compact({"format": XARF_JSON, "report": _project(doc, JSON_KEEP)}), None)]
    return [
        (_compact({"format": XARF_JSON, "report": _project(item, JSON_KEEP)}), None)
        if _is_xarf(item)
        else _bad(_compact(item), "JSON value is not an X-ARF report")
        for item in doc
    ]


def split(data: bytes) -> list[Row]:
    """The records of a file: (line, reason it cannot be read, or None)."""
    body = data.removeprefix(b"\xef\xbb\xbf")
    head = body.lstrip()
    if not head:
        return []
    if head[:1] in (b"{", b"["):
        return _json_rows(body.decode("utf-8", errors="replace"))
    rows: list[Row] = []
    for raw in messages(body):
        if not raw.strip():
            continue
        try:
            rows.extend(_message_rows(raw))
        except MESSAGE_ERRORS as err:  # the email package on a pathological message
            text = raw.decode("utf-8", errors="replace")
            rows.append(_bad(text, f"e-mail message cannot be read ({type(err).__name__})"))
    if not rows:  # text that holds no message is still accounted for, as one reject
        rows.append(_bad(body.decode("utf-8", errors="replace"), "no e-mail message found"))
    return rows


# -- parse: the kept fields to event fields, as column expressions ----------------------------


def _spec(keep: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _spec(v) if isinstance(v, Mapping) else None for k, v in keep.items()}


DECODE_SPEC: dict[str, Any] = {
    "format": None,
    "encoding": None,
    "shadowserver_csv": None,
    "mail": dict.fromkeys(MAIL_KEYS),
    "fields": dict.fromkeys((*YAML_KEEP, *ARF_KEEP)),
    "report": _spec(JSON_KEEP),
}

IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
IPV6 = r"[0-9A-Fa-f]*:[0-9A-Fa-f:.]*"
IS_IP = rf"^(?:{IPV4}|{IPV6})$"
IS_HOST_PREFIX = rf"^(?:{IPV4}/32|{IPV6}/128)$"
IS_CIDR = rf"^(?:{IPV4}|{IPV6})/\d{{1,3}}$"
IS_URL = r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$"
URL_IPV4_HOST = rf"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/@?#]*@)?({IPV4})(?::\d+)?(?:[/?#]|$)"
IS_HOST = (
    r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]\.?$"
)
ISO_FORMATS = ["%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%z"]
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
RFC5322_FORMATS = ["%d %b %Y %H:%M:%S %z", "%d %b %Y %H:%M %z"]


def _col(path: str) -> pl.Expr:
    return pl.col(path).str.strip_chars().replace("", None)


def _time(value: pl.Expr, tz: str) -> pl.Expr:
    """ISO 8601 (zone-less: read in ``tz``) or RFC 5322 dates, as UTC."""
    rfc = (
        value.str.replace(r"\s*\([^)]*\)\s*$", "")
        .str.replace(r"^\s*[A-Za-z]{3},\s*", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.replace(r" (?:GMT|UTC|UT|Z)$", " +0000")
    )
    iso = value.str.strip_chars().str.replace(r"^(\d{4}-\d{2}-\d{2}) ", "${1}T")
    return pl.coalesce(
        parse_time(iso, ISO_FORMATS),
        parse_time(iso, LOCAL_FORMATS, tz),
        parse_time(rfc, RFC5322_FORMATS),
    )


def _key(value: pl.Expr) -> pl.Expr:
    return value.str.to_lowercase().str.replace_all(r"[^a-z0-9]", "")


def _derive(frame: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    """Columns shared by the outcome of every report record (``__`` names are internal)."""
    arf = pl.col("format") == ARF
    stated_type = (
        pl.when(arf)
        .then(_col("fields.feedback-type"))
        .otherwise(
            pl.coalesce(
                _col("fields.report-type"), _col("report.Report.ReportType"), _col("report.type")
            )
        )
    )
    category = pl.coalesce(
        _col("fields.category"),
        _col("report.Report.ReportClass"),
        _col("report.category"),
        _col("report.class"),
    )
    source = pl.coalesce(
        _col("fields.source-ip").str.strip_chars("[]"),
        _col("fields.source"),
        _col("report.Report.SourceIp"),
        _col("report.Report.Source.IP"),
        _col("report.source_identifier"),
    )
    frame = frame.with_columns(
        stated_type.str.to_lowercase().alias("__type"),
        category.str.to_lowercase().alias("__category"),
        source.alias("__source"),
    )
    s = pl.col("__source")
    url = pl.coalesce(
        _col("report.Report.SourceUrl"),
        _col("report.url"),
        pl.when(s.str.contains(IS_URL)).then(s),
    )
    fqdn = pl.coalesce(
        _col("fields.domain"),
        _col("report.domain"),
        _col("fields.reported-domain"),
        pl.when(s.str.contains(IS_HOST)).then(s),
    )
    ip_source = s.str.contains(IS_IP) | s.str.contains(IS_HOST_PREFIX)
    frame = frame.with_columns(
        pl.coalesce(
            pl.when(ip_source).then(s.str.replace(r"/\d+$", "")),
            url.str.extract(URL_IPV4_HOST, 1),
        ).alias("source.ip"),
        pl.when(s.str.contains(IS_CIDR) & ~s.str.contains(IS_HOST_PREFIX))
        .then(s)
        .alias("source.network"),
        url.alias("source.url"),
        pl.when(fqdn.str.contains(IS_HOST))
        .then(fqdn.str.to_lowercase().str.strip_chars_end("."))
        .alias("source.fqdn"),
        ip_source.fill_null(False).alias("__ip_source"),
    )
    xarf_type = pl.coalesce(
        _key(pl.col("__type")).replace_strict(XARF_TYPES, default=None, return_dtype=pl.String),
        _key(pl.col("__category")).replace_strict(
            XARF_CATEGORIES, default=None, return_dtype=pl.String
        ),
        pl.lit("undetermined"),
    )
    arf_type = pl.col("__type").replace_strict(
        ARF_TYPES, default="undetermined", return_dtype=pl.String
    )
    types = pl.when(arf).then(arf_type).otherwise(xarf_type)
    return frame.with_columns(
        types.alias("classification.type"),
        pl.when(arf)
        .then(pl.col("__type").replace_strict(ARF_SKIPPED, default=None, return_dtype=pl.String))
        .alias("__skip"),
        _time(
            pl.coalesce(
                _col("fields.date"),
                _col("report.Report.Date"),
                _col("report.timestamp"),
                _col("fields.arrival-date"),
                _col("fields.received-date"),
            ),
            ctx.timezone,
        ).alias("__report_time"),
        _time(_col("mail.date"), ctx.timezone).alias("__mail_time"),
    )


def _events(ev: pl.DataFrame) -> pl.DataFrame:
    arf = pl.col("format") == ARF
    v0_port = pl.coalesce(
        as_int(_col("fields.port")), as_int(_col("fields.ports").str.extract(r"(\d+)", 1))
    )
    proto = _col("report.Report.Protocol").fill_null(_col("report.protocol")).str.to_lowercase()
    is_transport = proto.is_in(list(TRANSPORTS))
    destination_ip = pl.coalesce(_col("report.Report.DestinationIp"), _col("report.destination_ip"))
    kind_name = pl.when(arf).then(pl.lit("ARF feedback report")).otherwise(pl.lit("X-ARF report"))
    what = pl.concat_str([pl.col("__category"), pl.col("__type")], separator="/", ignore_nulls=True)
    return ev.select(
        pl.col(RECORD),
        pl.col(LINE).alias("raw"),
        pl.coalesce("__report_time", "__mail_time").alias("time.source"),
        "source.ip",
        "source.network",
        "source.url",
        "source.fqdn",
        pl.coalesce(
            as_int(_col("report.Report.SourcePort")),
            as_int(_col("report.source_port")),
            as_int(_col("fields.source-port")),
        ).alias("source.port"),
        pl.when(destination_ip.str.contains(IS_IP)).then(destination_ip).alias("destination.ip"),
        pl.coalesce(
            as_int(_col("report.Report.DestinationPort")),
            as_int(_col("report.destination_port")),
            pl.when(pl.col("__ip_source")).then(v0_port),
        ).alias("destination.port"),
        pl.when(is_transport).then(proto).alias("protocol.transport"),
        pl.coalesce(
            _col("fields.service"),
            _col("report.Report.Service"),
            _col("report.service"),
            pl.when(~is_transport).then(proto),
        )
        .str.to_lowercase()
        .alias("protocol.application"),
        "classification.type",
        pl.when(arf)
        .then(pl.lit("arf:") + pl.col("__type"))
        .otherwise(pl.lit("xarf:") + pl.col("__type"))
        .alias("classification.identifier"),
        (kind_name + pl.lit(": ") + what).alias("event_description.text"),
        pl.coalesce(
            _col("report.Report.AdditionalInfo.MalwareFamily"), _col("report.malware_family")
        )
        .str.to_lowercase()
        .alias("malware.name"),
        pl.coalesce(
            _col("fields.report-id"),
            _col("report.report_id"),
            _col("report.Report.ReportId"),
            _col("report.ReportId"),
            _col("mail.message-id"),
        ).alias("evidence.ref"),
        pl.coalesce(
            _col("report.ReporterInfo.ReporterOrg"),
            _col("report.reporter.org"),
            _col("fields.reported-from"),
            _col("mail.from-domain"),
        ).alias("feed.provider"),
        extra_json(
            report_format=pl.col("format"),
            version=pl.coalesce(
                _col("fields.version"), _col("report.Version"), _col("report.xarf_version")
            ),
            category=pl.col("__category"),
            source_type=pl.coalesce(_col("fields.source-type"), _col("report.Report.Source.Type")),
            service_port=pl.when(~pl.col("__ip_source")).then(v0_port),
            schema_url=_col("fields.schema-url"),
            user_agent=_col("fields.user-agent"),
            evidence_source=_col("report.evidence_source"),
            attack_vector=_col("report.attack_vector"),
            c2_server=pl.coalesce(
                _col("report.Report.AdditionalInfo.C2Server"), _col("report.c2_server")
            ),
            incidents=as_int(_col("fields.incidents"), pl.Int64()),
        ).alias("extra"),
    )


def _parse(records: pl.DataFrame, ctx: ParseContext) -> ParseResult:
    decoded = decode_json(records[LINE], DECODE_SPEC)
    frame = pl.concat([records, decoded.fields], how="horizontal")
    known = decoded.is_object & frame["format"].is_in(list(KINDS)).fill_null(False)
    unknown = frame.filter(~known)
    frame = frame.filter(known)
    mail = frame.filter(pl.col("format") == MAIL)
    frame = _derive(frame.filter(pl.col("format") != MAIL), ctx)
    arf = pl.col("format") == ARF
    skipped = frame.filter(pl.col("__skip").is_not_null())
    frame = frame.filter(pl.col("__skip").is_null())
    untyped = frame.filter(pl.col("__type").is_null())
    frame = frame.filter(pl.col("__type").is_not_null())
    named = pl.any_horizontal(
        pl.col(c).is_not_null()
        for c in ("source.ip", "source.network", "source.url", "source.fqdn")
    )
    sourceless = frame.filter(~named)
    return ParseResult.build(
        events=_events(frame.filter(named)),
        skipped=[
            skip(
                mail,
                pl.when(pl.col("shadowserver_csv") == "true")
                .then(pl.lit(SKIP_SHADOWSERVER))
                .otherwise(pl.lit(SKIP_NO_REPORT)),
            ),
            skip(skipped, pl.col("__skip")),
        ],
        rejects=[
            reject(unknown, REJECT_NOT_RECORD),
            reject(
                untyped,
                pl.when(arf & pl.col("encoding").is_not_null())
                .then(
                    pl.lit("ARF feedback-report part is encoded (")
                    + pl.col("encoding")
                    + pl.lit("), an encoding not decoded: its fields cannot be read")
                )
                .when(arf)
                .then(pl.lit("ARF report without a Feedback-Type"))
                .otherwise(pl.lit("X-ARF report without a report type")),
            ),
            reject(
                sourceless,
                pl.when(arf)
                .then(pl.lit("ARF report names no source (Source-IP or Reported-Domain)"))
                .otherwise(pl.lit("X-ARF report names no source (an address, URL or host name)")),
            ),
        ],
    )


# -- the parsers -------------------------------------------------------------------------------

HEADER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*):")
#: Header names that mark the head of an e-mail (also the trace fields that can fill its first
#: fifty lines: a message relayed a few times starts with many Received and signature fields).
MAIL_HEADERS = RFC5322 | {
    "return-path",
    "delivered-to",
    "reply-to",
    "dkim-signature",
    "arc-seal",
    "authentication-results",
    "received-spf",
    "x-received",
}
ARF_MARK = re.compile(r"(?im)report-type\s*=\s*\"?feedback-report|^Feedback-Type:[ \t]*\S")
XARF_MARK = re.compile(r"(?im)^X-X?ARF:|^Schema-URL:|name=\"?report\.txt|\bx-?arf\.org\b")
JSON_V4 = re.compile(r'"xarf_version"\s*:')
JSON_VERSION = re.compile(r'"Version"\s*:')
JSON_ENVELOPE = re.compile(r'"(?:ReporterInfo|Report)"\s*:')


def sniff_kind(sample: list[str]) -> str | None:
    """``xarf-json``, ``xarf-mail``, ``arf-mail``, ``mail`` (neither seen yet), or None."""
    if not sample:
        return None
    text = "\n".join(sample).lstrip("\ufeff \t")
    if text.startswith(("{", "[")):
        envelope = JSON_VERSION.search(text) and JSON_ENVELOPE.search(text)
        return "xarf-json" if JSON_V4.search(text) or envelope else None
    first = sample[0].lstrip("\ufeff")
    if not (first.startswith("From ") or HEADER.match(first)):
        return None
    names = {m.group(1).lower() for ln in sample if (m := HEADER.match(ln))}
    if len(names & MAIL_HEADERS) < 2:
        return None
    xarf, arf = XARF_MARK.search(text), ARF_MARK.search(text)
    if xarf and (arf is None or xarf.start() < arf.start()):
        return "xarf-mail"
    if arf:
        return "arf-mail"
    return "mail"


class _AbuseMail(Parser):
    mode = "document"
    #: sniff score per :func:`sniff_kind` result
    scores: ClassVar[dict[str, int]]

    def sniff(self, sample: list[str]) -> int:
        kind = sniff_kind(sample)
        return self.scores.get(kind, 0) if kind else 0

    def split_document(self, data: bytes) -> pl.DataFrame:
        # Python walks the document here, on purpose: a mailbox holds a few messages of a few
        # MIME parts each (documents, not a hot path of records), and the email package is the
        # reader of MIME. It only cuts each report out and keeps its fields of the source, type
        # and report id; parse maps those fields to events with Polars expressions.
        rows = split(data)
        return pl.DataFrame(
            {
                RECORD: list(range(1, len(rows) + 1)),
                LINE: [line for line, _ in rows],
                "__bad": [bad for _, bad in rows],
            },
            schema={RECORD: pl.Int64, LINE: pl.String, "__bad": pl.String},
        )

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        return _parse(records, ctx)


class Xarf(_AbuseMail):
    name = "xarf"
    title = "X-ARF abuse reports (JSON v3/v4; v0.1/v0.2 in e-mail; .eml, mbox)"
    scores: ClassVar[dict[str, int]] = {
        "xarf-json": 95,
        "xarf-mail": 90,
        "arf-mail": 40,
        "mail": 60,
    }


class Arf(_AbuseMail):
    name = "arf"
    title = "ARF feedback reports (RFC 5965 e-mail; .eml, mbox)"
    scores: ClassVar[dict[str, int]] = {"arf-mail": 90, "xarf-mail": 40, "mail": 50}


PARSERS: tuple[Parser, ...] = (Xarf(), Arf())
