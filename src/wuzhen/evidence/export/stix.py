"""Events as a STIX 2.1 bundle, for partners' threat-intelligence platforms and TAXII.

:func:`to_stix_bundle` writes, from the shared field set only (:data:`wuzhen.schema.SHARED`:
never ``raw``, never ``destination.*``):

- one ``identity`` (the node or member exporting, ``identity_class`` organization), the
  ``created_by_ref`` of everything else;
- one object per event that has a source observable (``source.ip``, ``source.network``,
  ``source.fqdn``, ``source.url``, else ``source.asn``: an autonomous system a list such as
  Spamhaus ASN-DROP names; other events are left out), in one of two forms:

  - ``form="indicator"`` (the default: what TIPs and MISP import as detection data): an
    ``indicator`` whose STIX pattern names every source observable of the event, one
    observation expression each, joined by ``AND`` (``[ipv4-addr:value = '198.51.100.7']``;
    a block is ``[ipv4-addr:value ISSUBSET '198.51.100.0/24']``; an event whose source is
    an autonomous system only, ``[autonomous-system:number = 64496]``), ``valid_from`` the
    event's ``time.source`` (else ``time.observation``), ``valid_until`` the event's
    ``extra.valid_until`` (the end of validity of the indicator it was read from, or of the
    indicator a sighting it was read from reports) when it has one, ``indicator_types`` from the
    classification (compromise types: ``compromised``; ``undetermined``:
    ``anomalous-activity``; ``unknown``, ``other``, ``test``: ``unknown``; every other type:
    ``malicious-activity``), ``name`` the event's description (else ``<type>:
    <identifier>``), ``description`` the classification and the source's attribution (AS,
    registration and location country) as text; a ``malware`` object (``is_family``) and an
    ``indicates`` relationship when the event names a malware family. An event that is no
    detection signature is an ``observed-data`` as in the other form: one read with
    ``extra.to_ids`` false (its producer, a MISP attribute, did not recommend it for automatic
    detection), or whose ``extra.valid_until`` is unreadable or not after ``valid_from``
    (STIX 2.1 requires it later; without it the indicator would be valid forever);
  - ``form="observed-data"``: an ``observed-data`` (``first_observed`` = ``last_observed``
    = the event's time, ``number_observed`` 1) referring to SCOs: ``ipv4-addr`` /
    ``ipv6-addr`` (an address or block), ``domain-name``, ``url``, a ``network-traffic``
    from the address when the event has a source port or protocol, and the
    ``autonomous-system`` of the address when attribution found it (the only SCO of an
    event whose source is an autonomous system only). Each SCO carries in its own
    ``object_marking_refs`` the marking of the events naming it, the least restrictive where
    they differ, as a malware object does: its value is what that event discloses (STIX
    markings do not pass through references, and a platform may store an SCO on its own).

  Both carry the classification as the machine tag ``rsit:<taxonomy>="<type>"`` in
  ``labels`` (the MISP RSIT taxonomy, which the ``stix`` parser reads first), the event id as
  an external reference (``source_name`` ``wuzhen``, ``external_id`` the event id) and the
  event's marking in ``object_marking_refs``;
- the TLP 2.0 ``marking-definition`` objects used, exactly as the OASIS TLP 2.0 extension
  publishes them (see :data:`wuzhen.evidence.parsers.stix.TLP2_MARKINGS`);
- one ``note`` carrying the attribution notice of the node's snapshot (``content``), applied
  to the identity and every exported object: the data it credits travels with them.

Ids are deterministic: uuid5 of the event id (in :data:`NAMESPACE`) for an event's objects,
of the name for the identity and malware, and the STIX 2.1 SCO ids (uuid5 of the SCO's
id-contributing properties in the namespace the specification fixes). Identity and malware
objects carry a fixed ``created`` time, an event's objects its ``time.observation``, so
exporting the same events again writes the same bundle.

Read back with the ``stix`` parser, an event with one source observable gives the same event
again (source, classification type, marking, time -- ``time.observation`` where it had no
``time.source``; and the description, malware, port, protocol and AS name where the form
carries them). An event with several source observables (an address
and a URL, say) gives one event per observable, as any compound pattern does.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

import polars as pl

from wuzhen.evidence.export import DETECTION
from wuzhen.schema.fields import SHARED
from wuzhen.schema.taxonomy import TAXONOMY_OF_TYPE
from wuzhen.schema.tlp import RANK, TLP, TLP2_CREATED, TLP2_EXTENSION, TLP2_MARKINGS

Form = Literal["indicator", "observed-data"]

#: Wuzhen's namespace for the uuid5 ids of the objects it exports (fixed forever).
NAMESPACE = uuid.UUID("4b0f1d7e-3c4a-5e2b-9f1a-7d2c6e8a0b35")
#: The namespace STIX 2.1 fixes for deterministic SCO ids (specification section 2.9).
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
#: ``created`` of the objects Wuzhen derives from a name (identity, malware).
FIXED_CREATED = "2024-01-01T00:00:00.000Z"
SOURCE_NAME = "wuzhen"

COMPROMISE = (
    "infected-system",
    "system-compromise",
    "privileged-account-compromise",
    "unprivileged-account-compromise",
    "application-compromise",
)
INDICATOR_TYPES: dict[str, str] = {
    **dict.fromkeys(COMPROMISE, "compromised"),
    "undetermined": "anomalous-activity",
    **dict.fromkeys(("unknown", "other", "test"), "unknown"),
}
OBSERVABLES = ("source.ip", "source.network", "source.url", "source.fqdn")
#: Forms of a STIX timestamp (``extra.valid_until`` as the stix parser keeps it).
UNTIL_FORMATS = ["%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%dT%H:%M:%S%.f%:z"]


def to_stix_bundle(
    events: pl.DataFrame,
    *,
    identity_name: str,
    notice: str,
    form: Form = "indicator",
) -> dict[str, Any]:
    """A STIX 2.1 bundle of ``events`` (a frame of stored events), as a JSON-ready dict."""
    if form not in ("indicator", "observed-data"):
        msg = f"unknown STIX export form {form!r}: indicator or observed-data"
        raise ValueError(msg)
    frame = _prepared(events)
    identity_id = _id("identity", f"identity:{identity_name}")
    identity = {
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id,
        "created": FIXED_CREATED,
        "modified": FIXED_CREATED,
        "name": identity_name,
        "identity_class": "organization",
    }
    objects: list[dict[str, Any]] = [identity]
    exported: list[str] = []
    shared: dict[str, dict[str, Any]] = {}  # objects several events may name: malware, SCOs
    # The marking (TLP rank) of each shared object, from the events naming it. STIX markings
    # are not inherited through references: an object unmarked here would be unmarked
    # wherever a platform stores it on its own.
    shared_rank: dict[str, int] = {}
    # The bundle is a Python structure, so it is built row by row; every value in it was
    # computed on the frame (_prepared), the loop only places them.
    for row in frame.iter_rows(named=True):
        rank = RANK[row["tlp"]]
        if form == "indicator" and row["__indicator"]:
            main = _indicator(row, identity_id)
            objects.append(main)
            if row["malware.name"]:
                mid = _id("malware", f"malware:{row['malware.name']}")
                shared.setdefault(mid, _malware(mid, row["malware.name"], identity_id))
                # A family name is as public as the least restricted event naming it.
                shared_rank[mid] = min(shared_rank.get(mid, rank), rank)
                objects.append(_indicates(row, main["id"], mid, identity_id))
        else:
            main, scos = _observed(row, identity_id)
            objects.append(main)
            for sco in scos:
                shared.setdefault(sco["id"], sco)
                # An observable is as public as the least restricted event naming it (its
                # value is what that event discloses; an SCO only one RED event names is RED).
                shared_rank[sco["id"]] = min(shared_rank.get(sco["id"], rank), rank)
        exported.append(main["id"])
    for oid, rank in shared_rank.items():
        shared[oid]["object_marking_refs"] = [TLP2_MARKINGS[TLP(_TLP_OF_RANK[rank])]]
    objects.extend(shared[k] for k in sorted(shared))
    used = sorted({TLP(t) for t in frame["tlp"]}, key=lambda t: t.rank)
    objects.extend(_marking_definition(t) for t in used)
    if notice:
        latest = frame["__created"].max() if frame.height else None
        objects.append(_note(notice, identity_id, exported, latest))
    bundle_id = _id("bundle", "bundle:" + "\n".join(sorted(o["id"] for o in objects)))
    return {"type": "bundle", "id": bundle_id, "objects": objects}


_TLP_OF_RANK = {v: k for k, v in RANK.items()}


def _prepared(events: pl.DataFrame) -> pl.DataFrame:
    """The shared fields of the events that have a source observable or AS (and an id and a time),
    in event id order, with the texts the STIX objects need as columns."""
    shared = events.select(c for c in SHARED if c in events.columns)
    cols = set(shared.columns)

    def col(name: str, dtype: pl.DataType | None = None) -> pl.Expr:
        if name in cols:
            return pl.col(name)
        return pl.lit(None, dtype if dtype is not None else pl.String()).alias(name)

    utc = pl.Datetime("us", "UTC")
    frame = shared.select(
        col("event.id"),
        col("time.source", utc).cast(utc),
        col("time.observation", utc).cast(utc),
        col("tlp"),
        *(col(c) for c in OBSERVABLES),
        col("source.port", pl.Int32()),
        col("source.asn", pl.Int64()),
        col("source.as_name"),
        col("source.registration.cc"),
        col("source.geolocation.cc"),
        col("protocol.transport"),
        col("protocol.application"),
        col("classification.type"),
        col("classification.taxonomy"),
        col("classification.identifier"),
        col("event_description.text"),
        col("malware.name"),
        col("extra"),
    ).filter(
        pl.any_horizontal(pl.col(c).is_not_null() for c in (*OBSERVABLES, "source.asn"))
        & pl.col("event.id").is_not_null()
        & pl.coalesce("time.observation", "time.source").is_not_null()
    )
    ctype = pl.col("classification.type")
    taxonomy = pl.coalesce(
        ctype.replace_strict(TAXONOMY_OF_TYPE, default=None, return_dtype=pl.String),
        pl.col("classification.taxonomy"),
    )
    attribution = pl.concat_str(
        pl.format("AS{}", pl.col("source.asn")),
        pl.col("source.as_name"),
        pl.format("registered in {}", pl.col("source.registration.cc")),
        pl.format("located in {}", pl.col("source.geolocation.cc")),
        separator=", ",
        ignore_nulls=True,
    )
    valid_from = pl.coalesce("time.source", "time.observation")
    # extra.valid_until is the text of the indicator the event was read from, or whose
    # sighting it was read from (stix parser).
    until_text = pl.col("extra").str.json_path_match("$.valid_until")
    until = _parsed(until_text)
    return frame.sort("event.id").with_columns(
        _stamp(valid_from).alias("__valid"),
        _stamp(until).alias("__valid_until"),
        # A detection signature only when the producer recommended the value for detection
        # and any end of validity is readable and after its start (STIX 2.1 requires it).
        (DETECTION & (until_text.is_null() | (until > valid_from)).fill_null(False)).alias(
            "__indicator"
        ),
        _stamp(pl.coalesce("time.observation", "time.source")).alias("__created"),
        pl.col("tlp").fill_null(TLP.AMBER.value),
        pl.format('rsit:{}="{}"', taxonomy, ctype).alias("__label"),
        ctype.replace_strict(
            INDICATOR_TYPES, default="malicious-activity", return_dtype=pl.String
        ).alias("__indicator_type"),
        pl.coalesce(
            pl.col("event_description.text"),
            pl.format("{}: {}", ctype, pl.col("classification.identifier")),
            ctype,
        ).alias("__name"),
        pl.concat_str(
            pl.format("{}/{} ({})", taxonomy, ctype, pl.col("classification.identifier")),
            pl.when(attribution != "").then(pl.format("source: {}", attribution)),
            separator="; ",
            ignore_nulls=True,
        ).alias("__description"),
        pl.col("malware.name").str.strip_chars().str.to_lowercase(),
    )


def _parsed(text: pl.Expr) -> pl.Expr:
    """A STIX timestamp text as a UTC time (null when it is none). Not the parsers'
    ``parse_time``: importing the parsers would cost an export a quarter of a second."""
    times = []
    for fmt in UNTIL_FORMATS:
        time = text.str.to_datetime(fmt, strict=False, time_unit="us")
        times.append(time.dt.replace_time_zone("UTC") if fmt.endswith("Z") else time)
    return pl.coalesce(t.dt.convert_time_zone("UTC") for t in times)


def _stamp(expr: pl.Expr) -> pl.Expr:
    """A STIX timestamp: UTC, microseconds, ``Z``."""
    return expr.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")


def _id(kind: str, name: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, name)}"


def _sco_id(kind: str, contributing: dict[str, Any]) -> str:
    """The STIX 2.1 deterministic id of an SCO: uuid5 of its id-contributing properties,
    canonically serialized (sorted keys, no blanks: RFC 8785 for these values)."""
    text = json.dumps(contributing, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{kind}--{uuid.uuid5(SCO_NAMESPACE, text)}"


def _present(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` without its null properties (STIX has no nulls)."""
    return {k: v for k, v in obj.items() if v is not None and v != []}


