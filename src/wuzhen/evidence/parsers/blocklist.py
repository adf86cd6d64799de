"""Plain blocklists and the line formats of a few well-known list publishers.

**blocklist** (a generic list: blocklist.de, firewall and DNS blocklists, lists a partner mails
you). One entry per line: an IPv4 or IPv6 address (``source.ip``), a CIDR block
(``source.network``), a domain (``source.fqdn``, lower case, without a trailing dot) or a URL
(``source.url``, with its host as ``source.ip`` or ``source.fqdn`` and an explicit port as
``source.port``). What follows the entry after a space, tab, comma, ``#`` or ``;`` is its
comment (``extra.comment``). Hosts-file lines (``0.0.0.0 example.com``, ``127.0.0.1
example.com``) name the domain in their second column; a hosts file's own entries for local
names (``127.0.0.1 localhost``, ``::1 ip6-localhost``) are skipped. A generic list says nothing
of what its entries did: ``classification.type`` is ``blacklist``,
``classification.identifier`` ``blocklist``; the feed catalogue (``--feed``) names the list.

**dataplane** (dataplane.org reports: ``ASN | ASname | ipaddr | lastseen | category``; the
``proto41`` report has ``firstseen`` before ``lastseen``). ``source.ip``, ``time.source`` (the
last time seen, UTC), the record's own ``source.asn`` and ``source.as_name`` (kept where
attribution finds none; ``NA`` is empty); an AS name that itself holds ``|`` is read whole
(the fields are counted from both ends). The category gives the classification (identifier
``dataplane:<category>``, see ``DATAPLANE``); an unknown category is ``undetermined``.

**dshield-block** (DShield's ``block.txt``: ``Start End Netblock Attacks Name Country email``,
tab-separated): the top attacking /24 blocks of the last three days, as ``source.network``,
``scanner`` (DShield counts the targets that reported scans from each block), identifier
``dshield-block``; attacks and the network's name in ``extra``, the country it states as a
fallback ``source.registration.cc``. The contact e-mail address is not kept. ``time.source``
is the list's ``updated:`` time from its header.

**bambenek** (Bambenek Consulting's C2 master lists: ``value,description,date,manual``, the
value an IP address or a domain): ``c2-server``, identifier ``bambenek-c2``, the malware named
by the description (``IP used by X C&C``, ``Domain used by X``) as ``malware.name``, the
date as ``time.source``.

For all four: comment lines (``#``; ``;`` in the generic list) are skipped ("comment line"),
as are column header lines. Rejected: lines not in the format, entries that are no address,
network, domain or URL, and records without a readable time where the format has one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from wuzhen.evidence.parsers import _dataplane_scan
from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    ParseContext,
    Parser,
    ParseResult,
    as_int,
    extra_json,
    parse_time,
    reject,
    sample_lines,
    skip,
)

SKIP_COMMENT = "comment line"
NO_TIME = pl.lit(None, pl.Datetime("us", "UTC")).alias("time.source")
SKIP_HEADER = "column header"

IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
IPV6 = r"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*"
IP = rf"(?:{IPV4}|{IPV6})"
IS_IP = rf"^{IP}$"
IS_CIDR = rf"^{IP}/\d{{1,3}}$"
LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"
IS_DOMAIN = rf"^(?:{LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.?$"
URL_PARTS = (
    r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?"
    r"(?:\[(?P<host6>[0-9A-Fa-f:.]+)\]|(?P<host>[^/?#:\[\]]+))(?::(?P<port>\d{1,5}))?(?:[/?#]|$)"
)
IS_URL = r"^[A-Za-z][A-Za-z0-9+.-]*://\S"


def is_domain(expr: pl.Expr) -> pl.Expr:
    return (expr.str.len_bytes() <= 254) & expr.str.contains(IS_DOMAIN)


def fqdn(expr: pl.Expr) -> pl.Expr:
    """A domain as ``source.fqdn`` stores it: lower case, no trailing dot."""
    return expr.str.to_lowercase().str.strip_suffix(".")


def url_host(url: pl.Expr) -> pl.Expr:
    """``struct{ip, fqdn, port}`` of a URL's host (the IP literal or the domain) and port."""
    parts = url.str.extract_groups(URL_PARTS)
    host = parts.struct.field("host").str.to_lowercase()
    host6 = parts.struct.field("host6")
    ip = pl.coalesce(host6, pl.when(host.str.contains(rf"^{IPV4}$")).then(host))
    name = pl.when(ip.is_null() & is_domain(host)).then(fqdn(host))
    port = as_int(parts.struct.field("port"))
    return pl.struct(ip.alias("ip"), name.alias("fqdn"), port.alias("port"))


