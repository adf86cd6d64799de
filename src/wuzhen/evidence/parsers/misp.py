"""MISP events (JSON), MISP feeds (``manifest.json`` and event files) and attribute lists.

**Documents read** (detected from content; the JSON layout is MISP 2.4 / 2.5, which PyMISP
writes and MISP feeds publish):

- a MISP event, ``{"Event": {...}}``, or a bare event object (``{"info": ..., "Attribute":
  [...], "Object": [...]}``);
- a list of events, ``[{"Event": ...}, ...]`` (bare events allowed), and a REST search result,
  ``{"response": [{"Event": ...}, ...]}``;
- one attribute (``{"type": ..., "value": ..., "category": ...}``, as IntelMQ's test data
  holds) and an attribute search result, ``{"response": {"Attribute": [...]}}``;
- a MISP feed's ``manifest.json`` (event uuid -> ``{info, date, timestamp, Orgc, Tag, ...}``).
  It is the feed's index, not evidence: each entry is a record, skipped with the reason "MISP
  feed manifest entry (index of an event file)"; so are the lines of its ``hashes.csv``
  (``md5,event uuid``: "MISP feed hash index entry (hashes.csv)"). The feed's event files
  (``<uuid>.json``) are events as above, so ``wuzhen ingest FEEDDIR`` reads a whole feed.

**Records.** One per attribute: the event's own ``Attribute`` list first, then the attributes
of each ``Object``, in document order. A record's text (``raw``) is the attribute with its
context, ``{"Event": {the event without its attributes, objects, galaxies and related
events}, "Object": {the object without its attributes}, "Attribute": {...}}``: enough to read
the record alone, and the same attribute in the same event always has the same text, so
re-ingesting an updated feed adds only what changed.

**Evidence** (events): attributes of the network types below, in the categories that describe
the malicious infrastructure (``Network activity``, ``Payload delivery``, ``Payload
installation``, ``Artifacts dropped``, or no category). MISP describes infrastructure, not
traffic: the value named is the abusive host, so it is always ``source.*``. In particular an
``ip-dst`` (the destination the malware or victim connects to: a C2 server or a download host)
becomes ``source.ip``, like ``ip-src``.

============================  ==============================================================
MISP attribute type           fields
============================  ==============================================================
``ip-src``, ``ip-dst``        ``source.ip`` (``source.network`` for a CIDR block)
``ip-src|port``,              ``source.ip`` and ``source.port``
``ip-dst|port``
``domain``, ``hostname``      ``source.fqdn`` (lower case, no trailing dot)
``hostname|port``             ``source.fqdn`` and ``source.port``
``domain|ip``                 ``source.fqdn`` and ``source.ip``
``url``                       ``source.url`` (an absolute URL, ``scheme://host...``)
``AS``                        ``source.asn`` (kept where attribution finds none: no address)
============================  ==============================================================

- ``evidence.ref``: the attribute's uuid. ``time.source``: the attribute's ``first_seen``,
  else its ``timestamp`` (epoch seconds, when it was last changed), else the event's ``date``.
- ``tlp``: from the ``tlp:*`` tags of the event and of the attribute (TLP 2.0; ``tlp:white``
  is CLEAR). A marking is a ceiling, so the most restrictive of them applies: an attribute's
  tag overrides the event's only when it is more restrictive. No tag: null (the pipeline
  applies the feed's default). Other ``tlp:`` tags (``tlp:ex:chr``) are not markings.
- ``classification.type``: from an RSIT machine tag, ``rsit:<taxonomy>="<type>"``, or an
  eCSIRT one, ``ecsirt:<class>="<value>"`` (the values IntelMQ's RSIT upgrade maps: ``c&c`` is
  c2-server, ``botnet-drone`` infected-system, ``vulnerable-service`` vulnerable-system...);
  the attribute's tags before the event's, ``rsit`` before ``ecsirt``, then tag order. eCSIRT
  values that name a kind of malware (``malware``, ``ransomware``, ``trojan``...) say nothing of
  the host's role and are not used. Without such a tag, from the category: ``Payload delivery``
  is malware-distribution, ``ip-dst`` / ``ip-dst|port`` in ``Network activity`` (the
  destination of the malware's traffic) c2-server, anything else blacklist.
- ``malware.name`` (lower case): a malware-family galaxy tag of the attribute, else of the
  event, when it names one family: ``misp-galaxy:malpedia`` first, then ``mitre-malware``,
  ``ransomware``, ``rat``, ``banker``, ``botnet``, ``backdoor``, ``stealer``, ``android``; an
  event that names several families of the same rank names none. Else the event's ``Payload
  type`` attribute, when it has one value (as IntelMQ reads it). ``malware_classification``
  tags name a category of malware (Ransomware), not a family, and are not used.
- ``classification.identifier``: the malware name, else the attribute type.
- ``event_description.text``: the event's ``info`` (cut at 500 characters);
  ``feed.provider``: the event's creator organisation (``Orgc.name``).
- ``extra``: ``event_uuid``, ``event_id``, ``object`` (its name), ``category``,
  ``attribute_type``, ``to_ids``, ``comment`` (cut at 500 characters), ``last_seen``.

``to_ids: false`` attributes are events too (as in IntelMQ), with ``extra.to_ids`` false: the
flag says whether the producer recommends the value for automatic detection (it is often false
for a valid but shared or historical host), not whether the host is malicious.

**Skipped**: manifest entries; deleted attributes and attributes of deleted objects ("MISP
attribute deleted"); attributes of other types ("MISP attribute type <type> (not a network
observable)": hashes, file names, e-mail addresses, text, links...); network attributes in
other categories ("MISP attribute category <category> (not evidence of an abusive host)":
``External analysis`` links to reports, ``Attribution``, ``Targeting data``, ``Other``...).

**Rejected**: a document that is not JSON, or not one of the layouts above (one record, its
text kept up to 1 MiB); list elements that are not MISP events; lines of a ``hashes.csv`` that
are not ``md5,uuid`` ("not a MISP record (not a JSON object)"); attributes without a type or
value; values that do not have their type's form (an ``ip-dst|port`` without a port, a ``url``
without ``scheme://``, a host name with spaces); addresses that are not IP addresses (by the
pipeline).
"""

