r"""JSON objects of struct columns, without their null members, by compiled passes.

``{"a":1,"b":null,"c":"x"}`` is written ``{"a":1,"c":"x"}``; an object left empty is null.
:func:`json_objects` writes the objects of text, integer and boolean members itself, escaping
text as Polars' ``struct.json_encode`` does (``\"``, ``\\``, ``\b \t \n \f \r``, other
control characters as ``\u00XX``; the rest as it is), byte for byte the same text. Other
members (numbers with fractions, times, lists, structs) are written by Polars' encoder, and
:func:`drop_null_members` cuts the null members out of what it wrote: only top-level members,
nested values copied as they are.
"""

from __future__ import annotations

import json

import numpy as np
import numpy.typing as npt
import polars as pl
from numba import njit

from wuzhen.arrowtext import buffers, text

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

QUOTE, BACKSLASH, COMMA, COLON = 34, 92, 44, 58
OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY = 123, 125, 91, 93


#: Member types written by :func:`json_objects` itself: their text, or their digits, or
#: ``true`` / ``false`` (Polars' cast to text writes exactly these)
_WRITTEN = (
    pl.String, pl.Boolean, pl.Null,
    pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64,
)  # fmt: skip


def json_objects(values: pl.Series) -> pl.Series:
    """Each struct of ``values`` as a JSON object without its null members; null for those
    with none (what ``drop_null_members(values.struct.json_encode())`` gives)."""
    members = values.struct.unnest()
    if values.null_count() or not all(d in _WRITTEN for d in members.dtypes):
        return drop_null_members(values.struct.json_encode())
    texts = [buffers(members[c].cast(pl.String)) for c in members.columns]
    keys = [json.dumps(c, ensure_ascii=False).encode() + b":" for c in members.columns]
    names = np.frombuffer(b"".join(keys), np.uint8)
    name_offsets = np.cumsum([0, *map(len, keys)], dtype=np.int64)
    sizes = [int(t.offsets[-1] - t.offsets[0]) for t in texts]
    bases = np.cumsum([0, *sizes[:-1]], dtype=np.int64)
    data = np.concatenate([t.data[t.offsets[0] : t.offsets[-1]] for t in texts])
    offsets = np.stack(
        [t.offsets - t.offsets[0] + base for t, base in zip(texts, bases, strict=True)]
    )
    valid = np.stack([t.valid for t in texts])
    quoted = np.array([d == pl.String for d in members.dtypes], np.bool_)
    out, out_offsets, kept = _objects(names, name_offsets, offsets, data, valid, quoted)
    return pl.Series(values.name, text(out_offsets, out, kept))


def _escaped(c: int) -> bytes:
    """Byte ``c`` of text as Polars' encoder writes it in a JSON string."""
    if c in (QUOTE, BACKSLASH):
        return bytes((BACKSLASH, c))
    if c >= 32:
        return bytes((c,))
    short = {8: b"\\b", 9: b"\\t", 10: b"\\n", 12: b"\\f", 13: b"\\r"}
    return short.get(c, f"\\u{c:04x}".encode())


# Each byte's escaped form, for the compiled pass: its length, and its bytes.
_ESCAPES = [_escaped(c) for c in range(256)]
_ESCAPE_SIZE = np.array([len(e) for e in _ESCAPES], np.int64)
_ESCAPE_TEXT = np.zeros((256, int(_ESCAPE_SIZE.max())), np.uint8)
for _c, _e in enumerate(_ESCAPES):
    _ESCAPE_TEXT[_c, : len(_e)] = np.frombuffer(_e, np.uint8)


@njit(cache=True, nogil=True)
def _objects(
    names: U8,
    name_offsets: I64,
    offsets: npt.NDArray[np.int64],
    data: U8,
    valid: npt.NDArray[np.bool_],
    quoted: npt.NDArray[np.bool_],
) -> tuple[U8, I64, npt.NDArray[np.bool_]]:
    """Each row's object of its valid members (member ``f`` of row ``i`` is
    ``data[offsets[f, i]:offsets[f, i + 1]]``, as a JSON string where ``quoted[f]``, else as
    it is): its size first, then the text."""
    k, n = valid.shape
    out_offsets = np.zeros(n + 1, np.int64)
    kept = np.zeros(n, np.bool_)
    size = 0
    for i in range(n):
        row = 1  # "{", and "," or "}" after each member
        for f in range(k):
            if valid[f, i]:
                row += name_offsets[f + 1] - name_offsets[f] + 1
                if quoted[f]:
                    row += 2
                    for p in range(offsets[f, i], offsets[f, i + 1]):
                        row += _ESCAPE_SIZE[data[p]]
                else:
                    row += offsets[f, i + 1] - offsets[f, i]
        if row > 1:
            size += row
            kept[i] = True
        out_offsets[i + 1] = size
    out = np.empty(max(size, 1), np.uint8)
    w = 0
    for i in range(n):
        if not kept[i]:
            continue
        out[w] = OPEN_OBJECT
        w += 1
        first = True
        for f in range(k):
            if not valid[f, i]:
                continue
            if not first:
                out[w] = COMMA
                w += 1
            first = False
            for p in range(name_offsets[f], name_offsets[f + 1]):
                out[w] = names[p]
                w += 1
            if quoted[f]:
                out[w] = QUOTE
                w += 1
                for p in range(offsets[f, i], offsets[f, i + 1]):
                    c = data[p]
                    for j in range(_ESCAPE_SIZE[c]):
                        out[w + j] = _ESCAPE_TEXT[c, j]
                    w += _ESCAPE_SIZE[c]
                out[w] = QUOTE
                w += 1
            else:
                for p in range(offsets[f, i], offsets[f, i + 1]):
                    out[w] = data[p]
                    w += 1
        out[w] = CLOSE_OBJECT
        w += 1
    return out, out_offsets, kept


def drop_null_members(objects: pl.Series) -> pl.Series:
    """Each object without its null members; null for objects with none left (and nulls)."""
    t = buffers(objects)
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
