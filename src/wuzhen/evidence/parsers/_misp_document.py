"""Splitting a MISP document into records: one per attribute, with its event and object.

The :mod:`wuzhen.evidence.parsers.misp` parser reads the records; this module cuts the
document (an event, an event list, an attribute search, a feed manifest or ``hashes.csv``)
and decides what each record's text holds, so that it is the same whenever the attribute and
what its event says about it are (see ``EVENT_KEPT``): the text is the record's fingerprint.
"""

from __future__ import annotations

import re

import polars as pl

from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    UNREADABLE,
    bad_document,
    document_records,
    duck,
)

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
#: A line of a feed's ``hashes.csv``: the MD5 of an attribute value, and its event's uuid.
HASH_LINE = rf"^[0-9a-fA-F]{{32}},{UUID}\s*$"
# What a record keeps of its event: what the event says about its attributes (who made it,
# what it is about, its tags: markings, classification, malware), never the fields MISP
# changes on every edit or publication (timestamp, publish_timestamp, published,
# attribute_count, sighting_timestamp, locks...), nor the other attributes, objects, galaxies
# (their tags are kept) and related events. A list of what to keep, not of what to drop: a
# field a later MISP adds to its exports must not make every attribute of a feed new again.
EVENT_KEPT = (
    "uuid",
    "id",
    "info",
    "date",
    "threat_level_id",
    "distribution",
    "extends_uuid",
    "Orgc",
    "Tag",
)
# Of an object, the same; its timestamp changes whenever one of its attributes does.
OBJECT_KEPT = (
    "uuid",
    "name",
    "meta-category",
    "description",
    "comment",
    "distribution",
    "first_seen",
    "last_seen",
    "deleted",
)
# Of an attribute, all but what others add to it without changing it: sightings, proposals,
# correlations, decay scores, and its galaxies (their tags are kept).
_ATTRIBUTE_DROP = (
    '{"Sighting":null,"ShadowAttribute":null,"RelatedAttribute":null,"Galaxy":null,'
    '"decay_score":null,"Event":null}'
)


def _paths(keys: tuple[str, ...], under: str = "$") -> str:
    """SQL: the JSON paths of ``keys``, for one multi-path ``json_extract`` (one parse)."""
    return "[" + ", ".join(f"""'{under}."{k}"'""" for k in keys) + "]"


def _kept(values: str, keys: tuple[str, ...], first: int = 1) -> str:
    """SQL: an object of ``keys`` in that order, their values ``values[first...]`` (the list a
    multi-path ``json_extract`` gave), absent and null ones left out."""
    pairs = ", ".join(f"'{k}', {values}[{first + i}]" for i, k in enumerate(keys))
    return f"json_merge_patch('{{}}', json_object({pairs}))"


def _attribute(source: str) -> str:
    """SQL: the attribute ``source`` as a record keeps it (a value that is no object as is)."""
    return (
        f"CASE WHEN json_type({source}) = 'OBJECT' "
        f"THEN json_merge_patch({source}, '{_ATTRIBUTE_DROP}') ELSE {source} END"
    )


BAD_ATTRIBUTES = "MISP event Attribute is not a list of attributes"
BAD_OBJECTS = "MISP event Object is not a list of objects"
BAD_OBJECT = "MISP object is not a JSON object"
BAD_OBJECT_ATTRIBUTES = "MISP object Attribute is not a list of attributes"

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
# event's JSON can be large: it is read by a few multi-path calls (one parse each). An
# ``Attribute`` or ``Object`` that is not a list, and an object that is not one, is a rejected
# record (its event's part and the value): never an event read as if it had no attributes.
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
    CASE WHEN ok THEN {_kept("v", EVENT_KEPT, 3)} END AS head,
    CASE WHEN ok THEN t[2] END AS a_type, CASE WHEN ok THEN t[3] END AS o_type,
    CASE WHEN ok THEN v[1] END AS av, CASE WHEN ok THEN v[2] END AS ov,
    CASE WHEN ok AND t[2] = 'ARRAY' THEN CAST(v[1] AS JSON[]) END AS al,
    CASE WHEN ok AND t[3] = 'ARRAY' THEN CAST(v[2] AS JSON[]) END AS ol
  FROM (SELECT ei, item, e, t, ok, CASE WHEN ok THEN json_extract(e,
          {_paths(("Attribute", "Object", *EVENT_KEPT))}) END AS v
        FROM (SELECT *, COALESCE(t[1] = 'OBJECT' AND (t[2] <> 'NULL' OR t[3] <> 'NULL'
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
          CASE WHEN ok THEN {_kept("v", OBJECT_KEPT, 2)} END AS ohead,
          CASE WHEN ok AND json_type(v[1]) = 'ARRAY' THEN CAST(v[1] AS JSON[]) END AS al
        FROM (SELECT *, CASE WHEN ok THEN json_extract(o,
                {_paths(("Attribute", *OBJECT_KEPT))}) END AS v
              FROM (SELECT *, COALESCE(json_type(o) = 'OBJECT', false) AS ok
                    FROM objects)))),
bad AS (
  SELECT ei, 0 AS oi, 0 AS ai, json_object('Event', head, 'Attribute', av) AS line,
    '{BAD_ATTRIBUTES}' AS bad
  FROM heads WHERE head IS NOT NULL AND a_type NOT IN ('ARRAY', 'NULL')
  UNION ALL
  SELECT ei, NULL, 0, json_object('Event', head, 'Object', ov), '{BAD_OBJECTS}'
  FROM heads WHERE head IS NOT NULL AND o_type NOT IN ('ARRAY', 'NULL')
  UNION ALL
  SELECT ei, oi, 0, json_object('Event', head, 'Object', o),
    CASE WHEN COALESCE(json_type(o) = 'OBJECT', false) THEN '{BAD_OBJECT_ATTRIBUTES}'
      ELSE '{BAD_OBJECT}' END
  FROM objects WHERE NOT COALESCE(json_type(o) = 'OBJECT', false)
    OR json_type(o, '$.Attribute') NOT IN ('ARRAY', 'NULL'))
SELECT line, bad FROM (
  SELECT ei, oi, ai, CAST(CASE WHEN ohead IS NULL
      THEN json_object('Event', head, 'Attribute', {_attribute("a")})
      ELSE json_object('Event', head, 'Object', ohead, 'Attribute', {_attribute("a")}) END
      AS VARCHAR) AS line,
    NULL::VARCHAR AS bad
  FROM (SELECT * FROM own UNION ALL SELECT * FROM inside)
  UNION ALL
  SELECT ei, oi, ai, CAST(line AS VARCHAR), bad FROM bad
  UNION ALL
  SELECT ei, 0, 0, CAST(item AS VARCHAR), 'list element is not a MISP event'
  FROM heads WHERE head IS NULL)
ORDER BY ei, oi NULLS LAST, ai
"""
_ATTRIBUTES_SQL = f"""
SELECT CAST(CASE WHEN json_type(a, '$.Event') = 'OBJECT'
    THEN json_object('Event', {_kept("v", EVENT_KEPT)}, 'Attribute', {_attribute("a")})
    ELSE json_object('Attribute', {_attribute("a")}) END AS VARCHAR) AS line,
  NULL::VARCHAR AS bad
FROM (SELECT a, i, CASE WHEN json_type(a, '$.Event') = 'OBJECT'
        THEN json_extract(a, {_paths(EVENT_KEPT, "$.Event")}) END AS v
      FROM (SELECT unnest(l) AS a, generate_subscripts(l, 1) AS i
            FROM (SELECT {{attributes}} AS l FROM (SELECT $d AS d))))
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
