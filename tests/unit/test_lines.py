"""Line batches: cut by array operations, nothing lost, flags for what cannot be text (#3)."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from wuzhen.lines import iter_blocks, iter_lines, marked_lines, open_input, split_block


def _read(data: bytes, **kwargs: int) -> tuple[list[str], list[int], list[bool], list[bool]]:
    lines: list[str] = []
    numbers: list[int] = []
    invalid: list[bool] = []
    long: list[bool] = []
    for batch in iter_lines(io.BytesIO(data), **kwargs):
        lines += batch.lines.to_pylist()
        numbers += list(range(batch.first_line, batch.first_line + len(batch)))
        invalid += batch.invalid_utf8.tolist()
        long += batch.too_long.tolist()
    return lines, numbers, invalid, long


@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]),
            max_size=30,
        ),
        max_size=40,
    ),
    st.integers(1, 64),
    st.booleans(),
    st.booleans(),
)
def test_same_lines_as_python_whatever_the_block_size(
    lines: list[str], block: int, crlf: bool, final_newline: bool
) -> None:
    sep = "\r\n" if crlf else "\n"
    text = sep.join(lines) + (sep if final_newline and lines else "")
    got, numbers, invalid, _ = _read(text.encode(), block_size=block)
    # lines end at \n only (a \r before it is dropped): not at the other breaks Python knows
    expected = [x.removesuffix("\r") for x in text.split("\n")] if text else []
    if expected and expected[-1] == "" and text.endswith("\n"):
        expected.pop()
    assert got == expected
    assert numbers == list(range(1, len(expected) + 1))
    assert not any(invalid)


@given(
    st.binary(max_size=300).filter(lambda b: b"\n" in b)
    | st.lists(st.sampled_from([b"a", b"\r", b"\n", b"\xc3\xa9", b"\xff", b"\r\n"])).map(b"".join),
    st.integers(1, 64),
    st.integers(1, 12),
)
def test_any_bytes_split_as_python_splits_them(data: bytes, block: int, max_line: int) -> None:
    """Random bytes (carriage returns, non-ASCII, invalid UTF-8, long lines) against a
    reference written line by line in Python."""
    raw = data.split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    raw = [r[:-1] if r.endswith(b"\r") else r for r in raw]
    got, _, invalid, long = _read(data, block_size=block, max_line=max_line)
    assert long == [len(r) > max_line for r in raw]
    cut = [r[:max_line] for r in raw]
    assert got == [r.decode("utf-8", errors="replace") for r in cut]
    assert invalid == [r.decode("utf-8", errors="replace").encode() != r for r in cut]


def test_invalid_utf8_and_long_lines_are_flagged_not_lost() -> None:
    data = b"ok\n\xff\xfe bad\n" + b"x" * 100 + b"\nlast"
    got, _, invalid, long = _read(data, block_size=7, max_line=10)
    assert got == ["ok", "\ufffd\ufffd bad", "x" * 10, "last"]
    assert invalid == [False, True, False, False]
    assert long == [False, False, True, False]


def test_gzip_and_plain_files(tmp_path: Path) -> None:
    plain = tmp_path / "a.log"
    plain.write_bytes(b"one\ntwo\n")
    packed = tmp_path / "a.log.gz"
    packed.write_bytes(gzip.compress(b"one\ntwo\n"))
    for path in (plain, packed):
        with open_input(path) as stream:
            assert [x for b in iter_lines(stream) for x in b.lines.to_pylist()] == ["one", "two"]


@given(
    st.lists(st.text(alphabet="ab#\r", max_size=6), max_size=30),
    st.sampled_from([b"#", b"a#", b"\n#", b"\na"]),
    st.integers(1, 64),
)
def test_marked_lines_are_the_lines_holding_the_marker(
    lines: list[str], marker: bytes, block_size: int
) -> None:
    data = "".join(line + "\n" for line in lines).encode()
    text = marker.decode()
    expected = [
        (number, line.removesuffix("\r"))
        for number, line in enumerate(lines, start=1)
        if (line.startswith(text[1:]) if text[0] == "\n" else text in line)
    ]
    got: list[tuple[int, str]] = []
    for block in iter_blocks(io.BytesIO(data), block_size=block_size):
        found = marked_lines(block, marker)
        if found is not None:
            part, numbers = found
            texts = split_block(part).lines.to_pylist()
            got += list(zip(numbers.tolist(), texts, strict=True))
    assert got == expected