from __future__ import annotations

import re
from typing import Any, Final

import polars as pl
import pyarrow as pa

from wuzhen.errors import InputError
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
    skip,
)
from wuzhen.evidence.parsers._base import MAX_BAD_DOCUMENT as MAX_BAD_DOCUMENT
from wuzhen.schema.taxonomy import TYPES
from wuzhen.schema.tlp import RANK, TLP

# -- splitting the document -------------------------------------------------------------------

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
#: A line of a feed's ``hashes.csv``: the MD5 of an attribute value, and its event's uuid.
HASH_LINE = rf"^[0-9a-fA-F]{{32}},{UUID}\s*$"
# What a record keeps of its event and object: not the other attributes, nor the galaxies
# (their tags are kept) and related events, which can be far larger than the attribute.
_EVENT_DROP = (
    '{"Attribute":null,"Object":null,"ShadowAttribute":null,"RelatedEvent":null,'
    '"Galaxy":null,"EventReport":null,"Sighting":null,"CryptographicKey":null}'
)
_OBJECT_DROP = '{"Attribute":null,"ObjectReference":null,"ShadowAttribute":null}'

# Which layout the document has (each WHEN is evaluated only where the ones before failed).
_KIND_SQL = f"""
SELECT CASE
  WHEN NOT json_valid(t) THEN 'not-json'
  WHEN json_type(t) = 'ARRAY' THEN 'events'
  WHEN json_type(t) <> 'OBJECT' THEN 'other'
  WHEN json_type(t, '$.Event') = 'OBJECT' THEN 'event'
  WHEN json_type(t, '$.response') = 'ARRAY' THEN 'response'
  WHEN json_type(t, '$.response.Attribute') = 'ARRAY' THEN 'attributes'
  WHEN json_type(t, '$.Attribute') = 'ARRAY' OR json_type(t, '$.Object') = 'ARRAY'
       OR json_exists(t, '$.info') THEN 'bare-event'
  WHEN json_exists(t, '$.type') AND json_exists(t, '$.value') THEN 'attribute'
  WHEN len(json_keys(t)) > 0 AND list_bool_and(list_transform(json_keys(t),
       lambda k: regexp_full_match(k, '{UUID}'))) THEN 'manifest'
  ELSE 'other' END AS kind
FROM (SELECT $d AS t)
"""

