"""Attribution of any value a user gives: an address, a CIDR block, a host name, a URL.

Addresses and blocks are attributed from the snapshot; names get their ccTLD's country, for
information only (routing never relies on it unless a rule says so); a URL or host that is an
IP literal gets the address attribution as well. Works on a whole column at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from wuzhen.jurisdiction import _ipparse
from wuzhen.jurisdiction.addresses import attribute_addresses, attribute_networks
from wuzhen.jurisdiction.names import host_of, tld_country
from wuzhen.jurisdiction.snapshot import Snapshot
from wuzhen.jurisdiction.states import StateRegistry

UNROUTED = "unrouted"

#: Output columns, in order, of :func:`attribute_values`.
COLUMNS = (
    "value",
    "type",
    "source.registration.cc",
    "source.geolocation.cc",
    "source.asn",
    "source.as_name",
    "source.registry",
    "source.special_purpose",
    "state",
    "source.spans_jurisdictions",
    "source.registration.ccs",
    "source.fqdn",
    "source.tld",
    "source.tld.cc",
    "source.tld.worldwide",
    "error",
)

_ADDRESS_COLUMNS = (
    "source.registration.cc",
    "source.geolocation.cc",
    "source.asn",
    "source.as_name",
    "source.registry",
    "source.special_purpose",
    "source.state",
)


def attribute_values(values: pl.Series, snapshot: Snapshot, states: StateRegistry) -> pl.DataFrame:
    """One row per input value with everything known of it (see :data:`COLUMNS`)."""
    values = values.cast(pl.String).rename("value")
    parsed = _ipparse.parse(values, allow_prefix=True)
    net = attribute_networks(values, snapshot, states)
    is_addr = pl.Series(parsed.kind != 0)
    is_block = pl.Series(parsed.prefix >= 0)
    hosts = host_of(values)
    names = tld_country(hosts)
    host_ip = names["host.is_ip"].fill_null(False) & ~is_addr
    by_host = attribute_addresses(
        hosts.zip_with(host_ip, pl.Series([None] * len(values), dtype=pl.String)), snapshot, states
    )
    frame = pl.DataFrame(
        {
            "value": values,
            "is_addr": is_addr,
            "is_block": is_block,
            "host_ip": host_ip,
            "host": hosts,
        }
    )
    frame = pl.concat(
        [
            frame,
            net.select(_ADDRESS_COLUMNS).rename(lambda c: f"net:{c}"),
            by_host.select(_ADDRESS_COLUMNS).rename(lambda c: f"host:{c}"),
            by_host.select(pl.col("source.ip.error").alias("host:ip.error")),
            net.select(
                "source.spans_jurisdictions",
                "source.registration.ccs",
                "source.ip.error",
                "source.network",
            ),
            names,
        ],
        how="horizontal",
    )
    addr_cols = [
        pl.when(pl.col("is_addr"))
        .then(pl.col(f"net:{c}"))
        .when(pl.col("host_ip"))
        .then(pl.col(f"host:{c}"))
        .otherwise(None)
        .alias(c)
        for c in _ADDRESS_COLUMNS
    ]
    is_url = pl.col("value").str.contains("://")
    # A host shaped like an address that does not parse as one (300.1.1.1) is invalid.
    host_bad = pl.col("host_ip") & pl.col("host:ip.error").is_not_null()
    kind = (
        pl.when(pl.col("is_block"))
        .then(pl.lit("network"))
        .when(pl.col("is_addr") & pl.col("value").str.contains(":"))
        .then(pl.lit("ipv6"))
        .when(pl.col("is_addr"))
        .then(pl.lit("ipv4"))
        .when(host_bad)
        .then(pl.lit("invalid"))
        .when(is_url & pl.col("error").is_null())
        .then(pl.lit("url"))
        .when(pl.col("error").is_null())
        .then(pl.lit("name"))
        .otherwise(pl.lit("invalid"))
    )
    located = pl.col("is_addr") | (pl.col("host_ip") & ~host_bad)
    state = (
        pl.when(pl.col("is_block") & pl.col("source.spans_jurisdictions"))
        .then(None)
        .when(located & pl.col("source.special_purpose").is_null())
        .then(pl.coalesce(pl.col("source.state"), pl.lit(UNROUTED)))
        .otherwise(None)
    )
    out = frame.with_columns(*addr_cols).with_columns(
        kind.alias("type"),
        state.alias("state"),
        pl.when(pl.col("is_addr")).then(None).otherwise(pl.col("host")).alias("source.fqdn"),
        pl.when(pl.col("is_addr")).then(None).otherwise(pl.col("tld")).alias("source.tld"),
        pl.when(pl.col("is_addr")).then(None).otherwise(pl.col("tld.cc")).alias("source.tld.cc"),
        pl.when(pl.col("is_addr"))
        .then(None)
        .otherwise(pl.col("tld.worldwide"))
        .alias("source.tld.worldwide"),
        pl.when(pl.col("is_block"))
        .then(pl.col("source.spans_jurisdictions"))
        .otherwise(None)
        .alias("source.spans_jurisdictions"),
        pl.when(pl.col("is_block"))
        .then(pl.col("source.registration.ccs"))
        .otherwise(None)
        .alias("source.registration.ccs"),
        pl.when(pl.col("is_addr"))
        .then(None)
        .when(host_bad)
        .then(pl.col("host:ip.error"))
        .when(pl.col("error").is_not_null() & pl.col("value").str.contains(r"^[\s\d.:/a-fA-F]+$"))
        .then(pl.col("source.ip.error"))
        .otherwise(pl.col("error"))
        .alias("error"),
    )
    out = out.with_columns(
        pl.when(pl.col("is_block"))
        .then(pl.col("source.network"))
        .otherwise(pl.col("value"))
        .alias("value")
    )
    return out.select(COLUMNS)


@dataclass(frozen=True, slots=True)
class Attribution:
    """Everything known of one value (see :data:`COLUMNS` for the meaning of each field)."""

    fields: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]


def attribute_value(value: str, snapshot: Snapshot, states: StateRegistry) -> Attribution:
    """Attribute one value (the vectorized path, on a one-row column)."""
    row = attribute_values(pl.Series([value], dtype=pl.String), snapshot, states).row(0, named=True)
    return Attribution(row)