def count(flags: pl.Series) -> int:
    """How many of ``flags`` are true (nulls are not)."""
    return int(flags.fill_null(False).sum())


def comment(expr: pl.Expr, prefixes: str = "#") -> pl.Expr:
    """The line is a comment: its first non-blank character is one of ``prefixes``."""
    first = expr.str.strip_chars_start().str.slice(0, 1)
    return first.is_in(list(prefixes))


def sniff_rows(sample: list[str], *, header: str, row: str, comment: str, weight: int) -> int:
    """Score of a line feed: 95 when a sample line starts with its ``header``; else, when at
    least half the lines not starting with ``comment`` match the ``row`` pattern, 60 plus
    ``weight`` times the share that does; 0 otherwise."""
    lines = sample_lines(sample)
    if lines.len() == 0:
        return 0
    if lines.str.starts_with(header).any():
        return 95
    data = lines.filter(~lines.str.starts_with(comment))
    rows = count(data.str.contains(row))
    if data.len() == 0 or rows * 2 < data.len():
        return 0
    return 60 + weight * rows // data.len()


# -- the generic list ------------------------------------------------------------------------

ENTRY = r"^\s*(?P<token>[^\s,;#]+)(?P<rest>.*)$"
# A hosts file maps names to a sink address; its other entries (localhost...) are local.
HOSTS_ENTRY = (
    r"^\s*(?:0\.0\.0\.0|127\.0\.0\.1|::1?|255\.255\.255\.255|fe80::1%lo0)\s+(?P<name>[^\s#]+)"
)
SKIP_LOCAL_NAME = "hosts-file entry for a local name"
BAD_ENTRY = "not an address, network, domain or URL"


class Blocklist(Parser):
    name = "blocklist"
    title = "Plain blocklist (one address, network, domain or URL a line)"

    def sniff(self, sample: list[str]) -> int:
        lines = sample_lines(sample)
        data = lines.filter(~lines.str.strip_chars_start().str.slice(0, 1).is_in(["#", ";"]))
        if data.len() == 0:
            return 0
        parts = data.str.extract_groups(ENTRY).struct.unnest()
        token = parts["token"]
        rest = parts["rest"].str.strip_chars()
        alone = (
            rest.is_null() | (rest == "") | rest.str.starts_with("#") | rest.str.starts_with(";")
        )
        entry = (
            token.str.contains(IS_IP)
            | token.str.contains(IS_CIDR)
            | token.str.contains(IS_DOMAIN)
            | token.str.contains(IS_URL)
        )
        hits = count(alone & entry) + count(data.str.contains(HOSTS_ENTRY))
        if hits * 10 < data.len() * 8:
            return 0
        return 35 + 25 * min(hits, data.len()) // data.len()

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        comments = records.filter(comment(pl.col(LINE), "#;"))
        frame = records.filter(~comment(pl.col(LINE), "#;"))
        parts = frame.select(pl.col(LINE).str.extract_groups(ENTRY).alias("p")).unnest("p")
        frame = pl.concat([frame, parts], how="horizontal").with_columns(
            pl.col(LINE).str.extract(HOSTS_ENTRY, 1).alias("hosts_name")
        )
        token = pl.col("token")
        hosts = pl.col("hosts_name").is_not_null()
        frame = frame.with_columns(
            pl.when(hosts)
            .then(pl.lit("domain"))
            .when(token.str.contains(IS_IP))
            .then(pl.lit("ip"))
            .when(token.str.contains(IS_CIDR))
            .then(pl.lit("network"))
            .when(token.str.contains(IS_URL))
            .then(pl.lit("url"))
            .when(is_domain(token))
            .then(pl.lit("domain"))
            .alias("kind"),
            pl.when(hosts).then(pl.col("hosts_name")).otherwise(token).alias("value"),
        )
        ok = (
            pl.col("kind").is_not_null()
            & ((pl.col("kind") != "domain") | is_domain(pl.col("value")))
        ).fill_null(False)
        local = frame.filter(~ok & hosts)
        bad = frame.filter(~ok & ~hosts)
        ev = frame.filter(ok)
        kind = pl.col("kind")
        value = pl.col("value")
        host = url_host(value)
        remark = (
            pl.when(hosts)
            .then(pl.col(LINE).str.extract(r"#\s*(.*?)\s*$", 1))
            .otherwise(
                pl.col("rest").str.strip_chars().str.strip_chars_start(",;#").str.strip_chars()
            )
        )
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            NO_TIME,  # the list gives none (the pipeline needs the column)
            pl.when(kind == "ip")
            .then(value)
            .when(kind == "url")
            .then(host.struct.field("ip"))
            .alias("source.ip"),
            pl.when(kind == "network").then(value).alias("source.network"),
            pl.when(kind == "domain")
            .then(fqdn(value))
            .when(kind == "url")
            .then(host.struct.field("fqdn"))
            .alias("source.fqdn"),
            pl.when(kind == "url").then(value).alias("source.url"),
            pl.when(kind == "url").then(host.struct.field("port")).alias("source.port"),
            pl.lit("blacklist").alias("classification.type"),
            pl.lit("blocklist").alias("classification.identifier"),
            extra_json(comment=pl.when(remark != "").then(remark)).alias("extra"),
        )
        return ParseResult.build(
            events=events,
            skipped=[skip(comments, SKIP_COMMENT), skip(local, SKIP_LOCAL_NAME)],
            rejects=[reject(bad, BAD_ENTRY)],
        )


