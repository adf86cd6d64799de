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
context, ``{"Event": {...}, "Object": {...}, "Attribute": {...}}``: enough to read the record
alone. It is the record's fingerprint, so it holds what the event and object say about the
attribute (the event's uuid, id, info, date, threat level, distribution, creator and tags;
see ``_misp_document.EVENT_KEPT``) and never what MISP changes on every edit or publication
(timestamps, published, attribute count...): re-ingesting an updated event adds only the
attributes that are new or changed. A change of the event's tags or info is a change of
every attribute's record (they are added again, with the new marking).

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
text kept up to 1 MiB); list elements that are not MISP events; an ``Attribute`` or
``Object`` that is not a list, and ``Object`` elements that are not objects (one record each,
never an event read as empty); attributes whose ``Tag`` or whose event's ``Tag`` is not a list
of named tags (a marking in another shape is never replaced by the feed's default); lines of
a ``hashes.csv`` that are not ``md5,uuid`` ("not a MISP record (not a JSON object)");
attributes without a type or value; values that do not have their type's form (an
``ip-dst|port`` without a port, a ``url`` without ``scheme://``, a host name with spaces);
addresses that are not IP addresses (by the pipeline).
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
    ParseContext,
    Parser,
    ParseResult,
    as_int,
    decode_json,
    duck,
    extra_json,
    parse_time,
    reject,
    skip,
)
from wuzhen.evidence.parsers._base import MAX_BAD_DOCUMENT as MAX_BAD_DOCUMENT
from wuzhen.evidence.parsers._misp_document import HASH_LINE, UUID, split_misp
from wuzhen.schema.taxonomy import TYPES
from wuzhen.schema.tlp import RANK, TLP

BAD_EVENT_TAGS = "MISP event Tag is not a list of tags (a marking in it is not read)"
BAD_ATTRIBUTE_TAGS = "MISP attribute Tag is not a list of tags (a marking in it is not read)"


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


def _tag_lists(frame: pl.DataFrame) -> pl.DataFrame:
    """Per record, the names of the attribute's and of the event's tags, in order, and
    ``__tags_bad``: the reason where a ``Tag`` is not a list of tags with names. A marking
    in another shape (``"Tag": {"name": "tlp:red"}``, ``"Tag": "tlp:red"``) is not read
    into a lower one: the record is rejected (one DuckDB pass over both columns)."""
    columns = {"attribute": "Attribute.Tag", "event": "Event.Tag"}
    con = duck()
    table = pa.table({k: frame[c].cast(pl.String).to_arrow() for k, c in columns.items()})
    con.register("misp_tags", table)
    # A leaf comes back as text: a JSON string is its content (not JSON, or not an array),
    # and a null is no tags at all. CASE, not AND: DuckDB does not short-circuit AND, and a
    # cast of text that is not JSON raises.
    ok = (
        "CASE WHEN {t} IS NULL THEN true WHEN NOT json_valid({t}) THEN false "
        "WHEN json_type({t}) <> 'ARRAY' THEN false "
        "ELSE COALESCE(list_bool_and(list_transform(CAST({t} AS JSON[]), lambda x: "
        "COALESCE(json_type(x, '$.name') = 'VARCHAR', false))), true) END"
    )
    checked = ", ".join(f"{k}, {ok.format(t=k)} AS {k}_ok" for k in columns)
    names = ", ".join(
        f"CASE WHEN {k}_ok THEN json_extract_string({k}, '$[*].name') END AS {k}, {k}_ok"
        for k in columns
    )
    try:
        out = con.sql(f"SELECT {names} FROM (SELECT {checked} FROM misp_tags)").to_arrow_table()
    finally:
        con.unregister("misp_tags")
    lists = pl.from_arrow(out)
    assert isinstance(lists, pl.DataFrame)
    return pl.DataFrame(
        {
            RECORD: frame[RECORD],
            "Attribute.Tag": lists["attribute"].cast(pl.List(pl.String)),
            "Event.Tag": lists["event"].cast(pl.List(pl.String)),
            "__tags_bad": lists.select(
                pl.when(~pl.col("event_ok"))
                .then(pl.lit(BAD_EVENT_TAGS))
                .when(~pl.col("attribute_ok"))
                .then(pl.lit(BAD_ATTRIBUTE_TAGS))
            ).to_series(),
        }
    )


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
        parts.append(
            frame.select(RECORD, pl.col(column).alias("name"))
            .with_columns(pl.lit(level, pl.Int8).alias("level"))
            .explode("name")
            .with_columns(pl.int_range(pl.len()).over(RECORD).alias("pos"))
            .filter(pl.col("name").is_not_null())
        )
    return pl.concat(parts)


def _from_tags(frame: pl.DataFrame) -> pl.DataFrame:
    """Per record: ``tlp``, the tag's ``__tag_type`` and ``__tag_malware`` (null if none), from
    the tag names :func:`_tag_lists` gives."""
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
        tags = _tag_lists(ev)
        readable = tags["__tags_bad"].is_null()
        bad_tags = ev.with_columns(tags["__tags_bad"]).filter(~readable)
        ev = ev.filter(readable)
        tags = _from_tags(tags.filter(readable))
        ev = ev.join(tags, on=RECORD, how="left", maintain_order="left").join(
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
                reject(bad_tags, pl.col("__tags_bad")),
            ],
        )


PARSERS: tuple[Parser, ...] = (Misp(),)
