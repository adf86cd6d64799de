"""Cowrie SSH/Telnet honeypot logs: the JSON log (``cowrie.json``) and the text log.

Nobody legitimate connects to a honeypot, so every attacker action in a session is evidence;
what only describes the session (its client, terminal, duration) is skipped. ``source.ip`` is
always the attacker: the address of the session's connection (Cowrie writes it as ``src_ip``
on every JSON event of the session, and as the last field of the text log's
``[...Transport,N,IP]`` prefix). The honeypot's own address and name go to ``destination.*``
(never shared). Credentials the attacker typed are never copied out of ``raw``.

**cowrie** (JSON, one object per line, ``log.format = json``; Cowrie 1.x to 2.x, the 2018
flat ``client.version``-with-kex records as well as the current ones). Evidence, with
``classification.identifier`` the record's ``eventid``:

- ``cowrie.session.connect`` -- ``information-gathering/scanner`` (a connection to the honeypot)
- ``cowrie.login.failed``, ``cowrie.login.success`` -- ``intrusion-attempts/brute-force``
  (the honeypot "accepts" guessed credentials: a success is the end of a brute force)
- ``cowrie.command.input`` -- ``intrusions/system-compromise`` (RSIT: "unauthorised logins or
  commands on a system"); the command line, cut at 500 characters, is
  ``event_description.text``: it is the attacker's own action
- ``cowrie.session.file_download`` (and ``.failed``), ``cowrie.session.file_upload`` --
  ``malicious-code/malware-distribution``; the download URL is ``source.url``, the file's
  SHA-256 ``extra.sha256``. ``source.ip`` stays the attacker who made the honeypot fetch the
  file (the URL's host may be another machine: it is named by ``source.url``)
- ``cowrie.direct-tcpip.*`` and ``cowrie.tunnelproxy-tcpip.data`` --
  ``fraud/unauthorized-use-of-resources`` (the honeypot used as a proxy); the requested target
  is ``destination.ip``/``destination.port`` (a name: ``destination.fqdn``, never the sensor's
  name, which is not the destination there) and the originator port the client claims is not
  kept (it is not the connection's port); the data sent is never copied

Skipped: session bookkeeping (``cowrie.session.closed``, ``cowrie.log.closed``,
``cowrie.client.*`` -- version, kex, size, fingerprint, var -- ``cowrie.session.params``; the
session's ``connect`` record is its evidence), command outcomes (``cowrie.command.failed``,
``cowrie.command.success``: the command line is already an event from its
``cowrie.command.input`` record), and other ``cowrie.*`` events. Rejected: lines that are not
JSON objects (such as ``#`` comment lines), objects without a ``cowrie.*`` ``eventid``, and
evidence records without ``src_ip`` or a readable ``timestamp``.

**cowrie-log** (the Twisted text log, ``TIME [SYSTEM] MESSAGE``). The same evidence, read from
the messages: ``New connection: IP:PORT (IP:PORT) [session: S]``, ``login attempt [U/P]
failed|succeeded``, ``CMD: ...``, ``Downloaded URL (...) with SHA-256 ...``, ``Saved redir
contents with SHA-256 ...``, ``Attempt to download file(s) from URL (...) failed``,
``SFTP|SCP Uploaded file ...``, ``direct-tcp connection request to H:P from ...``,
``discarded direct-tcp forward request to H:P ...``. Skipped: other messages of a session
(session bookkeeping), messages with no session (service messages), command outcomes, and
continuation lines of multi-line messages (they start with a tab). Rejected: other lines, and
evidence messages whose prefix names no session address.
"""

from __future__ import annotations

from typing import Any

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
from wuzhen.evidence.parsers._rules import RULE, Rule, apply_rules, classification

ISO_FORMATS = [
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.f%:z",
]
COMMAND_LIMIT = 500
IS_IP = r"^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$"