def _address_type(value: str) -> str:
    return "ipv6-addr" if ":" in value else "ipv4-addr"


def _quote(value: str) -> str:
    """A STIX pattern string literal."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def _pattern(row: dict[str, Any]) -> str:
    parts = []
    if row["source.ip"]:
        parts.append(f"[{_address_type(row['source.ip'])}:value = {_quote(row['source.ip'])}]")
    if row["source.network"]:
        net = row["source.network"]
        parts.append(f"[{_address_type(net)}:value ISSUBSET {_quote(net)}]")
    if row["source.url"]:
        parts.append(f"[url:value = {_quote(row['source.url'])}]")
    if row["source.fqdn"]:
        parts.append(f"[domain-name:value = {_quote(row['source.fqdn'])}]")
    if not parts:  # the event's source is an autonomous system
        parts.append(f"[autonomous-system:number = {row['source.asn']}]")
    return " AND ".join(parts)


def _common(row: dict[str, Any], kind: str, identity_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": _id(kind, row["event.id"]),
        "created_by_ref": identity_id,
        "created": row["__created"],
        "modified": row["__created"],
    }


def _tail(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "labels": [row["__label"]] if row["classification.type"] else None,
        "external_references": [{"source_name": SOURCE_NAME, "external_id": row["event.id"]}],
        "object_marking_refs": [TLP2_MARKINGS[TLP(row["tlp"])]],
    }


def _indicator(row: dict[str, Any], identity_id: str) -> dict[str, Any]:
    return _present(
        {
            **_common(row, "indicator", identity_id),
            "name": row["__name"],
            "description": row["__description"],
            "indicator_types": [row["__indicator_type"]],
            "pattern": _pattern(row),
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": row["__valid"],
            "valid_until": row["__valid_until"],
            **_tail(row),
        }
    )


def _observed(row: dict[str, Any], identity_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    scos: list[dict[str, Any]] = []

    def sco(kind: str, contributing: dict[str, Any], **more: Any) -> str:
        obj = _present(
            {"type": kind, "spec_version": "2.1", "id": _sco_id(kind, contributing)}
            | contributing
            | more
        )
        scos.append(obj)
        return str(obj["id"])

    for name in ("source.ip", "source.network"):
        value = row[name]
        if not value:
            continue
        kind = _address_type(value)
        address = sco(kind, {"value": value})
        transport, app, port = (
            row["protocol.transport"],
            row["protocol.application"],
            row["source.port"],
        )
        if name == "source.ip" and (transport or app or port is not None):
            version = "ipv6" if kind == "ipv6-addr" else "ipv4"
            protocols = [transport or version, *([app] if app else [])]
            sco(
                "network-traffic",
                _present({"src_ref": address, "src_port": port, "protocols": protocols}),
            )
        if row["source.asn"] is not None:
            sco("autonomous-system", {"number": row["source.asn"]}, name=row["source.as_name"])
    if row["source.url"]:
        sco("url", {"value": row["source.url"]})
    if row["source.fqdn"]:
        sco("domain-name", {"value": row["source.fqdn"]})
    if not scos:  # the event's source is an autonomous system
        sco("autonomous-system", {"number": row["source.asn"]}, name=row["source.as_name"])
    main = _present(
        {
            **_common(row, "observed-data", identity_id),
            "first_observed": row["__valid"],
            "last_observed": row["__valid"],
            "number_observed": 1,
            "object_refs": list(dict.fromkeys(o["id"] for o in scos)),
            **_tail(row),
        }
    )
    return main, scos


def _malware(mid: str, name: str, identity_id: str) -> dict[str, Any]:
    return {
        "type": "malware",
        "spec_version": "2.1",
        "id": mid,
        "created_by_ref": identity_id,
        "created": FIXED_CREATED,
        "modified": FIXED_CREATED,
        "name": name,
        "is_family": True,
    }


def _indicates(row: dict[str, Any], source: str, target: str, identity_id: str) -> dict[str, Any]:
    return {
        **_common(row, "relationship", identity_id),
        "id": _id("relationship", f"{row['event.id']}:indicates"),
        "relationship_type": "indicates",
        "source_ref": source,
        "target_ref": target,
        "object_marking_refs": [TLP2_MARKINGS[TLP(row["tlp"])]],
    }


def _marking_definition(tlp: TLP) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking-definition of ``tlp``, as the extension publishes it."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_MARKINGS[tlp],
        "created": TLP2_CREATED,
        "name": f"TLP:{tlp.value}",
        "extensions": {
            TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp.value.lower()}
        },
    }


def _note(notice: str, identity_id: str, refs: list[str], latest: Any) -> dict[str, Any]:
    """The attribution notice, applied to the identity and every exported object."""
    stamp = latest if isinstance(latest, str) else FIXED_CREATED
    return {
        "type": "note",
        "spec_version": "2.1",
        "id": _id("note", "note:" + notice + "\n" + "\n".join(sorted(refs))),
        "created_by_ref": identity_id,
        "created": stamp,
        "modified": stamp,
        "abstract": "Attribution notice",
        "content": notice,
        "object_refs": [identity_id, *refs],
    }
