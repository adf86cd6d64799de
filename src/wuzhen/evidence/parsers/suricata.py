"""Suricata EVE JSON: one JSON object per line (``suricata-eve``), or a JSON array of the
same objects (``suricata-eve-array``, as exported by some tools and sample sets).

Supported: the EVE format of Suricata 2.0 to 8 (``timestamp`` with a UTC offset, a ``Z``, or
none: an offset-less timestamp is read in the ingest's ``--timezone``). Records are told apart by
``event_type``.

Evidence (events):

- ``alert``: ``ids-alert``, identifier ``suricata:<gid>:<signature_id>``, the signature as
  the description; category, severity, action (``allowed`` or ``blocked``: both are
  evidence), rev, flow id and the application protocol (with the HTTP method and status
  when the alert carries HTTP metadata) in ``extra``. When the rule names the attack's
  source and target (``alert.source`` / ``alert.target``), those are the source and
  destination; otherwise ``src_*`` and ``dest_*`` as logged.
- ``flow``, only when the flow shows scanning or blocking and raised no alert (an alerted
  flow's alerts are its evidence): a TCP connection the client never completed, i.e. it
  sent SYN but never ACK (``tcp.tcp_flags_ts``), as ``scanner`` with identifier
  ``suricata-flow:tcp-no-reply`` (nothing came back), ``suricata-flow:tcp-refused`` (the
  server answered with RST: a closed port) or ``suricata-flow:tcp-half-open`` (the server
  answered SYN-ACK and the client left: a SYN scan); where the record has no TCP flags, a
  TCP flow still in state ``new`` with no packet to the client counts as
  ``tcp-no-reply``. A flow a drop rule blocked (``flow.action == "drop"``) is
  ``undetermined``, identifier ``suricata-flow:dropped``.
- ``http``, only for attack requests, judged by the rules web server logs and Zeek's
  ``http.log`` are judged by (``_http_requests``), on the URL (decoded as they decode it),
  method, status, User-Agent and Referer, and named the same (``http:<rule>``, with the
  rule's description): log4shell, shellshock, path traversal, SQL and command injection,
  paths only exploits use (``exploit``); POSTs to ``/wp-login.php`` or ``/xmlrpc.php`` not
  answered by a redirect (``brute-force``); secret files, admin pages answered 4xx, script
  404s, proxy probes, scanner user agents (``scanner``). The host name and path requested
  go to ``destination.fqdn`` and ``destination.urlpath`` (never shared).
- ``ssh``, only when the client announces itself as a scanning tool (ZGrab, Nmap, Masscan):
  ``scanner``, identifier ``suricata-ssh:scanner-client``. SSH libraries (libssh, Go,
  paramiko) are used by legitimate automation too, and the login outcome is encrypted, so
  other SSH records are not evidence.

Skipped: other flows ("normal flow"), flows of alerted connections, other HTTP requests,
``dns``, ``tls``, other ``ssh`` records, ``stats``, ``drop`` (the blocking rule's alert is the
evidence), every ``anomaly`` ("protocol anomaly is not evidence by itself": Suricata saw a
malformed or unexpected packet or protocol message but says nothing of what it means, and an
applayer anomaly in the response direction names the owner's own server as ``src_ip``; Zeek's
``weird`` records, the same kind of thing, are skipped alike), and every other event type
("<type> record is not evidence").

Rejected: lines that are not JSON, JSON that is not an object, objects with no
``event_type`` (or one that is not a name), and evidence records without ``src_ip``, with an
unreadable timestamp (or one that does not exist in ``--timezone``), or (alerts) without a
numeric ``gid`` and ``signature_id``. For the array variant, a document that is not a JSON
array (or one cut off before its end) is one rejected record.
"""

from __future__ import annotations

import json
import re
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
    split_json_array,
    time_gap,
)
from wuzhen.evidence.parsers._http_requests import (
    NORMAL,
    UA_MAX,
    URLPATH_MAX,
    logged_columns,
    logged_request,
    request_rules,
)
from wuzhen.evidence.parsers._rules import RULE, apply_rules, classification, description
from wuzhen.schema.fields import TRANSPORTS