PROXY = "unauthorized-use-of-resources"
EVIDENCE: dict[str, tuple[str, str]] = {
    "cowrie.session.connect": ("scanner", "connection to the honeypot"),
    "cowrie.login.failed": ("brute-force", "login attempt failed"),
    "cowrie.login.success": ("brute-force", "login attempt accepted by the honeypot"),
    "cowrie.command.input": ("system-compromise", "command typed"),
    "cowrie.session.file_download": ("malware-distribution", "file download"),
    "cowrie.session.file_download.failed": ("malware-distribution", "failed file download"),
    "cowrie.session.file_upload": ("malware-distribution", "file upload"),
    "cowrie.direct-tcpip.request": (PROXY, "port-forwarding (direct-tcpip) request"),
    "cowrie.direct-tcpip.data": (PROXY, "data sent through port forwarding (direct-tcpip)"),
    "cowrie.tunnelproxy-tcpip.data": (PROXY, "data sent through port forwarding (tunnel)"),
}
FORWARD_PREFIX = "cowrie.direct-tcpip."  # .request, .data, .redirect, .tunnel
FORWARD_TEXT = "port forwarding (direct-tcpip)"
BOOKKEEPING = (
    "cowrie.session.closed",
    "cowrie.log.closed",
    "cowrie.session.params",
    "cowrie.client.version",
    "cowrie.client.kex",
    "cowrie.client.size",
    "cowrie.client.fingerprint",
    "cowrie.client.var",
)
COMMAND_OUTCOME = ("cowrie.command.failed", "cowrie.command.success")
SKIP_BOOKKEEPING = "session bookkeeping (the session's connect record is its evidence)"
SKIP_OUTCOME = "command outcome (the command is an event from its input record)"
SKIP_OTHER = "other cowrie event (not evidence)"
SKIP_SERVICE = "cowrie service message (no session)"
SKIP_CONTINUATION = "continuation of a multi-line message"

FIELDS = (
    "eventid",
    "timestamp",
    "src_ip",
    "src_port",
    "dst_ip",
    "dst_port",
    "session",
    "sensor",
    "protocol",
    "system",
    "input",
    "url",
    "shasum",
)
COWRIE_EVENTID = r'"eventid"\s*:\s*"cowrie\.'


def _bounded(text: pl.Expr) -> pl.Expr:
    """The attacker's command line, cut at ``COMMAND_LIMIT`` characters (marked with ``…``)."""
    return (
        pl.when(text.str.len_chars() > COMMAND_LIMIT)
        .then(text.str.slice(0, COMMAND_LIMIT - 1) + pl.lit("…"))
        .otherwise(text)
    )


def _application(protocol: pl.Expr, system: pl.Expr) -> pl.Expr:
    """ssh or telnet: Cowrie's ``protocol`` field, else read from the Twisted log prefix."""
    return pl.coalesce(
        protocol.str.to_lowercase(),
        pl.when(system.str.contains("(?i)telnet"))
        .then(pl.lit("telnet"))
        .when(system.str.contains("(?i)ssh"))
        .then(pl.lit("ssh")),
    )


def _destination(host: pl.Expr, port: pl.Expr, sensor: pl.Expr) -> list[pl.Expr]:
    """``destination.*``: the honeypot (or, for forwarding requests, the requested target).

    ``sensor`` names the honeypot: pass null for forwarding events, whose destination is the
    target (its name when the target is one, else no name)."""
    is_ip = host.str.contains(IS_IP)
    return [
        pl.when(is_ip).then(host).alias("destination.ip"),
        as_int(port).alias("destination.port"),
        pl.coalesce(pl.when(~is_ip).then(host), sensor).alias("destination.fqdn"),
    ]


def _lines_frame(sample: list[str]) -> pl.DataFrame:
    return pl.DataFrame({LINE: sample}, schema={LINE: pl.String}).filter(
        ~pl.col(LINE).str.starts_with("#") & (pl.col(LINE).str.strip_chars() != "")
    )