_EVENT_LISTS = {
    "event": "[json_extract(d, '$.Event')]",
    "bare-event": "[d::JSON]",
    "events": "CAST(d AS JSON[])",
    "response": "CAST(json_extract(d, '$.response') AS JSON[])",
}
# One row per attribute, in document order (event, then its own attributes before those of
# each object). DuckDB walks the document and re-serializes each part: no Python loop. The
# event's JSON can be large: it is read by a few multi-path calls (one parse each).
_EVENTS_SQL = f"""
WITH items AS MATERIALIZED (
  SELECT unnest(l) AS item, generate_subscripts(l, 1) AS ei
  FROM (SELECT {{events}} AS l FROM (SELECT $d AS d))),
events AS MATERIALIZED (
  SELECT ei, item, e, json_type(e, ['$', '$.Attribute', '$.Object', '$.info']) AS t
  FROM (SELECT ei, item, CASE WHEN json_type(item, '$.Event') = 'OBJECT'
          THEN json_extract(item, '$.Event') ELSE item END AS e FROM items)),
heads AS MATERIALIZED (
  SELECT ei, CASE WHEN NOT ok THEN item END AS item,
    CASE WHEN ok THEN json_merge_patch(e, '{_EVENT_DROP}') END AS head,
    CASE WHEN ok AND t[2] = 'ARRAY' THEN CAST(lists[1] AS JSON[]) END AS al,
    CASE WHEN ok AND t[3] = 'ARRAY' THEN CAST(lists[2] AS JSON[]) END AS ol
  FROM (SELECT ei, item, e, t, ok,
          CASE WHEN ok THEN json_extract(e, ['$.Attribute', '$.Object']) END AS lists
        FROM (SELECT *, COALESCE(t[1] = 'OBJECT' AND (t[2] = 'ARRAY' OR t[3] = 'ARRAY'
                OR t[4] IS NOT NULL), false) AS ok FROM events))),
own AS (
  SELECT ei, 0 AS oi, generate_subscripts(al, 1) AS ai, unnest(al) AS a, head,
    NULL::JSON AS ohead
  FROM heads WHERE head IS NOT NULL),
objects AS MATERIALIZED (
  SELECT ei, head, generate_subscripts(ol, 1) AS oi, unnest(ol) AS o
  FROM heads WHERE head IS NOT NULL),
inside AS (
  SELECT ei, oi, generate_subscripts(al, 1) AS ai, unnest(al) AS a, head, ohead
  FROM (SELECT ei, oi, head,
          CASE WHEN json_type(o) = 'OBJECT' THEN json_merge_patch(o, '{_OBJECT_DROP}') END
            AS ohead,
          CASE WHEN json_type(o, '$.Attribute') = 'ARRAY'
            THEN CAST(json_extract(o, '$.Attribute') AS JSON[]) END AS al
        FROM objects))
SELECT line, bad FROM (
  SELECT ei, oi, ai, CAST(CASE WHEN ohead IS NULL
      THEN json_object('Event', head, 'Attribute', a)
      ELSE json_object('Event', head, 'Object', ohead, 'Attribute', a) END AS VARCHAR) AS line,
    NULL::VARCHAR AS bad
  FROM (SELECT * FROM own UNION ALL SELECT * FROM inside)
  UNION ALL
  SELECT ei, 0, 0, CAST(item AS VARCHAR), 'list element is not a MISP event'
  FROM heads WHERE head IS NULL)
ORDER BY ei, oi, ai
"""
_ATTRIBUTES_SQL = """
SELECT CAST(CASE WHEN json_type(a, '$.Event') = 'OBJECT'
    THEN json_object('Event', json_extract(a, '$.Event'),
                     'Attribute', json_merge_patch(a, '{"Event":null}'))
    ELSE json_object('Attribute', a) END AS VARCHAR) AS line, NULL::VARCHAR AS bad
FROM (SELECT unnest(l) AS a, generate_subscripts(l, 1) AS i
      FROM (SELECT {attributes} AS l FROM (SELECT $d AS d)))
ORDER BY i
"""
_ATTRIBUTE_LISTS = {
    "attribute": "[d::JSON]",
    "attributes": "CAST(json_extract(d, '$.response.Attribute') AS JSON[])",
}
_MANIFEST_SQL = """
SELECT CAST(json_object(k, json_extract(d, '$."' || k || '"')) AS VARCHAR) AS line,
  NULL::VARCHAR AS bad
FROM (SELECT unnest(ks) AS k, generate_subscripts(ks, 1) AS i, d
      FROM (SELECT json_keys(d) AS ks, d FROM (SELECT $d AS d)))
ORDER BY i
"""
_BAD_KIND = {
    "not-json": "document is not JSON",
    "other": "document is not a MISP event, event list, attribute or feed manifest",
}


