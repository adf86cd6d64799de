"""JSON objects written by Polars' encoder, with their null members cut out by one compiled pass.

``{"a":1,"b":null,"c":"x"}`` becomes ``{"a":1,"c":"x"}``; an object left empty becomes null.
Only top-level members are cut: nested values are copied as they are. The input is what
``struct.json_encode`` writes (no whitespace, strings escaped), which is all this reads.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
from numba import njit

from wuzhen.arrowtext import buffers, text

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

QUOTE, BACKSLASH, COMMA, COLON = 34, 92, 44, 58
OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY = 123, 125, 91, 93


def drop_null_members(objects: pl.Series) -> pl.Series:
    """Each object without its null members; null for objects with none left (and nulls)."""
    t = buffers(objects.to_arrow())
    n = len(t)
    out = np.empty(max(int(t.offsets[-1] - t.offsets[0]), 1), np.uint8)
    out_offsets = np.zeros(n + 1, np.int64)
    kept = np.zeros(n, np.bool_)
    _drop(t.offsets, t.data, t.valid, out, out_offsets, kept)
    return pl.Series(objects.name, text(out_offsets, out, kept))


@njit(cache=True, nogil=True)
def _drop(
    offsets: I64,
    data: U8,
    valid: npt.NDArray[np.bool_],
    out: U8,
    out_offsets: I64,
    kept: npt.NDArray[np.bool_],
) -> None:
    """Copy each object byte by byte, member by member; a member whose value turns out to be
    null is taken back (its key was copied already)."""
    used = 0
    for i in range(offsets.shape[0] - 1):
        p = offsets[i] + 1  # past "{"
        end = offsets[i + 1] - 1  # at "}"
        begin = used
        members = 0
        if valid[i]:
            out[used] = OPEN_OBJECT
            used += 1
        while valid[i] and p < end:
            member = used
            if members:
                out[used] = COMMA
                used += 1
            # the key: a string, then ":"
            in_string = False
            while True:
                c = data[p]
                out[used] = c
                used += 1
                p += 1
                if in_string and c == BACKSLASH:
                    out[used] = data[p]
                    used += 1
                    p += 1
                elif c == QUOTE:
                    if in_string:
                        break
                    in_string = True
            out[used] = COLON
            used += 1
            p += 1
            if data[p] == 110:  # "n": null, dropped with its key
                used = member
                p += 5  # past "null" and the comma (or onto the end)
                continue
            # the value: up to the comma or brace that closes it at depth 0
            depth = 0
            in_string = False
            while p < end:
                c = data[p]
                if in_string:
                    if c == BACKSLASH:
                        out[used] = c
                        used += 1
                        p += 1
                        c = data[p]
                    elif c == QUOTE:
                        in_string = False
                elif c == QUOTE:
                    in_string = True
                elif c in (OPEN_OBJECT, OPEN_ARRAY):
                    depth += 1
                elif c in (CLOSE_OBJECT, CLOSE_ARRAY):
                    depth -= 1
                elif c == COMMA and depth == 0:
                    break
                out[used] = c
                used += 1
                p += 1
            p += 1  # past the comma
            members += 1
        if members:
            out[used] = CLOSE_OBJECT
            used += 1
            kept[i] = True
        else:
            used = begin
        out_offsets[i + 1] = used
