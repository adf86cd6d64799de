"""What every parser must do, checked the same way for each (imported by the test modules)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    ParseContext,
    Parser,
    ParseResult,
    readable_records,
)

CTX = ParseContext(now=datetime(2026, 11, 29, 12, 0, tzinfo=UTC))


def records_of(lines: list[str]) -> pl.DataFrame:
    """Records as the pipeline hands them to a line parser (blank lines are not records)."""
    frame = pl.DataFrame(
        {RECORD: list(range(1, len(lines) + 1)), LINE: lines, "__bad": None},
        schema={RECORD: pl.Int64, LINE: pl.String, "__bad": pl.String},
    )
    return readable_records(frame)[1]


def parse_lines(parser: Parser, lines: list[str]) -> tuple[pl.DataFrame, ParseResult]:
    records = records_of(lines)
    if parser.mode == "document":
        records = parser.split_document("\n".join(lines).encode())
        if "__bad" in records.columns:
            records = records.filter(pl.col("__bad").is_null()).drop("__bad")
    return records, parser.parse(records, parser.new_state(), CTX)


def assert_accounted(records: pl.DataFrame, result: ParseResult) -> None:
    """Every record is in exactly one of events, skipped, rejects; events keep raw text."""
    ev = result.events
    got = pl.concat(
        [ev.select(RECORD), result.skipped.select(RECORD), result.rejects.select(RECORD)]
    )[RECORD]
    assert got.len() == records.height, "records lost or counted twice"
    assert sorted(got.to_list()) == sorted(records[RECORD].to_list())
    assert result.skipped["reason"].null_count() == 0
    assert (result.skipped["reason"].str.len_chars() > 0).all()
    assert result.rejects["reason"].null_count() == 0
    assert (result.rejects["reason"].str.len_chars() > 0).all()
    if ev.height:
        joined = ev.select(RECORD, "raw").join(records.select(RECORD, LINE), on=RECORD)
        assert joined.height == ev.height
        assert (joined["raw"] == joined[LINE]).all(), "an event's raw differs from its record"
        assert ev["classification.type"].null_count() == 0
        assert ev["classification.identifier"].null_count() == 0
