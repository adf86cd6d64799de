"""STIX 2.1 (and 2.0) JSON: a bundle, a single object, or a JSON array of objects.

Supported: STIX 2.1 bundles (known by their type, or by their ``bundle--`` id where the type
is left out) and objects as the OASIS specification defines them, and the STIX 2.0 forms
still in circulation (``labels`` as indicator types, observed-data with an embedded
``objects`` dictionary, no ``pattern_type``). The document is read whole (mode "document");
every object of the bundle is at least one record, and each record's text (its ``raw``) is
the object's JSON, re-serialized compactly. :meth:`Stix.split_document` resolves what the
bundle says of each record (markings, malware, the sighted indicator, SCOs) into ``__``
columns the records carry to :meth:`Stix.parse`: a record's meaning depends on other objects
of the bundle, which ``parse`` alone would not see if records were ever batched.

Evidence (one record, hence one event, per network observable; the records of one object
share its JSON and its id in ``evidence.ref``, and ``extra.observable_index`` (from 0) and
``extra.observables`` (how many) link them):

- ``indicator`` with a STIX pattern (``pattern_type`` ``stix``, or none in 2.0): every
  comparison ``ipv4-addr:value``, ``ipv6-addr:value``, ``domain-name:value`` or ``url:value``
  with ``=`` (or ``IN (...)``: one observable per value; or, for addresses, ``ISSUBSET``),
  wherever it stands in the pattern (``[a] OR [b]``, ``[x AND y]``, ``FOLLOWEDBY``, with
  qualifiers); ``autonomous-system:number`` with ``=`` or ``IN (...)`` where the pattern
  names none of those (beside an address, an AS is where the address is announced).
  Negated comparisons (``NOT``, ``!=``) and other operators or object types are not
  observables; the same observable twice in one pattern is one observable. The
  pattern is tokenized strictly (``_stix_pattern.TOKEN``): a pattern with text that is no
  STIX token or with unbalanced brackets is rejected. ``time.source`` is ``valid_from``; the
  indicator's ``name`` (else its ``description``) is ``event_description.text``.
- ``observed-data``: the source observables of its SCOs -- embedded (``objects``, 2.0) or
  referenced (``object_refs`` to SCOs in the bundle). A ``network-traffic`` gives one
  observable: its ``src_ref`` address or name, with ``src_port``, ``protocols`` (transport,
  application) and its ``dst_ref`` address and ``dst_port`` as ``destination.*``; an address,
  name or URL that no network-traffic references is an observable of its own (those it
  references are not); an ``autonomous-system`` is one where there is none of those.
  ``time.source`` is ``first_observed``. ``extra.to_ids`` is false: what was seen is not
  offered for detection (MISP imports observed-data so; our exports keep it observed-data).
- ``sighting`` of an indicator in the bundle: one event per observable of that indicator,
  ``time.source`` its ``first_seen`` (else ``last_seen``), classified like the indicator;
  ``count``, ``first_seen``, ``last_seen`` go to ``extra`` (a sighting is one event, however
  many times it reports the indicator seen: counting them as events would inflate the
  figures by a number nobody checked), and so does the indicator's ``valid_until``: the
  sighting is evidence of the indicator, valid no longer than it (an export writes it so).

Field mapping: an address is ``source.ip``, a block (a value with ``/``) ``source.network``;
a domain name ``source.fqdn`` (lower case, no final dot); a URL ``source.url``; an
autonomous system ``source.asn`` (and its SCO's ``name`` ``source.as_name``).
``evidence.ref`` is the object's id. ``malware.name`` is the name (lower case) of the
malware object an ``indicates`` relationship in the bundle links the indicator to (left
null, with every name in ``extra.malware``, when it names several). ``feed.provider`` is the
name of the identity in ``created_by_ref`` when the bundle holds it (never for an identity
of class ``individual``: a person's name is personal data). ``tlp`` comes from
``object_marking_refs`` and ``granular_markings`` (for the whole object: its text is kept
whole): the TLP 1.0 markings STIX 2.1 predefines (white is CLEAR), the
TLP 2.0 markings of the OASIS extension, or TLP marking-definitions in the bundle; the most
restrictive wins, also across the objects an event is made of (a sighting and its
indicator, an observed-data and its SCOs); null when unmarked (the feed's default applies).

``classification.type``, from ``indicator_types`` and ``labels`` (``_stix_bundle.TERM_TYPES``;
the most specific term wins): a machine tag ``rsit:<taxonomy>="<type>"`` (the MISP RSIT
taxonomy, which Wuzhen's own export writes) gives that type; ``c2``,
``command-and-control``, ``botnet-cc`` -> ``c2-server``; ``phishing``;
``malware-distribution``, ``payload-delivery``, ``exploit-kit`` -> ``malware-distribution``;
``scanner``/``scanning``; ``brute-force``; ``spam``; ``ddos``; ``compromised`` ->
``system-compromise``; ``anomalous-activity`` -> ``undetermined``; ``anonymization`` ->
``other`` (RSIT has no type for anonymizers). Otherwise (``malicious-activity``,
``attribution``, ``unknown``, none) indicators and sightings are ``blacklist`` and
observed-data ``undetermined`` (it states what was seen, not what it means). An indicates
relationship to malware does not change the type: an address an indicator links to malware
may be a C2 server, a download site or the attacker's own network (the OASIS APT1 example
links four /15 blocks to a tool). ``classification.identifier`` is
``stix-<object type>[:<the deciding term>]``.

Skipped: ``benign`` indicators and their sightings, revoked objects, indicators with another
pattern language, patterns without a network observable ("pattern without a network
observable"), observed-data without one, sightings of objects that are not in the bundle or
give no event, SCOs at the top of the bundle ("<type> object (observable: evidence only
when observed-data names it)": the observed-data naming them is the record), and every
other object type ("<type> object (not a network observable)": identity, malware,
relationship, report, marking-definition, note, ...).

Rejected: a document that is not JSON, not an object or array, or a bundle whose
``objects`` is not an array (one record); elements that are not STIX objects; indicators,
observed-data and sightings without an id; indicators without a pattern or with a pattern
that is not STIX patterning; objects whose markings are not lists (``object_marking_refs``,
``granular_markings``); observable values of the wrong kind (``domain-name:value =
'domain autuo.xicp.net'``); timestamps that are present but unreadable.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    UNREADABLE,
    ParseContext,
    Parser,
    ParseResult,
    bad_document,
    duck,
    extra_json,
    parse_time,
    reject,
    skip,
)
from wuzhen.evidence.parsers._stix_bundle import (
    TLP1_MARKINGS,
    K,
    resolve,
)
from wuzhen.evidence.parsers._stix_pattern import AS, OBSERVABLE_TYPES
from wuzhen.schema.fields import TRANSPORTS
from wuzhen.schema.tlp import RANK

#: The parser, and the TLP 1.0 markings it knows (the TLP 2.0 ones: :mod:`wuzhen.schema.tlp`).
__all__ = ["PARSERS", "TLP1_MARKINGS", "Stix"]

TLP_OF_RANK = {v: k for k, v in RANK.items()}
DEFAULT_TYPE = {"indicator": "blacklist", "sighting": "blacklist", "observed-data": "undetermined"}

# -- values ------------------------------------------------------------------------------

IPV4 = r"^\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?$"
IPV6 = r"^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:/\d{1,3})?$"
_LABEL = r"[\p{L}\p{N}_](?:[\p{L}\p{N}_-]{0,61}[\p{L}\p{N}_])?"
HOST = rf"^(?:{_LABEL}\.)*{_LABEL}$"
URL = r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+\S*$"
TIME_FORMATS = ["%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%dT%H:%M:%S%.f%:z"]
TYPE_NAME = r"^[a-z0-9][a-z0-9-]{0,249}$"


def _document(text: str) -> tuple[str, pl.Series | None]:
    """The kind of document and its objects' JSON texts, compact (DuckDB reads the document
    and re-serializes each object: no Python loop over them)."""
    first = text.lstrip(" \t\r\n")[:1]
    try:
        if first == "[":
            return "array", _items("CAST(CAST($d AS JSON) AS JSON[])", text)
        if first != "{":
            valid = duck().sql("SELECT json_valid($d)", params={"d": text}).fetchall()[0][0]
            return ("scalar" if valid else "invalid"), None
        head = (
            duck()
            .sql(
                "SELECT json_extract_string($d, '$.type'), json_extract_string($d, '$.id'), "
                "json_type($d, '$.objects')",
                params={"d": text},
            )
            .fetchall()
        )
    except UNREADABLE:
        return "invalid", None
    stix_type, stix_id, objects = head[0]
    # A bundle: its type says so (its id, for bundles that leave the type out).
    if stix_type == "bundle" or (stix_type is None and str(stix_id).startswith("bundle--")):
        if objects is None:
            return "empty", None
        if objects != "ARRAY":
            return "bad-bundle", None
        return "bundle", _items("CAST(json_extract($d, '$.objects') AS JSON[])", text)
    return "object", _items("[json($d)]", text)


def _items(expression: str, text: str) -> pl.Series:
    table = duck().sql(f"SELECT {expression} AS items", params={"d": text}).to_arrow_table()
    items = table.column("items").combine_chunks().flatten()
    # A JSON null element comes back as SQL NULL: keep it as the text "null".
    return pl.Series(LINE, items).cast(pl.String).fill_null("null")


class Stix(Parser):
    name = "stix"
    title = "STIX 2.1 / 2.0 JSON (bundle, object or array of objects)"
    mode = "document"

    def sniff(self, sample: list[str]) -> int:
        text = "\n".join(sample)[: 256 * 1024]
        if re.search(r'"type"\s*:\s*"bundle"|"id"\s*:\s*"bundle--[0-9a-fA-F-]{36}"', text):
            return 95
        stix_id = r'"id"\s*:\s*"[a-z0-9-]+--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-'
        if re.search(stix_id, text) and re.search(r'"type"\s*:\s*"[a-z0-9-]+"', text):
            return 75 if text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[") else 0
        return 0

    def split_document(self, data: bytes) -> pl.DataFrame:
        text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
        kind, lines = _document(text)
        if lines is None:
            if kind == "empty":
                return _records(pl.Series(LINE, [], pl.String))
            reasons = {
                "invalid": "document is not JSON",
                "scalar": "document is not a STIX bundle, object or array of objects",
                "bad-bundle": "bundle whose objects is not an array",
            }
            return bad_document(text, reasons[kind])
        return _records(lines)

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        if "__reject" not in records.columns:
            # Records that did not come from split_document carry no context: unreadable.
            return ParseResult.build(rejects=[reject(records, "not split from a STIX document")])
        problem = pl.col("__reject")
        rejects = [reject(records.filter(problem.is_not_null()), problem)]
        skips = [skip(records.filter(pl.col("__skip").is_not_null()), pl.col("__skip"))]
        part = records.filter(problem.is_null() & pl.col("__skip").is_null())
        events, bad = _events(part, ctx)
        rejects.append(bad)
        return ParseResult.build(events=events, skipped=skips, rejects=rejects)


# -- the document's records -------------------------------------------------------------


def _records(lines: pl.Series) -> pl.DataFrame:
    """One record per observable of each object (one per object without any), in document
    order, with what the bundle says about it (markings, malware, the sighted indicator, the
    producer) resolved into ``__`` columns for :meth:`Stix.parse`."""
    return _context(resolve(lines).with_columns(_verdict()))


def _verdict() -> list[pl.Expr]:
    """Why an object is rejected (``__reject``) or skipped (``__skip``); both null: it has
    observables, each a record that may become an event."""
    kind = pl.col("type")
    has_obs = pl.col("__n").is_not_null()
    revoked = (pl.col("revoked") == "true").fill_null(False)
    evidence_kind = kind.is_in(["indicator", "observed-data", "sighting"])
    pattern_type = pl.col("pattern_type").str.to_lowercase()
    stix_pattern = pattern_type.is_null() | (pattern_type == "stix")
    target = pl.col("__target")
    rejected = (
        pl.when(~pl.col("__is_object"))
        .then(pl.lit("not a STIX object (JSON value is not an object)"))
        .when(kind.is_null() | ~kind.str.contains(TYPE_NAME))
        .then(pl.lit("not a STIX object (no type name)"))
        .when(evidence_kind & pl.col("id").is_null())
        .then(pl.format("{} without an id", kind))
        .when(~pl.col("__marks_type").is_in(["ARRAY", "NULL"]))
        .then(pl.lit("object_marking_refs is not a list of marking ids"))
        .when(~pl.col("__granular_type").is_in(["ARRAY", "NULL"]))
        .then(pl.lit("granular_markings is not a list of markings"))
        .when((kind == "indicator") & ~revoked & stix_pattern & pl.col("pattern").is_null())
        .then(pl.lit("indicator without a pattern"))
        .when((kind == "indicator") & ~revoked & pl.col("__pattern_bad").fill_null(False))
        .then(pl.lit("pattern is not valid STIX patterning"))
    )
    skipped = (
        pl.when(revoked)
        .then(pl.format("revoked {}", kind))
        .when(kind == "indicator")
        .then(
            pl.when(~stix_pattern)
            .then(pl.format("indicator with a {} pattern (not STIX patterning)", pattern_type))
            .when(pl.col("__benign").fill_null(False))
            .then(pl.lit("benign indicator (not evidence of abuse)"))
            .when(~has_obs)
            .then(pl.lit("pattern without a network observable"))
        )
        .when(kind == "observed-data")
        .then(pl.when(~has_obs).then(pl.lit("observed-data without a network observable")))
        .when(kind == "sighting")
        .then(
            pl.when(has_obs)
            .then(None)
            .when(target.is_null())
            .then(pl.lit("sighting of an object not in the bundle"))
            .when(target != "indicator")
            .then(pl.format("sighting of a {} object (not a network observable)", target))
            .when(
                pl.col("__ind_benign").fill_null(False) | pl.col("__ind_revoked").fill_null(False)
            )
            .then(pl.lit("sighting of a benign or revoked indicator"))
            .otherwise(pl.lit("sighting of an indicator without a network observable"))
        )
        .when(kind.is_in([*OBSERVABLE_TYPES, "network-traffic"]))
        .then(pl.format("{} object (observable: evidence only when observed-data names it)", kind))
        .otherwise(pl.format("{} object (not a network observable)", kind))
    )
    return [
        rejected.alias("__reject"),
        pl.when(rejected.is_null()).then(skipped).alias("__skip"),
    ]


def _context(frame: pl.DataFrame) -> pl.DataFrame:
    """The records: the object's text, the verdict, and the resolved context of each."""
    kind = pl.col("type")
    is_ind = kind == "indicator"
    is_od = kind == "observed-data"
    is_sig = kind == "sighting"
    time_field = (
        pl.when(is_ind)
        .then(pl.lit("valid_from"))
        .when(is_od)
        .then(pl.lit("first_observed"))
        .when(is_sig)
        .then(
            pl.when(pl.col("first_seen").is_not_null())
            .then(pl.lit("first_seen"))
            .otherwise(pl.lit("last_seen"))
        )
    )
    time_text = (
        pl.when(is_ind)
        .then(pl.col("valid_from"))
        .when(is_od)
        .then(pl.col("first_observed"))
        .when(is_sig)
        .then(pl.coalesce("first_seen", "last_seen"))
    )
    rank = pl.max_horizontal(
        pl.col("__rank"), pl.when(is_sig).then(pl.col("__ind_rank")), pl.col("__orank")
    )
    malware = pl.when(is_ind | is_sig).then(pl.col("__malware"))
    several = malware.list.len() > 1
    term = pl.col("__term")
    identifier = (
        pl.when(term.is_not_null())
        .then(pl.format("stix-{}:{}", kind, term))
        .otherwise(pl.format("stix-{}", kind))
    )
    count = pl.col("count").cast(pl.Int64, strict=False)
    extra = extra_json(
        observable_index=pl.col(K),
        observables=pl.col("__n").cast(pl.Int64),
        indicator_types=pl.when(is_ind).then(pl.col("indicator_types")),
        labels=pl.when(is_ind | is_od).then(pl.col("labels")),
        # A sighting reports its indicator seen, within the indicator's validity: its end too.
        valid_until=pl.when(is_ind)
        .then(pl.col("valid_until"))
        .when(is_sig)
        .then(pl.col("__ind_valid_until")),
        object=pl.when(is_od).then(pl.col("__sco")),
        protocols=pl.when(is_od).then(pl.col("__protocols")),
        number_observed=pl.when(is_od).then(pl.col("number_observed").cast(pl.Int64, strict=False)),
        last_observed=pl.when(is_od).then(pl.col("last_observed")),
        to_ids=pl.when(is_od).then(pl.lit(value=False)),
        sighting_of_ref=pl.when(is_sig).then(pl.col("sighting_of_ref")),
        count=pl.when(is_sig).then(count),
        first_seen=pl.when(is_sig).then(pl.col("first_seen")),
        last_seen=pl.when(is_sig).then(pl.col("last_seen")),
        malware=pl.when(several).then(malware),
    )
    return frame.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(RECORD),
        pl.col(LINE),
        pl.lit(None, pl.String).alias("__bad"),
        "__reject",
        "__skip",
        kind.alias("__type"),
        pl.col("id").alias("__id"),
        "__otype",
        "__value",
        "__as_name",
        "__sport",
        "__dst",
        "__dport",
        "__protocols",
        time_text.alias("__time"),
        time_field.alias("__time_field"),
        rank.replace_strict(TLP_OF_RANK, default=None, return_dtype=pl.String).alias("__tlp"),
        pl.coalesce(
            pl.col("__ttype"),
            kind.replace_strict(DEFAULT_TYPE, default=None, return_dtype=pl.String),
        ).alias("__ctype"),
        identifier.alias("__cid"),
        pl.when(malware.list.len() == 1).then(malware.list.first()).alias("__malware"),
        pl.when(is_ind)
        .then(pl.coalesce("name", "description"))
        .when(is_sig)
        .then(pl.coalesce("description", "__ind_name"))
        .alias("__text"),
        pl.col("__provider"),
        extra.alias("__extra"),
    )