T = "text"  # a leaf of the decode spec (every leaf comes back as text)
SPEC: dict[str, Any] = {
    "timestamp": T,
    "event_type": T,
    "src_ip": T,
    "src_port": T,
    "dest_ip": T,
    "dest_port": T,
    "proto": T,
    "app_proto": T,
    "flow_id": T,
    "alert": {
        "action": T,
        "gid": T,
        "signature_id": T,
        "rev": T,
        "signature": T,
        "category": T,
        "severity": T,
        "source": {"ip": T, "port": T},
        "target": {"ip": T, "port": T},
    },
    "flow": {
        "pkts_toserver": T,
        "pkts_toclient": T,
        "state": T,
        "reason": T,
        "alerted": T,
        "action": T,
    },
    "tcp": {"tcp_flags_ts": T, "tcp_flags_tc": T},
    "http": {
        "hostname": T,
        "url": T,
        "http_user_agent": T,
        "http_method": T,
        "status": T,
        "protocol": T,
        "http_refer": T,
    },
    "ssh": {"client": {"software_version": T, "proto_version": T}},
}
EVENT_TYPE_NAME = r"^[a-z][a-z0-9_-]{0,31}$"
LOCAL_TIME = "%Y-%m-%dT%H:%M:%S%.f"
TIME_FORMATS = ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.fZ", LOCAL_TIME]
SKIP_REASONS = {
    "dns": "DNS query or answer",
    "tls": "TLS handshake",
    "stats": "sensor statistics",
    "drop": "packet drop record (the blocking rule's alert is the evidence)",
    "anomaly": "protocol anomaly is not evidence by itself",
}
UNREADABLE_TIME = "timestamp missing or unreadable"
SCANNER_SSH_CLIENTS = ["zgrab", "nmap", "masscan"]

# HTTP requests are judged by the rules web server logs and Zeek's http.log are judged by
# (``_http_requests``), so one request is judged alike whichever sensor saw it.
HTTP_RULES = request_rules(logged_request(pl.col("http.http_method")))
HTTP_TYPE = classification(HTTP_RULES)
HTTP_DESCRIPTION = description(HTTP_RULES)


def _has(expr: pl.Expr, needles: list[str]) -> pl.Expr:
    """Literal, ASCII-case-insensitive containment of any needle (one Aho-Corasick pass)."""
    return expr.str.contains_any(needles, ascii_case_insensitive=True).fill_null(False)


def _int(name: str, dtype: pl.DataType | None = None) -> pl.Expr:
    return as_int(pl.col(name), dtype if dtype is not None else pl.Int32())


def _transport() -> pl.Expr:
    proto = pl.col("proto").str.to_lowercase()
    known = [t for t in TRANSPORTS if t != "other"]
    return (
        pl.when(proto.is_in(known))
        .then(proto)
        .when(proto.is_not_null())
        .then(pl.lit("other"))
        .otherwise(None)
    )


def _application() -> pl.Expr:
    app = pl.col("app_proto").str.to_lowercase()
    return pl.when(app.is_in(["failed", "unknown", ""])).then(None).otherwise(app)


def _tcp_flag(name: str, bits: int) -> pl.Expr:
    """Whether the hex TCP flags in column ``name`` have all of ``bits`` (null if absent)."""
    flags = pl.col(name).str.to_integer(base=16, strict=False)
    return (flags & bits) == bits


