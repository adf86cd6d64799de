"""Every parser inherits the same conformance tests: detection of its own samples, schema,
raw kept, bad lines rejected with reasons, and records = events + skipped + rejects, also on
random, truncated, binary and huge input (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.evidence.conformance import CTX, assert_accounted, parse_lines, records_of
from wuzhen.evidence import parsers
from wuzhen.evidence.parsers._base import LINE, Parser
from wuzhen.node import Node
from wuzhen.schema import arrow_schema

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "evidence"
PARSERS = parsers.all_parsers()


def _samples(parser: Parser) -> list[Path]:
    folder = SAMPLES / parser.name
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_every_parser_has_samples(name: str) -> None:
    assert _samples(PARSERS[name]), f"tests/data/evidence/{name}/ needs sample files"


def _sample_params() -> list[tuple[str, Path]]:
    return [(name, path) for name, p in sorted(PARSERS.items()) for path in _samples(p)]


@pytest.mark.parametrize(("name", "path"), _sample_params(), ids=lambda v: getattr(v, "name", v))
def test_sample_is_detected_and_accounted(name: str, path: Path) -> None:
    parser = PARSERS[name]
    lines = path.read_text(encoding="utf-8").splitlines()
    sample = [ln for ln in lines if ln.strip()][:50]
    assert parsers.detect(sample).name == name
    records, result = parse_lines(parser, lines)
    assert_accounted(records, result)
    assert result.events.height > 0, "a sample should hold at least one event"


@pytest.mark.parametrize(("name", "path"), _sample_params(), ids=lambda v: getattr(v, "name", v))
def test_sample_through_the_pipeline(name: str, path: Path, sqlite_node: Node) -> None:
    report = sqlite_node.pipeline.ingest([path], _options(name))
    f = report.files[0]
    assert f.format == name
    assert f.records == f.events + f.duplicates + f.skipped + f.rejects
    stored = sqlite_node.store.scan("events").collect()
    assert stored.height == f.events
    for file in sqlite_node.store.live_files("events"):
        assert pq.read_schema(file).equals(arrow_schema(), check_metadata=False)
    again = sqlite_node.pipeline.ingest([path], _options(name)).files[0]
    assert (again.events, again.duplicates) == (0, f.events)
    assert sqlite_node.store.scan("events").collect().height == f.events


def _options(name: str):  # type: ignore[no-untyped-def]
    from wuzhen.evidence.ingest import IngestOptions

    return IngestOptions(owner="CN", format=name)


GARBAGE = [
    "\x00\x01\x02 binary junk \xff",
    "{",
    "}",
    "not a record at all",
    "a" * 5000,
    "1.2.3.4",
    '{"event_type": 5}',
    "#",
    "\t\t",
]

# Lines of GARBAGE that are whole, valid records of a format: a bare address is an entry of a
# plain blocklist (#4).
VALID_RECORDS: dict[str, tuple[str, ...]] = {"blocklist": ("1.2.3.4",)}


LINE_PARSERS = sorted(n for n, p in PARSERS.items() if p.mode == "lines")


# Document formats (a JSON document, an e-mail) have no lines to mix garbage into: their own
# tests feed them damaged documents.
@pytest.mark.parametrize("name", LINE_PARSERS)
def test_garbage_is_rejected_or_skipped_with_reasons(name: str) -> None:
    parser = PARSERS[name]
    samples = _samples(parser)
    lines = samples[0].read_text(encoding="utf-8").splitlines() if samples else []
    truncated = [ln[: len(ln) // 2] for ln in lines[:5] if ln.strip()]
    records, result = parse_lines(parser, [*lines, *GARBAGE, *truncated])
    assert_accounted(records, result)
    garbage = [g for g in GARBAGE if g not in VALID_RECORDS.get(name, ())]
    garbage_records = set(records.filter(pl.col("line").is_in(garbage))["evidence.record"])
    assert not garbage_records & set(result.events["evidence.record"]), "garbage became events"


line_text = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", errors="replace")),
    st.text(max_size=400, alphabet='ab{}[]":, .0123456789').map(lambda t: t * 50),
)


@pytest.mark.parametrize("name", LINE_PARSERS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_input_never_crashes_or_loses_records(name: str, data: st.DataObject) -> None:
    parser = PARSERS[name]
    samples = _samples(parser)
    real = samples[0].read_text(encoding="utf-8").splitlines() if samples else []
    pool = [ln for ln in real if ln.strip()]
    lines = data.draw(
        st.lists(
            st.one_of(
                line_text,
                st.sampled_from(pool or ["x"]),
                st.sampled_from(pool or ["x"]).flatmap(
                    lambda s: st.integers(0, len(s)).map(lambda i: s[:i])
                ),
            ),
            max_size=30,
        )
    )
    lines = [ln.replace("\n", " ").replace("\r", " ") for ln in lines]
    records = records_of(lines)
    result = parser.parse(records, parser.new_state(), CTX)
    assert_accounted(records, result)


DOCUMENT_PARSERS = sorted(n for n, p in PARSERS.items() if p.mode == "document")


@pytest.mark.parametrize("name", DOCUMENT_PARSERS)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_documents_never_crash_or_lose_records(name: str, data: st.DataObject) -> None:
    """A document cut anywhere, or bytes of no format, split and parse without an exception,
    and every record the split yields is accounted for."""
    parser = PARSERS[name]
    sample = _samples(parser)[0].read_bytes()
    document = data.draw(
        st.one_of(
            st.integers(0, len(sample)).map(lambda i: sample[:i]),
            st.binary(max_size=300),
            st.integers(0, len(sample)).map(lambda i: sample[:i] + b"\x00\xff{[" + sample[i:]),
        )
    )
    records = parser.split_document(document)
    text = document.removeprefix(b"\xef\xbb\xbf").strip()
    assert records.height >= 1 or text in (b"", b"[]")  # nothing in it: no record
    readable = (
        records.filter(pl.col("__bad").is_null()).drop("__bad")
        if ("__bad" in records.columns)
        else records
    )
    result = parser.parse(readable, parser.new_state(), CTX)
    assert_accounted(readable, result)


def test_blank_lines_are_not_records() -> None:
    """A line of white space only (Unicode's, as Polars strips it) is no record; a line with
    anything else is, as it is."""
    lines = ["", " ", "\t \r", "\u3000\u2028", " x ", "\u00a0y", "{}"]
    assert records_of(lines)[LINE].to_list() == [" x ", "\u00a0y", "{}"]