# -- dataplane.org ---------------------------------------------------------------------------

# category: (classification.type, protocol.application, protocol.transport, description)
DATAPLANE: dict[str, tuple[str, str | None, str | None, str]] = {
    "sshpwauth": ("brute-force", "ssh", "tcp", "SSH password authentication attempts"),
    "sshclient": ("scanner", "ssh", "tcp", "SSH connections (server cataloguing or logins)"),
    "telnetlogin": ("brute-force", "telnet", "tcp", "TELNET login attempts"),
    "vncrfb": ("scanner", "vnc", "tcp", "VNC remote frame buffer sessions"),
    "sipquery": ("scanner", "sip", None, "SIP OPTIONS queries"),
    "sipinvitation": ("brute-force", "sip", None, "SIP INVITE operations (telephony abuse)"),
    "sipregistration": ("brute-force", "sip", None, "SIP REGISTER operations"),
    "smtpdata": ("scanner", "smtp", "tcp", "SMTP DATA operations to hosts that run no mail"),
    "smtpgreet": ("scanner", "smtp", "tcp", "SMTP HELO/EHLO greetings"),
    "dnsrd": ("scanner", "dns", None, "DNS recursion-desired queries"),
    "dnsrdany": ("scanner", "dns", None, "DNS recursion-desired IN ANY queries"),
    "dnsversion": ("scanner", "dns", None, "DNS CH TXT version.bind queries"),
    "proto41": (
        "potentially-unwanted-accessible",
        "6to4",
        None,
        "open IPv6-over-IPv4 (protocol 41) relay",
    ),
}
DATAPLANE_FIRST_SEEN = ("proto41",)  # reports with a firstseen column before lastseen
DATAPLANE_TIME = "%Y-%m-%d %H:%M:%S"
IP_CHARS = r"^[0-9A-Fa-f.:]*[.:][0-9A-Fa-f.:]*$"  # the pipeline checks the address itself
DATAPLANE_ROW = r"^\s*(?:\d+|NA)\s*\|.*\|.*\|.*\|\s*[a-z0-9]+\s*$"
DATAPLANE_HEADER = "# DataPlane.org"
BAD_DATAPLANE = "not a dataplane record (ASN | ASname | ipaddr | [firstseen |] lastseen | category)"


_DATAPLANE_TABLE = pl.DataFrame(
    {
        "category": list(DATAPLANE),
        "classification.type": [v[0] for v in DATAPLANE.values()],
        "protocol.application": [v[1] for v in DATAPLANE.values()],
        "protocol.transport": [v[2] for v in DATAPLANE.values()],
        "event_description.text": [v[3] for v in DATAPLANE.values()],
    },
    schema={
        "category": pl.String,
        "classification.type": pl.String,
        "protocol.application": pl.String,
        "protocol.transport": pl.String,
        "event_description.text": pl.String,
    },
)


