"""Attribution of address columns: registration country, location country, ASN, class, state.

Everything here works on whole columns (Arrow or Polars) of mixed IPv4/IPv6 text: parsing and
lookups are compiled loops (see ``_ipparse`` and ``_segments``), the rest are array gathers.
Invalid text yields nulls and a reason; nothing raises per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
from numba import njit

from wuzhen.arrowtext import Column
from wuzhen.jurisdiction import _ipparse
from wuzhen.jurisdiction._iptext import canonical
from wuzhen.jurisdiction.snapshot import REGISTRIES, Snapshot
from wuzhen.jurisdiction.special import SPECIAL_CLASSES
from wuzhen.jurisdiction.states import StateRegistry

MAPPED_PREFIX = np.uint64(0xFFFF)  # ::ffff:0:0/96, IPv4-mapped IPv6


def _lookup(values: Sequence[str | None] | npt.NDArray[Any]) -> pl.Series:
    """A small table to gather from, with the null that a missing index takes last."""
    return pl.Series([*(v or None for v in values), None], dtype=pl.String)


# Small tables to gather from, built once.
_REGISTRIES = _lookup(REGISTRIES)
_SPECIAL_CLASSES = _lookup(SPECIAL_CLASSES)
_REASONS = _lookup(
    [None, *(_ipparse.ERROR_REASONS[i] for i in range(1, max(_ipparse.ERROR_REASONS) + 1))]
)


def _masked(values: npt.NDArray[np.integer], null: npt.NDArray[np.bool_]) -> pa.Array:
    return pa.array(values, mask=null)


#: Output columns of :func:`attribute_addresses` (each prefixed, e.g. ``source.asn``), and
#: the segment fields each needs.
COLUMNS: dict[str, tuple[str, ...]] = {
    "registration.cc": ("reg",),
    "geolocation.cc": ("loc",),
    "asn": ("asn",),
    "as_name": ("asname",),
    "registry": ("rir",),
    "special_purpose": ("special",),
    "state": ("reg",),
    "ip.error": (),
}


@dataclass(frozen=True, slots=True)
class _Resolved:
    """Segment fields for each row (0 / -1 where unknown), and the parser's error code."""

    error: npt.NDArray[np.uint8]
    fields: dict[str, npt.NDArray[Any]]


def _resolve(parsed: _ipparse.Parsed, snapshot: Snapshot, wanted: set[str]) -> _Resolved:
    kind = parsed.kind
    hi, lo = parsed.hi, parsed.lo
    mapped = (kind == 6) & (hi == 0) & ((lo >> np.uint64(32)) == MAPPED_PREFIX)
    is4 = (kind == 4) | mapped
    is6 = (kind == 6) & ~mapped
    lo4 = np.where(mapped, lo & np.uint64(0xFFFF_FFFF), lo) if mapped.any() else lo
    idx4 = snapshot.v4.find(np.zeros_like(hi), lo4, is4)
    n4 = len(snapshot.v4)
    none = n4 + len(snapshot.v6)
    if is6.any():
        idx6 = snapshot.v6.find(hi, lo, is6)
        row = np.where(is4, idx4, np.where(is6, idx6 + n4, none))
    else:
        row = np.where(is4, idx4, none)
    combined = snapshot.combined
    return _Resolved(parsed.error, {name: combined[name][row] for name in wanted})


def attribute_addresses(
    values: Column,
    snapshot: Snapshot,
    states: StateRegistry,
    *,
    prefix: str = "source",
    columns: Sequence[str] | None = None,
    text: bool = False,
) -> pl.DataFrame:
    """Attribute every address of a column; one output row per input row.

    Columns (``p`` = ``prefix``; all of :data:`COLUMNS` unless ``columns`` names some):
    ``p.registration.cc``, ``p.geolocation.cc``, ``p.asn``, ``p.as_name``, ``p.registry``,
    ``p.special_purpose``, ``p.state`` (the state answering for the registration country;
    null = unrouted) and ``p.ip.error`` (why a row is not an address; null when it is); with
    ``text``, also ``p.ip``: each address in its canonical text (the rest as they are).
    """
    names = list(columns) if columns is not None else list(COLUMNS)
    parsed = _ipparse.parse(values)
    r = _resolve(parsed, snapshot, {f for n in names for f in COLUMNS[n]})
    frame = _frame(r, snapshot, states, prefix, names)
    if text:
        frame = frame.with_columns(canonical(values, parsed).alias(f"{prefix}.ip"))
    return frame


