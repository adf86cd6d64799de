"""abuse.ch feeds: Feodo Tracker, URLhaus and ThreatFox, as published for download.

Every record is evidence (the feeds list only malicious infrastructure); ``feed.provider`` is
``abuse.ch`` and ``feed.name`` the feed. Times are UTC. ``#`` comment lines of the CSV files
are skipped ("comment line"), as is a column header line that is not commented ("column
header"). Rejected: lines not in the format, records whose address, URL or domain is not one,
and records whose first-seen time is given but unreadable.

**feodotracker-csv** (``ipblocklist.csv``, recommended, and ``ipblocklist_aggressive.csv``:
``first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware``; the layout before 2022
without ``c2_status`` too) and **feodotracker-json** (``ipblocklist.json``, an array of objects
``ip_address, port, status, hostname, as_number, as_name, country, first_seen, last_online,
malware``): a botnet C&C server, ``c2-server``, identifier ``feodotracker``; ``source.ip`` and
``source.port``, ``malware.name`` (lower case), ``time.source`` the first time seen (else the
last day online); status and last day online in ``extra``. The JSON's AS number and name and
country are kept as stated where attribution finds none; its host name (a reverse DNS name,
not what the malware contacts) goes to ``extra.hostname``.

**urlhaus-csv** (the database dump ``csv_recent``/``csv_online``/full: ``id, dateadded, url,
url_status, last_online, threat, tags, urlhaus_link, reporter``, and the older layout without
``last_online``; not the plain-text URL list, which is a plain ``blocklist``),
**urlhaus-ndjson** (the same records as JSON lines, as Elastic's integration stores the dump)
and **urlhaus-json** (the JSON dump: an object keyed by URL id, each value a list of records;
each record becomes one line, the object with its key added as ``id``; or an API response
``{"query_status": ..., "urls": [...]}``, whose ``date_added`` and ``urlhaus_reference`` are the
dump's ``dateadded`` and ``urlhaus_link``): a URL serving malware, ``malware-distribution``,
identifier ``urlhaus:<threat>``; ``source.url``, its host as ``source.ip`` (an IP literal) or
``source.fqdn``, an explicit port as ``source.port``; ``evidence.ref`` the URLhaus id,
``time.source`` the date added; URL status, last time online, tags, threat and reporter in
``extra``. Skipped: an API response carrying no URLs.

**threatfox-csv** (the export ``csv/recent``/full: ``first_seen_utc, ioc_id, ioc_value,
ioc_type, threat_type, fk_malware, malware_alias, malware_printable, last_seen_utc,
confidence_level, [is_compromised,] reference, tags, anonymous, reporter``) and
**threatfox-json** (the JSON export, an object keyed by IOC id, each value a list of IOC
objects, or an API response ``{"query_status": ..., "data": [...]}``): by ``ioc_type``,
``ip:port`` gives ``source.ip`` and ``source.port``, ``domain`` ``source.fqdn``, ``url``
``source.url`` with its host; by ``threat_type``, ``botnet_cc`` is ``c2-server``,
``payload_delivery`` ``malware-distribution``, anything else ``undetermined`` (identifier
``threatfox:<threat_type>``). ``malware.name`` is the printable family name in lower case
(none for "Unknown malware"), ``evidence.ref`` the IOC id, ``time.source`` the first time
seen; the Malpedia id, aliases, confidence level, tags, reference, reporter and last time seen
go to ``extra``. Skipped: hash IOCs ("file hash indicator (no network observable)"), other
IOC types ("IOC type without a network observable"), and an API response carrying no IOCs.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import polars as pl

from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    UNREADABLE,
    ParseContext,
    Parser,
    ParseResult,
    as_int,
    bad_document,
    decode_json,
    document_records,
    duck,
    extra_json,
    parse_time,
    reject,
    sample_lines,
    skip,
    split_json_array,
)
from wuzhen.evidence.parsers.blocklist import (
    IS_IP,
    SKIP_COMMENT,
    SKIP_HEADER,
    fqdn,
    is_domain,
    url_host,
)

PROVIDER = "abuse.ch"
TIMES = ["%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
SKIP_HASH = "file hash indicator (no network observable)"
SKIP_OTHER_IOC = "IOC type without a network observable"


def _text(expr: pl.Expr) -> pl.Expr:
    """A field as text, null where the feed writes nothing (``""``, ``None``)."""
    text = expr.str.strip_chars()
    return pl.when(~text.is_in(["", "None", "null"])).then(text)


def _time(expr: pl.Expr) -> pl.Expr:
    return parse_time(expr, TIMES)


def _csv_pattern(names: tuple[str, ...]) -> str:
    """A regex reading one CSV row of ``names`` (fields quoted or bare, ``,`` plus spaces)."""
    fields = (rf'\s*(?:"(?P<{n}>(?:[^"]|"")*)"|(?P<{n}__bare>[^",]*?))\s*' for n in names)
    return "^" + ",".join(fields) + "$"


def _csv(records: pl.DataFrame, layouts: list[tuple[str, ...]]) -> pl.DataFrame:
    """``records`` with one column per field name of the layout each row matches (by field
    count), all null where no layout matches, and ``__layout`` the index of the layout."""
    names = list(dict.fromkeys(n for layout in layouts for n in layout))
    columns: dict[str, list[pl.Expr]] = {n: [] for n in names}
    which = pl.lit(None, pl.Int32)
    parts = []
    for i, layout in enumerate(layouts):
        groups = pl.col(LINE).str.extract_groups(_csv_pattern(layout)).alias(f"__l{i}")
        parts.append(groups)
        row = pl.col(f"__l{i}")
        which = (
            pl.when(
                row.struct.field(layout[0]).is_not_null()
                | row.struct.field(f"{layout[0]}__bare").is_not_null()
            )
            .then(pl.lit(i, pl.Int32))
            .otherwise(which)
        )
        for n in layout:
            quoted = row.struct.field(n).str.replace_all('""', '"', literal=True)
            columns[n].append(pl.coalesce(quoted, row.struct.field(f"{n}__bare")))
    return records.with_columns(parts).select(
        pl.all().exclude([f"__l{i}" for i in range(len(layouts))]),
        which.alias("__layout"),
        *(pl.coalesce(exprs).alias(n) for n, exprs in columns.items()),
    )


def _not_object(frame: pl.DataFrame) -> pl.DataFrame:
    return reject(
        frame,
        pl.when(pl.col("__json"))
        .then(pl.lit("JSON but not an object"))
        .otherwise(pl.lit("not JSON")),
    )


def _decoded(records: pl.DataFrame, fields: tuple[str, ...]) -> pl.DataFrame:
    decoded = decode_json(records[LINE], dict.fromkeys(fields))
    return pl.concat([records, decoded.fields.select(fields)], how="horizontal").with_columns(
        decoded.is_object.alias("__object"), decoded.is_json.alias("__json")
    )


# -- JSON documents ------------------------------------------------------------------------


def split_keyed(data: bytes, key_name: str, api_list: str = "data") -> pl.DataFrame:
    """An abuse.ch JSON export: an object keyed by id, each value a list of records.

    Each record becomes one line: the record with its key added as ``key_name`` (so the id
    travels with it). An API response (``{"query_status": ..., "<api_list>": [...]}``: ThreatFox
    ``data``, URLhaus ``urls``) gives that list's elements as they are, or itself as one record
    when it carries no list (a lookup of one URL, an answer without results). DuckDB walks the
    document (in document order: each entry's node id, then its list position).
    """
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    kind = (
        "SELECT t, CASE WHEN t = 'OBJECT' THEN json_exists($d, '$.query_status') END FROM "
        "(SELECT CASE WHEN json_valid($d) THEN json_type($d) END AS t)"
    )
    try:
        row = duck().sql(kind, params={"d": text}).fetchall()[0]
    except UNREADABLE:
        row = None
    if row is None or row[0] != "OBJECT":
        return bad_document(text, "document is not a JSON object")
    if row[1]:
        api = (
            "SELECT CASE WHEN json_type($d, $p) = 'ARRAY' "
            "THEN CAST(json_extract($d, $p) AS JSON[]) ELSE [CAST($d AS JSON)] END AS items"
        )
        path = f"$.{api_list}"
        items = duck().sql(api, params={"d": text, "p": path}).to_arrow_table().column("items")
        return document_records(pl.Series(items.combine_chunks().flatten()))
    keyed = f"""
        WITH top AS (SELECT id AS n, key, value, json_type(value) AS t FROM json_each($d)),
        items AS (
            SELECT n, key, unnest(lst) AS v, generate_subscripts(lst, 1) AS i
            FROM (SELECT n, key, CASE WHEN t = 'ARRAY' THEN CAST(value AS JSON[])
                                      ELSE [value] END AS lst FROM top)
        )
        SELECT CASE WHEN json_type(v) = 'OBJECT'
                    THEN json_merge_patch(json_object('{key_name}', key), v)
                    ELSE v END AS line
        FROM items ORDER BY n, i
    """
    lines = duck().sql(keyed, params={"d": text}).to_arrow_table().column("line")
    return document_records(pl.Series(lines.combine_chunks()))


def _sniff_json(sample: list[str], keys: tuple[str, ...], start: str) -> bool:
    text = "\n".join(sample).lstrip("\ufeff").lstrip()
    return text.startswith(start) and all(f'"{k}"' in text for k in keys)


# -- Feodo Tracker -------------------------------------------------------------------------

FEODO_LAYOUTS = [
    ("first_seen", "ip", "port", "status", "last_online", "malware"),
    ("first_seen", "ip", "port", "last_online", "malware"),
]
FEODO_HEADER = r'^"?(?:first_seen_utc|Firstseen)"?,'
FEODO_JSON = (
    "ip_address",
    "port",
    "status",
    "hostname",
    "as_number",
    "as_name",
    "country",
    "first_seen",
    "last_online",
    "malware",
)


def _feodo_events(
    frame: pl.DataFrame, extra: dict[str, pl.Expr]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Feodo rows with ``ip, port, status, first_seen, last_online, malware`` as text:
    (events, rejects)."""
    first = _text(pl.col("first_seen"))
    frame = frame.with_columns(
        pl.coalesce(_time(first), _time(_text(pl.col("last_online")))).alias("time.source"),
        (first.is_null() | _time(first).is_not_null()).alias("__time_ok"),
    )
    ip = pl.col("ip").str.strip_chars()
    ok = ip.str.contains(IS_IP).fill_null(False) & pl.col("__time_ok")
    events = frame.filter(ok).select(
        pl.col(RECORD),
        pl.col(LINE).alias("raw"),
        pl.col("time.source"),
        ip.alias("source.ip"),
        as_int(pl.col("port")).alias("source.port"),
        _text(pl.col("malware")).str.to_lowercase().alias("malware.name"),
        pl.lit("c2-server").alias("classification.type"),
        pl.lit("feodotracker").alias("classification.identifier"),
        pl.lit("Feodo Tracker").alias("feed.name"),
        pl.lit(PROVIDER).alias("feed.provider"),
        *(e.alias(k) for k, e in extra.items() if "." in k),
        extra_json(
            status=_text(pl.col("status")),
            last_online=_text(pl.col("last_online")),
            **{k: e for k, e in extra.items() if "." not in k},
        ).alias("extra"),
    )
    return events, frame.filter(~ok)


def _feodo_reason() -> pl.Expr:
    return (
        pl.when(pl.col("__time_ok"))
        .then(pl.lit("C2 address is not an IP address"))
        .otherwise(pl.lit("first_seen is not a readable time"))
    )


class FeodoTrackerCsv(Parser):
    name = "feodotracker-csv"
    title = "abuse.ch Feodo Tracker IP blocklist (CSV)"
    marks = ("first_seen_utc", "Firstseen", "Feodo Tracker")  # its header or comment

    def sniff(self, sample: list[str]) -> int:
        lines = sample_lines(sample)
        if (
            lines.str.contains(FEODO_HEADER).any()
            or lines.str.contains(r"^#.*(?:Feodo Tracker|Firstseen,DstIP)").any()
        ):
            return 95
        return 0

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        line = pl.col(LINE)
        comments = records.filter(line.str.starts_with("#"))
        header = records.filter(line.str.contains(FEODO_HEADER))
        rows = records.filter(~line.str.starts_with("#") & ~line.str.contains(FEODO_HEADER))
        frame = _csv(rows, FEODO_LAYOUTS)
        unread = frame.filter(pl.col("__layout").is_null())
        events, bad = _feodo_events(frame.filter(pl.col("__layout").is_not_null()), {})
        return ParseResult.build(
            events=events,
            skipped=[skip(comments, SKIP_COMMENT), skip(header, SKIP_HEADER)],
            rejects=[
                reject(unread, "not a Feodo Tracker CSV row"),
                reject(bad, _feodo_reason()),
            ],
        )


class FeodoTrackerJson(Parser):
    name = "feodotracker-json"
    title = "abuse.ch Feodo Tracker IP blocklist (JSON)"
    mode = "document"

    def sniff(self, sample: list[str]) -> int:
        return 90 if _sniff_json(sample, ("ip_address", "malware"), "[") else 0

    def split_document(self, data: bytes) -> pl.DataFrame:
        return split_json_array(data)

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        frame = _decoded(records, FEODO_JSON)
        not_object = frame.filter(~pl.col("__object"))
        frame = frame.filter(pl.col("__object")).rename({"ip_address": "ip"})
        country = pl.col("country").str.strip_chars()
        events, bad = _feodo_events(
            frame,
            {
                "source.asn": as_int(pl.col("as_number"), pl.Int64()),
                "source.as_name": _text(pl.col("as_name")),
                "source.geolocation.cc": pl.when(country.str.contains(r"^[A-Z]{2}$")).then(country),
                "hostname": _text(pl.col("hostname")),
            },
        )
        return ParseResult.build(
            events=events, rejects=[_not_object(not_object), reject(bad, _feodo_reason())]
        )


# -- URLhaus -------------------------------------------------------------------------------

URLHAUS_FIELDS = (
    "id",
    "dateadded",
    "url",
    "url_status",
    "last_online",
    "threat",
    "tags",
    "urlhaus_link",
    "reporter",
)
URLHAUS_LAYOUTS = [URLHAUS_FIELDS, tuple(f for f in URLHAUS_FIELDS if f != "last_online")]
URLHAUS_LINK = "https://urlhaus.abuse.ch/url/"
URLHAUS_HEADER = r"^#\s*id,dateadded,url,url_status"
#: the banner of the CSV dumps ("Database Dump (CSV - recent URLs only)"); the plain-text URL
#: list has the same banner but for "(Plain-Text URL List)", and is a plain blocklist
URLHAUS_CSV_BANNER = r"^#.*URLhaus.*\(CSV\b"
#: the API's names of record fields, the dump's name first (urls/recent, host and URL lookups)
URLHAUS_API = {"dateadded": "date_added", "urlhaus_link": "urlhaus_reference"}
SKIP_EMPTY_API = "API response without {}"
KEYED = r'^\s*\{\s*"[^"]+"\s*:\s*\['


def _urlhaus_events(frame: pl.DataFrame, tags: pl.Expr) -> tuple[pl.DataFrame, pl.DataFrame]:
    url = _text(pl.col("url"))
    added = _text(pl.col("dateadded"))
    host = url_host(url)
    frame = frame.with_columns(
        _time(added).alias("time.source"),
        url.alias("__url"),
        host.alias("__host"),
    )
    h = pl.col("__host")
    ok = (
        pl.col("__url").is_not_null()
        & (h.struct.field("ip").is_not_null() | h.struct.field("fqdn").is_not_null())
        & (added.is_null() | pl.col("time.source").is_not_null())
    ).fill_null(False)
    threat = _text(pl.col("threat")).fill_null("malware_download")
    events = frame.filter(ok).select(
        pl.col(RECORD),
        pl.col(LINE).alias("raw"),
        pl.col("time.source"),
        pl.col("__url").alias("source.url"),
        h.struct.field("ip").alias("source.ip"),
        h.struct.field("fqdn").alias("source.fqdn"),
        h.struct.field("port").alias("source.port"),
        _text(pl.col("id")).alias("evidence.ref"),
        pl.lit("malware-distribution").alias("classification.type"),
        (pl.lit("urlhaus:") + threat).alias("classification.identifier"),
        pl.lit("URLhaus").alias("feed.name"),
        pl.lit(PROVIDER).alias("feed.provider"),
        extra_json(
            url_status=_text(pl.col("url_status")),
            last_online=_text(pl.col("last_online")),
            threat=_text(pl.col("threat")),
            tags=tags,
            reporter=_text(pl.col("reporter")),
        ).alias("extra"),
    )
    bad = frame.filter(~ok).with_columns(
        pl.when(
            pl.col("__url").is_null()
            | h.struct.field("ip").is_null() & h.struct.field("fqdn").is_null()
        )
        .then(pl.lit("url is not a URL with a host"))
        .otherwise(pl.lit("dateadded is not a readable time"))
        .alias("__reason")
    )
    return events, bad


def _json_list(expr: pl.Expr) -> pl.Expr:
    """A list field: a JSON array (JSON feeds) or comma-separated text (CSV, exports)."""
    text = _text(expr)
    as_json = text.str.json_decode(pl.List(pl.String))
    as_csv = text.str.split(",").list.eval(pl.element().str.strip_chars())
    return pl.when(text.str.starts_with("[")).then(as_json).otherwise(as_csv)


class UrlhausCsv(Parser):
    name = "urlhaus-csv"
    title = "abuse.ch URLhaus database dump (CSV)"
    marks = ("dateadded", "URLhaus", URLHAUS_LINK)  # its header, comment or links

    def sniff(self, sample: list[str]) -> int:
        # Only the CSV layout: its header, its banner, or quoted rows linking to URLhaus. The
        # plain-text URL list (a banner, then one URL a line) is the generic blocklist's.
        lines = sample_lines(sample).str.strip_chars_start("\ufeff")
        if lines.str.contains(URLHAUS_HEADER).any() or lines.str.contains(URLHAUS_CSV_BANNER).any():
            return 95
        data = lines.filter(~lines.str.starts_with("#"))
        rows = data.str.contains(r'^"\d+","') & data.str.contains(f'"{URLHAUS_LINK}', literal=True)
        return 80 if data.len() and rows.sum() * 2 >= data.len() else 0

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        line = pl.col(LINE)
        comments = records.filter(line.str.starts_with("#"))
        frame = _csv(records.filter(~line.str.starts_with("#")), URLHAUS_LAYOUTS)
        unread = frame.filter(pl.col("__layout").is_null())
        events, bad = _urlhaus_events(
            frame.filter(pl.col("__layout").is_not_null()), _json_list(pl.col("tags"))
        )
        return ParseResult.build(
            events=events,
            skipped=[skip(comments, SKIP_COMMENT)],
            rejects=[reject(unread, "not a URLhaus CSV row"), reject(bad, pl.col("__reason"))],
        )


class UrlhausNdjson(Parser):
    name = "urlhaus-ndjson"
    title = "abuse.ch URLhaus dump (JSON lines)"
    marks: ClassVar[tuple[str, ...]] = ('"urlhaus_link"',)

    def sniff(self, sample: list[str]) -> int:
        lines = sample_lines(sample)
        if lines.len() == 0:
            return 0
        hits = (
            lines.str.starts_with("{")
            & ~lines.str.contains(KEYED)
            & lines.str.contains('"urlhaus_link"', literal=True)
            & lines.str.contains('"url"', literal=True)
        ).sum()
        return 90 if hits * 2 >= lines.len() else 0

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        frame = _decoded(records, (*URLHAUS_FIELDS, *URLHAUS_API.values(), "query_status"))
        frame = frame.with_columns(
            pl.coalesce(name, api).alias(name) for name, api in URLHAUS_API.items()
        )
        not_object = frame.filter(~pl.col("__object"))
        objects = frame.filter(pl.col("__object"))
        no_url = pl.col("url").is_null() & pl.col("urlhaus_link").is_null()
        # an API answer that lists no URLs ({"query_status": "no_results"})
        empty_api = objects.filter(no_url & pl.col("query_status").is_not_null())
        foreign = objects.filter(no_url & pl.col("query_status").is_null())
        objects = objects.filter(~no_url)
        events, bad = _urlhaus_events(objects, _json_list(pl.col("tags")))
        return ParseResult.build(
            events=events,
            skipped=[skip(empty_api, SKIP_EMPTY_API.format("URLs"))],
            rejects=[
                _not_object(not_object),
                reject(foreign, "not a URLhaus record (no url)"),
                reject(bad, pl.col("__reason")),
            ],
        )


class UrlhausJson(UrlhausNdjson):
    name = "urlhaus-json"
    title = "abuse.ch URLhaus dump (JSON, keyed by URL id) or API response"
    mode = "document"
    marks = ('"urlhaus_link"', '"urlhaus_reference"')  # the dump's, the API's

    def sniff(self, sample: list[str]) -> int:
        text = "\n".join(sample)
        keyed = pl.Series([text]).str.contains(KEYED).item()
        if keyed and '"urlhaus_link"' in text:
            return 90
        # the API (urls/recent, host and URL lookups): {"query_status": "ok", "urls": [...]}
        api = _sniff_json(sample, ("query_status", "urlhaus_reference"), "{")
        return 90 if api and '"ioc_type"' not in text else 0

    def split_document(self, data: bytes) -> pl.DataFrame:
        return split_keyed(data, "id", api_list="urls")


# -- ThreatFox -----------------------------------------------------------------------------

THREATFOX_FIELDS = (
    "first_seen",
    "ioc_id",
    "ioc_value",
    "ioc_type",
    "threat_type",
    "malware",
    "malware_alias",
    "malware_printable",
    "last_seen",
    "confidence_level",
    "reference",
    "tags",
    "anonymous",
    "reporter",
)
THREATFOX_LAYOUTS = [
    (*THREATFOX_FIELDS[:10], "is_compromised", *THREATFOX_FIELDS[10:]),
    THREATFOX_FIELDS,
]
THREATFOX_HEADER = r'^#\s*"first_seen_utc","ioc_id","ioc_value"'
# JSON names (export, API) of each field
THREATFOX_JSON = {
    "first_seen": ("first_seen_utc", "first_seen"),
    "ioc_id": ("ioc_id", "id"),
    "ioc_value": ("ioc_value", "ioc"),
    "ioc_type": ("ioc_type",),
    "threat_type": ("threat_type",),
    "malware": ("malware", "fk_malware"),
    "malware_alias": ("malware_alias",),
    "malware_printable": ("malware_printable",),
    "last_seen": ("last_seen_utc", "last_seen"),
    "confidence_level": ("confidence_level",),
    "is_compromised": ("is_compromised",),
    "reference": ("reference",),
    "tags": ("tags",),
    "reporter": ("reporter",),
}
THREATFOX_TYPES = {"botnet_cc": "c2-server", "payload_delivery": "malware-distribution"}
IP_PORT = r"^(?:\[(?P<ip6>[0-9A-Fa-f:.]+)\]|(?P<ip>[0-9A-Fa-f:.]+)):(?P<port>\d{1,5})$"
NETWORK_IOCS = ["ip:port", "domain", "url"]


def _threatfox(frame: pl.DataFrame) -> ParseResult:
    """ThreatFox IOCs, one per row, with the columns of ``THREATFOX_JSON`` as text."""
    ioc_type = pl.col("ioc_type").str.strip_chars().str.to_lowercase()
    hashes = frame.filter(ioc_type.str.ends_with("_hash").fill_null(False))
    other = frame.filter(
        ~ioc_type.is_in(NETWORK_IOCS).fill_null(False)
        & ~ioc_type.str.ends_with("_hash").fill_null(False)
    )
    frame = frame.filter(ioc_type.is_in(NETWORK_IOCS).fill_null(False))
    value = _text(pl.col("ioc_value"))
    ip_port = value.str.extract_groups(IP_PORT)
    host = url_host(value)
    first = _text(pl.col("first_seen"))
    frame = frame.with_columns(
        _time(first).alias("time.source"),
        ioc_type.alias("__type"),
        pl.when(ioc_type == "ip:port")
        .then(pl.coalesce(ip_port.struct.field("ip6"), ip_port.struct.field("ip")))
        .when(ioc_type == "url")
        .then(host.struct.field("ip"))
        .alias("__ip"),
        pl.when(ioc_type == "ip:port")
        .then(as_int(ip_port.struct.field("port")))
        .when(ioc_type == "url")
        .then(host.struct.field("port"))
        .alias("__port"),
        pl.when((ioc_type == "domain") & is_domain(value))
        .then(fqdn(value))
        .when(ioc_type == "url")
        .then(host.struct.field("fqdn"))
        .alias("__fqdn"),
        pl.when(ioc_type == "url").then(value).alias("__url"),
    )
    has_value = (
        pl.when(pl.col("__type") == "ip:port")
        .then(pl.col("__ip").str.contains(IS_IP) & pl.col("__port").is_not_null())
        .when(pl.col("__type") == "domain")
        .then(pl.col("__fqdn").is_not_null())
        .otherwise(pl.col("__ip").is_not_null() | pl.col("__fqdn").is_not_null())
    ).fill_null(False)
    time_ok = first.is_null() | pl.col("time.source").is_not_null()
    bad = frame.filter(~has_value | ~time_ok)
    ev = frame.filter(has_value & time_ok)
    threat = _text(pl.col("threat_type")).fill_null("unknown")
    printable = _text(pl.col("malware_printable"))
    malware = _text(pl.col("malware"))
    events = ev.select(
        pl.col(RECORD),
        pl.col(LINE).alias("raw"),
        pl.col("time.source"),
        pl.col("__ip").alias("source.ip"),
        pl.col("__port").alias("source.port"),
        pl.col("__fqdn").alias("source.fqdn"),
        pl.col("__url").alias("source.url"),
        _text(pl.col("ioc_id")).alias("evidence.ref"),
        threat.replace_strict(
            THREATFOX_TYPES, default="undetermined", return_dtype=pl.String
        ).alias("classification.type"),
        (pl.lit("threatfox:") + threat).alias("classification.identifier"),
        pl.when(~malware.is_in(["unknown", "unknown_malware"]).fill_null(True))
        .then(printable.str.to_lowercase())
        .alias("malware.name"),
        pl.lit("ThreatFox").alias("feed.name"),
        pl.lit(PROVIDER).alias("feed.provider"),
        extra_json(
            ioc_type=pl.col("__type"),
            malpedia=malware,
            malware_alias=_json_list(pl.col("malware_alias")),
            confidence_level=as_int(pl.col("confidence_level")),
            is_compromised=_text(pl.col("is_compromised")).str.to_lowercase() == "true",
            tags=_json_list(pl.col("tags")),
            reference=_text(pl.col("reference")),
            reporter=_text(pl.col("reporter")),
            last_seen=_text(pl.col("last_seen")),
        ).alias("extra"),
    )
    reason = (
        pl.when(~time_ok)
        .then(pl.lit("first_seen is not a readable time"))
        .otherwise(pl.lit("ioc_value is not a value of its ioc_type"))
    )
    return ParseResult.build(
        events=events,
        skipped=[skip(hashes, SKIP_HASH), skip(other, SKIP_OTHER_IOC)],
        rejects=[reject(bad, reason)],
    )


class ThreatFoxCsv(Parser):
    name = "threatfox-csv"
    title = "abuse.ch ThreatFox IOC export (CSV)"
    marks = ('"ioc_id"', "ThreatFox")  # its header or comment

    def sniff(self, sample: list[str]) -> int:
        lines = sample_lines(sample)
        if lines.str.contains(THREATFOX_HEADER).any() or lines.str.contains(r"^#.*ThreatFox").any():
            return 95
        return 0

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        line = pl.col(LINE)
        comments = records.filter(line.str.starts_with("#"))
        frame = _csv(records.filter(~line.str.starts_with("#")), THREATFOX_LAYOUTS)
        unread = frame.filter(pl.col("__layout").is_null())
        result = _threatfox(frame.filter(pl.col("__layout").is_not_null()))
        return ParseResult.build(
            events=result.events,
            skipped=[skip(comments, SKIP_COMMENT), result.skipped],
            rejects=[reject(unread, "not a ThreatFox CSV row"), result.rejects],
        )


class ThreatFoxJson(Parser):
    name = "threatfox-json"
    title = "abuse.ch ThreatFox IOC export or API response (JSON)"
    mode = "document"

    def sniff(self, sample: list[str]) -> int:
        text = "\n".join(sample).lstrip("\ufeff").lstrip()
        if not text.startswith("{"):
            return 0
        if '"ioc_type"' in text:
            return 90 if '"ioc_value"' in text or '"ioc"' in text or '"query_status"' in text else 0
        # The API's answer without results: {"query_status": "no_result", "data": "Your
        # search did not yield any results"} (URLhaus says "no_results", without "data").
        no_result = re.search(r'"query_status"\s*:\s*"no_result"', text) is not None
        return 80 if no_result and '"data"' in text else 0

    def split_document(self, data: bytes) -> pl.DataFrame:
        return split_keyed(data, "ioc_id")

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        names = (*(n for names in THREATFOX_JSON.values() for n in names), "query_status")
        frame = _decoded(records, tuple(dict.fromkeys(names)))
        frame = frame.with_columns(
            pl.coalesce(pl.col(n) for n in names).alias(f"__{field}")
            for field, names in THREATFOX_JSON.items()
        )
        frame = frame.drop(*(n for n in dict.fromkeys(sum(THREATFOX_JSON.values(), ())))).rename(
            {f"__{field}": field for field in THREATFOX_JSON}
        )
        not_object = frame.filter(~pl.col("__object"))
        objects = frame.filter(pl.col("__object"))
        empty_api = objects.filter(
            pl.col("query_status").is_not_null() & pl.col("ioc_type").is_null()
        )
        objects = objects.filter(
            pl.col("query_status").is_null() | pl.col("ioc_type").is_not_null()
        )
        result = _threatfox(objects)
        return ParseResult.build(
            events=result.events,
            skipped=[skip(empty_api, SKIP_EMPTY_API.format("IOCs")), result.skipped],
            rejects=[_not_object(not_object), result.rejects],
        )


PARSERS: tuple[Parser, ...] = (
    FeodoTrackerCsv(),
    FeodoTrackerJson(),
    UrlhausCsv(),
    UrlhausNdjson(),
    UrlhausJson(),
    ThreatFoxCsv(),
    ThreatFoxJson(),
)