class Dataplane(Parser):
    name = "dataplane"
    title = "dataplane.org reports (ASN | ASname | ipaddr | lastseen | category)"
    marks = ("|", DATAPLANE_HEADER)

    def sniff(self, sample: list[str]) -> int:
        return sniff_rows(
            sample, header=DATAPLANE_HEADER, row=DATAPLANE_ROW, comment="#", weight=35
        )

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        # This feed comes by the million: a compiled pass reads nearly every line; the lines
        # it is not sure of are read by the expressions of ``read_dataplane``.
        s = _dataplane_scan.scan(records[LINE], DATAPLANE_FIRST_SEEN)
        kind = pl.Series(s.kind)
        utc = pl.Datetime("us", "UTC")
        scanned = pl.DataFrame(
            {
                RECORD: records[RECORD],
                LINE: records[LINE],
                "category": _dataplane_scan.text(s, s.category),
                "asn": _none_below_zero(s.asn),
                "as_name": _dataplane_scan.text(s, s.name),
                "ip": _dataplane_scan.text(s, s.ip),
                "time.source": _none_below_zero(s.last_seen).cast(utc),
                "first_seen": _none_below_zero(s.first_seen).cast(utc),
            }
        ).filter(kind == _dataplane_scan.EVENT)
        unsure = records.filter(kind == _dataplane_scan.UNSURE)
        comments, rest, bad = (
            read_dataplane(unsure) if unsure.height else (unsure, scanned.clear(), unsure)
        )
        return ParseResult.build(
            events=_dataplane_events(pl.concat([scanned, rest])),
            skipped=[
                skip(records.filter(kind == _dataplane_scan.COMMENT), SKIP_COMMENT),
                skip(comments, SKIP_COMMENT),
            ],
            rejects=[reject(bad, BAD_DATAPLANE)],
        )


def _none_below_zero(values: np.ndarray[Any, Any]) -> pl.Series:
    """The compiled pass's numbers, null where it wrote -1 (none)."""
    series = pl.Series(values)
    return series.set(series < 0, None)