def _frame(
    r: _Resolved, snapshot: Snapshot, states: StateRegistry, prefix: str, names: Sequence[str]
) -> pl.DataFrame:
    f = r.fields
    countries = snapshot.names["countries"]

    def build(name: str) -> pl.Series:
        if name == "registration.cc":
            return _pick(countries, f["reg"], f["reg"] == 0)
        if name == "geolocation.cc":
            return _pick(countries, f["loc"], f["loc"] == 0)
        if name == "asn":
            return pl.Series(_masked(f["asn"], f["asn"] == 0))
        if name == "as_name":
            return _pick(snapshot.names["asn_names"], f["asname"], f["asname"] < 0)
        if name == "registry":
            return _pick(_REGISTRIES, f["rir"], f["rir"] == 0)
        if name == "special_purpose":
            return _pick(_SPECIAL_CLASSES, f["special"], f["special"] == 0)
        if name == "state":
            return _pick(
                _lookup(states.answering_array(snapshot.countries)), f["reg"], f["reg"] == 0
            )
        return _pick(_REASONS, r.error, r.error == 0)

    return pl.DataFrame([build(name).alias(f"{prefix}.{name}") for name in names])


def _pick(
    table: pl.Series, index: npt.NDArray[np.integer], null: npt.NDArray[np.bool_]
) -> pl.Series:
    """``table[index]``, or its last entry (null) where ``null``: a gather of Polars string
    views (codes and class names fit in a view; AS names stay in the table's buffer)."""
    return table.gather(np.where(null, len(table) - 1, index).astype(np.int64))


@njit(cache=True, nogil=True)
def _distinct_codes(
    first: npt.NDArray[np.int64],
    last: npt.NDArray[np.int64],
    codes: npt.NDArray[np.generic],
    n_codes: int,
    offsets: npt.NDArray[np.int64],
    out: npt.NDArray[np.uint16],
) -> int:
    """Distinct non-zero codes of the segments each block spans, as a flat list + offsets."""
    seen = np.zeros(n_codes, np.bool_)
    k = 0
    for i in range(first.shape[0]):
        offsets[i] = k
        if first[i] < 0:
            continue
        for j in range(first[i], last[i]):
            c = codes[j]
            if c != 0 and not seen[c]:
                seen[c] = True
                if k == out.shape[0]:
                    return -1
                out[k] = c
                k += 1
        for m in range(offsets[i], k):
            seen[out[m]] = False
    offsets[first.shape[0]] = k
    return k


def _code_lists(
    first: npt.NDArray[np.int64],
    last: npt.NDArray[np.int64],
    codes: npt.NDArray[np.generic],
    countries: pa.Array,
) -> pa.ListArray:
    n = first.shape[0]
    offsets = np.zeros(n + 1, np.int64)
    size = max(64, 4 * n)
    while True:
        out = np.zeros(size, np.uint16)
        k = _distinct_codes(first, last, codes, len(countries), offsets, out)
        if k >= 0:
            break
        size *= 4
    flat = countries.take(pa.array(out[:k]))
    return pa.LargeListArray.from_arrays(pa.array(offsets), flat)