class SuricataEve(Parser):
    name = "suricata-eve"
    title = "Suricata EVE JSON (one object per line)"
    marks = ("event_type",)  # a key Suricata writes unescaped, as every key

    def sniff(self, sample: list[str]) -> int:
        if not sample:
            return 0
        lines = pl.Series(LINE, sample, dtype=pl.String)
        decoded = decode_json(lines, {"event_type": T, "timestamp": T})
        fields = decoded.fields
        eve = int(
            (
                decoded.is_object
                & fields["timestamp"].is_not_null()
                & fields["event_type"].str.contains(EVENT_TYPE_NAME).fill_null(False)
            ).sum()
        )
        if eve == 0:
            return 0
        return 40 + 55 * eve // len(sample)

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        decoded = decode_json(records[LINE], SPEC)
        frame = pl.concat(
            [
                records.select(RECORD, LINE).with_columns(
                    decoded.is_json.alias("__json"), decoded.is_object.alias("__object")
                ),
                decoded.fields,
            ],
            how="horizontal",
        )
        event_type = pl.col("event_type")
        problem = (
            pl.when(~pl.col("__json"))
            .then(pl.lit("not JSON"))
            .when(~pl.col("__object"))
            .then(pl.lit("JSON value is not an object"))
            .when(event_type.is_null())
            .then(pl.lit("no event_type: not an EVE record"))
            .when(~event_type.str.contains(EVENT_TYPE_NAME))
            .then(pl.lit("event_type is not a name"))
        )
        frame = frame.with_columns(problem.alias("__problem"))
        rejects = [reject(frame.filter(pl.col("__problem").is_not_null()), pl.col("__problem"))]
        eve = frame.filter(pl.col("__problem").is_null())
        kind = pl.when(event_type.is_in(["alert", "flow", "http", "ssh"])).then(event_type)
        parts = {
            key: part
            for (key,), part in eve.with_columns(kind.alias("__kind"))
            .partition_by("__kind", as_dict=True, include_key=False)
            .items()
        }
        events: list[pl.DataFrame] = []
        skipped: list[pl.DataFrame] = []
        for key, handler in (
            ("alert", _alerts),
            ("flow", _flows),
            ("http", _http),
            ("ssh", _ssh),
        ):
            part = parts.get(key)
            if part is not None and part.height:
                candidates, skips = handler(part)
                events.append(candidates)
                skipped.extend(skips)
        other = parts.get(None)
        if other is not None and other.height:
            reason = event_type.replace_strict(
                SKIP_REASONS, default=pl.format("{} record is not evidence", event_type)
            )
            skipped.append(skip(other, reason))
        good, bad = _finish(events, ctx)
        rejects.append(bad)
        return ParseResult.build(events=good, skipped=skipped, rejects=rejects)


# -- per event type: candidate events (with a __missing reason) and skipped records ---------

Handled = tuple[pl.DataFrame, list[pl.DataFrame]]


def _alerts(part: pl.DataFrame) -> Handled:
    sid = _int("alert.signature_id", pl.Int64())
    gid = _int("alert.gid", pl.Int64())
    missing = pl.when(gid.is_null() | sid.is_null()).then(
        pl.lit("alert without a numeric gid and signature_id")
    )
    ev = part.select(
        pl.col(RECORD),
        pl.col(LINE),
        pl.col("timestamp"),
        pl.coalesce("alert.source.ip", "src_ip").alias("source.ip"),
        pl.coalesce("alert.source.port", "src_port").alias("__sport"),
        pl.coalesce("alert.target.ip", "dest_ip").alias("destination.ip"),
        pl.coalesce("alert.target.port", "dest_port").alias("__dport"),
        _transport().alias("protocol.transport"),
        _application().alias("protocol.application"),
        pl.lit("ids-alert").alias("classification.type"),
        pl.format("suricata:{}:{}", gid, sid).alias("classification.identifier"),
        pl.col("alert.signature").alias("event_description.text"),
        extra_json(
            category=pl.col("alert.category"),
            severity=_int("alert.severity"),
            action=pl.col("alert.action"),
            rev=_int("alert.rev"),
            flow_id=_int("flow_id", pl.Int64()),
            app_proto=pl.col("app_proto"),
            http_method=pl.col("http.http_method"),
            http_status=_int("http.status"),
        ).alias("extra"),
        missing.alias("__missing"),
    )
    return ev, []