def _hash_lines(text: str) -> pl.DataFrame:
    """A feed's ``hashes.csv``: one record a line (numbered as lines; blank ones are dropped)."""
    lines = pl.Series(LINE, text.splitlines(), dtype=pl.String)
    return document_records(lines).filter(pl.col(LINE).str.strip_chars() != "")


def split_misp(data: bytes) -> pl.DataFrame:
    """The document's records (``evidence.record``, ``line``, ``__bad``); never raises."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    if re.match(HASH_LINE, text.lstrip()[:128].split("\n", 1)[0]):
        return _hash_lines(text)
    try:
        kind = str(duck().sql(_KIND_SQL, params={"d": text}).to_arrow_table()[0][0])
        if kind in _BAD_KIND:
            return bad_document(text, _BAD_KIND[kind])
        if kind in _EVENT_LISTS:
            query = _EVENTS_SQL.replace("{events}", _EVENT_LISTS[kind])
        elif kind in _ATTRIBUTE_LISTS:
            query = _ATTRIBUTES_SQL.replace("{attributes}", _ATTRIBUTE_LISTS[kind])
        else:
            query = _MANIFEST_SQL
        table = duck().sql(query, params={"d": text}).to_arrow_table()
    except UNREADABLE:
        return bad_document(text, _BAD_KIND["other"])
    n = table.num_rows
    return pl.DataFrame(
        {
            RECORD: pl.int_range(1, n + 1, eager=True, dtype=pl.Int64),
            # A JSON null list element comes back as SQL NULL: keep it as the text "null".
            LINE: pl.Series(table.column("line")).cast(pl.String).fill_null("null"),
            "__bad": pl.Series(table.column("bad")).cast(pl.String),
        }
    )


# -- reading the records ----------------------------------------------------------------------

SKIP_MANIFEST = "MISP feed manifest entry (index of an event file)"
SKIP_HASH = "MISP feed hash index entry (hashes.csv)"
SKIP_DELETED = "MISP attribute deleted"
EVIDENCE_CATEGORIES = (
    "Network activity",
    "Payload delivery",
    "Payload installation",
    "Artifacts dropped",
)
NETWORK_TYPES = (
    "ip-src",
    "ip-dst",
    "ip-src|port",
    "ip-dst|port",
    "domain",
    "hostname",
    "hostname|port",
    "domain|ip",
    "url",
    "AS",
)
DESCRIPTION_LIMIT = 500
MANIFEST_LINE = rf'^\{{"{UUID}":\{{'
IS_URL = r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+[^\s]*$"
IS_HOST = r"^[^\s/\\@:?#.]+(?:\.[^\s/\\@:?#.]+)+$"
IS_ASN = r"^(?i:as)?(\d{1,10})$"
IS_MALWARE = r"^[a-z0-9][a-z0-9 ._+-]{0,63}$"
TIME_FORMATS = [
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%S%:z",
    "%Y-%m-%dT%H:%M:%SZ",
]

#: eCSIRT values (``ecsirt:<class>="<value>"``) as RSIT types, after IntelMQ's upgrade of its
#: own older types. Values naming a kind of malware (virus, worm, trojan, spyware, dialer,
#: rootkit, malware, ransomware) are not here: they do not say what role the host plays.
ECSIRT: Final[dict[str, str]] = {
    "spam": "spam",
    "harmful-speech": "harmful-speech",
    "violence": "violence",
    "botnet-drone": "infected-system",
    "malware-configuration": "malware-configuration",
    "c&c": "c2-server",
    "scanner": "scanner",
    "sniffing": "sniffing",
    "social-engineering": "social-engineering",
    "ids-alert": "ids-alert",
    "brute-force": "brute-force",
    "exploit": "exploit",
    "privileged-account-compromise": "privileged-account-compromise",
    "unprivileged-account-compromise": "unprivileged-account-compromise",
    "application-compromise": "application-compromise",
    "bot": "infected-system",
    "defacement": "unauthorised-information-modification",
    "compromised": "system-compromise",
    "backdoor": "system-compromise",
    "dos": "dos",
    "ddos": "ddos",
    "sabotage": "sabotage",
    "outage": "outage",
    "unauthorised-information-access": "unauthorised-information-access",
    "unauthorised-information-modification": "unauthorised-information-modification",
    "dropzone": "other",
    "unauthorized-use-of-resources": "unauthorized-use-of-resources",
    "copyright": "copyright",
    "masquerade": "masquerade",
    "phishing": "phishing",
    "vulnerable-service": "vulnerable-system",
    "blacklist": "blacklist",
    "unknown": "unknown",
    "other": "other",
    "test": "test",
}
#: Tag -> RSIT type, keyed by ``namespace:value`` in lower case.
CLASSIFYING_TAGS: Final[dict[str, str]] = {
    **{f"rsit:{t}": t for t in TYPES},
    **{f"ecsirt:{v}": t for v, t in ECSIRT.items()},
}
MACHINE_TAG = r'^(?i:(rsit|ecsirt)):[A-Za-z0-9_-]+="?([^"]+)"?$'
#: Galaxies whose values are malware families, by rank (malpedia first).
FAMILY_GALAXIES: Final[dict[str, int]] = {
    "malpedia": 0,
    **dict.fromkeys(
        (
            "mitre-malware",
            "ransomware",
            "rat",
            "banker",
            "botnet",
            "backdoor",
            "stealer",
            "android",
        ),
        1,
    ),
}
GALAXY_TAG = r'^misp-galaxy:([a-z0-9-]+)="(.+)"$'

FIELDS: dict[str, Any] = {
    "Attribute": dict.fromkeys(
        (
            "type",
            "value",
            "category",
            "uuid",
            "timestamp",
            "first_seen",
            "last_seen",
            "to_ids",
            "deleted",
            "comment",
            "Tag",
        )
    ),
    "Object": dict.fromkeys(("name", "deleted")),
    "Event": {
        **dict.fromkeys(("uuid", "id", "info", "date", "Tag")),
        "Orgc": {"name": None},
    },
}


def _truthy(expr: pl.Expr) -> pl.Expr:
    """MISP booleans as written over the years: true/false, 1/0, "1"/"0"."""
    return expr.str.to_lowercase().is_in(["true", "1"])


def _cut(expr: pl.Expr) -> pl.Expr:
    text = expr.str.strip_chars()
    text = pl.when(text != "").then(text)
    return (
        pl.when(text.str.len_chars() > DESCRIPTION_LIMIT)
        .then(text.str.slice(0, DESCRIPTION_LIMIT - 1) + pl.lit("…"))
        .otherwise(text)
    )


def _tag_names(tags: pl.Series) -> pl.Series:
    """The ``name`` of each tag of a ``Tag`` list (given as its JSON text), in order."""
    con = duck()
    con.register("misp_tags", pa.table({"t": tags.cast(pl.String).to_arrow()}))
    try:
        names = con.sql(
            "SELECT CASE WHEN json_valid(t) AND json_type(t) = 'ARRAY' "
            "THEN json_extract_string(t, '$[*].name') END AS n FROM misp_tags"
        ).to_arrow_table()
    finally:
        con.unregister("misp_tags")
    out = pl.from_arrow(names.column("n"))
    assert isinstance(out, pl.Series)
    return out.cast(pl.List(pl.String))


def _tlp_ranks(names: pl.Series) -> pl.Series:
    """Rank (0 CLEAR .. 4 RED) of each ``tlp:`` tag name that is a TLP marking, else null."""
    ranks: dict[str, int] = {}
    # A loop over the distinct tag names of the file (a handful), not over records: each
    # is read by TLP.parse, the one reader of markings.
    for name in names.drop_nulls().unique().to_list():
        try:
            ranks[name] = TLP.parse(name).rank
        except InputError:
            continue
    return names.replace_strict(ranks, default=None, return_dtype=pl.Int8)


def _tags_long(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per tag of each record: level 0 for the attribute's tags, 1 for the event's."""
    parts = []
    for level, column in ((0, "Attribute.Tag"), (1, "Event.Tag")):
        names = _tag_names(frame[column])
        parts.append(
            pl.DataFrame({RECORD: frame[RECORD], "name": names})
            .with_columns(pl.lit(level, pl.Int8).alias("level"))
            .explode("name")
            .with_columns(pl.int_range(pl.len()).over(RECORD).alias("pos"))
            .filter(pl.col("name").is_not_null())
        )
    return pl.concat(parts)