def attribute_networks(
    values: Column,
    snapshot: Snapshot,
    states: StateRegistry,
    *,
    prefix: str = "source",
) -> pl.DataFrame:
    """Attribute CIDR blocks (a bare address counts as a single-address block).

    Besides the columns of :func:`attribute_addresses` (taken from the block's first address,
    and null where the block spans more than one registration country), adds
    ``p.network`` (normalised ``start/len``), ``p.registration.ccs`` and
    ``p.geolocation.ccs`` (every country in the block) and ``p.spans_jurisdictions`` (the
    block's registration countries are answered for by more than one state, or some by none).
    """
    parsed = _ipparse.parse(values, allow_prefix=True)
    names = list(COLUMNS)
    r = _resolve(parsed, snapshot, {f for n in names for f in COLUMNS[n]})
    base = _frame(r, snapshot, states, prefix, names)
    # The block's last address: start | host mask.
    bits = np.where(parsed.kind == 4, 32, 128)
    plen = np.where(parsed.prefix < 0, bits, parsed.prefix).astype(np.int64)
    host = bits - plen
    lo_bits = np.clip(host, 0, 64).astype(np.uint64)
    hi_bits = np.clip(host - 64, 0, 64).astype(np.uint64)
    one = np.uint64(1)
    all64 = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
    lo_mask = np.where(lo_bits >= 64, all64, (one << np.minimum(lo_bits, 63)) - one)
    hi_mask = np.where(hi_bits >= 64, all64, (one << np.minimum(hi_bits, 63)) - one)
    end_hi = parsed.hi | hi_mask.astype(np.uint64)
    end_lo = parsed.lo | lo_mask.astype(np.uint64)
    countries = snapshot.countries_array
    reg_lists = []
    loc_lists = []
    n = len(parsed)
    for family, table in ((4, snapshot.v4), (6, snapshot.v6)):
        sel = parsed.kind == family
        first = np.full(n, -1, np.int64)
        last = np.full(n, -1, np.int64)
        if sel.any():
            f, la = table.span(parsed.hi[sel], parsed.lo[sel], end_hi[sel], end_lo[sel])
            first[sel] = f
            last[sel] = la
        reg_lists.append(_code_lists(first, last, table.fields["reg"], countries))
        loc_lists.append(_code_lists(first, last, table.fields["loc"], countries))
    is4 = pa.array(parsed.kind == 4)
    reg_all = pl.Series(pa.compute.if_else(is4, reg_lists[0], reg_lists[1]))
    loc_all = pl.Series(pa.compute.if_else(is4, loc_lists[0], loc_lists[1]))
    # A jurisdiction is the answering state, or the code itself where no state answers.
    answering = dict(states.answering_table().iter_rows())
    spans_col = (
        reg_all.list.eval(pl.element().replace(answering)).list.unique().list.len() > 1
    ).fill_null(False)
    # The block's state: the one state answering for all its registration countries (a block
    # registered to CN and HK is CN's); null if some country has no state or states differ.
    states_in = reg_all.list.eval(
        pl.element().replace_strict(answering, default=None, return_dtype=pl.String)
    ).list.unique()
    block_state = pl.when(states_in.list.len() == 1).then(states_in.list.first())
    uniform = reg_all.list.len() <= 1
    text = _network_text(parsed, plen)
    return base.with_columns(
        pl.Series(f"{prefix}.network", text),
        pl.when(uniform)
        .then(pl.col(f"{prefix}.registration.cc"))
        .otherwise(None)
        .alias(f"{prefix}.registration.cc"),
        pl.when(uniform)
        .then(pl.col(f"{prefix}.state"))
        .otherwise(block_state)
        .alias(f"{prefix}.state"),
        reg_all.alias(f"{prefix}.registration.ccs"),
        loc_all.alias(f"{prefix}.geolocation.ccs"),
        spans_col.alias(f"{prefix}.spans_jurisdictions"),
    )


def _network_text(parsed: _ipparse.Parsed, plen: npt.NDArray[np.int64]) -> list[str | None]:
    import ipaddress

    # Formatting canonical text is rare (CLI and blocklists with few rows); Python's own
    # formatter is exact and this loop is over blocks, not events.
    out: list[str | None] = []
    for k, h, lw, p in zip(
        parsed.kind.tolist(), parsed.hi.tolist(), parsed.lo.tolist(), plen.tolist(), strict=True
    ):
        if k == 4:
            out.append(f"{ipaddress.IPv4Address(lw)}/{p}")
        elif k == 6:
            out.append(f"{ipaddress.IPv6Address((h << 64) | lw)}/{p}")
        else:
            out.append(None)
    return out