def _flows(part: pl.DataFrame) -> Handled:
    alerted = pl.col("flow.alerted").str.to_lowercase() == "true"
    tcp = pl.col("proto").str.to_lowercase() == "tcp"
    has_flags = pl.col("tcp.tcp_flags_ts").is_not_null()
    syn_no_ack = _tcp_flag("tcp.tcp_flags_ts", 0x02) & ~_tcp_flag("tcp.tcp_flags_ts", 0x10)
    no_reply = as_int(pl.col("flow.pkts_toclient"), pl.Int64()) == 0
    server_rst = _tcp_flag("tcp.tcp_flags_tc", 0x04)
    server_synack = _tcp_flag("tcp.tcp_flags_tc", 0x12)
    verdict = (
        pl.when(alerted)
        .then(pl.lit("skip:flow of an alerted connection (its alerts are the evidence)"))
        .when(pl.col("flow.action") == "drop")
        .then(pl.lit("dropped"))
        .when(tcp & has_flags & syn_no_ack.fill_null(False))
        .then(
            pl.when(no_reply.fill_null(False) | pl.col("tcp.tcp_flags_tc").is_in(["0", "00"]))
            .then(pl.lit("tcp-no-reply"))
            .when(server_synack.fill_null(False))
            .then(pl.lit("tcp-half-open"))
            .when(server_rst.fill_null(False))
            .then(pl.lit("tcp-refused"))
            .otherwise(pl.lit("skip:normal flow"))
        )
        .when(tcp & ~has_flags & (pl.col("flow.state") == "new") & no_reply)
        .then(pl.lit("tcp-no-reply"))
        .otherwise(pl.lit("skip:normal flow"))
    )
    part = part.with_columns(verdict.fill_null("skip:normal flow").alias("__verdict"))
    is_skip = pl.col("__verdict").str.starts_with("skip:")
    skips = [skip(part.filter(is_skip), pl.col("__verdict").str.strip_prefix("skip:"))]
    part = part.filter(~is_skip)
    v = pl.col("__verdict")
    ev = _common(
        part,
        type_=pl.when(v == "dropped").then(pl.lit("undetermined")).otherwise(pl.lit("scanner")),
        identifier=pl.format("suricata-flow:{}", v),
        description=v.replace_strict(
            {
                "dropped": "flow blocked by a drop rule",
                "tcp-no-reply": "TCP connection attempt that got no reply",
                "tcp-refused": "TCP connection attempt refused (RST)",
                "tcp-half-open": "TCP connection left half-open (SYN scan)",
            },
            return_dtype=pl.String,
        ),
        extra=extra_json(
            state=pl.col("flow.state"),
            reason=pl.col("flow.reason"),
            pkts_toserver=_int("flow.pkts_toserver", pl.Int64()),
            pkts_toclient=_int("flow.pkts_toclient", pl.Int64()),
            tcp_flags_ts=pl.col("tcp.tcp_flags_ts"),
            tcp_flags_tc=pl.col("tcp.tcp_flags_tc"),
            flow_id=_int("flow_id", pl.Int64()),
        ),
    )
    return ev, skips


def _http(part: pl.DataFrame) -> Handled:
    part = part.with_columns(
        logged_columns(
            pl.col("http.url"),
            pl.col("http.http_user_agent"),
            pl.col("http.http_refer"),
            pl.col("http.status"),
        )
    )
    applied = apply_rules(part, HTTP_RULES, "http.url", unmatched_skip=NORMAL)
    ev = _common(
        applied.events,
        type_=HTTP_TYPE,
        identifier=pl.col(RULE),
        description=HTTP_DESCRIPTION,
        extra=extra_json(
            http_method=pl.col("http.http_method"),
            http_status=_int("http.status"),
            http_protocol=pl.col("http.protocol"),
            user_agent=pl.col("http.http_user_agent").str.slice(0, UA_MAX),
        ),
        application=pl.coalesce(_application(), pl.lit("http")),
    ).with_columns(
        applied.events["http.hostname"].alias("destination.fqdn"),
        applied.events["http.url"].str.slice(0, URLPATH_MAX).alias("destination.urlpath"),
    )
    return ev, [applied.skipped]


def _ssh(part: pl.DataFrame) -> Handled:
    client = pl.col("ssh.client.software_version")
    scanner = _has(client, SCANNER_SSH_CLIENTS)
    skips = [skip(part.filter(~scanner), "SSH session metadata")]
    ev = _common(
        part.filter(scanner),
        type_=pl.lit("scanner"),
        identifier=pl.lit("suricata-ssh:scanner-client"),
        description=pl.format("SSH client {}", client),
        extra=extra_json(
            client_software=client,
            client_proto_version=pl.col("ssh.client.proto_version"),
            flow_id=_int("flow_id", pl.Int64()),
        ),
        application=pl.lit("ssh"),
    )
    return ev, skips