def _from_tags(frame: pl.DataFrame) -> pl.DataFrame:
    """Per record: ``tlp``, the tag's ``__tag_type`` and ``__tag_malware`` (null if none)."""
    tags = _tags_long(frame)
    lower = pl.col("name").str.strip_chars().str.to_lowercase()
    tags = tags.with_columns(lower.alias("lower"))
    rank = _tlp_ranks(
        tags.select(
            pl.when(pl.col("lower").str.starts_with("tlp:")).then(pl.col("lower"))
        ).to_series()
    )
    tlp = (
        tags.with_columns(rank.alias("rank"))
        .group_by(RECORD)
        .agg(pl.col("rank").max())
        .filter(pl.col("rank").is_not_null())
        .select(
            RECORD,
            pl.col("rank")
            .replace_strict({v: k for k, v in RANK.items()}, return_dtype=pl.String)
            .alias("tlp"),
        )
    )
    machine = pl.col("name").str.strip_chars().str.extract_groups(MACHINE_TAG)
    kind = (
        tags.with_columns(machine.alias("m"))
        .unnest("m")
        .with_columns(
            (pl.col("1").str.to_lowercase() + pl.lit(":") + pl.col("2").str.to_lowercase())
            .replace_strict(CLASSIFYING_TAGS, default=None, return_dtype=pl.String)
            .alias("type"),
            (pl.col("1").str.to_lowercase() != "rsit").alias("ns"),
        )
        .filter(pl.col("type").is_not_null())
        .sort(RECORD, "level", "ns", "pos")
        .group_by(RECORD, maintain_order=True)
        .agg(pl.col("type").first().alias("__tag_type"))
    )
    galaxy = pl.col("name").str.strip_chars().str.extract_groups(GALAXY_TAG)
    family = (
        tags.with_columns(galaxy.alias("g"))
        .unnest("g")
        .with_columns(
            (
                pl.col("level").cast(pl.Int16) * 10
                + pl.col("1").replace_strict(FAMILY_GALAXIES, default=None, return_dtype=pl.Int16)
            ).alias("rank"),
            pl.col("2").str.strip_chars().str.to_lowercase().alias("family"),
        )
        .filter(pl.col("rank").is_not_null())
    )
    # The attribute's own tags first, malpedia first: the best rank a record has decides.
    best = family.filter(pl.col("rank") == pl.col("rank").min().over(RECORD))
    family = _single(best, RECORD, "family").rename({"family": "__tag_malware"})
    out = frame.select(RECORD)
    for part in (tlp, kind, family):
        out = out.join(part, on=RECORD, how="left", maintain_order="left")
    return out


