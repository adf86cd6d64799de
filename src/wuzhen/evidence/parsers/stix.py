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
  qualifiers). Negated comparisons (``NOT``, ``!=``) and other operators or object types
  are not observables; the same observable twice in one pattern is one observable. The
  pattern is tokenized strictly (:data:`TOKEN`): a pattern with text that is no STIX token
  or with unbalanced brackets is rejected. ``time.source`` is ``valid_from``; the indicator's
  ``name`` (else its ``description``) is ``event_description.text``.
- ``observed-data``: the source observables of its SCOs -- embedded (``objects``, 2.0) or
  referenced (``object_refs`` to SCOs in the bundle). A ``network-traffic`` gives one
  observable: its ``src_ref`` address or name, with ``src_port``, ``protocols`` (transport,
  application) and its ``dst_ref`` address and ``dst_port`` as ``destination.*``; an address,
  name or URL that no network-traffic references is an observable of its own (those it
  references are not). ``time.source`` is ``first_observed``.
- ``sighting`` of an indicator in the bundle: one event per observable of that indicator,
  ``time.source`` its ``first_seen`` (else ``last_seen``), classified like the indicator;
  ``count``, ``first_seen``, ``last_seen`` go to ``extra`` (a sighting is one event, however
  many times it reports the indicator seen: counting them as events would inflate the
  figures by a number nobody checked).