# -- events ------------------------------------------------------------------------------


def _events(part: pl.DataFrame, ctx: ParseContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events of the observable records; those with a value of the wrong kind or an
    unreadable time, rejected."""
    otype = pl.col("__otype")
    value = pl.col("__value").str.strip_chars()
    host = value.str.to_lowercase().str.strip_suffix(".")
    is_addr = otype.is_in(OBSERVABLE_TYPES[:2])
    block = value.str.contains("/", literal=True)
    asn = pl.when(otype == AS).then(value.cast(pl.UInt32, strict=False))
    frame = part.with_columns(
        parse_time(pl.col("__time"), TIME_FORMATS, ctx.timezone).alias("time.source")
    )
    problem = (
        pl.when((otype == "ipv4-addr") & ~value.str.contains(IPV4))
        .then(pl.lit("ipv4-addr value is not an IPv4 address or block"))
        .when((otype == "ipv6-addr") & ~value.str.contains(IPV6))
        .then(pl.lit("ipv6-addr value is not an IPv6 address or block"))
        .when((otype == "domain-name") & (~host.str.contains(HOST) | (host.str.len_chars() > 253)))
        .then(pl.lit("domain-name value is not a host name"))
        .when((otype == "url") & ~value.str.contains(URL))
        .then(pl.lit("url value is not a URL"))
        .when((otype == AS) & asn.is_null())
        .then(pl.lit("autonomous-system number is not an AS number"))
        .when(pl.col("__time").is_not_null() & pl.col("time.source").is_null())
        .then(pl.format("unreadable {}", pl.col("__time_field")))
    )
    frame = frame.with_columns(problem.alias("__problem"))
    bad = reject(frame.filter(pl.col("__problem").is_not_null()), pl.col("__problem"))
    good = frame.filter(pl.col("__problem").is_null())
    protocols = pl.col("__protocols").list.eval(pl.element().str.to_lowercase())
    transports = [t for t in TRANSPORTS if t != "other"]
    dst = pl.col("__dst").str.strip_chars()
    events = good.select(
        pl.col(RECORD),
        pl.col(LINE).alias("raw"),
        pl.col("time.source"),
        pl.when(is_addr & ~block).then(value).alias("source.ip"),
        pl.when(is_addr & block).then(value).alias("source.network"),
        pl.when(otype == "domain-name").then(host).alias("source.fqdn"),
        pl.when(otype == "url").then(value).alias("source.url"),
        asn.cast(pl.Int64).alias("source.asn"),
        pl.when(otype == AS).then(pl.col("__as_name").str.strip_chars()).alias("source.as_name"),
        as_port(pl.col("__sport")).alias("source.port"),
        pl.when(dst.str.contains(IPV4) | dst.str.contains(IPV6)).then(dst).alias("destination.ip"),
        as_port(pl.col("__dport")).alias("destination.port"),
        protocols.list.eval(pl.element().filter(pl.element().is_in(transports)))
        .list.first()
        .alias("protocol.transport"),
        protocols.list.eval(pl.element().filter(~pl.element().is_in([*TRANSPORTS, "ipv4", "ipv6"])))
        .list.first()
        .alias("protocol.application"),
        pl.col("__ctype").alias("classification.type"),
        pl.col("__cid").alias("classification.identifier"),
        pl.col("__text").alias("event_description.text"),
        pl.col("__malware").alias("malware.name"),
        pl.col("__id").alias("evidence.ref"),
        pl.col("__tlp").alias("tlp"),
        pl.col("__provider").alias("feed.provider"),
        pl.col("__extra").alias("extra"),
    )
    return events, bad


def as_port(expr: pl.Expr) -> pl.Expr:
    """A port number as STIX writes it (an integer), or null."""
    return expr.str.strip_chars().cast(pl.Int64, strict=False).cast(pl.Int32, strict=False)


PARSERS: tuple[Parser, ...] = (Stix(),)