class CowrieJson(Parser):
    name = "cowrie"
    title = "Cowrie honeypot (JSON log)"
    marks = ("cowrie.",)  # in each eventid

    def sniff(self, sample: list[str]) -> int:
        lines = _lines_frame(sample)
        if lines.height == 0:
            return 0
        hits = lines.filter(
            pl.col(LINE).str.starts_with("{") & pl.col(LINE).str.contains(COWRIE_EVENTID)
        ).height
        if hits == 0:
            return 0
        return min(98, 40 + 58 * hits // lines.height)

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        decoded = decode_json(records[LINE], dict.fromkeys(FIELDS))
        frame = pl.concat([records, decoded.fields.select(FIELDS)], how="horizontal").with_columns(
            decoded.is_object.alias("__object"),
            decoded.is_json.alias("__json"),
        )
        eventid = pl.col("eventid")
        not_object = frame.filter(~pl.col("__object"))
        frame = frame.filter(pl.col("__object"))
        foreign = frame.filter(~eventid.str.starts_with("cowrie.").fill_null(False))
        frame = frame.filter(eventid.str.starts_with("cowrie.").fill_null(False))

        forward = eventid.str.starts_with(FORWARD_PREFIX)
        evidence = eventid.is_in(list(EVIDENCE)) | forward
        bookkeeping = frame.filter(eventid.is_in(list(BOOKKEEPING)))
        outcome = frame.filter(eventid.is_in(list(COMMAND_OUTCOME)))
        other = frame.filter(~evidence & ~eventid.is_in([*BOOKKEEPING, *COMMAND_OUTCOME]))
        ev = frame.filter(evidence).with_columns(
            parse_time(pl.col("timestamp"), ISO_FORMATS, ctx.timezone).alias("time.source")
        )
        no_source = ev.filter(pl.col("src_ip").is_null())
        ev = ev.filter(pl.col("src_ip").is_not_null())
        no_time = ev.filter(pl.col("time.source").is_null())
        ev = ev.filter(pl.col("time.source").is_not_null())

        types = {k: t for k, (t, _) in EVIDENCE.items()}
        texts = {k: d for k, (_, d) in EVIDENCE.items()}
        is_forward = eventid.str.starts_with(FORWARD_PREFIX)
        kind_type = eventid.replace_strict(types, default=PROXY, return_dtype=pl.String)
        text = (
            pl.when(eventid == "cowrie.command.input")
            .then(_bounded(pl.col("input")))
            .otherwise(eventid.replace_strict(texts, default=FORWARD_TEXT, return_dtype=pl.String))
        )
        is_file = eventid.str.starts_with("cowrie.session.file_")
        proxy = is_forward | eventid.str.starts_with("cowrie.tunnelproxy")
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            pl.col("time.source"),
            pl.col("src_ip").str.strip_chars().alias("source.ip"),
            pl.when(proxy).then(None).otherwise(as_int(pl.col("src_port"))).alias("source.port"),
            pl.when(eventid.str.starts_with("cowrie.session.file_download"))
            .then(pl.col("url"))
            .alias("source.url"),
            *_destination(
                pl.col("dst_ip"), pl.col("dst_port"), pl.when(~proxy).then(pl.col("sensor"))
            ),
            pl.lit("tcp").alias("protocol.transport"),
            _application(pl.col("protocol"), pl.col("system")).alias("protocol.application"),
            kind_type.alias("classification.type"),
            eventid.alias("classification.identifier"),
            text.alias("event_description.text"),
            extra_json(
                session=pl.col("session"),
                sha256=pl.when(is_file).then(pl.col("shasum").str.to_lowercase()),
            ).alias("extra"),
        )
        return ParseResult.build(
            events=events,
            skipped=[
                skip(bookkeeping, SKIP_BOOKKEEPING),
                skip(outcome, SKIP_OUTCOME),
                skip(other, SKIP_OTHER),
            ],
            rejects=[
                reject(
                    not_object,
                    pl.when(pl.col("__json"))
                    .then(pl.lit("JSON but not an object"))
                    .otherwise(pl.lit("not JSON")),
                ),
                reject(foreign, "not a cowrie event (no cowrie.* eventid)"),
                reject(no_source, "evidence event without src_ip"),
                reject(no_time, "timestamp missing or not readable"),
            ],
        )