def _common(
    part: pl.DataFrame,
    *,
    type_: pl.Expr,
    identifier: pl.Expr,
    description: pl.Expr,
    extra: pl.Expr,
    application: pl.Expr | None = None,
) -> pl.DataFrame:
    return part.select(
        pl.col(RECORD),
        pl.col(LINE),
        pl.col("timestamp"),
        pl.col("src_ip").alias("source.ip"),
        pl.col("src_port").alias("__sport"),
        pl.col("dest_ip").alias("destination.ip"),
        pl.col("dest_port").alias("__dport"),
        _transport().alias("protocol.transport"),
        (application if application is not None else _application()).alias("protocol.application"),
        type_.alias("classification.type"),
        identifier.alias("classification.identifier"),
        description.alias("event_description.text"),
        extra.alias("extra"),
        pl.lit(None, pl.String).alias("__missing"),
    )


def _finish(candidates: list[pl.DataFrame], ctx: ParseContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events with parsed times and ports; candidates missing what an event needs, rejected."""
    if not candidates:
        return pl.DataFrame(schema={RECORD: pl.Int64}), reject(
            pl.DataFrame(schema={RECORD: pl.Int64, LINE: pl.String}), ""
        )
    frame = pl.concat(candidates, how="diagonal_relaxed").with_columns(
        parse_time(pl.col("timestamp"), TIME_FORMATS, ctx.timezone).alias("time.source")
    )
    reason = (
        pl.when(pl.col("__missing").is_not_null())
        .then(pl.col("__missing"))
        .when(pl.col("source.ip").is_null())
        .then(pl.lit("evidence record without src_ip"))
        .when(pl.col("time.source").is_null())
        .then(pl.lit(UNREADABLE_TIME))
    )
    frame = frame.with_columns(reason.alias("__missing"))
    bad = frame.filter(pl.col("__missing").is_not_null())
    # Among the rejects only (few): an offset-less time the zone skips (a daylight-saving gap).
    naive = pl.col("timestamp").str.to_datetime(LOCAL_TIME, strict=False, time_unit="us")
    gap = (pl.col("__missing") == UNREADABLE_TIME) & naive.is_not_null()
    bad = reject(
        bad,
        pl.when(gap).then(pl.lit(time_gap(ctx.timezone))).otherwise(pl.col("__missing")),
    )
    good = frame.filter(pl.col("__missing").is_null()).select(
        pl.col(RECORD),
        pl.col(LINE).alias("raw"),
        pl.col("time.source"),
        pl.col("source.ip"),
        as_int(pl.col("__sport")).alias("source.port"),
        pl.col("destination.ip"),
        as_int(pl.col("__dport")).alias("destination.port"),
        *(
            pl.col(c) if c in frame.columns else pl.lit(None, pl.String).alias(c)
            for c in ("destination.fqdn", "destination.urlpath")
        ),
        pl.col("protocol.transport"),
        pl.col("protocol.application"),
        pl.col("classification.type"),
        pl.col("classification.identifier"),
        pl.col("event_description.text"),
        pl.col("extra"),
    )
    return good, bad


# -- the array variant ------------------------------------------------------------------------

_ARRAY_START = re.compile(r"\A\s*\[\s*\{")


class SuricataEveArray(Parser):
    name = "suricata-eve-array"
    title = "Suricata EVE JSON (a JSON array of records)"
    mode = "document"

    def __init__(self) -> None:
        self._lines = SuricataEve()

    def sniff(self, sample: list[str]) -> int:
        text = "\n".join(sample).lstrip("\ufeff")
        start = _ARRAY_START.match(text)
        if start is None:
            return 0
        try:
            first, _end = json.JSONDecoder().raw_decode(text, start.end() - 1)
        except ValueError:
            # The first element runs past the sample: judge by its keys.
            head = text[: 64 * 1024]
            keys = ('"event_type"', '"timestamp"')
            return 70 if all(re.search(rf"{k}\s*:", head) for k in keys) else 0
        if isinstance(first, dict) and isinstance(first.get("event_type"), str):
            return 95 if "timestamp" in first else 60
        return 0

    def split_document(self, data: bytes) -> pl.DataFrame:
        return split_json_array(data)

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        return self._lines.parse(records, state, ctx)


PARSERS: tuple[Parser, ...] = (SuricataEve(), SuricataEveArray())
