"""Events as one MISP event (the JSON MISP and PyMISP read), for partners' MISP instances.

:func:`to_misp_event` makes ``{"Event": {...}}`` with one attribute per event, from the shared
field set only (:data:`wuzhen.schema.SHARED`: never ``raw``, never ``destination.*``). The
:mod:`wuzhen.evidence.parsers.misp` parser reads it back to the same events (observables,
classification, marking).

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
``ip-src`` and ``ip-dst`` alike). An event with none of these is left out. Each attribute
carries:

- ``uuid``: a uuid5 of the event's ``event.id`` (the same event always has the same uuid, so a
  partner's MISP updates rather than duplicates); the MISP event's uuid is a uuid5 of the set
  of event ids;
- ``category``: ``Payload delivery`` for malware-distribution (``Network activity`` where MISP
  does not allow it: ``domain|ip``), else ``Network activity``; ``to_ids`` true (false for an
  ``AS``, which is no detection signature);
- ``timestamp`` (epoch seconds) and ``first_seen`` from ``time.source`` (else
  ``time.observation``, then no ``first_seen``);
- tags: the RSIT machine tag of the classification, ``rsit:<taxonomy>="<type>"`` (the namespace
  of the MISP taxonomy "Reference Security Incident Classification Taxonomy"), and its own
  ``tlp:*`` tag where its marking differs from the event's;
- ``comment``: the description, classification identifier, malware name and attribution
  (AS, registration and location country) as text.

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
    return [
        kind.alias("__type"),
        value.alias("__value"),
        category.alias("__category"),
        pl.when(ctype.is_not_null() & taxonomy.is_not_null())
        .then(pl.format('rsit:{}="{}"', taxonomy, ctype))
        .alias("__rsit"),
        when.alias("__when"),
        pl.col("time.source")
        .dt.convert_time_zone("UTC")
        .dt.strftime(FIRST_SEEN)
        .alias("__first_seen"),
        when.dt.epoch("s").cast(pl.String).alias("__timestamp"),
        comment.alias("__comment"),
        # An event without a marking is treated as the most restrictive (never loosened).
        pl.col("tlp").fill_null(TLP.RED.value).alias("__tlp"),
    ]


def _uuid(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def to_misp_event(events: pl.DataFrame, *, info: str, orgc: str, notice: str) -> dict[str, Any]:
    """``{"Event": {...}}`` with one attribute per event that names a source observable.

    ``info`` is the event's title, ``orgc`` the creating organisation's name, ``notice`` the
    attribution notice (appended to ``info``). Raises :class:`InputError` when no event can be
    exported (there is nothing to send) or an event has no ``event.id``.
    """
    if "event.id" not in events.columns or events["event.id"].null_count():
        msg = "every exported event needs its event.id"
        raise InputError(msg)
    frame = (
        _shared(events)
        .with_columns(_attribute_columns())
        .filter(pl.col("__type").is_not_null())
        .sort("__when", "event.id", nulls_last=True)
    )
    if frame.height == 0:
        msg = "no event with a source address, network, host name, URL or AS"
        raise InputError(msg)
    ceiling = max(frame["__tlp"].unique().to_list(), key=lambda m: RANK[m])
    event_tag = tlp_tag(ceiling)
    latest = frame.select(
        pl.col("__when").max().dt.strftime("%Y-%m-%d").alias("date"),
        pl.col("__when").max().dt.epoch("s").cast(pl.String).alias("timestamp"),
    ).row(0, named=True)
    ids = sorted(frame["event.id"].to_list())
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    # Building the JSON document is one dict per attribute: a loop over the exported events
    # (the caller's selection), which is what the output is made of.
    attributes = [
        _attribute(row, event_tag)
        for row in frame.select(
            "event.id",
            "__type",
            "__value",
            "__category",
            "__rsit",
            "__first_seen",
            "__timestamp",
            "__comment",
            "__tlp",
        ).iter_rows(named=True)
    ]
    title = f"{info} — {notice}" if notice else info
    return {
        "Event": {
            "uuid": _uuid(f"event:{digest}"),
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


def _attribute(row: dict[str, Any], event_tag: str) -> dict[str, Any]:
    tags = [{"name": row["__rsit"]}] if row["__rsit"] else []
    own = tlp_tag(row["__tlp"])
    if own != event_tag:
        tags.append({"name": own})
    out: dict[str, Any] = {
        "uuid": _uuid(row["event.id"]),
        "type": row["__type"],
        "category": row["__category"],
        "value": row["__value"],
        "to_ids": row["__type"] != "AS",
        "distribution": "5",
        "timestamp": row["__timestamp"],
        "comment": row["__comment"] or "",
        "deleted": False,
        "disable_correlation": False,
        "Tag": tags,
    }
    if row["__first_seen"] is not None:
        out["first_seen"] = row["__first_seen"]
    return out
