"""Events as one MISP event (the JSON MISP and PyMISP read), for partners' MISP instances.

:func:`to_misp_event` makes ``{"Event": {...}}`` with one attribute per distinct observable
(MISP type, category and value), from the shared field set only (:data:`wuzhen.schema.SHARED`:
never ``raw``, never ``destination.*``). The :mod:`wuzhen.evidence.parsers.misp` parser reads
it back (observables, classification, marking).

Attributes, by the first observable an event has:

====================================  ======================  ===============================
event fields                          MISP type               value
====================================  ======================  ===============================
``source.url``                        ``url``                 the URL
``source.fqdn`` and ``source.ip``     ``domain|ip``           ``host|address``
``source.fqdn`` and ``source.port``   ``hostname|port``       ``host|port``
``source.fqdn``                       ``domain``              the host name
``source.ip`` and ``source.port``     ``ip-src|port``         ``address|port``
``source.ip``                         ``ip-src``              the address
``source.network``                    ``ip-src``              the block (CIDR)
``source.asn``                        ``AS``                  ``AS<number>``
====================================  ======================  ===============================

The abusive host is the source of an event, so addresses are ``ip-src`` (the parser reads
``ip-src`` and ``ip-dst`` alike). Host names and addresses are written in lower case (MISP
does the same to host names and IPv6 addresses before comparing values). An event with none
of these is left out.

**One attribute per (type, category, value).** MISP refuses a second attribute with the same
type, category and value in one event ("A similar attribute already exists for this event"),
so events naming the same observable (an indicator and its sighting, repeated abuse reports
of one address) make one attribute. Its events are ordered by time (``time.source``, else
``time.observation``), then event id; the attribute has:

- ``uuid``: a uuid5 of the MISP event's uuid and the ``event.id`` of its earliest event.
  The MISP event's uuid is a uuid5 of the set of event ids, so exporting the same selection
  again gives the same uuids (a partner's MISP updates rather than duplicates), and an
  attribute of one MISP event never has the uuid of one of another: MISP refuses an
  attribute uuid it already holds ("The UUID provided is not unique"), and two selections
  sharing an event are two MISP events;
- ``category``: ``Payload delivery`` for malware-distribution (``Network activity`` where MISP
  does not allow it: ``domain|ip``), else ``Network activity``;
- ``to_ids``: true, unless an ``AS`` (no detection signature) or one of its events has
  ``extra.to_ids`` false (the producer did not recommend the value for automatic detection:
  one such event is enough, wrongly blocking a shared host costs more than a missed match);
- ``first_seen`` and ``last_seen``: the earliest and latest ``time.source`` of its events
  (``last_seen`` only when later than ``first_seen``; neither without a ``time.source``);
  ``timestamp`` (epoch seconds): the latest ``time.source`` (else ``time.observation``);
- tags: the RSIT machine tag of the classification of its earliest classified event,
  ``rsit:<taxonomy>="<type>"`` (the namespace of the MISP taxonomy "Reference Security
  Incident Classification Taxonomy"), and its own ``tlp:*`` tag (the most restrictive
  marking of its events) where it differs from the event's;
- ``comment``: the description, classification identifier, malware name and attribution
  (AS, registration and location country) of its earliest event, as text; for several
  events, followed by how many there are, the time span and the other classification types.

Markings: the MISP event's ``tlp:*`` tag is the most restrictive marking among the events (a
marking is a ceiling: a reader of the event tag alone must not loosen any of them), and its
``distribution`` follows it (CLEAR: all communities, GREEN: this community, others: the
creating organisation only); an attribute marked less restrictively keeps its own tag. Tags
use the TLP 2.0 names (``tlp:clear``, ``tlp:amber+strict``).

The attribution notice (the licences of the data attribution used) goes in the event's
``info``, after the given title.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import polars as pl

from wuzhen.errors import InputError
from wuzhen.evidence.export import DETECTION
from wuzhen.schema import SHARED, polars_schema
from wuzhen.schema.taxonomy import TAXONOMY_OF_TYPE
from wuzhen.schema.tlp import RANK, TLP

#: Namespace of every uuid this exporter makes (uuid5 of the URL "https://wuzhen.invalid/misp").
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://wuzhen.invalid/misp")
#: MISP ``distribution`` of the event by its marking: 3 all communities, 1 this community,
#: 0 the creating organisation only; attributes inherit it (5).
DISTRIBUTION = {
    TLP.CLEAR.value: "3",
    TLP.GREEN.value: "1",
    TLP.AMBER.value: "0",
    TLP.AMBER_STRICT.value: "0",
    TLP.RED.value: "0",
}
THREAT_LEVEL_UNDEFINED = "4"
ANALYSIS_COMPLETED = "2"
FIRST_SEEN = "%Y-%m-%dT%H:%M:%S%.6f+00:00"


def tlp_tag(marking: str) -> str:
    """The MISP tag of a TLP 2.0 marking (``AMBER+STRICT`` -> ``tlp:amber+strict``)."""
    return f"tlp:{TLP.parse(marking).value.lower()}"


def _shared(events: pl.DataFrame) -> pl.DataFrame:
    """The shared columns of ``events`` (never ``raw`` nor ``destination.*``), every one
    present: null where the frame has none."""
    schema = polars_schema()
    return events.select(
        (pl.col(name) if name in events.columns else pl.lit(None)).cast(schema[name]).alias(name)
        for name in SHARED
    )


def _attribute_columns() -> list[pl.Expr]:
    url = pl.col("source.url")
    fqdn = pl.col("source.fqdn")
    ip = pl.col("source.ip")
    port = pl.col("source.port").cast(pl.String)
    network = pl.col("source.network")
    asn = pl.col("source.asn")
    kind = (
        pl.when(url.is_not_null())
        .then(pl.lit("url"))
        .when(fqdn.is_not_null() & ip.is_not_null())
        .then(pl.lit("domain|ip"))
        .when(fqdn.is_not_null() & port.is_not_null())
        .then(pl.lit("hostname|port"))
        .when(fqdn.is_not_null())
        .then(pl.lit("domain"))
        .when(ip.is_not_null() & port.is_not_null())
        .then(pl.lit("ip-src|port"))
        .when(ip.is_not_null())
        .then(pl.lit("ip-src"))
        .when(network.is_not_null())
        .then(pl.lit("ip-src"))
        .when(asn.is_not_null())
        .then(pl.lit("AS"))
    )
    value = (
        pl.when(url.is_not_null())
        .then(url)
        .when(fqdn.is_not_null() & ip.is_not_null())
        .then(fqdn + pl.lit("|") + ip)
        .when(fqdn.is_not_null() & port.is_not_null())
        .then(fqdn + pl.lit("|") + port)
        .when(fqdn.is_not_null())
        .then(fqdn)
        .when(ip.is_not_null() & port.is_not_null())
        .then(ip + pl.lit("|") + port)
        .when(ip.is_not_null())
        .then(ip)
        .when(network.is_not_null())
        .then(network)
        .when(asn.is_not_null())
        .then(pl.lit("AS") + asn.cast(pl.String))
    )
    ctype = pl.col("classification.type")
    taxonomy = pl.coalesce(
        pl.col("classification.taxonomy"),
        ctype.replace_strict(TAXONOMY_OF_TYPE, default=None, return_dtype=pl.String),
    )
    category = (
        pl.when((ctype == "malware-distribution") & (kind != "domain|ip"))
        .then(pl.lit("Payload delivery"))
        .otherwise(pl.lit("Network activity"))
    )
    when = pl.coalesce("time.source", "time.observation")
    attribution = pl.concat_str(
        [
            pl.concat_str(
                [pl.lit("AS") + asn.cast(pl.String), pl.col("source.as_name")],
                separator=" ",
                ignore_nulls=True,
            ),
            pl.lit("registered in ") + pl.col("source.registration.cc"),
            pl.lit("located in ") + pl.col("source.geolocation.cc"),
        ],
        separator=", ",
        ignore_nulls=True,
    )
    comment = pl.concat_str(
        [
            pl.col("event_description.text"),
            pl.lit("classification: ")
            + ctype
            + pl.lit(" (")
            + pl.col("classification.identifier")
            + pl.lit(")"),
            pl.lit("malware: ") + pl.col("malware.name"),
            pl.when(kind != "AS").then(pl.when(attribution != "").then(attribution)),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    # MISP refuses a second attribute of the same value; it lowercases host names and IPv6
    # addresses before comparing, so they are written that way (a URL's path keeps its case).
    exported = pl.when(kind.is_in(["url", "AS"])).then(value).otherwise(value.str.to_lowercase())
    to_ids = (kind != "AS") & DETECTION
    return [
        kind.alias("__type"),
        exported.alias("__value"),
        category.alias("__category"),
        pl.when(ctype.is_not_null() & taxonomy.is_not_null())
        .then(pl.format('rsit:{}="{}"', taxonomy, ctype))
        .alias("__rsit"),
        when.alias("__when"),
        to_ids.alias("__to_ids"),
        comment.alias("__comment"),
        # An event without a marking is treated as the most restrictive (never loosened).
        pl.col("tlp")
        .fill_null(TLP.RED.value)
        .replace_strict(RANK, default=RANK[TLP.RED.value], return_dtype=pl.Int8)
        .alias("__rank"),
    ]


def _merged(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per attribute: the events of one (type, category, value), earliest first."""
    source = pl.col("time.source").dt.convert_time_zone("UTC")
    merged = (
        frame.sort("__when", "event.id", nulls_last=True)
        .group_by("__type", "__category", "__value", maintain_order=True)
        .agg(
            pl.col("event.id").first(),
            pl.col("__rsit").drop_nulls().first(),
            pl.col("__comment").first(),
            pl.col("__to_ids").all(),
            pl.col("__rank").max(),
            source.min().alias("__first"),
            source.max().alias("__last"),
            pl.col("__when").max().alias("__latest"),
            pl.len().alias("__events"),
            pl.col("classification.type")
            .drop_nulls()
            .unique(maintain_order=True)
            .alias("__ctypes"),
        )
    )
    first, last = (pl.col(c).dt.strftime("%Y-%m-%dT%H:%M:%SZ") for c in ("__first", "__last"))
    span = pl.concat_str(
        [
            pl.format("{} events", pl.col("__events")),
            pl.when(pl.col("__last") > pl.col("__first"))
            .then(pl.format("from {} to {}", first, last))
            .otherwise(pl.lit("at ") + first),
        ],
        separator=" ",
        ignore_nulls=True,
    )
    others = pl.col("__ctypes").list.slice(1)
    summary = pl.concat_str(
        [
            span,
            pl.when(others.list.len() > 0).then(
                pl.lit("also classified ") + others.list.join(", ")
            ),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    return merged.with_columns(
        pl.col("__rank").replace_strict(_TLP_OF_RANK, return_dtype=pl.String).alias("__tlp"),
        pl.col("__first").dt.strftime(FIRST_SEEN).alias("__first_seen"),
        pl.when(pl.col("__last") > pl.col("__first"))
        .then(pl.col("__last").dt.strftime(FIRST_SEEN))
        .alias("__last_seen"),
        pl.col("__latest").dt.epoch("s").cast(pl.String).alias("__timestamp"),
        pl.concat_str(
            [pl.col("__comment"), pl.when(pl.col("__events") > 1).then(summary)],
            separator="; ",
            ignore_nulls=True,
        ).alias("__comment"),
    )


_TLP_OF_RANK = {v: k for k, v in RANK.items()}


def _uuid(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def to_misp_event(events: pl.DataFrame, *, info: str, orgc: str, notice: str) -> dict[str, Any]:
    """``{"Event": {...}}`` with one attribute per observable (type, category, value) the
    events name (see the module documentation for how events of one observable merge).

    ``info`` is the event's title, ``orgc`` the creating organisation's name, ``notice`` the
    attribution notice (appended to ``info``). Raises :class:`InputError` when no event can be
    exported (there is nothing to send) or an event has no ``event.id``.
    """
    if "event.id" not in events.columns or events["event.id"].null_count():
        msg = "every exported event needs its event.id"
        raise InputError(msg)
    frame = (
        _shared(events).with_columns(_attribute_columns()).filter(pl.col("__type").is_not_null())
    )
    if frame.height == 0:
        msg = "no event with a source address, network, host name, URL or AS"
        raise InputError(msg)
    ceiling = _TLP_OF_RANK[frame.select(pl.col("__rank").max()).item()]
    event_tag = tlp_tag(ceiling)
    latest = frame.select(
        pl.col("__when").max().dt.strftime("%Y-%m-%d").alias("date"),
        pl.col("__when").max().dt.epoch("s").cast(pl.String).alias("timestamp"),
    ).row(0, named=True)
    ids = sorted(frame["event.id"].to_list())
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    event_uuid = _uuid(f"event:{digest}")
    # Building the JSON document is one dict per attribute: a loop over the merged attributes
    # (the caller's selection), which is what the output is made of.
    attributes = [
        _attribute(row, event_uuid, event_tag)
        for row in _merged(frame)
        .select(
            "event.id",
            "__type",
            "__value",
            "__category",
            "__rsit",
            "__to_ids",
            "__first_seen",
            "__last_seen",
            "__timestamp",
            "__comment",
            "__tlp",
        )
        .iter_rows(named=True)
    ]
    title = f"{info} — {notice}" if notice else info
    return {
        "Event": {
            "uuid": event_uuid,
            "info": title,
            "date": latest["date"],
            "timestamp": latest["timestamp"],
            "threat_level_id": THREAT_LEVEL_UNDEFINED,
            "analysis": ANALYSIS_COMPLETED,
            "distribution": DISTRIBUTION[ceiling],
            "published": False,
            "attribute_count": str(len(attributes)),
            "Orgc": {"name": orgc, "uuid": _uuid(f"orgc:{orgc}")},
            "Tag": [{"name": event_tag}],
            "Attribute": attributes,
        }
    }


def _attribute_uuid(event_uuid: str, event_id: str) -> str:
    """The uuid of the attribute whose earliest event is ``event_id`` in the MISP event
    ``event_uuid``: unique to that MISP event (MISP refuses an attribute uuid it holds in
    another), the same whenever the same selection is exported."""
    return _uuid(f"attribute:{event_uuid}:{event_id}")


def _attribute(row: dict[str, Any], event_uuid: str, event_tag: str) -> dict[str, Any]:
    tags = [{"name": row["__rsit"]}] if row["__rsit"] else []
    own = tlp_tag(row["__tlp"])
    if own != event_tag:
        tags.append({"name": own})
    out: dict[str, Any] = {
        "uuid": _attribute_uuid(event_uuid, row["event.id"]),
        "type": row["__type"],
        "category": row["__category"],
        "value": row["__value"],
        "to_ids": row["__to_ids"],
        "distribution": "5",
        "timestamp": row["__timestamp"],
        "comment": row["__comment"] or "",
        "deleted": False,
        "disable_correlation": False,
        "Tag": tags,
    }
    if row["__first_seen"] is not None:
        out["first_seen"] = row["__first_seen"]
    if row["__last_seen"] is not None:
        out["last_seen"] = row["__last_seen"]
    return out