def read_dataplane(records: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """dataplane lines read by Polars expressions (the reference the compiled pass follows):
    (comment lines, the records read, the records rejected). Records read have their number,
    line, category, ASN, AS name, ip and times (``time.source``, ``first_seen``)."""
    # Literal splits only. The fields are counted from both ends: the AS name is what lies
    # between the ASN and the last three (proto41: four) fields, so a name holding "|" stays
    # whole; only such rows need a join.
    line = pl.col(LINE)
    comments = records.filter(line.str.starts_with("#"))
    f = pl.col("f")
    frame = (
        records.filter(~line.str.starts_with("#"))
        .with_columns(line.str.split("|").alias("f"))
        .with_columns(
            f.list.len().cast(pl.Int64).alias("n"),
            f.list.last().str.strip_chars().alias("category"),
        )
        .with_columns(
            pl.when(pl.col("category").is_in(DATAPLANE_FIRST_SEEN)).then(4).otherwise(3).alias("k")
        )
    )
    n, k = pl.col("n"), pl.col("k")
    # most reports have no firstseen column: then none of its work is done
    first_seen = frame.select((k == 4).any()).item()
    plain = n == k + 2
    name_between = f.list.slice(1, (n - k - 1).clip(0)).list.join("|")
    frame = pl.concat(
        [
            frame.filter(plain).with_columns(f.list.get(1).alias("as_name")),
            frame.filter(~plain).with_columns(name_between.alias("as_name")),
        ]
    )
    frame = frame.select(
        pl.col(RECORD),
        pl.col(LINE),
        n,
        pl.col("category"),
        f.list.first().str.strip_chars().alias("asn_text"),
        pl.col("as_name").str.strip_chars(),
        f.list.get(-k, null_on_oob=True).str.strip_chars().alias("ip"),
        _utc(f.list.get(-2, null_on_oob=True).str.strip_chars()).alias("time.source"),
        pl.when(k == 4)
        .then(_utc(f.list.get(-3, null_on_oob=True).str.strip_chars()))
        .alias("first_seen")
        if first_seen
        else pl.lit(None, pl.Datetime("us", "UTC")).alias("first_seen"),
    ).with_columns(pl.col("asn_text").cast(pl.Int64, strict=False).alias("asn"))
    cat = pl.col("category")
    wants_first = cat.is_in(DATAPLANE_FIRST_SEEN)
    ok = (
        (n >= pl.when(wants_first).then(6).otherwise(5))
        & pl.col("ip").str.contains(IP_CHARS)
        & pl.col("time.source").is_not_null()
        & (pl.col("asn").is_not_null() | (pl.col("asn_text") == "NA"))
        & cat.str.contains(r"^[a-z0-9]+$")
        & (~wants_first | pl.col("first_seen").is_not_null())
    ).fill_null(False)
    columns = [RECORD, LINE, "category", "asn", "as_name", "ip", "time.source", "first_seen"]
    return comments, frame.filter(ok).select(columns), frame.filter(~ok)


def _dataplane_events(read: pl.DataFrame) -> pl.DataFrame:
    """Events of the records read: their classification is their category's, by a join with
    the small table (cheaper than four replace_strict passes over every row)."""
    ev = read.join(_DATAPLANE_TABLE, on="category", how="left", maintain_order="left")
    cat = pl.col("category")
    name = pl.col("as_name")
    first_seen = ev["first_seen"].null_count() < ev.height
    return ev.select(
        pl.col(RECORD),
        pl.col(LINE).alias("raw"),
        pl.col("time.source"),
        pl.col("ip").alias("source.ip"),
        pl.col("asn").alias("source.asn"),
        pl.when((name != "NA") & (name != "")).then(name).alias("source.as_name"),
        pl.col("classification.type").fill_null("undetermined"),
        (pl.lit("dataplane:") + cat).alias("classification.identifier"),
        pl.col("protocol.application"),
        pl.col("protocol.transport"),
        pl.col("event_description.text"),
        cat.alias("feed.name"),
        pl.lit("DataPlane.org").alias("feed.provider"),
        extra_json(first_seen=pl.col("first_seen").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).alias("extra")
        if first_seen
        else pl.lit(None, pl.String).alias("extra"),
    )


def _utc(text: pl.Expr) -> pl.Expr:
    """dataplane times: ``YYYY-MM-DD HH:MM:SS`` in UTC."""
    return text.str.to_datetime(DATAPLANE_TIME, strict=False, time_unit="us", time_zone="UTC")


# -- DShield block.txt -----------------------------------------------------------------------

DSHIELD_HEADER = "Start\tEnd\tNetblock"
DSHIELD_ROW = (
    rf"^(?P<start>{IPV4})\t(?P<end>{IPV4})\t(?P<prefix>\d{{1,2}})\t(?P<attacks>\d*)"
    r"\t(?P<name>[^\t]*)\t(?P<cc>[^\t]*)(?:\t.*)?$"
)
DSHIELD_UPDATED = r"^#\s*updated:\s*(.+?)\s*$"
DSHIELD_TIME = ["%a %b %d %H:%M:%S %Y UTC", "%a %b %e %H:%M:%S %Y UTC"]


class DShieldBlock(Parser):
    name = "dshield-block"
    dated_by_file = True  # the header's time
    title = "DShield recommended block list (block.txt)"
    marks = (DSHIELD_HEADER, "DShield.org")  # its header or title
    state_marker = b"\n#"  # the "# updated:" comment

    def new_state(self) -> dict[str, Any]:
        return {"updated": None}

    def sniff(self, sample: list[str]) -> int:
        lines = sample_lines(sample)
        if lines.len() == 0:
            return 0
        if lines.str.starts_with(DSHIELD_HEADER).any():
            return 95
        marked = lines.str.contains("DShield.org Recommended Block List", literal=True).any()
        rows = lines.str.contains(DSHIELD_ROW).sum()
        return 95 if marked and rows else (70 if marked else 0)

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        line = pl.col(LINE)
        updated = parse_time(line.str.extract(DSHIELD_UPDATED, 1), DSHIELD_TIME)
        frame = records.with_columns(updated.alias("updated"))
        # The list's time comes from its header, which may lie in an earlier batch.
        seen = frame["updated"].drop_nulls()
        frame = frame.with_columns(
            pl.col("updated").forward_fill().fill_null(pl.lit(state["updated"]))
        )
        if seen.len():
            state["updated"] = seen[-1]
        comments = frame.filter(line.str.starts_with("#"))
        header = frame.filter(line.str.starts_with(DSHIELD_HEADER))
        frame = frame.filter(~line.str.starts_with("#") & ~line.str.starts_with(DSHIELD_HEADER))
        parts = frame.select(line.str.extract_groups(DSHIELD_ROW).alias("p")).unnest("p")
        frame = pl.concat([frame, parts], how="horizontal")
        ok = pl.col("start").is_not_null()
        bad = frame.filter(~ok)
        ev = frame.filter(ok)
        cc = pl.col("cc").str.strip_chars()
        name = pl.col("name").str.strip_chars()
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            pl.col("updated").cast(pl.Datetime("us", "UTC")).alias("time.source"),
            (pl.col("start") + pl.lit("/") + pl.col("prefix")).alias("source.network"),
            pl.when(cc.str.contains(r"^[A-Z]{2}$")).then(cc).alias("source.registration.cc"),
            pl.lit("scanner").alias("classification.type"),
            pl.lit("dshield-block").alias("classification.identifier"),
            pl.lit("DShield").alias("feed.provider"),
            extra_json(
                attacks=as_int(pl.col("attacks"), pl.Int64()),
                network_name=pl.when(name != "").then(name),
            ).alias("extra"),
        )
        return ParseResult.build(
            events=events,
            skipped=[skip(comments, SKIP_COMMENT), skip(header, SKIP_HEADER)],
            rejects=[reject(bad, "not a DShield block list row")],
        )


