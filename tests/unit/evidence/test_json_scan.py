"""JSON lines: the compiled scanner reads them exactly as DuckDB does.

DuckDB (``_decode_duckdb``: ``json_valid`` and ``json_transform``) is the reference. Each case
is decoded both ways; which lines are JSON, which are objects, and every requested field's
text must be equal. The scanner must also answer for itself (not leave to DuckDB) the lines
real sensors write, or it would be correct and useless.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

from wuzhen.evidence.parsers import _json_scan
from wuzhen.evidence.parsers._base import _decode_duckdb, _json_plan, decode_json
from wuzhen.evidence.parsers.suricata import SPEC as EVE_SPEC

SPEC: dict[str, Any] = {
    "a": "",
    "b": {"c": "", "d": {"e": ""}},
    "id.orig_h": "",  # a key with a dot, as Zeek's
}
KEYS = ["a", "b", "c", "d", "e", "id.orig_h", "", "f", "x", "é", "a\\u0062"]

CASES = [
    # leaves of each kind
    '{"a":"text"}',
    '{"a":928532049924531}',
    '{"a":-5}',
    '{"a":-0}',
    '{"a":0}',
    '{"a":1.50}',
    '{"a":1e2}',
    '{"a":1E+2}',
    '{"a":123456789012345678}',
    '{"a":1234567890123456789}',
    '{"a":12345678901234567890123}',
    '{"a":true}',
    '{"a":false}',
    '{"a":null}',
    '{"a":{"x": 1}}',
    '{"a":[1, 2]}',
    '{"a":{}}',
    '{"a":[]}',
    '{"a":""}',
    '{"a":"exactly12byt"}',
    '{"a":"thirteen byte"}',
    # requested objects given other values
    '{"b":"str"}',
    '{"b":null}',
    '{"b":5}',
    '{"b":[1, {"c": "x"}]}',
    '{"b":{"c":"1","d":{"e":"2"}}}',
    '{"b":{"d":[{"e":"2"}]}}',
    '{"x":{"c":"not requested here"},"b":{"x":{"c":"nor here"}}}',
    # keys
    '{"a":"x","a":"y"}',
    '{"b":{"c":"1"},"b":{"c":"2"}}',
    '{"a\\u0062":"1"}',
    '{"\\u0061":"1"}',
    '{"x":{"\\u0061":"1"}}',
    '{"":"empty key"}',
    '{"id.orig_h":"192.0.2.1"}',
    '{"é":"1","a":"2"}',
    # escapes in leaves and elsewhere
    '{"a":"line\\nbreak \\"quoted\\" back\\\\slash \\/ \\b\\f\\r\\t"}',
    '{"a":"\\u00e9\\u20ac\\u0041\\u0000"}',
    '{"a":"\\ud83d\\ude00"}',
    '{"a":"\\ud800"}',
    '{"x":"\\ud800"}',
    '{"a":"\\x41"}',
    '{"a":"\\u12"}',
    '{"a":"\\u12g4"}',
    '{"x":"\\q"}',
    '{"a":"tab\there"}',
    '{"a":"nul\x00"}',
    '{"a":"del\x7f"}',
    '{"a":"é ü 中文 😀"}',
    # whitespace and what surrounds the value
    ' {"a":"1"} ',
    '\t{ "a" : "1" , "b" : { "c" : 2 } }\r',
    '{"a":"1"}\n',
    '\ufeff{"a":1}',
    '{"a":1} x',
    '{"a":1}{"a":2}',
    '{"a":1}\x00',
    "\x0b{}",
    "",
    " ",
    # not quite JSON (some of which DuckDB reads)
    '{"a":1,}',
    "[1,]",
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":01}',
    '{"a":-}',
    '{"a":1.}',
    '{"a":.5}',
    '{"a":1e}',
    '{"a":+1}',
    '{"a":tru}',
    '{"a":True}',
    '{"a":nul}',
    '{"a" "1"}',
    '{"a":"1" "b":"2"}',
    '{a:"1"}',
    "{'a':'1'}",
    '{"a":"unterminated}',
    '{"a":[1,2}',
    '{"a":1]',
    "{",
    "}",
    '{"a":1}}',
    '{"a":"1"',
    '{"a":1e400}',
    '{"x":1e400}',
    '{"x":-0.0e-0}',
    # valid JSON that is not an object
    "[]",
    '["a", {"a": 1}]',
    '"text"',
    "42",
    "-0",
    "true",
    "null",
    # nesting
    '{"x":' + "[" * 70 + "]" * 70 + "}",
    '{"x":' + '{"y":' * 63 + "1" + "}" * 63 + "}",
    '{"x":' + '{"y":' * 64 + "1" + "}" * 64 + "}",
    # not JSON at all
    "hello",
    "Dec 10 06:55:46 host sshd[24200]: Invalid user admin from 192.0.2.7",
]


def _both(lines: list[str], spec: dict[str, Any]) -> None:
    series = pl.Series("line", lines, dtype=pl.String)
    fast = decode_json(series, spec)
    slow = _decode_duckdb(series, spec)
    assert_series_equal(fast.is_json, slow.is_json, check_names=False)
    assert_series_equal(fast.is_object, slow.is_object, check_names=False)
    assert_frame_equal(fast.fields, slow.fields)


@pytest.mark.parametrize("line", CASES)
def test_each_case_as_duckdb(line: str) -> None:
    _both([line], SPEC)


def test_all_cases_in_one_batch() -> None:
    _both(CASES, SPEC)
    _both(CASES[::-1], SPEC)


def test_a_null_line() -> None:
    series = pl.Series("line", ['{"a":"1"}', None, '{"a":"2"}'], dtype=pl.String)
    fast = decode_json(series, SPEC)
    slow = _decode_duckdb(series, SPEC)
    assert_frame_equal(fast.fields, slow.fields)
    assert fast.is_json.to_list() == slow.is_json.to_list()


def _document(draw: st.DrawFn) -> str:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**25), max_value=10**25),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
        st.sampled_from(["\\", '"', "/", "\n", "\x00", "\x1f", "\u2028", "\ud800"]),
    )
    keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=5))
    values = st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(keys, inner, max_size=5),
        ),
        max_leaves=12,
    )
    value = draw(st.one_of(st.dictionaries(keys, values, max_size=6), values))
    separators = draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,\t", " :\r\n")]))
    text = json.dumps(value, ensure_ascii=draw(st.booleans()), separators=separators)
    if not text.isascii() and any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        text = json.dumps(value, separators=separators)  # a lone surrogate: as an escape

    mutation = draw(st.sampled_from(["none", "none", "cut", "insert", "duplicate"]))
    if mutation == "cut" and text:
        text = text[: draw(st.integers(0, len(text) - 1))]
    elif mutation == "insert":
        at = draw(st.integers(0, len(text)))
        text = (
            text[:at] + draw(st.sampled_from([",", "}", "]", "\\", '"', " ", "\x00"])) + text[at:]
        )
    elif mutation == "duplicate" and text.startswith("{") and len(text) > 2:
        text = text[:-1] + "," + text[1:]  # every key given twice
    return text


documents = st.composite(_document)


@settings(max_examples=60, deadline=None)
@given(st.lists(documents(), min_size=1, max_size=20))
def test_random_documents_as_duckdb(lines: list[str]) -> None:
    _both(lines, SPEC)


def _lines(files: list[Path]) -> list[str]:
    return [ln for f in files for ln in f.read_text().splitlines() if ln.strip()]


def test_real_eve_lines_are_read_by_the_scanner(corpus: Path) -> None:
    """The corpus' EVE lines (escapes in attack payloads, and the escaped slashes older
    Suricata wrote, included) are read by the compiled pass, and as DuckDB reads them; so are
    the lines of its pretty-printed arrays, which are mostly not JSON."""
    eve = corpus / "suricata_eve"
    lines = _lines(sorted(eve.glob("*.ndjson")) + sorted(eve.glob("*eve*.log")))
    lines += _lines([eve / "suricata-verify_output-eve-fileinfo_expected_eve.json"])
    assert len(lines) > 500
    scanned = _json_scan.scan(pl.Series(lines).to_arrow(), _json_plan(EVE_SPEC))
    assert scanned is not None
    unsure = [lines[i] for i in np.flatnonzero(scanned.status == _json_scan.UNSURE)]
    assert unsure == []
    _both(lines, EVE_SPEC)
    _both(_lines(sorted(eve.glob("*alerts-only.json"))), EVE_SPEC)
