"""What a STIX bundle says of each of its objects, resolved by joins over its objects.

The objects of a document are decoded into one frame (:data:`STRUCTURE`), and each is joined
to what other objects say of it: the TLP of its markings (predefined or marking-definitions
of the bundle), the malware an ``indicates`` relationship links an indicator to, the
producer identity, the indicator a sighting names, and its network observables (from its
pattern, from the SCOs an observed-data embeds or references, or from the sighted
indicator). No Python loop over the objects.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pyarrow as pa

from wuzhen.evidence.parsers._base import LINE, _flatten, duck
from wuzhen.evidence.parsers._stix_pattern import (
    AS,
    OBSERVABLE_TYPES,
    alone_as,
    pattern_observables,
)
from wuzhen.schema.taxonomy import TYPES
from wuzhen.schema.tlp import RANK, TLP, TLP2_EXTENSION, TLP2_MARKINGS

# -- markings ----------------------------------------------------------------------------

#: The TLP 1.0 marking-definitions the STIX 2.1 specification predefines ("TLP Marking").
TLP1_MARKINGS: dict[str, TLP] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,  # TLP:WHITE
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
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
    "definition": V,  # as JSON: its "tlp", or "TLP" as OpenCTI writes it
    "x_opencti_definition_type": V,  # OpenCTI's own TLP markings (AMBER+STRICT, say)
    "x_opencti_definition": V,
    "extensions": {TLP2_EXTENSION: {"tlp_2_0": V}},
    "value": V,
    "number": V,
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
    "__as_name": pl.String(),
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
        f"CASE WHEN json_type(l) = 'OBJECT' THEN json_transform(l, '{structure}') END AS j, "
        # the marking properties' JSON types: a marking given in another shape is refused, not
        # passed over (the record would get the feed's default, maybe looser than its own)
        "CASE WHEN json_type(l) = 'OBJECT' THEN json_type(l, '$.object_marking_refs') END "
        "AS __marks_type, "
        "CASE WHEN json_type(l) = 'OBJECT' THEN json_type(l, '$.granular_markings') END "
        "AS __granular_type, "
        "CASE WHEN json_type(l, '$.granular_markings') = 'ARRAY' "
        "THEN json_extract_string(l, '$.granular_markings[*].marking_ref') END AS __granular "
        "FROM t",
    )
    return pl.concat(
        [
            out.select("__is_object", "__marks_type", "__granular_type"),
            _flatten(out.select("j").unnest("j")),
            out.select(pl.col("__granular").cast(pl.List(pl.String))),
        ],
        how="horizontal",
    )


def _query(table: pa.Table, sql: str) -> pl.DataFrame:
    """Run ``sql`` on ``table`` (named ``t`` in it) in this thread's DuckDB connection."""
    rel = duck().from_arrow(table).query("t", sql)
    assert rel is not None
    out = pl.from_arrow(rel.to_arrow_table())
    assert isinstance(out, pl.DataFrame)
    return out


def resolve(lines: pl.Series) -> pl.DataFrame:
    """One row per observable of each object (one per object without any), in document
    order, with the object's properties and what the bundle says about it (markings,
    malware, the sighted indicator, the producer) resolved into ``__`` columns.

    All of it is joins over the frame of the document's objects: no Python loop over them.
    """
    objs = _decode(lines).with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(OBJ), lines.alias(LINE)
    )
    kind = pl.col("type")
    markings = _marking_table(objs)
    # A granular marking counts for the whole object, whatever its selectors: the event keeps
    # the object's text whole (raw), and a pattern's marking is its observable's.
    marks = pl.concat_list(
        pl.col("object_marking_refs").fill_null([]), pl.col("__granular").fill_null([])
    ).alias("__marks")
    ranks = _ranks(objs.select(OBJ, marks), [OBJ], "__marks", markings)
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
    return (
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
        .join(observables, on=OBJ, how="left")
        .sort(OBJ, K, nulls_last=True, maintain_order=True)
    )


def _marking_table(objs: pl.DataFrame) -> pl.DataFrame:
    """Marking-definition id -> TLP rank: the predefined ones, then the bundle's own. A
    definition that names a TLP level (the TLP 2.0 extension, ``definition_type`` tlp, or
    OpenCTI's ``x_opencti_definition_type``), as ``RED`` or ``TLP:RED``, has that level; one
    whose level cannot be read is taken as RED: a record's marking is a ceiling, and the
    feed's default could be looser than what its producer meant."""
    tlp_typed = pl.col("definition_type").str.to_lowercase() == "tlp"
    opencti = pl.col("x_opencti_definition_type").str.to_lowercase() == "tlp"
    level = pl.coalesce(
        pl.col(TLP2_VALUE),
        pl.when(tlp_typed).then(
            pl.coalesce(
                pl.col("definition").str.json_path_match(f"$.{key}") for key in ("tlp", "TLP")
            )
        ),
        pl.when(opencti).then(pl.col("x_opencti_definition")),
    )
    read = (
        level.str.strip_chars()
        .str.to_lowercase()
        .str.strip_prefix("tlp:")
        .str.strip_chars()
        .replace_strict(TLP_LEVELS, default=None, return_dtype=pl.String)
    )
    names_tlp = pl.col(TLP2_VALUE).is_not_null() | tlp_typed.fill_null(False) | opencti
    defined = objs.filter(
        (pl.col("type") == "marking-definition") & pl.col("id").is_not_null()
    ).select(
        pl.col("id").alias("__mid"),
        pl.when(names_tlp.fill_null(False)).then(read.fill_null(TLP.RED.value)).alias("__tlp"),
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
    """Observables of the STIX patterns of indicators, and which patterns are not STIX
    patterning (:func:`~wuzhen.evidence.parsers._stix_pattern.pattern_observables`)."""
    pattern_type = pl.col("pattern_type").str.to_lowercase()
    patterns = objs.filter(
        (pl.col("type") == "indicator")
        & pl.col("pattern").is_not_null()
        & (pattern_type.is_null() | (pattern_type == "stix"))
    ).select(OBJ, "pattern")
    values, pattern_bad = pattern_observables(patterns, OBJ)
    return _observables(values), pattern_bad


def _observables(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (ordered by object, then observable) with every column of
    :data:`OBSERVABLE_SCHEMA` (nulls where absent) and the observable's index ``__k``; an
    autonomous system only where its object names no other observable."""
    return alone_as(frame, OBJ).select(
        *(
            pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
            for c, t in OBSERVABLE_SCHEMA.items()
        ),
        pl.int_range(pl.len(), dtype=pl.Int64).over(OBJ).alias(K),
    )


SCO_FIELDS = [
    "type",
    "value",
    "number",
    "name",
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
    is_as = pl.col("type") == AS
    value = pl.when(is_as).then(pl.col("number")).otherwise(pl.col("value"))
    alone = (
        members.filter(pl.col("type").is_in(OBSERVABLE_TYPES) & value.is_not_null())
        .join(referenced, on=[OBJ, "scope", "key"], how="anti")
        .select(
            OBJ,
            "__seq",
            "pos",
            pl.col("type").alias("__otype"),
            value.alias("__value"),
            pl.when(is_as).then(pl.col("name")).alias("__as_name"),
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
            pl.col("valid_until").alias("__ind_valid_until"),
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
