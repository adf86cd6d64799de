"""Attribution of address columns: registration country, location country, ASN, class, state.

Everything here works on whole columns (Arrow or Polars) of mixed IPv4/IPv6 text: parsing and
lookups are compiled loops (see ``_ipparse`` and ``_segments``), the rest are array gathers.
Invalid text yields nulls and a reason; nothing raises per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
from numba import njit

from wuzhen.jurisdiction import _ipparse
from wuzhen.jurisdiction.snapshot import REGISTRIES, Snapshot
from wuzhen.jurisdiction.special import SPECIAL_CLASSES
from wuzhen.jurisdiction.states import StateRegistry

MAPPED_PREFIX = np.uint64(0xFFFF)  # ::ffff:0:0/96, IPv4-mapped IPv6
_REASONS = pa.array(
    [None] + [_ipparse.ERROR_REASONS[i] for i in range(1, max(_ipparse.ERROR_REASONS) + 1)],
    pa.string(),
)


def _masked(values: npt.NDArray[np.integer], null: npt.NDArray[np.bool_]) -> pa.Array:
    return pa.array(values, mask=null)


@dataclass(frozen=True, slots=True)
class _Resolved:
    """Segment fields for each row (0 where unknown), and the per-row validity."""

    kind: npt.NDArray[np.uint8]
    error: npt.NDArray[np.uint8]
    reg: npt.NDArray[np.uint16]
    loc: npt.NDArray[np.uint16]
    asn: npt.NDArray[np.uint32]
    rir: npt.NDArray[np.uint8]
    special: npt.NDArray[np.uint8]


def _resolve(parsed: _ipparse.Parsed, snapshot: Snapshot) -> _Resolved:
    kind = parsed.kind
    hi, lo = parsed.hi, parsed.lo
    mapped = (kind == 6) & (hi == 0) & ((lo >> np.uint64(32)) == MAPPED_PREFIX)
    is4 = (kind == 4) | mapped
    is6 = (kind == 6) & ~mapped
    lo4 = np.where(mapped, lo & np.uint64(0xFFFF_FFFF), lo)
    zeros = np.zeros_like(hi)
    idx4 = snapshot.v4.find(zeros, lo4, is4)
    idx6 = snapshot.v6.find(hi, lo, is6)
    out = {}
    for name in ("reg", "loc", "asn", "rir", "special"):
        f4 = snapshot.v4.fields[name]
        f6 = snapshot.v6.fields[name]
        col = np.zeros(kind.shape[0], f4.dtype)
        col[is4] = f4[idx4[is4]]
        col[is6] = f6[idx6[is6]]
        out[name] = col
    return _Resolved(kind=kind, error=parsed.error, **out)


def _state_codes(snapshot: Snapshot, states: StateRegistry) -> pa.Array:
    """For each snapshot country index, the answering state's ISO code (null if none)."""
    answer = states.answering_array(snapshot.countries)
    return pa.array([a or None for a in answer.tolist()], pa.string())


def attribute_addresses(
    values: pa.Array | pa.ChunkedArray | pl.Series,
    snapshot: Snapshot,
    states: StateRegistry,
    *,
    prefix: str = "source",
) -> pl.DataFrame:
    """Attribute every address of a column; one output row per input row.

    Columns (``p`` = ``prefix``): ``p.registration.cc``, ``p.geolocation.cc``, ``p.asn``,
    ``p.as_name``, ``p.registry``, ``p.special_purpose``, ``p.state`` (the state answering for
    the registration country; null = unrouted) and ``p.ip.error`` (why a row is not an
    address; null when it is).
    """
    arrow = values.to_arrow() if isinstance(values, pl.Series) else values
    parsed = _ipparse.parse(arrow)
    r = _resolve(parsed, snapshot)
    return _frame(r, snapshot, states, prefix)


def _frame(r: _Resolved, snapshot: Snapshot, states: StateRegistry, prefix: str) -> pl.DataFrame:
    countries = snapshot.countries_array
    reg_idx = _masked(r.reg, r.reg == 0)
    asn_null = r.asn == 0
    has_name = np.zeros(r.asn.shape[0], np.bool_)
    pos = np.zeros(r.asn.shape[0], np.int64)
    if len(snapshot.asn_numbers):
        pos = np.minimum(
            np.searchsorted(snapshot.asn_numbers, r.asn), len(snapshot.asn_numbers) - 1
        )
        has_name = ~asn_null & (snapshot.asn_numbers[pos] == r.asn)
    columns = {
        f"{prefix}.registration.cc": countries.take(reg_idx),
        f"{prefix}.geolocation.cc": countries.take(_masked(r.loc, r.loc == 0)),
        f"{prefix}.asn": _masked(r.asn, asn_null),
        f"{prefix}.as_name": snapshot.asn_names.take(_masked(pos, ~has_name)),
        f"{prefix}.registry": pa.array(REGISTRIES, pa.string()).take(_masked(r.rir, r.rir == 0)),
        f"{prefix}.special_purpose": pa.array(SPECIAL_CLASSES, pa.string()).take(
            _masked(r.special, r.special == 0)
        ),
        f"{prefix}.state": _state_codes(snapshot, states).take(reg_idx),
        f"{prefix}.ip.error": _REASONS.take(pa.array(r.error)),
    }
    return pl.from_arrow(pa.table(columns))  # type: ignore[return-value]


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
    values: pa.Array | pa.ChunkedArray | pl.Series,
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
    arrow = values.to_arrow() if isinstance(values, pl.Series) else values
    parsed = _ipparse.parse(arrow, allow_prefix=True)
    r = _resolve(parsed, snapshot)
    base = _frame(r, snapshot, states, prefix)
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