# -- the text log ----------------------------------------------------------------------------

TEXT_LINE = (
    r"^(?P<ts>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)"
    r" \[(?P<system>[^\]]*)\] ?(?P<msg>.*)$"
)
TEXT_FORMATS = [*ISO_FORMATS, "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%:z"]
TEXT_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M:%S%.f"]
SESSION_IP = r"Transport,\d+,([0-9A-Fa-f:.]+)$"
COWRIE_MARKER = r"HoneyPot|Cowrie|cowrie\."
ADDR = r"[0-9A-Fa-f:.]*[0-9A-Fa-f]"
TARGET = r"(?P<target>\S+):(?P<tport>\d+)"

m = pl.col("msg")
TEXT_RULES: list[Rule] = [
    Rule(
        "cowrie.session.connect",
        m.str.starts_with("New connection: "),
        rf"^New connection: (?P<src>{ADDR}):(?P<sport>\d+) \((?P<dst>{ADDR}):(?P<dport>\d+)\)"
        r"(?: \[session: (?P<session>[^\]]*)\])?",
        type="scanner",
    ),
    Rule(
        "cowrie.login.failed",
        m.str.starts_with("login attempt [") & m.str.ends_with("] failed"),
        type="brute-force",
    ),
    Rule(
        "cowrie.login.success",
        m.str.starts_with("login attempt [") & m.str.ends_with("] succeeded"),
        type="brute-force",
    ),
    Rule(
        "cowrie.command.input",
        m.str.starts_with("CMD: "),
        r"^CMD: (?P<input>.*)$",
        type="system-compromise",
    ),
    Rule(
        "cowrie.session.file_download",
        m.str.starts_with("Downloaded URL ("),
        r"^Downloaded URL \((?P<url>.*)\) with SHA-256 (?P<shasum>[0-9A-Fa-f]{64})",
        type="malware-distribution",
    ),
    Rule(
        "cowrie.session.file_download",
        m.str.starts_with("Saved redir contents with SHA-256 "),
        r"^Saved redir contents with SHA-256 (?P<shasum>[0-9A-Fa-f]{64})",
        type="malware-distribution",
    ),
    Rule(
        "cowrie.session.file_download.failed",
        m.str.starts_with("Attempt to download file(s) from URL ("),
        r"^Attempt to download file\(s\) from URL \((?P<url>.*)\) failed",
        type="malware-distribution",
    ),
    Rule(
        "cowrie.session.file_upload",
        m.str.starts_with("SFTP Uploaded file ") | m.str.starts_with("SCP Uploaded file "),
        r'^S(?:FTP|CP) Uploaded file ".*" to (?:.*/)?(?P<shasum>[0-9A-Fa-f]{64})?$',
        type="malware-distribution",
    ),
    Rule(
        "cowrie.direct-tcpip.request",
        m.str.starts_with("direct-tcp connection request to "),
        rf"^direct-tcp connection request to {TARGET} from ",
        type=PROXY,
    ),
    Rule(
        "cowrie.direct-tcpip.data",
        m.str.starts_with("discarded direct-tcp forward request to "),
        rf"^discarded direct-tcp forward request to {TARGET}",
        type=PROXY,
    ),
    Rule(
        "command-outcome",
        m.str.starts_with("Command found: ") | m.str.starts_with("Command not found: "),
        skip=SKIP_OUTCOME,
    ),
    Rule("bookkeeping", pl.col("session_ip").is_not_null(), skip="session bookkeeping"),
    Rule("service", pl.lit(value=True), skip=SKIP_SERVICE),
]
TEXT_TYPE = classification(TEXT_RULES)
TEXT_DESCRIPTION = {k: d for k, (_, d) in EVIDENCE.items()}


