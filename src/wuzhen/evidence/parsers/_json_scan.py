"""JSON lines read by one compiled pass over their bytes, taking the fields a parser asks for.

:func:`scan` checks each line against the JSON grammar (RFC 8259) and reads each requested
leaf's text, for the lines it reads exactly as DuckDB's ``json_valid`` and ``json_transform``
(to ``VARCHAR`` leaves) would. Leaves come back as Arrow string views: short ones (12 bytes
or fewer) held in the view itself, the others pointing into the lines' bytes, which the
batch's ``raw`` column holds anyway (copying them out took about 4% of an EVE ingest's CPU
time), or, a string with escapes, unescaped into a buffer of their own. (Lines that
:func:`wuzhen.arrowtext.buffers` has to copy to read, as it rarely does, stay alive in that
copy as long as their leaves.) A line it is not sure of is marked
:data:`UNSURE` and left to DuckDB, which stays the reference
(``tests/unit/evidence/test_json_scan.py``):

- anything outside strict JSON (DuckDB also reads trailing commas, ``NaN``, a byte order mark;
  it refuses control characters in strings and lone surrogates, and so does the grammar);
- an escaped surrogate (DuckDB checks their pairing);
- a requested leaf that is an object or an array (DuckDB writes it back as compact JSON), or
  a number other than an integer of up to 18 digits, or ``-0`` (DuckDB writes those back in
  its own form);
- a key with an escape in a requested object, a requested key given twice in one object (DuckDB
  takes the first), or nesting deeper than :data:`MAX_DEPTH`.

A requested object given as another kind of value (or ``null``) leaves its fields null, as
DuckDB does. Numbers elsewhere are only checked against the grammar (DuckDB keeps big ones
as written). Every line of the corpus' EVE files is read here: 3 times less CPU than DuckDB
for a batch of EVE alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from numba import njit

from wuzhen.arrowtext import INLINE, VIEW_LIMIT, Column, Views, buffers, put_view, view_array
from wuzhen.jurisdiction._ipparse import hex_value

I8 = npt.NDArray[np.int8]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
Flags = npt.NDArray[np.bool_]

OBJECT = 0  # a JSON object
OTHER = 1  # valid JSON that is not an object
UNSURE = 2  # left for DuckDB
MAX_DEPTH = 64
MAX_LEAF_DIGITS = 18

_LEAF = 0
_OBJ = 1
_NONE = -1


@dataclass(frozen=True, slots=True)
class Spec:
    """A decode spec (nested dicts of keys; any other value is a leaf) as arrays a kernel
    reads. Each requested object's members are entries, found by their key's hash in the
    object's ``slots`` (open addressing; -1: empty): entry ``k`` is the key
    ``names[name_at[k]:name_at[k + 1]]``, a kind (leaf or object) and a target (the leaf's
    column, or the object's number). Object 0 is the line's own object."""

    paths: list[str]  # the leaves' column names ("a.b"), in the order of the spec
    slots: I64  # shape (objects, slots per object)
    name_at: I64
    names: U8
    kind: I8
    target: I64


def compile_spec(spec: dict[str, Any]) -> Spec:
    paths: list[str] = []

    def number_leaves(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                number_leaves(value, f"{prefix}{key}.")
            else:
                paths.append(f"{prefix}{key}")

    number_leaves(spec, "")  # leaves in the spec's depth-first order: the flattened columns'
    objects: list[dict[str, Any]] = []  # numbered breadth first
    entries: list[tuple[int, bytes, int, int]] = []  # object, key, kind, target
    queue: list[tuple[dict[str, Any], str]] = [(spec, "")]
    while queue:
        node, prefix = queue.pop(0)
        objects.append(node)
        for key, value in node.items():
            if isinstance(value, dict):
                entries.append((len(objects) - 1, key.encode(), _OBJ, len(objects) + len(queue)))
                queue.append((value, f"{prefix}{key}."))
            else:
                entries.append((len(objects) - 1, key.encode(), _LEAF, paths.index(prefix + key)))
    size = 1 << max(4, (2 * max(len(o) for o in objects)).bit_length())
    slots = np.full((len(objects), size), -1, np.int64)
    for k, (o, name, _kind, _target) in enumerate(entries):
        h = _hash_of(name) & (size - 1)
        while slots[o, h] >= 0:
            h = (h + 1) & (size - 1)
        slots[o, h] = k
    name_at = np.zeros(len(entries) + 1, np.int64)
    np.cumsum([len(e[1]) for e in entries], out=name_at[1:])
    return Spec(
        paths=paths,
        slots=slots,
        name_at=name_at,
        names=np.frombuffer(b"".join(e[1] for e in entries) + b"\0", np.uint8).copy(),
        kind=np.array([e[2] for e in entries] or [0], np.int8),
        target=np.array([e[3] for e in entries] or [0], np.int64),
    )


def _hash_of(key: bytes) -> int:
    """As :func:`_hash` computes it from a line's bytes."""
    if not key:
        return 0
    return len(key) * 131 + key[0] * 31 + key[-1] * 7


@dataclass(frozen=True, slots=True)
class Scanned:
    """Per line: :data:`OBJECT`, :data:`OTHER` or :data:`UNSURE`; and per leaf, its text in
    each line it is present in (null elsewhere), as string views."""

    status: I8
    fields: dict[str, pa.Array]


def scan(lines: Column, spec: Spec) -> Scanned | None:
    """``None`` for lines over :data:`VIEW_LIMIT` bytes in all (too many for views)."""
    t = buffers(lines)
    if t.data.shape[0] > VIEW_LIMIT:
        return None
    n = len(t)
    leaves = len(spec.paths)
    status = np.empty(n, np.int8)
    # Leaf j of line i is row j * n + i. Zeroed pages cost nothing until written: a leaf no
    # line has costs no memory.
    views = np.zeros((leaves * n, 2), np.uint64)
    present = np.zeros(leaves * n, np.bool_)
    text = np.empty(t.data.shape[0], np.uint8)  # strings unescaped, not inline
    used = _scan(
        t.offsets, t.data, t.valid, spec.slots, spec.name_at, spec.names, spec.kind,
        spec.target, status, views, present, text,
    )  # fmt: skip
    text = text[:used].copy()
    fields = {
        path: view_array(views[j * n : (j + 1) * n], present[j * n : (j + 1) * n], t.data, text)
        for j, path in enumerate(spec.paths)
    }
    return Scanned(status, fields)


@njit(cache=True, nogil=True)
def _scan(
    offsets: I64, data: U8, valid: Flags, slots: I64, name_at: I64, names: U8, kind: I8,
    target: I64, status: I8, views: Views, present: Flags, text: U8,
) -> int:  # fmt: skip
    n = valid.shape[0]
    leaves = present.shape[0] // n if n else 0
    seen = np.zeros(kind.shape[0], np.bool_)
    in_object = np.empty(MAX_DEPTH + 1, np.bool_)
    node_of = np.empty(MAX_DEPTH + 1, np.int64)
    used = np.zeros(1, np.int64)
    for i in range(n):
        if not valid[i]:
            status[i] = UNSURE
            continue
        seen[:] = False
        status[i] = _line(
            data, offsets[i], offsets[i + 1], slots, name_at, names, kind, target, views,
            present, text, used, n, i, seen, in_object, node_of,
        )  # fmt: skip
        if status[i] == UNSURE:  # what it wrote is taken back
            for j in range(leaves):
                if present[j * n + i]:
                    present[j * n + i] = False
                    views[j * n + i, :] = 0
    return int(used[0])


@njit(cache=True, nogil=True, inline="always")
def _space(c: int) -> bool:
    return c == 32 or c == 10 or c == 13 or c == 9


@njit(cache=True, nogil=True, inline="always")
def _skip_space(data: U8, p: int, b: int) -> int:
    while p < b and _space(data[p]):
        p += 1
    return p


_ENDS_PLAIN = np.zeros(256, np.bool_)  # a quote, a backslash, a control character
_ENDS_PLAIN[:32] = True
_ENDS_PLAIN[34] = True
_ENDS_PLAIN[92] = True


@njit(cache=True, nogil=True, inline="always")
def _plain_end(data: U8, p: int, b: int) -> int:
    """The first quote, backslash or control character from ``p`` on (``b``: none): a byte
    looked up in a table (three tests: 3-5% slower)."""
    while p < b:
        if _ENDS_PLAIN[data[p]]:
            return p
        p += 1
    return b


@njit(cache=True, nogil=True)
def _escaped_end(data: U8, p: int, b: int) -> int:
    """The closing quote of a string with an escape at ``p`` (-1: not a string DuckDB surely
    reads: a bad escape, a control character, no end, or an escaped surrogate, whose pairing
    DuckDB checks)."""
    while p < b:
        c = data[p]
        if c == 34:
            return p
        if c < 32:
            return -1
        if c != 92:
            p += 1
            continue
        if p + 1 >= b:
            return -1
        e = data[p + 1]
        if e == 117:  # \uXXXX
            if p + 5 >= b:
                return -1
            code = 0
            for k in range(2, 6):
                h = hex_value(data[p + k])
                if h < 0:
                    return -1
                code = code * 16 + h
            if 0xD800 <= code <= 0xDFFF:
                return -1
            p += 6
        elif e == 34 or e == 92 or e == 47 or e == 98 or e == 102 or e == 110 or e == 114 \
                or e == 116:  # fmt: skip
            p += 2
        else:
            return -1
    return -1


@njit(cache=True, nogil=True)
def _number_end(data: U8, p: int, b: int) -> int:
    """The end of the number starting at ``p`` (-1: not the grammar's), negated minus 2 when
    it is not a plain integer (has a fraction or an exponent)."""
    if p < b and data[p] == 45:  # -
        p += 1
    if p >= b or not (48 <= data[p] <= 57):
        return -1
    if data[p] == 48:
        p += 1
    else:
        while p < b and 48 <= data[p] <= 57:
            p += 1
    integer = True
    if p < b and data[p] == 46:  # .
        integer = False
        p += 1
        if p >= b or not (48 <= data[p] <= 57):
            return -1
        while p < b and 48 <= data[p] <= 57:
            p += 1
    if p < b and (data[p] == 101 or data[p] == 69):  # e E
        integer = False
        p += 1
        if p < b and (data[p] == 43 or data[p] == 45):
            p += 1
        if p >= b or not (48 <= data[p] <= 57):
            return -1
        while p < b and 48 <= data[p] <= 57:
            p += 1
    return p if integer else -p - 2


@njit(cache=True, nogil=True)
def _literal(data: U8, p: int, b: int) -> int:
    """The length of the literal ``true``, ``false`` or ``null`` at ``p`` (0: none)."""
    c = data[p]
    if c == 116 and p + 4 <= b and data[p + 1] == 114 and data[p + 2] == 117:  # tru
        return 4 if data[p + 3] == 101 else 0  # e
    if c == 110 and p + 4 <= b and data[p + 1] == 117 and data[p + 2] == 108:  # nul
        return 4 if data[p + 3] == 108 else 0  # l
    if c == 102 and p + 5 <= b and data[p + 1] == 97 and data[p + 2] == 108:  # fal
        return 5 if data[p + 3] == 115 and data[p + 4] == 101 else 0  # se
    return 0


@njit(cache=True, nogil=True, inline="always")
def _hash(data: U8, a: int, e: int) -> int:
    if e == a:
        return 0
    return int((e - a) * 131 + data[a] * 31 + data[e - 1] * 7)


@njit(cache=True, nogil=True)
def _member(data: U8, a: int, e: int, slots: I64, o: int, name_at: I64, names: U8) -> int:
    """The entry of object ``o`` keyed ``data[a:e]``, or -1."""
    mask = slots.shape[1] - 1
    h = _hash(data, a, e) & mask
    length = e - a
    while True:
        k = slots[o, h]
        if k < 0:
            return -1
        s = name_at[k]
        if name_at[k + 1] - s == length:
            same = True
            for j in range(length):
                if data[a + j] != names[s + j]:
                    same = False
                    break
            if same:
                return int(k)
        h = (h + 1) & mask


@njit(cache=True, nogil=True, inline="always")
def _put(views: Views, present: Flags, row: int, data: U8, a: int, b: int) -> None:
    """Leaf ``row`` is ``data[a:b]``: in its view when it fits there, else a view into the
    lines' bytes (the leaves' buffer 0)."""
    present[row] = True
    put_view(views, row, data, a, b, 0)


@njit(cache=True, nogil=True)
def _unescape(data: U8, p: int, end: int, out: U8, o: int) -> int:
    """Write the text of the string ``data[p:end]`` (its escapes checked) at ``out[o:]``;
    returns where it ends there."""
    while p < end:
        c = data[p]
        if c != 92:
            out[o] = c
            o += 1
            p += 1
            continue
        e = data[p + 1]
        if e == 117:  # \uXXXX, not a surrogate: 1 to 3 bytes of UTF-8
            code = 0
            for k in range(2, 6):
                code = code * 16 + hex_value(data[p + k])
            if code < 0x80:
                out[o] = code
                o += 1
            elif code < 0x800:
                out[o] = 0xC0 | (code >> 6)
                out[o + 1] = 0x80 | (code & 0x3F)
                o += 2
            else:
                out[o] = 0xE0 | (code >> 12)
                out[o + 1] = 0x80 | ((code >> 6) & 0x3F)
                out[o + 2] = 0x80 | (code & 0x3F)
                o += 3
            p += 6
            continue
        if e == 98:
            out[o] = 8
        elif e == 102:
            out[o] = 12
        elif e == 110:
            out[o] = 10
        elif e == 114:
            out[o] = 13
        elif e == 116:
            out[o] = 9
        else:  # " \ /
            out[o] = e
        o += 1
        p += 2
    return o


_VALUE = 0  # a value is expected
_AFTER = 1  # a value has ended
_KEY = 2  # a member's key is expected


@njit(cache=True, nogil=True)
def _line(
    data: U8, a: int, b: int, slots: I64, name_at: I64, names: U8, kind: I8, target: I64,
    views: Views, present: Flags, text: U8, used: I64, n: int, i: int, seen: Flags,
    in_object: Flags, node_of: I64,
) -> int:  # fmt: skip
    p = _skip_space(data, a, b)
    if p >= b:
        return UNSURE
    top_object = data[p] == 123
    depth = 0
    what = _OBJ  # what the expected value is for: a leaf, a requested object, or nothing
    which = 0  # the leaf's column or the object's number
    state = _VALUE
    while True:
        p = _skip_space(data, p, b)
        if p >= b:
            if state == _AFTER and depth == 0:
                return OBJECT if top_object else OTHER
            return UNSURE
        c = data[p]
        if state == _AFTER:
            if depth == 0:
                return UNSURE  # more after the value
            p += 1
            if c == 44:  # ,
                if in_object[depth]:
                    state = _KEY
                else:
                    what = _NONE
                    state = _VALUE
            elif c == (125 if in_object[depth] else 93):  # } or ]
                depth -= 1
            else:
                return UNSURE
            continue
        if state == _KEY:
            if c != 34:
                return UNSURE
            end = _plain_end(data, p + 1, b)
            escaped = end < b and data[end] != 34
            if escaped:
                end = _escaped_end(data, end, b)
                if end < 0:
                    return UNSURE
            elif end == b:
                return UNSURE
            what = _NONE
            o = node_of[depth]
            if o >= 0:
                if escaped:
                    return UNSURE
                k = _member(data, p + 1, end, slots, o, name_at, names)
                if k >= 0:
                    if seen[k]:
                        return UNSURE  # DuckDB takes the first; rare enough to leave it
                    seen[k] = True
                    what = kind[k]
                    which = target[k]
            p = _skip_space(data, end + 1, b)
            if p >= b or data[p] != 58:  # :
                return UNSURE
            p += 1
            state = _VALUE
            continue
        # state == _VALUE
        if c == 34:  # "
            end = _plain_end(data, p + 1, b)
            if end == b:
                return UNSURE
            if data[end] != 34:
                end = _escaped_end(data, end, b)
                if end < 0:
                    return UNSURE
                if what == _LEAF:  # unescaped into the leaves' buffer 1 (kept unless inline)
                    o = used[0]
                    e = _unescape(data, p + 1, end, text, o)
                    present[which * n + i] = True
                    put_view(views, which * n + i, text, o, e, 1)
                    used[0] = e if e - o > INLINE else o
            elif what == _LEAF:
                _put(views, present, which * n + i, data, p + 1, end)
            p = end + 1
        elif c == 45 or 48 <= c <= 57:
            end = _number_end(data, p, b)
            if end == -1:
                return UNSURE
            if what == _LEAF:
                digits = end - p - (1 if c == 45 else 0)
                if end < 0 or digits > MAX_LEAF_DIGITS or (c == 45 and data[p + 1] == 48):
                    return UNSURE
                _put(views, present, which * n + i, data, p, end)
            p = end if end >= 0 else -end - 2
        elif c == 123 or c == 91:  # { [
            if what == _LEAF or depth == MAX_DEPTH:
                return UNSURE
            depth += 1
            in_object[depth] = c == 123
            node_of[depth] = which if (what == _OBJ and c == 123) else -1
            p = _skip_space(data, p + 1, b)
            if p < b and data[p] == (125 if c == 123 else 93):
                p += 1
                depth -= 1
                state = _AFTER
            elif c == 123:
                state = _KEY
            else:
                what = _NONE
            continue
        else:
            length = _literal(data, p, b)
            if length == 0:
                return UNSURE
            if what == _LEAF and c != 110:  # null leaves the leaf null
                _put(views, present, which * n + i, data, p, p + length)
            p += length
        state = _AFTER
