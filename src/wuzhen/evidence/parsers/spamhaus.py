"""Spamhaus lists: DROP, EDROP and ASN-DROP (text and JSON lines), and the Spamhaus CERT feed.

DROP ("Don't Route Or Peer") lists networks and autonomous systems run by or for criminals.
Every entry is evidence, ``classification.type`` ``blacklist`` (the list says the block or AS
is hijacked or operated for crime, not what it did), ``feed.provider`` ``Spamhaus``.

**spamhaus-drop** (the text lists ``drop.txt``, ``edrop.txt``, ``dropv6.txt``, ``asndrop.txt``):

- ``1.10.16.0/20 ; SBL256894``: ``source.network``, the SBL record id as ``evidence.ref``
  (copies that dropped the ``; SBL`` part, bare CIDR lines, are read too); identifier
  ``spamhaus-edrop`` when the file's header names EDROP, else ``spamhaus-drop``;
- ``AS260 ; AE | XCONNECT24 - Xconnect24 Inc., US`` (ASN-DROP, before 2023): ``source.asn``,
  the country as ``source.registration.cc`` and the AS name as ``source.as_name`` (kept as
  stated: an ASN names no address to attribute), identifier ``spamhaus-asndrop``.

``time.source`` is the list's ``Last-Modified`` time from its header (the records carry
none). ``;`` lines are skipped ("comment line"); other lines are rejected.

**spamhaus-drop-json** (``drop_v4.json``, ``drop_v6.json``, ``asndrop.json``: one JSON object a
line): ``{"cidr": ..., "sblid": ..., "rir": ...}`` as a DROP network (identifier
``spamhaus-drop``, ``evidence.ref`` the SBL id) and ``{"asn": ..., "rir": ..., "domain": ...,
"cc": ..., "asname": ...}`` as an ASN-DROP entry (identifier ``spamhaus-asndrop``; ``cc`` is
``source.registration.cc``, ``asname`` ``source.as_name``); the registry and the AS's domain
go to ``extra``. The trailing ``{"type": "metadata", ...}`` line is skipped ("list
metadata"). Rejected: lines that are not JSON objects, and objects of neither kind.

**spamhaus-cert** (the Spamhaus CERT portal feed of bots seen in a constituency: ``ip, asn,
country, lastseen, botname, domain, remote_ip, remote_port, local_port, protocol``): the
infected or abusing host is ``source.ip`` (its ``local_port`` ``source.port``), ``lastseen``
(epoch seconds) ``time.source``, the stated ASN and country are kept where attribution finds
none. The bot name gives the classification (see ``CERT_BOTS``, identifier
``spamhaus-cert:<botname>``); any other bot name is a malware family: ``infected-system`` with
``malware.name`` (``iotmirai`` is ``mirai``). The C&C it talked to (``domain``, ``remote_ip``,
``remote_port``) goes to ``destination.*``. For ``l_spamlink`` rows (the source sent spam
advertising a URL) the URL goes to ``extra.spam_url`` (the source does not serve it), and the
malware named in the ``local_port`` column (``ip:version:name``) is ``malware.name``. ``;``
lines are skipped ("comment line"); rows with fewer than ten fields, no address or an
unreadable ``lastseen`` are rejected.
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
    sample_lines,
    skip,
)
from wuzhen.evidence.parsers.blocklist import (
    IP,
    IS_IP,
    NO_TIME,
    SKIP_COMMENT,
    comment,
    count,
    is_domain,
    sniff_rows,
)
from wuzhen.schema.fields import TRANSPORTS

PROVIDER = "Spamhaus"
DROP = "spamhaus-drop"
EDROP = "spamhaus-edrop"
ASNDROP = "spamhaus-asndrop"

NETWORK_ROW = rf"^\s*(?P<net>{IP}/\d{{1,3}})\s*(?:;\s*(?P<sbl>SBL\d+)\s*)?$"
ASN_ROW = r"^\s*AS(?P<asn>\d+)\s*;\s*(?P<cc>[A-Za-z]{2})?\s*\|\s*(?P<asname>.*?)\s*$"
LAST_MODIFIED = r"^;\s*Last-Modified:\s*(.+?)\s*$"
HTTP_TIME = ["%a, %d %b %Y %H:%M:%S GMT", "%a, %d %b %Y %H:%M:%S %z"]
EDROP_HEADER = r"(?i)^;.*\bedrop\b"
DROP_HEADER = r"(?i)^;.*(?:spamhaus .*drop list|/drop/drop\.txt|/drop/dropv6\.txt)"


class SpamhausDrop(Parser):
    name = "spamhaus-drop"
    dated_by_file = True  # the header's time
    title = "Spamhaus DROP / EDROP / ASN-DROP (text)"
    marks = (";", "SBL")  # of its comments and ASN rows, or of its network rows
    state_marker = b"\n;"  # the comments naming the list and its time

    def new_state(self) -> dict[str, Any]:
        return {"modified": None, "list": None}

    def sniff(self, sample: list[str]) -> int:
        lines = sample_lines(sample)
        if lines.len() == 0:
            return 0
        marked = lines.str.contains(r"(?i)^;.*spamhaus").any()
        data = lines.filter(~lines.str.starts_with(";"))
        sbl = data.str.contains(NETWORK_ROW) & data.str.contains("SBL", literal=True)
        rows = count(sbl) + count(data.str.contains(ASN_ROW))
        if rows == 0:
            return 70 if marked and data.len() == 0 else 0
        if rows * 2 < data.len():
            return 0
        return 90 if marked or rows == data.len() else 75

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        line = pl.col(LINE)
        # The list's kind and time come from its header, which may lie in an earlier batch.
        kind = (
            pl.when(line.str.contains(EDROP_HEADER))
            .then(pl.lit(EDROP))
            .when(line.str.contains(DROP_HEADER))
            .then(pl.lit(DROP))
        )
        frame = records.with_columns(
            parse_time(line.str.extract(LAST_MODIFIED, 1), HTTP_TIME).alias("modified"),
            kind.otherwise(None).alias("list"),
        )
        for key in ("modified", "list"):
            seen = frame[key].drop_nulls()
            frame = frame.with_columns(pl.col(key).forward_fill().fill_null(pl.lit(state[key])))
            if seen.len():
                state[key] = seen[-1]
        comments = frame.filter(comment(line, ";"))
        frame = frame.filter(~comment(line, ";"))
        net = frame.select(line.str.extract_groups(NETWORK_ROW).alias("n")).unnest("n")
        asn = frame.select(line.str.extract_groups(ASN_ROW).alias("a")).unnest("a")
        frame = pl.concat([frame, net, asn], how="horizontal")
        is_net = pl.col("net").is_not_null()
        is_asn = pl.col("asn").is_not_null()
        bad = frame.filter(~is_net & ~is_asn)
        ev = frame.filter(is_net | is_asn)
        asname = pl.col("asname")
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            pl.col("modified").cast(pl.Datetime("us", "UTC")).alias("time.source"),
            pl.col("net").alias("source.network"),
            pl.col("asn").cast(pl.Int64, strict=False).alias("source.asn"),
            pl.col("cc").str.to_uppercase().alias("source.registration.cc"),
            pl.when(asname != "").then(asname).alias("source.as_name"),
            pl.col("sbl").alias("evidence.ref"),
            pl.lit("blacklist").alias("classification.type"),
            pl.when(is_asn)
            .then(pl.lit(ASNDROP))
            .otherwise(pl.col("list").fill_null(DROP))
            .alias("classification.identifier"),
            pl.lit(PROVIDER).alias("feed.provider"),
        )
        return ParseResult.build(
            events=events,
            skipped=[skip(comments, SKIP_COMMENT)],
            rejects=[reject(bad, "not a DROP, EDROP or ASN-DROP entry")],
        )


# -- the JSON lists --------------------------------------------------------------------------

JSON_FIELDS = ("cidr", "sblid", "rir", "asn", "domain", "cc", "asname", "type")
JSON_MARK = r'^\s*\{\s*"(?:cidr|asn|type)"\s*:'


class SpamhausDropJson(Parser):
    name = "spamhaus-drop-json"
    title = "Spamhaus DROP / ASN-DROP (JSON lines)"
    marks = ('"sblid"', '"asname"', "Spamhaus")

    def sniff(self, sample: list[str]) -> int:
        lines = sample_lines(sample)
        if lines.len() == 0:
            return 0
        hits = count(
            lines.str.contains(JSON_MARK)
            & (
                lines.str.contains('"sblid"', literal=True)
                | (
                    lines.str.contains('"asname"', literal=True)
                    & lines.str.contains('"rir"', literal=True)
                )
                | lines.str.contains("Spamhaus", literal=True)
            )
        )
        if hits * 2 < lines.len():
            return 0
        return 60 + 35 * hits // lines.len()

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        decoded = decode_json(records[LINE], dict.fromkeys(JSON_FIELDS))
        frame = pl.concat([records, decoded.fields.select(JSON_FIELDS)], how="horizontal")
        frame = frame.with_columns(
            decoded.is_object.alias("__object"), decoded.is_json.alias("__json")
        )
        not_object = frame.filter(~pl.col("__object"))
        frame = frame.filter(pl.col("__object"))
        metadata = frame.filter(pl.col("type") == "metadata")
        frame = frame.filter((pl.col("type") != "metadata").fill_null(True))
        cidr = pl.col("cidr").str.strip_chars()
        asn = pl.col("asn").cast(pl.Int64, strict=False)
        is_net = cidr.str.contains(rf"^{IP}/\d{{1,3}}$").fill_null(False)
        is_asn = asn.is_not_null() & ~is_net
        bad = frame.filter(~is_net & ~is_asn)
        ev = frame.filter(is_net | is_asn)
        cc = pl.col("cc").str.strip_chars().str.to_uppercase()
        asname = pl.col("asname").str.strip_chars()
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            NO_TIME,  # the list gives none (the pipeline needs the column)
            pl.when(is_net).then(cidr).alias("source.network"),
            pl.when(is_asn).then(asn).alias("source.asn"),
            pl.when(is_asn & cc.str.contains(r"^[A-Z]{2}$"))
            .then(cc)
            .alias("source.registration.cc"),
            pl.when(is_asn & (asname != "")).then(asname).alias("source.as_name"),
            pl.when(is_net).then(pl.col("sblid")).alias("evidence.ref"),
            pl.lit("blacklist").alias("classification.type"),
            pl.when(is_net)
            .then(pl.lit(DROP))
            .otherwise(pl.lit(ASNDROP))
            .alias("classification.identifier"),
            pl.lit(PROVIDER).alias("feed.provider"),
            extra_json(rir=pl.col("rir"), domain=pl.when(is_asn).then(pl.col("domain"))).alias(
                "extra"
            ),
        )
        return ParseResult.build(
            events=events,
            skipped=[skip(metadata, "list metadata")],
            rejects=[
                reject(
                    not_object,
                    pl.when(pl.col("__json"))
                    .then(pl.lit("JSON but not an object"))
                    .otherwise(pl.lit("not JSON")),
                ),
                reject(bad, "neither a DROP network nor an ASN-DROP entry"),
            ],
        )


# -- the CERT feed ---------------------------------------------------------------------------

# botname: (classification.type, identifier suffix, protocol.application, description)
CERT_BOTS: dict[str, tuple[str, str, str | None, str | None]] = {
    "openrelay": ("vulnerable-system", "openrelay", "smtp", "open mail relay"),
    "sshauth": ("brute-force", "ssh", "ssh", None),
    "telnetauth": ("brute-force", "telnet", "telnet", None),
    "smtpauth": ("brute-force", "smtp", "smtp", None),
    "pop": ("brute-force", "pop", "pop3", None),
    "imap": ("brute-force", "imap", "imap", None),
    "authspoofbadehlo": (
        "brute-force",
        "authentication-spoof",
        "smtp",
        "SMTP authentication spoofed with a bad EHLO",
    ),
    "automatedtest": (
        "brute-force",
        "lookup-captcha",
        None,
        "automated brute force of the Spamhaus CBL lookup",
    ),
    "iotlogin": ("brute-force", "iot-login", None, "IoT device logged in to a honeypot"),
    "iotcmd": (
        "system-compromise",
        "iot-command",
        None,
        "IoT device logged in to a honeypot and ran commands",
    ),
    "iotscan": ("scanner", "iot-scan", None, "IoT device scanning for vulnerable devices"),
    "iotuser": ("scanner", "iot-scan", None, "IoT device scanning for vulnerable devices"),
    "wpscanner": ("scanner", "wordpress-vulnerabilities", "http", "WordPress vulnerability scan"),
    "w_wplogin": ("scanner", "wordpress-login", "http", "scan for WordPress login pages"),
    "smb": ("scanner", "smb", "smb", None),
    "rdp": ("scanner", "rdp", "rdp", None),
    "iotrdp": ("scanner", "rdp", "rdp", None),
    "iotmicrosoftds": ("scanner", "microsoft-ds", "smb", None),
    "proxyget": (
        "unauthorized-use-of-resources",
        "proxyget",
        "http",
        "a honeypot used as a proxy",
    ),
    "ioturl": ("c2-server", "iot-url", None, None),
    "l_spamlink": ("spam", "spamlink", None, "URL in a spam e-mail sent by the source"),
}
# bot names that name a malware family differently
CERT_MALWARE = {"iotmirai": "mirai"}
CERT_FIELDS = (
    "ip",
    "asn",
    "country",
    "lastseen",
    "botname",
    "domain",
    "remote_ip",
    "remote_port",
    "local_port",
    "protocol",
)
CERT_HEADER = "; ip, asn, country, lastseen, botname"
CERT_ROW = rf"^{IP},(?:AS\d+|\?)?,[A-Za-z0-9?-]*,\d+,[^,]+,"
_CERT_TABLE = pl.DataFrame(
    {
        "botname": list(CERT_BOTS),
        "__type": [v[0] for v in CERT_BOTS.values()],
        "__id": [v[1] for v in CERT_BOTS.values()],
        "__app": [v[2] for v in CERT_BOTS.values()],
        "__text": [v[3] for v in CERT_BOTS.values()],
    },
    schema=dict.fromkeys(("botname", "__type", "__id", "__app", "__text"), pl.String),
)


def _value(expr: pl.Expr) -> pl.Expr:
    """A CERT field, null where the feed writes nothing, ``-`` or ``?``."""
    text = expr.str.strip_chars()
    return pl.when(~text.is_in(["", "-", "?"])).then(text)


class SpamhausCert(Parser):
    name = "spamhaus-cert"
    title = "Spamhaus CERT portal feed (bots in a constituency)"

    def sniff(self, sample: list[str]) -> int:
        return sniff_rows(sample, header=CERT_HEADER, row=CERT_ROW, comment=";", weight=30)

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        line = pl.col(LINE)
        comments = records.filter(comment(line, ";"))
        f = pl.col("f")
        frame = (
            records.filter(~comment(line, ";"))
            .with_columns(line.str.strip_chars().str.split(",").alias("f"))
            .with_columns(
                f.list.len().alias("n"),
                *(
                    _value(f.list.get(i, null_on_oob=True)).alias(n)
                    for i, n in enumerate(CERT_FIELDS)
                ),
            )
            .with_columns(pl.col("botname").str.to_lowercase())
        )
        seen = pl.from_epoch(pl.col("lastseen").cast(pl.Int64, strict=False), time_unit="s")
        frame = frame.with_columns(
            seen.dt.cast_time_unit("us").dt.replace_time_zone("UTC").alias("time.source")
        )
        ok = (
            (pl.col("n") >= len(CERT_FIELDS))
            & pl.col("ip").str.contains(IS_IP)
            & pl.col("time.source").is_not_null()
            & pl.col("botname").is_not_null()
        ).fill_null(False)
        bad = frame.filter(~ok)
        ev = frame.filter(ok).join(_CERT_TABLE, on="botname", how="left", maintain_order="left")
        bot = pl.col("botname")
        spamlink = bot == "l_spamlink"
        domain = pl.col("domain")
        remote = pl.col("remote_ip")
        known = pl.col("__type").is_not_null()
        spam_parts = pl.col("local_port").str.split(":")
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            pl.col("time.source"),
            pl.col("ip").alias("source.ip"),
            pl.when(~spamlink).then(as_int(pl.col("local_port"))).alias("source.port"),
            as_int(pl.col("asn").str.strip_prefix("AS"), pl.Int64()).alias("source.asn"),
            pl.when(pl.col("country").str.contains(r"^[A-Z]{2}$"))
            .then(pl.col("country"))
            .alias("source.geolocation.cc"),
            pl.when(~spamlink & is_domain(domain))
            .then(domain.str.to_lowercase())
            .alias("destination.fqdn"),
            pl.when(spamlink)
            .then(None)
            .when(remote.str.contains(IS_IP))
            .then(remote)
            .when(domain.str.contains(IS_IP))
            .then(domain)
            .alias("destination.ip"),
            pl.when(~spamlink).then(as_int(pl.col("remote_port"))).alias("destination.port"),
            pl.when(pl.col("protocol").str.to_lowercase().is_in(TRANSPORTS))
            .then(pl.col("protocol").str.to_lowercase())
            .alias("protocol.transport"),
            pl.col("__app").alias("protocol.application"),
            pl.col("__type").fill_null("infected-system").alias("classification.type"),
            (pl.lit("spamhaus-cert:") + bot).alias("classification.identifier"),
            pl.when(spamlink)
            .then(spam_parts.list.get(2, null_on_oob=True).str.to_lowercase())
            .when(~known)
            .then(bot.replace(CERT_MALWARE))
            .alias("malware.name"),
            pl.col("__text").alias("event_description.text"),
            pl.lit(PROVIDER).alias("feed.provider"),
            extra_json(
                spam_url=pl.when(spamlink).then(remote),
                spam_ip=pl.when(spamlink).then(spam_parts.list.get(0, null_on_oob=True)),
                malware_version=pl.when(spamlink).then(spam_parts.list.get(1, null_on_oob=True)),
            ).alias("extra"),
        )
        return ParseResult.build(
            events=events,
            skipped=[skip(comments, SKIP_COMMENT)],
            rejects=[reject(bad, "not a Spamhaus CERT row (ip, asn, country, lastseen, ...)")],
        )


PARSERS: tuple[Parser, ...] = (SpamhausDrop(), SpamhausDropJson(), SpamhausCert())