def _text_time(ts: pl.Expr, tz: str) -> pl.Expr:
    iso = ts.str.replace(r"^(\d{4}-\d{2}-\d{2}) ", "${1}T")
    return pl.coalesce(parse_time(iso, TEXT_FORMATS, tz), parse_time(iso, TEXT_LOCAL_FORMATS, tz))


class CowrieLog(Parser):
    name = "cowrie-log"
    title = "Cowrie honeypot (text log)"
    marks = ("HoneyPot", "Cowrie", "cowrie.")  # as COWRIE_MARKER

    def sniff(self, sample: list[str]) -> int:
        lines = _lines_frame(sample).filter(~pl.col(LINE).str.starts_with("\t"))
        if lines.height == 0:
            return 0
        parsed = lines.filter(pl.col(LINE).str.contains(TEXT_LINE))
        if parsed.height == 0 or not parsed[LINE].str.contains(COWRIE_MARKER).any():
            return 0
        return min(90, 40 + 50 * parsed.height // lines.height)

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        parts = records.select(pl.col(LINE).str.extract_groups(TEXT_LINE).alias("p")).unnest("p")
        frame = pl.concat([records, parts], how="horizontal").with_columns(
            _text_time(pl.col("ts"), ctx.timezone).alias("time.source"),
            pl.col("system").str.extract(SESSION_IP, 1).alias("session_ip"),
        )
        readable = pl.col("msg").is_not_null() & pl.col("time.source").is_not_null()
        continuation = frame.filter(~readable & pl.col(LINE).str.starts_with("\t"))
        unreadable = frame.filter(~readable & ~pl.col(LINE).str.starts_with("\t"))
        applied = apply_rules(frame.filter(readable), TEXT_RULES, "msg", unmatched_skip=SKIP_OTHER)
        ev = applied.events
        connect = pl.col(RULE) == "cowrie.session.connect"
        forward = pl.col(RULE).str.starts_with("cowrie.direct-tcpip.")
        ev = ev.with_columns(
            pl.when(connect).then(pl.col("src")).otherwise(pl.col("session_ip")).alias("__ip")
        )
        no_source = ev.filter(pl.col("__ip").is_null())
        ev = ev.filter(pl.col("__ip").is_not_null())
        text = (
            pl.when(pl.col(RULE) == "cowrie.command.input")
            .then(_bounded(pl.col("input")))
            .otherwise(
                pl.col(RULE).replace_strict(TEXT_DESCRIPTION, default=None, return_dtype=pl.String)
            )
        )
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            pl.col("time.source"),
            pl.col("__ip").alias("source.ip"),
            pl.when(connect).then(as_int(pl.col("sport"))).alias("source.port"),
            pl.col("url").alias("source.url"),
            *_destination(
                pl.when(forward).then(pl.col("target")).otherwise(pl.col("dst")),
                pl.when(forward).then(pl.col("tport")).otherwise(pl.col("dport")),
                pl.lit(None, pl.String),
            ),
            pl.lit("tcp").alias("protocol.transport"),
            _application(pl.lit(None, pl.String), pl.col("system")).alias("protocol.application"),
            TEXT_TYPE.alias("classification.type"),
            pl.col(RULE).alias("classification.identifier"),
            text.alias("event_description.text"),
            extra_json(session=pl.col("session"), sha256=pl.col("shasum").str.to_lowercase()).alias(
                "extra"
            ),
        )
        return ParseResult.build(
            events=events,
            skipped=[applied.skipped, skip(continuation, SKIP_CONTINUATION)],
            rejects=[
                applied.rejects,
                reject(unreadable, "not a cowrie log line"),
                reject(no_source, "evidence message without a session address in its prefix"),
            ],
        )


PARSERS: tuple[Parser, ...] = (CowrieJson(), CowrieLog())