def _single(frame: pl.DataFrame, key: str, value: str) -> pl.DataFrame:
    """Per ``key``, its ``value`` where all its rows agree on one, else no row."""
    return (
        frame.group_by(key)
        .agg(pl.col(value).n_unique().alias("__n"), pl.col(value).first())
        .filter(pl.col("__n") == 1)
        .select(key, value)
    )


def _payload_type(frame: pl.DataFrame) -> pl.DataFrame:
    """Per event key, the malware its ``Payload type`` attributes name (when one)."""
    named = frame.filter(
        (pl.col("Attribute.category") == "Payload type")
        & ~_truthy(pl.col("Attribute.deleted")).fill_null(False)
        & pl.col("__event").is_not_null()
    ).select("__event", pl.col("Attribute.value").str.strip_chars().str.to_lowercase().alias("v"))
    return _single(named, "__event", "v").rename({"v": "__payload_malware"})


def _observables(kind: pl.Expr, value: pl.Expr) -> list[pl.Expr]:
    """``source.*`` columns from the attribute type and value (nulls where they do not apply)."""
    v = value.str.strip_chars()
    left = v.str.extract(r"^(.*)\|[^|]*$", 1).str.strip_chars()
    right = v.str.extract(r"\|([^|]*)$", 1).str.strip_chars()
    address = (
        pl.when(kind.is_in(["ip-src", "ip-dst"]))
        .then(v)
        .when(kind.is_in(["ip-src|port", "ip-dst|port"]))
        .then(left)
        .when(kind == "domain|ip")
        .then(right)
    )
    named = (
        pl.when(kind.is_in(["domain", "hostname"]))
        .then(v)
        .when(kind.is_in(["hostname|port", "domain|ip"]))
        .then(left)
        .otherwise(None)
    )
    host = named.str.to_lowercase().str.strip_chars_end(".")
    is_block = address.str.contains("/", literal=True)
    return [
        pl.when(~is_block).then(address).alias("source.ip"),
        pl.when(is_block).then(address).alias("source.network"),
        pl.when(kind.is_in(["ip-src|port", "ip-dst|port", "hostname|port"]))
        .then(as_int(right))
        .alias("source.port"),
        host.alias("source.fqdn"),
        pl.when(kind == "url").then(v).alias("source.url"),
        pl.when(kind == "AS")
        .then(v.str.extract(IS_ASN, 1).cast(pl.Int64, strict=False))
        .alias("source.asn"),
    ]


