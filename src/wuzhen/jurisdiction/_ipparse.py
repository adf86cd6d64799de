"""Parse columns of IPv4/IPv6 address and CIDR strings straight from Arrow buffers.

The loops below run over rows, compiled by numba to machine code: parsing text addresses is
the bottleneck of attribution, and neither numpy nor Polars has an address parser. Each row is
parsed by the same rules as Python's ``ipaddress`` (strict dotted quad without leading zeros;
RFC 4291 IPv6 text with ``::`` and a trailing dotted quad; an optional ``%zone``), leading and
trailing blanks ignored. Nothing here raises on bad text: a row that is not an address gets
kind 0 and an error code.

An address is returned as ``kind`` (0 invalid, 4, 6), and ``hi``/``lo``: the 128-bit value as
two unsigned 64-bit halves (IPv4 in ``lo``). CIDR parsing also returns the prefix length and
masks host bits away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

from wuzhen.arrowtext import Column, buffers

OK = 0
ERR_EMPTY = 1
ERR_SYNTAX = 2
ERR_OCTET = 3
ERR_LEADING_ZERO = 4
ERR_IPV6 = 5
ERR_PREFIX = 6

ERROR_REASONS = {
    ERR_EMPTY: "empty value",
    ERR_SYNTAX: "not an IP address",
    ERR_OCTET: "IPv4 octet above 255",
    ERR_LEADING_ZERO: "IPv4 octet with a leading zero (ambiguous: octal or decimal)",
    ERR_IPV6: "malformed IPv6 address",
    ERR_PREFIX: "bad prefix length",
}

U64 = npt.NDArray[np.uint64]


@njit(cache=True, nogil=True)
def _parse_v4(data: npt.NDArray[np.uint8], a: int, b: int) -> tuple[int, int]:
    """Dotted quad in ``data[a:b]`` -> (value, error)."""
    if b - a < 7 or b - a > 15:
        return 0, ERR_SYNTAX
    value = 0
    acc = 0
    digits = 0
    dots = 0
    first = 0
    for k in range(a, b):
        c = data[k]
        if 48 <= c <= 57:
            if digits == 0:
                first = c
            elif first == 48:
                return 0, ERR_LEADING_ZERO
            acc = acc * 10 + (c - 48)
            digits += 1
            if digits > 3:
                return 0, ERR_SYNTAX
        elif c == 46:
            if digits == 0 or dots == 3:
                return 0, ERR_SYNTAX
            if acc > 255:
                return 0, ERR_OCTET
            value = (value << 8) | acc
            acc = 0
            digits = 0
            dots += 1
        else:
            return 0, ERR_SYNTAX
    if digits == 0 or dots != 3:
        return 0, ERR_SYNTAX
    if acc > 255:
        return 0, ERR_OCTET
    return (value << 8) | acc, OK


@njit(cache=True, nogil=True)
def hex_value(c: int) -> int:
    """The value of the hexadecimal digit whose byte is ``c``, or -1."""
    if 48 <= c <= 57:
        return c - 48
    if 97 <= c <= 102:
        return c - 87
    if 65 <= c <= 70:
        return c - 55
    return -1


@njit(cache=True, nogil=True)
def _parse_v6(
    data: npt.NDArray[np.uint8], a: int, b: int, groups: U64
) -> tuple[np.uint64, np.uint64, int]:
    """RFC 4291 text in ``data[a:b]`` -> (hi, lo, error). ``groups`` is scratch space of 8."""
    zero = np.uint64(0)
    n = 0  # groups parsed
    gap = -1  # index in groups where "::" stands
    pos = a
    if b - a < 2:
        return zero, zero, ERR_IPV6
    if data[pos] == 58:
        if data[pos + 1] != 58:
            return zero, zero, ERR_IPV6
        gap = 0
        pos += 2
    while pos < b:
        start = pos
        val = 0
        while pos < b and pos - start < 5:
            h = hex_value(data[pos])
            if h < 0:
                break
            val = val * 16 + h
            pos += 1
        if pos < b and data[pos] == 46:
            # a trailing dotted quad fills the last two groups
            v4, err = _parse_v4(data, start, b)
            if err != OK or n > 6:
                return zero, zero, ERR_IPV6
            groups[n] = np.uint64(v4 >> 16)
            groups[n + 1] = np.uint64(v4 & 0xFFFF)
            n += 2
            pos = b
            break
        if pos == start or pos - start > 4 or n == 8:
            return zero, zero, ERR_IPV6
        groups[n] = np.uint64(val)
        n += 1
        if pos == b:
            break
        if data[pos] != 58:
            return zero, zero, ERR_IPV6
        pos += 1
        if pos < b and data[pos] == 58:
            if gap >= 0:
                return zero, zero, ERR_IPV6
            gap = n
            pos += 1
        elif pos == b:
            return zero, zero, ERR_IPV6  # a single trailing colon
    if (gap < 0 and n != 8) or (gap >= 0 and n > 7):
        return zero, zero, ERR_IPV6
    hi = zero
    lo = zero
    fill = 8 - n
    j = 0  # source group index
    sixteen = np.uint64(16)
    for i in range(8):
        g = zero
        if not (gap >= 0 and gap <= i < gap + fill):
            g = groups[j]
            j += 1
        if i < 4:
            hi = (hi << sixteen) | g
        else:
            lo = (lo << sixteen) | g
    return hi, lo, OK


@njit(cache=True, nogil=True)
def _mask(hi: np.uint64, lo: np.uint64, prefix: int, bits: int) -> tuple[np.uint64, np.uint64]:
    """Clear the host bits below ``prefix`` of a ``bits``-wide value."""
    zero = np.uint64(0)
    host = bits - prefix
    if host == 0:
        return hi, lo
    if bits == 32 and host == 32:
        return zero, zero
    if host >= 128:
        return zero, zero
    if host >= 64:
        shift = np.uint64(host - 64)
        return (hi >> shift) << shift, zero
    shift = np.uint64(host)
    return hi, (lo >> shift) << shift


@njit(cache=True, nogil=True)
def _parse_column(
    offsets: npt.NDArray[np.int64],
    data: npt.NDArray[np.uint8],
    valid: npt.NDArray[np.bool_],
    allow_prefix: bool,
    kind: npt.NDArray[np.uint8],
    hi: U64,
    lo: U64,
    prefix: npt.NDArray[np.int16],
    error: npt.NDArray[np.uint8],
) -> None:
    groups = np.zeros(8, np.uint64)
    for i in range(offsets.shape[0] - 1):
        kind[i] = 0
        hi[i] = 0
        lo[i] = 0
        prefix[i] = -1
        if not valid[i]:
            error[i] = ERR_EMPTY
            continue
        a = offsets[i]
        b = offsets[i + 1]
        while a < b and (data[a] == 32 or data[a] == 9):
            a += 1
        while b > a and (data[b - 1] == 32 or data[b - 1] == 9 or data[b - 1] == 13):
            b -= 1
        if a == b:
            error[i] = ERR_EMPTY
            continue
        plen = -1
        if allow_prefix:
            for k in range(a, b):
                if data[k] == 47:
                    digits = b - k - 1
                    plen = 0
                    if digits == 0 or digits > 3 or (data[k + 1] == 48 and digits > 1):
                        plen = -2
                    for m in range(k + 1, b):
                        c = data[m]
                        if plen == -2 or c < 48 or c > 57:
                            plen = -2
                            break
                        plen = plen * 10 + (c - 48)
                    b = k
                    break
            if plen == -2:
                error[i] = ERR_PREFIX
                continue
        colon = False
        for k in range(a, b):
            if data[k] == 58:
                colon = True
            elif data[k] == 37 and colon:  # %zone: scope of a link-local address
                b = k
                break
        if colon:
            h, low, err = _parse_v6(data, a, b, groups)
            bits = 128
            kd = 6
        else:
            v, err = _parse_v4(data, a, b)
            h = np.uint64(0)
            low = np.uint64(v)
            bits = 32
            kd = 4
        if err != OK:
            error[i] = err
            continue
        if plen > bits:
            error[i] = ERR_PREFIX
            continue
        if plen >= 0:
            h, low = _mask(h, low, plen, bits)
        kind[i] = kd
        hi[i] = h
        lo[i] = low
        prefix[i] = plen
        error[i] = OK


@dataclass(frozen=True, slots=True)
class Parsed:
    """Addresses parsed from a column: one entry per row."""

    kind: npt.NDArray[np.uint8]
    hi: U64
    lo: U64
    prefix: npt.NDArray[np.int16]
    error: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return int(self.kind.shape[0])


def parse(values: Column, *, allow_prefix: bool = False) -> Parsed:
    """Parse every row of a string column (nulls and junk give kind 0 and an error code)."""
    t = buffers(values)
    offsets, data, valid = t.offsets, t.data, t.valid
    n = len(t)
    out = Parsed(
        kind=np.empty(n, np.uint8),
        hi=np.empty(n, np.uint64),
        lo=np.empty(n, np.uint64),
        prefix=np.empty(n, np.int16),
        error=np.empty(n, np.uint8),
    )
    _parse_column(
        offsets, data, valid, allow_prefix, out.kind, out.hi, out.lo, out.prefix, out.error
    )
    return out