# -- Bambenek Consulting C2 master lists -----------------------------------------------------

BAMBENEK_ROW = (
    r"^(?P<value>[^,\s]+),(?P<description>(?:IP|Domain) used by [^,]*),"
    r"(?P<date>[^,]*),(?P<manual>[^,]*)$"
)
BAMBENEK_MALWARE = r"^(?:IP|Domain) used by (.+?)(?:\s+C&C|\s+DGA\b.*|\s+for\s.*)?\s*$"
BAMBENEK_TIME = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]


class Bambenek(Parser):
    name = "bambenek"
    title = "Bambenek Consulting C2 master lists (value,description,date,manual)"
    marks = (" used by ",)  # in every description

    def sniff(self, sample: list[str]) -> int:
        lines = sample_lines(sample)
        data = lines.filter(~lines.str.starts_with("#"))
        if data.len() == 0:
            return 0
        rows = count(data.str.contains(BAMBENEK_ROW))
        return 95 * rows // data.len() if rows * 2 >= data.len() else 0

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        line = pl.col(LINE)
        comments = records.filter(line.str.starts_with("#"))
        frame = records.filter(~line.str.starts_with("#"))
        parts = frame.select(line.str.extract_groups(BAMBENEK_ROW).alias("p")).unnest("p")
        frame = pl.concat([frame, parts], how="horizontal").with_columns(
            parse_time(pl.col("date"), BAMBENEK_TIME).alias("time.source")
        )
        value = pl.col("value")
        is_ip = value.str.contains(IS_IP)
        ok = (is_ip | is_domain(value)) & pl.col("time.source").is_not_null()
        bad = frame.filter(~ok.fill_null(False))
        ev = frame.filter(ok.fill_null(False))
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            pl.col("time.source"),
            pl.when(is_ip).then(value).alias("source.ip"),
            pl.when(~is_ip).then(fqdn(value)).alias("source.fqdn"),
            pl.col("description")
            .str.extract(BAMBENEK_MALWARE, 1)
            .str.to_lowercase()
            .alias("malware.name"),
            pl.lit("c2-server").alias("classification.type"),
            pl.lit("bambenek-c2").alias("classification.identifier"),
            pl.col("description").alias("event_description.text"),
            pl.lit("Bambenek Consulting").alias("feed.provider"),
            extra_json(manual=pl.col("manual")).alias("extra"),
        )
        return ParseResult.build(
            events=events,
            skipped=[skip(comments, SKIP_COMMENT)],
            rejects=[reject(bad, "not a Bambenek C2 list row (value,description,date,manual)")],
        )


PARSERS: tuple[Parser, ...] = (Blocklist(), Dataplane(), DShieldBlock(), Bambenek())