def _malformed() -> pl.Expr:
    """True where a value does not have its type's form."""
    kind = pl.col("Attribute.type")
    port_types = ["ip-src|port", "ip-dst|port", "hostname|port"]
    return (
        (
            kind.is_in([*port_types, "domain|ip"])
            & ~pl.col("Attribute.value").str.contains("|", literal=True)
        )
        | (kind.is_in(port_types) & pl.col("source.port").is_null())
        | (
            kind.is_in(["ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "domain|ip"])
            & (pl.coalesce("source.ip", "source.network").fill_null("") == "")
        )
        | (
            kind.is_in(["domain", "hostname", "hostname|port", "domain|ip"])
            & ~pl.col("source.fqdn").fill_null("").str.contains(IS_HOST)
        )
        | ((kind == "url") & ~pl.col("source.url").str.contains(IS_URL))
        | ((kind == "AS") & pl.col("source.asn").is_null())
    )


def _time_source(ctx: ParseContext) -> pl.Expr:
    epoch = pl.col("Attribute.timestamp").str.strip_chars().cast(pl.Int64, strict=False)
    return pl.coalesce(
        parse_time(pl.col("Attribute.first_seen"), TIME_FORMATS, ctx.timezone),
        pl.from_epoch(epoch, time_unit="s").dt.replace_time_zone("UTC").dt.cast_time_unit("us"),
        parse_time(pl.col("Event.date"), ["%Y-%m-%d"], "UTC"),
    )


def _classification() -> pl.Expr:
    category = pl.col("Attribute.category")
    kind = pl.col("Attribute.type")
    return (
        pl.when(pl.col("__tag_type").is_not_null())
        .then(pl.col("__tag_type"))
        .when(category == "Payload delivery")
        .then(pl.lit("malware-distribution"))
        .when((category == "Network activity") & kind.is_in(["ip-dst", "ip-dst|port"]))
        .then(pl.lit("c2-server"))
        .otherwise(pl.lit("blacklist"))
    )


class Misp(Parser):
    name = "misp"
    title = "MISP event JSON, MISP feed (manifest.json + event files)"
    mode = "document"

    def sniff(self, sample: list[str]) -> int:
        text = "\n".join(sample).lstrip("\ufeff")
        head = text[: 256 * 1024]

        def key(name: str) -> bool:
            return re.search(rf'"{name}"\s*:', head) is not None

        if re.match(r'\s*\[?\s*\{\s*"Event"\s*:\s*\{', head):
            return 95
        if re.match(rf'\s*\{{\s*"{UUID}"\s*:\s*\{{', head):
            # A feed manifest (its first entry's keys may lie past the sample: long tag lists).
            return 90 if any(key(k) for k in ("info", "Orgc", "threat_level_id", "Tag")) else 60
        if re.match(HASH_LINE, head.lstrip()[:128].split("\n", 1)[0]):
            lines = [ln for ln in sample if ln.strip()]
            hits = sum(re.match(HASH_LINE, ln.strip()) is not None for ln in lines)
            return 90 if hits == len(lines) else 60 if hits * 2 > len(lines) else 0
        if not head.lstrip().startswith(("{", "[")):
            return 0
        markers = sum(
            key(k)
            for k in ("to_ids", "category", "threat_level_id", "Orgc", "event_id", "distribution")
        )
        if re.match(r'\s*\{\s*"response"\s*:', head) and key("(?:Event|Attribute)") and markers:
            return 85
        if re.search(r'"Attribute"\s*:\s*\[', head) and markers >= 2:
            return 85
        if head.lstrip().startswith("{") and key("info") and markers >= 2:
            return 80  # a bare event whose attributes come after the sample
        if all(key(k) for k in ("type", "value", "category", "to_ids")):
            return 80
        return 0

    def split_document(self, data: bytes) -> pl.DataFrame:
        return split_misp(data)

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        manifest = records.filter(pl.col(LINE).str.contains(MANIFEST_LINE))
        hashes = records.filter(pl.col(LINE).str.contains(HASH_LINE))
        records = records.filter(
            ~pl.col(LINE).str.contains(MANIFEST_LINE) & ~pl.col(LINE).str.contains(HASH_LINE)
        )
        decoded = decode_json(records[LINE], FIELDS)
        not_object = records.filter(~decoded.is_object)
        frame = pl.concat([records, decoded.fields], how="horizontal").filter(decoded.is_object)
        frame = frame.with_columns(
            pl.coalesce("Event.uuid", "Event.id").alias("__event"),
            pl.col("Attribute.type").str.strip_chars().alias("Attribute.type"),
            pl.col("Attribute.category").str.strip_chars().alias("Attribute.category"),
        )
        payload = _payload_type(frame)

        kind = pl.col("Attribute.type")
        category = pl.col("Attribute.category")
        deleted = _truthy(pl.col("Attribute.deleted")).fill_null(False) | _truthy(
            pl.col("Object.deleted")
        ).fill_null(False)
        unreadable = kind.is_null() | (kind == "") | pl.col("Attribute.value").is_null()
        frame = frame.with_columns(
            pl.when(deleted)
            .then(pl.lit("deleted"))
            .when(unreadable)
            .then(pl.lit("unreadable"))
            .when(~kind.is_in(NETWORK_TYPES))
            .then(pl.lit("other-type"))
            .when(category.is_not_null() & ~category.is_in(EVIDENCE_CATEGORIES))
            .then(pl.lit("other-category"))
            .otherwise(pl.lit("network"))
            .alias("__kind")
        )
        is_kind = pl.col("__kind")
        ev = frame.filter(is_kind == "network").with_columns(
            _observables(kind, pl.col("Attribute.value"))
        )
        malformed = ev.filter(_malformed())
        ev = ev.filter(~_malformed())
        ev = ev.join(_from_tags(ev), on=RECORD, how="left", maintain_order="left").join(
            payload, on="__event", how="left", maintain_order="left"
        )
        malware = pl.coalesce("__tag_malware", "__payload_malware")
        ev = ev.with_columns(pl.when(malware.str.contains(IS_MALWARE)).then(malware).alias("__mw"))
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            _time_source(ctx).alias("time.source"),
            pl.col("source.ip"),
            pl.col("source.network"),
            pl.col("source.port"),
            pl.col("source.fqdn"),
            pl.col("source.url"),
            pl.col("source.asn"),
            pl.col("tlp"),
            _classification().alias("classification.type"),
            pl.coalesce("__mw", kind).alias("classification.identifier"),
            pl.col("__mw").alias("malware.name"),
            _cut(pl.col("Event.info")).alias("event_description.text"),
            pl.col("Event.Orgc.name").str.strip_chars().alias("feed.provider"),
            pl.col("Attribute.uuid").str.strip_chars().alias("evidence.ref"),
            extra_json(
                event_uuid=pl.col("Event.uuid"),
                event_id=pl.col("Event.id"),
                object=pl.col("Object.name"),
                category=category,
                attribute_type=kind,
                to_ids=pl.when(pl.col("Attribute.to_ids").is_not_null()).then(
                    _truthy(pl.col("Attribute.to_ids"))
                ),
                comment=_cut(pl.col("Attribute.comment")),
                last_seen=pl.col("Attribute.last_seen"),
            ).alias("extra"),
        )
        return ParseResult.build(
            events=events,
            skipped=[
                skip(manifest, SKIP_MANIFEST),
                skip(hashes, SKIP_HASH),
                skip(frame.filter(is_kind == "deleted"), SKIP_DELETED),
                skip(
                    frame.filter(is_kind == "other-type"),
                    pl.format("MISP attribute type {} (not a network observable)", kind),
                ),
                skip(
                    frame.filter(is_kind == "other-category"),
                    pl.format(
                        "MISP attribute category {} (not evidence of an abusive host)", category
                    ),
                ),
            ],
            rejects=[
                reject(not_object, "not a MISP record (not a JSON object)"),
                reject(
                    frame.filter(is_kind == "unreadable"),
                    "not a MISP attribute (no type or value)",
                ),
                reject(malformed, pl.format("MISP {} attribute: malformed value", kind)),
            ],
        )


PARSERS: tuple[Parser, ...] = (Misp(),)