Field mapping: an address is ``source.ip``, a block (a value with ``/``) ``source.network``;
a domain name ``source.fqdn`` (lower case, no final dot); a URL ``source.url``.
``evidence.ref`` is the object's id. ``malware.name`` is the name (lower case) of the
malware object an ``indicates`` relationship in the bundle links the indicator to (left
null, with every name in ``extra.malware``, when it names several). ``feed.provider`` is the
name of the identity in ``created_by_ref`` when the bundle holds it (never for an identity
of class ``individual``: a person's name is personal data). ``tlp`` comes from
``object_marking_refs``: the TLP 1.0 markings STIX 2.1 predefines (white is CLEAR), the
TLP 2.0 markings of the OASIS extension, or TLP marking-definitions in the bundle; the most
restrictive wins, also across the objects an event is made of (a sighting and its
indicator, an observed-data and its SCOs); null when unmarked (the feed's default applies).

``classification.type``, from ``indicator_types`` and ``labels`` (:data:`TERM_TYPES`; the
most specific term wins): a machine tag ``rsit:<taxonomy>="<type>"`` (the MISP RSIT
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
relationship, report, marking-definition, note, ...). Granular markings are not read.

Rejected: a document that is not JSON, not an object or array, or a bundle whose
``objects`` is not an array (one record); elements that are not STIX objects; indicators,
observed-data and sightings without an id; indicators without a pattern or with a pattern
that is not STIX patterning; observable values of the wrong kind (``domain-name:value =
'domain autuo.xicp.net'``); timestamps that are present but unreadable.
"""

from __future__ import annotations

import json
import re
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    ParseContext,
    Parser,
    ParseResult,
    _flatten,
    duck,
    extra_json,
    parse_time,
    reject,
    skip,
)
from wuzhen.schema.fields import TRANSPORTS
from wuzhen.schema.taxonomy import TYPES
from wuzhen.schema.tlp import RANK, TLP

# -- markings ----------------------------------------------------------------------------

#: The TLP 1.0 marking-definitions the STIX 2.1 specification predefines ("TLP Marking").
TLP1_MARKINGS: dict[str, TLP] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,  # TLP:WHITE
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}
#: The OASIS TLP 2.0 extension and its marking-definitions, as published in
#: github.com/oasis-open/cti-stix-common-objects, extension-definition-specifications/tlp-2.0/
#: (the schema extension-definition--60a3c5c5-...json at commit 24f80135, and the examples
#: tlp-clear.json, tlp-amber.json, tlp-amber+strict.json): each marking-definition has that
#: id, ``created`` 2022-10-01T00:00:00.000Z, ``name`` TLP:<LEVEL> and the property extension
#: ``{"extension_type": "property-extension", "tlp_2_0": "<level>"}``.
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_MARKINGS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
KNOWN_MARKINGS: dict[str, str] = {
    **{k: v.value for k, v in TLP1_MARKINGS.items()},
    **{v: k.value for k, v in TLP2_MARKINGS.items()},
}
#: ``definition.tlp`` (TLP 1.0 marking-definitions) and ``tlp_2_0`` values.
TLP_LEVELS = {
    "white": "CLEAR",
    "clear": "CLEAR",
    "green": "GREEN",
    "amber": "AMBER",
    "amber+strict": "AMBER+STRICT",
    "red": "RED",
}
TLP_OF_RANK = {v: k for k, v in RANK.items()}

# -- classification ----------------------------------------------------------------------

#: Indicator types and labels (lower case) -> (rank, RSIT type); the lowest rank wins.
#: ``None``: a term that names no type (the default applies).
TERM_TYPES: dict[str, tuple[int, str | None]] = {
    **dict.fromkeys(
        ("c2", "c&c", "cc", "c2-server", "command-and-control", "botnet-cc", "botnet_cc"),
        (1, "c2-server"),
    ),
    "phishing": (2, "phishing"),
    **dict.fromkeys(
        ("malware-distribution", "payload-delivery", "payload_delivery", "exploit-kit"),
        (3, "malware-distribution"),
    ),
    **dict.fromkeys(("scanner", "scanning"), (4, "scanner")),
    **dict.fromkeys(("brute-force", "bruteforce"), (5, "brute-force")),
    "spam": (6, "spam"),
    "ddos": (7, "ddos"),
    "compromised": (8, "system-compromise"),
    "anomalous-activity": (9, "undetermined"),
    "anonymization": (10, "other"),
    **dict.fromkeys(("malicious-activity", "attribution", "unknown"), (50, None)),
}
RSIT_TAG = r'^rsit:[a-z-]+="?([a-z0-9-]+)"?$'
DEFAULT_TYPE = {"indicator": "blacklist", "sighting": "blacklist", "observed-data": "undetermined"}

# -- the pattern tokenizer ---------------------------------------------------------------

STR = r"'(?:[^'\\]|\\['\\])*'"  # a STIX string literal: only \' and \\ are escapes
_NAME = r"[A-Za-z0-9_-]+"
PATH = rf"[a-z0-9][a-z0-9-]*:(?:{_NAME}|{STR})(?:\.(?:{_NAME}|{STR})|\[(?:\*|\d+)\])*"
OPS = r"<=|>=|!=|<>|=|<|>|(?:IN|LIKE|MATCHES|ISSUBSET|ISSUPERSET)\b"
KEYWORDS = r"(?:AND|OR|NOT|FOLLOWEDBY|EXISTS|WITHIN|SECONDS|REPEATS|TIMES|START|STOP|true|false)\b"
OBSERVABLE_TYPES = ("ipv4-addr", "ipv6-addr", "domain-name", "url")
SUPPORTED = r"(?:ipv4-addr|ipv6-addr|domain-name|url):value"
#: A comparison of a supported property with a string or a set of strings: one token.
COMPARISON = rf"{SUPPORTED}\s*(?:NOT\s+)?(?:{OPS})\s*(?:{STR}|\(\s*{STR}(?:\s*,\s*{STR})*\s*\))"
#: Every token of STIX patterning. The comparison comes first, and string literals are
#: whole tokens, so nothing inside a string is ever read as a comparison.
TOKEN = rf"{COMPARISON}|[tbh]?{STR}|{PATH}|{OPS}|{KEYWORDS}|[\[\]\(\),]|[+-]?\d+(?:\.\d+)?"

# -- values ------------------------------------------------------------------------------

IPV4 = r"^\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?$"
IPV6 = r"^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:/\d{1,3})?$"
_LABEL = r"[\p{L}\p{N}_](?:[\p{L}\p{N}_-]{0,61}[\p{L}\p{N}_])?"
HOST = rf"^(?:{_LABEL}\.)*{_LABEL}$"
URL = r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+\S*$"
TIME_FORMATS = ["%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%dT%H:%M:%S%.f%:z"]
TYPE_NAME = r"^[a-z0-9][a-z0-9-]{0,249}$"
MAX_BAD_DOCUMENT = 1024 * 1024

# -- decoding ----------------------------------------------------------------------------

V = "VARCHAR"
L = ["VARCHAR"]
#: The properties read from every object and SCO (DuckDB json_transform: a property of
#: another JSON type than asked for comes back null, never an error).
STRUCTURE: dict[str, Any] = {
    "type": V,
    "id": V,
    "created": V,
    "revoked": V,
    "created_by_ref": V,
    "identity_class": V,
    "name": V,
    "description": V,
    "labels": L,
    "object_marking_refs": L,
    "pattern": V,
    "pattern_type": V,
    "valid_from": V,
    "valid_until": V,
    "indicator_types": L,
    "first_observed": V,
    "last_observed": V,
    "number_observed": V,
    "objects": V,
    "object_refs": L,
    "sighting_of_ref": V,
    "first_seen": V,
    "last_seen": V,
    "count": V,
    "relationship_type": V,
    "source_ref": V,
    "target_ref": V,
    "definition_type": V,
    "definition": {"tlp": V},
    "extensions": {TLP2_EXTENSION: {"tlp_2_0": V}},
    "value": V,
    "src_ref": V,
    "dst_ref": V,
    "src_port": V,
    "dst_port": V,
    "protocols": L,
}
TLP2_VALUE = f"extensions.{TLP2_EXTENSION}.tlp_2_0"
OBJ = "__obj"  # the object's position in the document
K = "__k"  # the observable's position in its object
#: Observables, whatever object they come from.
OBSERVABLE_SCHEMA: dict[str, pl.DataType] = {
    OBJ: pl.Int64(),
    "__otype": pl.String(),
    "__value": pl.String(),
    "__sport": pl.String(),
    "__dst": pl.String(),
    "__dport": pl.String(),
    "__protocols": pl.List(pl.String),
    "__omarks": pl.List(pl.String),
    "__sco": pl.String(),
}


def _decode(lines: pl.Series) -> pl.DataFrame:
    """The properties of :data:`STRUCTURE` of each JSON text, and whether it is an object."""
    table = pa.table({"l": lines.cast(pl.String).to_arrow()})
    structure = json.dumps(STRUCTURE).replace("'", "''")
    out = _query(
        table,
        "SELECT coalesce(json_type(l) = 'OBJECT', false) AS __is_object, "
        f"CASE WHEN json_type(l) = 'OBJECT' THEN json_transform(l, '{structure}') END AS j "
        "FROM t",
    )
    return pl.concat(
        [out.select("__is_object"), _flatten(out.select("j").unnest("j"))], how="horizontal"
    )


def _query(table: pa.Table, sql: str) -> pl.DataFrame:
    """Run ``sql`` on ``table`` (named ``t`` in it) in this thread's DuckDB connection."""
    rel = duck().from_arrow(table).query("t", sql)
    assert rel is not None
    out = pl.from_arrow(rel.to_arrow_table())
    assert isinstance(out, pl.DataFrame)
    return out


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
    except duckdb.Error:
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
            return _bad_document(text, reasons[kind])
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


def _bad_document(text: str, reason: str) -> pl.DataFrame:
    if len(text) > MAX_BAD_DOCUMENT:
        text = text[:MAX_BAD_DOCUMENT]
        reason += " (kept cut to 1 MiB)"
    return pl.DataFrame(
        {RECORD: [1], LINE: [text], "__bad": [reason]},
        schema={RECORD: pl.Int64, LINE: pl.String, "__bad": pl.String},
    )


# -- the document's records -------------------------------------------------------------


def _records(lines: pl.Series) -> pl.DataFrame:
    """One record per observable of each object (one per object without any), in document
    order, with what the bundle says about it (markings, malware, the sighted indicator, the
    producer) resolved into ``__`` columns for :meth:`Stix.parse`.

    All of it is joins over the frame of the document's objects: no Python loop over them.
    """
    objs = _decode(lines).with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(OBJ), lines.alias(LINE)
    )
    kind = pl.col("type")
    markings = _marking_table(objs)
    ranks = _ranks(objs.select(OBJ, "object_marking_refs"), [OBJ], "object_marking_refs", markings)
    ind_obs, pattern_bad = _indicator_observables(objs)
    terms = _terms(objs)
    indicators = _indicators(objs, ind_obs, pattern_bad, terms, ranks)
    sightings = (
        objs.filter(kind == "sighting")
        .select(OBJ, "sighting_of_ref", "labels")
        .join(indicators, left_on="sighting_of_ref", right_on="__ind_id", how="inner")
    )
    sig_obs = (
        sightings.filter(pl.col("__ind_ok"))
        .select(OBJ, "__ind")
        .join(ind_obs.rename({OBJ: "__ind"}), on="__ind")
        .sort(OBJ, K)
    )
    observables = pl.concat(
        [ind_obs, _observed_observables(objs), sig_obs.select(ind_obs.columns)],
        how="vertical_relaxed",
    )
    extra_ranks = _ranks(observables, [OBJ, K], "__omarks", markings).rename({"__rank": "__orank"})
    observables = observables.join(extra_ranks, on=[OBJ, K], how="left")
    # A sighting is classified like its indicator, with its own labels as well.
    sig_terms = _terms(
        sightings.join(
            objs.select(pl.col(OBJ).alias("__ind"), "indicator_types", "labels"),
            on="__ind",
            suffix="__i",
        ).select(
            OBJ,
            pl.lit("sighting").alias("type"),
            pl.col("indicator_types"),
            pl.concat_list(pl.col("labels__i").fill_null([]), pl.col("labels").fill_null([])).alias(
                "labels"
            ),
        )
    )
    terms = pl.concat([terms.join(sig_terms, on=OBJ, how="anti"), sig_terms])
    targets = objs.select(pl.col("id").alias("__tid"), pl.col("type").alias("__target"))
    frame = (
        objs.join(terms, on=OBJ, how="left")
        .join(pattern_bad, on=OBJ, how="left")
        .join(observables.group_by(OBJ).len("__n"), on=OBJ, how="left")
        .join(ranks, on=OBJ, how="left")
        .join(indicators, left_on="sighting_of_ref", right_on="__ind_id", how="left")
        .join(
            targets.unique("__tid", keep="last"),
            left_on="sighting_of_ref",
            right_on="__tid",
            how="left",
        )
        .with_columns(
            pl.when(kind == "sighting")
            .then(pl.col("sighting_of_ref"))
            .when(kind == "indicator")
            .then(pl.col("id"))
            .alias("__rid")
        )
        .join(_malware(objs), on="__rid", how="left")
        .join(_providers(objs), left_on="created_by_ref", right_on="__pid", how="left")
        .with_columns(_verdict())
        .join(observables, on=OBJ, how="left")
        .sort(OBJ, K, nulls_last=True, maintain_order=True)
    )
    return _context(frame)


def _marking_table(objs: pl.DataFrame) -> pl.DataFrame:
    """Marking-definition id -> TLP rank: the predefined ones, then the bundle's own."""
    level = pl.coalesce(
        pl.col(TLP2_VALUE),
        pl.when(pl.col("definition_type").str.to_lowercase() == "tlp").then(
            pl.col("definition.tlp")
        ),
    )
    defined = objs.filter(
        (pl.col("type") == "marking-definition") & pl.col("id").is_not_null()
    ).select(
        pl.col("id").alias("__mid"),
        level.str.strip_chars()
        .str.to_lowercase()
        .replace_strict(TLP_LEVELS, default=None, return_dtype=pl.String)
        .alias("__tlp"),
    )
    known = pl.DataFrame(
        {"__mid": list(KNOWN_MARKINGS), "__tlp": list(KNOWN_MARKINGS.values())},
        schema={"__mid": pl.String, "__tlp": pl.String},
    )
    return (
        pl.concat([known, defined.drop_nulls()])
        .unique("__mid", keep="first", maintain_order=True)
        .select(
            "__mid", pl.col("__tlp").replace_strict(RANK, return_dtype=pl.Int8).alias("__mrank")
        )
    )


def _ranks(frame: pl.DataFrame, keys: list[str], refs: str, markings: pl.DataFrame) -> pl.DataFrame:
    """The most restrictive TLP rank among the marking refs of each row (``__rank``)."""
    return (
        frame.select(*keys, refs)
        .explode(refs)
        .join(markings, left_on=refs, right_on="__mid")
        .group_by(keys)
        .agg(pl.col("__mrank").max().alias("__rank"))
    )


def _indicator_observables(objs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Observables of STIX patterns, and which patterns are not STIX patterning.

    Each pattern is cut into tokens (:data:`TOKEN`) and the tokens exploded into one frame,
    so that the structure checks are column expressions over neighbouring tokens."""
    pattern_type = pl.col("pattern_type").str.to_lowercase()
    patterns = objs.filter(
        (pl.col("type") == "indicator")
        & pl.col("pattern").is_not_null()
        & (pattern_type.is_null() | (pattern_type == "stix"))
    ).select(
        OBJ,
        pl.col("pattern").str.extract_all(TOKEN).alias("__tok"),
        pl.col("pattern").str.replace_all(TOKEN, "").str.contains(r"\S").alias("__stray"),
    )
    tokens = patterns.select(OBJ, "__tok").explode("__tok")
    t = pl.col("__tok")
    # Neighbours within the same pattern (the frame is in pattern order).
    obj = pl.col(OBJ)
    prv = pl.when(obj.shift(1) == obj).then(t.shift(1))
    nxt = pl.when(obj.shift(-1) == obj).then(t.shift(-1))
    joins = ["AND", "OR", "FOLLOWEDBY"]
    # Structure: an operator between two operands, no empty or adjacent observations, and
    # the pattern ends an observation (or a qualifier).
    misplaced = (
        (
            t.is_in(joins)
            & (
                prv.is_null()
                | prv.is_in([*joins, "[", "("])
                | nxt.is_null()
                | nxt.is_in([*joins, "]", ")"])
            )
        )
        | ((t == "[") & (nxt == "]"))
        | ((t == "]") & nxt.is_in(["[", "("]))
    )
    last = t.last()
    structure = (
        tokens.with_columns(misplaced.fill_null(False).alias("__misplaced"))
        .group_by(OBJ)
        .agg(
            (
                ~t.first().is_in(["[", "("])
                | ~(last.is_in(["]", ")", "SECONDS", "TIMES"]) | last.str.starts_with("t'"))
                | ((t == "[").sum() != (t == "]").sum())
                | ((t == "(").sum() != (t == ")").sum())
                | pl.col("__misplaced").any()
            )
            .fill_null(True)
            .alias("__structure_bad")
        )
    )
    pattern_bad = patterns.join(structure, on=OBJ, how="left").select(
        OBJ, (pl.col("__stray") | pl.col("__structure_bad").fill_null(True)).alias("__pattern_bad")
    )
    head = rf"^{SUPPORTED}\s*(?:NOT\s+)?({OPS})"
    otype = t.str.extract(r"^([a-z0-9-]+):", 1)
    op = t.str.extract(head, 1)
    supported = ~t.str.contains(r"^\S+\s*NOT\s") & (
        (op == "=") | (op == "IN") | ((op == "ISSUBSET") & otype.is_in(OBSERVABLE_TYPES[:2]))
    )
    values = (
        tokens.join(pattern_bad.filter(~pl.col("__pattern_bad")), on=OBJ, maintain_order="left")
        .filter(t.str.contains(head).fill_null(False))
        .filter(supported)
        .select(OBJ, otype.alias("__otype"), t.str.extract_all(STR).alias("__value"))
        .explode("__value")
        .with_columns(
            pl.col("__value")
            .str.strip_prefix("'")
            .str.strip_suffix("'")
            .str.replace_all(r"\\(['\\])", "${1}")
        )
        .unique([OBJ, "__otype", "__value"], keep="first", maintain_order=True)
    )
    return _observables(values), pattern_bad


def _observables(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (ordered by object, then observable) with every column of
    :data:`OBSERVABLE_SCHEMA` (nulls where absent) and the observable's index ``__k``."""
    return frame.select(
        *(
            pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
            for c, t in OBSERVABLE_SCHEMA.items()
        ),
        pl.int_range(pl.len(), dtype=pl.Int64).over(OBJ).alias(K),
    )


SCO_FIELDS = [
    "type",
    "value",
    "src_ref",
    "dst_ref",
    "src_port",
    "dst_port",
    "protocols",
    "object_marking_refs",
]


def _observed_observables(objs: pl.DataFrame) -> pl.DataFrame:
    """Source observables of observed-data, from embedded SCOs or refs to the bundle's."""
    od = objs.filter(pl.col("type") == "observed-data")
    # The SCOs an observed-data may name: its embedded ones (scope: the observed-data) and
    # the bundle's top-level objects (scope -1), keyed as references name them.
    embedded = _embedded(od.filter(pl.col("objects").str.starts_with("{")).select(OBJ, "objects"))
    top = objs.filter(pl.col("id").is_not_null()).select(
        pl.lit(-1, pl.Int64).alias("scope"),
        pl.col("id").alias("key"),
        pl.col(OBJ).alias("pos"),
        *SCO_FIELDS,
    )
    scos = pl.concat([embedded, top.unique("key", keep="last", maintain_order=True)])
    refs = (
        od.select(OBJ, "object_refs")
        .explode("object_refs")
        .drop_nulls("object_refs")
        .select(
            OBJ,
            pl.lit(-1, pl.Int64).alias("scope"),
            pl.col("object_refs").alias("key"),
            pl.lit(1).alias("__seq"),
            pl.int_range(pl.len(), dtype=pl.Int64).over(OBJ).alias("pos"),
        )
    )
    members = pl.concat(
        [
            embedded.select(
                pl.col("scope").alias(OBJ), "scope", "key", pl.lit(0).alias("__seq"), "pos"
            ),
            refs,
        ]
    ).join(scos.drop("pos"), on=["scope", "key"])
    traffic = (
        members.filter(pl.col("type") == "network-traffic")
        .join(
            scos.select(
                "scope",
                pl.col("key").alias("src_ref"),
                pl.col("type").alias("__src_type"),
                pl.col("value").alias("__src_value"),
                pl.col("object_marking_refs").alias("__src_marks"),
            ),
            on=["scope", "src_ref"],
            how="left",
        )
        .join(
            scos.select(
                "scope",
                pl.col("key").alias("dst_ref"),
                pl.col("type").alias("__dst_type"),
                pl.col("value").alias("__dst_value"),
            ),
            on=["scope", "dst_ref"],
            how="left",
        )
    )
    from_traffic = traffic.filter(
        pl.col("__src_type").is_in(["ipv4-addr", "ipv6-addr", "domain-name"])
        & pl.col("__src_value").is_not_null()
    ).select(
        OBJ,
        "__seq",
        "pos",
        pl.col("__src_type").alias("__otype"),
        pl.col("__src_value").alias("__value"),
        pl.col("src_port").alias("__sport"),
        pl.when(pl.col("__dst_type").is_in(["ipv4-addr", "ipv6-addr"]))
        .then(pl.col("__dst_value"))
        .alias("__dst"),
        pl.col("dst_port").alias("__dport"),
        pl.col("protocols").alias("__protocols"),
        pl.concat_list(
            pl.col("object_marking_refs").fill_null([]), pl.col("__src_marks").fill_null([])
        ).alias("__omarks"),
        pl.col("key").alias("__sco"),
    )
    referenced = pl.concat(
        [traffic.select(OBJ, "scope", pl.col(end).alias("key")) for end in ("src_ref", "dst_ref")]
    ).drop_nulls()
    alone = (
        members.filter(pl.col("type").is_in(OBSERVABLE_TYPES) & pl.col("value").is_not_null())
        .join(referenced, on=[OBJ, "scope", "key"], how="anti")
        .select(
            OBJ,
            "__seq",
            "pos",
            pl.col("type").alias("__otype"),
            pl.col("value").alias("__value"),
            pl.col("object_marking_refs").alias("__omarks"),
            pl.col("key").alias("__sco"),
        )
    )
    found = pl.concat([from_traffic, alone], how="diagonal_relaxed").sort(OBJ, "__seq", "pos")
    return _observables(
        found.unique(
            [OBJ, "__otype", "__value", "__sport", "__dst", "__dport"],
            keep="first",
            maintain_order=True,
        )
    )


def _embedded(source: pl.DataFrame) -> pl.DataFrame:
    """The SCOs embedded in observed-data (``objects``: key -> SCO), decoded, in order."""
    schema = {"scope": pl.Int64, "key": pl.String, "pos": pl.Int64}
    if source.height == 0:
        empty = _decode(pl.Series([], dtype=pl.String))
        return pl.concat([pl.DataFrame(schema=schema), empty.select(SCO_FIELDS)], how="horizontal")
    rows = _query(
        source.to_arrow(),
        'SELECT o."__obj" AS scope, e.key AS key, e.id AS pos, CAST(e.value AS VARCHAR) AS l '
        "FROM t o, json_each(o.objects) e WHERE e.key IS NOT NULL ORDER BY scope, pos",
    )
    return pl.concat(
        [
            rows.select(pl.col(c).cast(t) for c, t in schema.items()),
            _decode(rows["l"]).select(SCO_FIELDS),
        ],
        how="horizontal",
    )


def _terms(objs: pl.DataFrame) -> pl.DataFrame:
    """Classification of each object from its indicator types and labels: ``__ttype`` (null:
    the default), ``__term`` (the deciding term), ``__benign``."""
    term = pl.col("__t")
    rsit = term.str.extract(RSIT_TAG, 1)
    rsit_ok = rsit.is_in(TYPES).fill_null(False)
    exploded = (
        objs.select(
            OBJ,
            pl.concat_list(
                pl.col("indicator_types").fill_null([]), pl.col("labels").fill_null([])
            ).alias("__t"),
        )
        .explode("__t")
        .drop_nulls("__t")
        .with_columns(term.str.strip_chars().str.to_lowercase())
        .with_columns(pl.int_range(pl.len()).over(OBJ).alias("__pos"))
    )
    ranked = exploded.with_columns(
        pl.when(rsit_ok)
        .then(0)
        .otherwise(
            term.replace_strict(
                {k: v[0] for k, v in TERM_TYPES.items()}, default=None, return_dtype=pl.Int32
            )
        )
        .alias("__rank"),
        pl.when(rsit_ok)
        .then(rsit)
        .otherwise(
            term.replace_strict(
                {k: v[1] for k, v in TERM_TYPES.items()}, default=None, return_dtype=pl.String
            )
        )
        .alias("__ttype"),
        pl.when(rsit_ok)
        .then(term.str.replace_all('"', "", literal=True))
        .otherwise(term)
        .alias("__term"),
    )
    best = (
        ranked.filter(pl.col("__rank").is_not_null())
        .sort(OBJ, "__rank", "__pos")
        .group_by(OBJ, maintain_order=True)
        .agg(pl.first("__ttype"), pl.first("__term"))
    )
    benign = exploded.group_by(OBJ).agg((term == "benign").any().alias("__benign"))
    return (
        objs.select(OBJ)
        .join(best, on=OBJ, how="left")
        .join(benign, on=OBJ, how="left")
        .with_columns(pl.col("__benign").fill_null(False))
    )


def _indicators(
    objs: pl.DataFrame,
    observables: pl.DataFrame,
    pattern_bad: pl.DataFrame,
    terms: pl.DataFrame,
    ranks: pl.DataFrame,
) -> pl.DataFrame:
    """What a sighting needs of the indicator it names (the last object with that id)."""
    return (
        objs.filter(pl.col("type") == "indicator")
        .join(terms, on=OBJ, how="left")
        .join(pattern_bad, on=OBJ, how="left")
        .join(observables.group_by(OBJ).len("__n"), on=OBJ, how="left")
        .join(ranks, on=OBJ, how="left")
        .sort(OBJ)
        .unique("id", keep="last", maintain_order=True)
        .filter(pl.col("id").is_not_null())
        .select(
            pl.col("id").alias("__ind_id"),
            pl.col(OBJ).alias("__ind"),
            pl.col("name").alias("__ind_name"),
            pl.col("__rank").alias("__ind_rank"),
            pl.col("__benign").fill_null(False).alias("__ind_benign"),
            (pl.col("revoked") == "true").fill_null(False).alias("__ind_revoked"),
            (
                pl.col("__n").is_not_null()
                & ~pl.col("__pattern_bad").fill_null(False)
                & ~pl.col("__benign").fill_null(False)
                & (pl.col("revoked") != "true").fill_null(True)
            ).alias("__ind_ok"),
        )
    )


def _malware(objs: pl.DataFrame) -> pl.DataFrame:
    """Indicator id -> the names (lower case) of the malware it ``indicates``, sorted."""
    kind = pl.col("type")
    links = objs.filter((kind == "relationship") & (pl.col("relationship_type") == "indicates"))
    names = (
        objs.filter(kind == "malware")
        .select(
            pl.col("id").alias("target_ref"),
            pl.col("name").str.strip_chars().str.to_lowercase().alias("__mname"),
        )
        .filter(pl.col("__mname").is_not_null() & (pl.col("__mname") != ""))
        .unique("target_ref", keep="last")
    )
    return (
        links.select(pl.col("source_ref").alias("__rid"), "target_ref")
        .join(names, on="target_ref")
        .group_by("__rid")
        .agg(pl.col("__mname").unique().sort().alias("__malware"))
    )


def _providers(objs: pl.DataFrame) -> pl.DataFrame:
    """Identity id -> its name, for identities that are not individuals (personal data)."""
    return (
        objs.filter(
            (pl.col("type") == "identity")
            & (pl.col("identity_class").str.to_lowercase() != "individual").fill_null(True)
            & pl.col("name").is_not_null()
        )
        .select(pl.col("id").alias("__pid"), pl.col("name").str.strip_chars().alias("__provider"))
        .unique("__pid", keep="last")
    )


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
        valid_until=pl.when(is_ind).then(pl.col("valid_until")),
        object=pl.when(is_od).then(pl.col("__sco")),
        protocols=pl.when(is_od).then(pl.col("__protocols")),
        number_observed=pl.when(is_od).then(pl.col("number_observed").cast(pl.Int64, strict=False)),
        last_observed=pl.when(is_od).then(pl.col("last_observed")),
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
