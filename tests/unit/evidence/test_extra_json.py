"""``extra``: one JSON object per event, null members left out, null when every member is."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from wuzhen.evidence.parsers._base import extra_json
from wuzhen.evidence.parsers._json_members import drop_null_members, json_objects

TRICKY = st.sampled_from(
    ['"a":null', ',"a":null', '"a":null,', '\\",\\"a\\":null', "{}", "null", '"', "\\", "}", "]"]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(), TRICKY),
            st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
            st.one_of(st.none(), st.booleans()),
            st.one_of(st.none(), st.lists(st.one_of(st.none(), st.text(), TRICKY), max_size=3)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_members_round_trip_and_nulls_are_left_out(
    rows: list[tuple[str | None, int | None, bool | None, list[str | None] | None]],
) -> None:
    frame = pl.DataFrame(
        rows,
        schema={"a": pl.String, "b": pl.Int64, "c": pl.Boolean, "d": pl.List(pl.String)},
        orient="row",
    )
    out = frame.select(
        extra_json(a=pl.col("a"), b=pl.col("b"), c=pl.col("c"), d=pl.col("d")).alias("x")
    )
    for (a, b, c, d), text in zip(rows, out["x"], strict=True):
        want = {k: v for k, v in (("a", a), ("b", b), ("c", c), ("d", d)) if v is not None}
        assert (json.loads(text) if text is not None else {}) == want  # nested nulls kept
        assert (text is None) == (not want)


def test_other_types_nested_values_and_literals() -> None:
    frame = pl.DataFrame(
        {
            "f": [1.5, None],
            "t": [datetime(2024, 1, 5, tzinfo=UTC), None],
            "s": [{"x": None, "y": [1, None]}, None],
        }
    )
    out = frame.select(
        extra_json(
            f=pl.col("f"), t=pl.col("t"), s=pl.col("s"), none=pl.lit(None, pl.String), k=pl.lit("v")
        ).alias("x")
    )["x"].to_list()
    first = json.loads(out[0])
    assert first["f"] == 1.5
    assert first["s"] == {"x": None, "y": [1, None]}
    assert first["k"] == "v"
    assert first["t"].startswith("2024-01-05")
    assert set(first) == {"f", "t", "s", "k"}
    assert json.loads(out[1]) == {"k": "v"}
    all_null = frame.with_columns(extra_json(a=pl.lit(None, pl.Int64)).alias("x"))["x"]
    assert all_null.to_list() == [None, None]


TEXT = st.text(st.characters(exclude_categories=("Cs",)))  # any text Polars can hold


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), TEXT, TRICKY),
            st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
            st.one_of(st.none(), st.booleans()),
            st.one_of(st.none(), st.integers(0, 255)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_written_objects_are_polars_encoders_text(
    rows: list[tuple[str | None, int | None, bool | None, int | None]],
) -> None:
    """Text, integer and boolean members are written by our pass: byte for byte what Polars'
    encoder writes once the null members are cut out (control characters, quotes, backslashes
    and non-ASCII text included)."""
    frame = pl.DataFrame(
        rows,
        schema={"a": pl.String, "b": pl.Int64, "c": pl.Boolean, "d": pl.UInt8},
        orient="row",
    ).with_columns(pl.lit(None).alias("e"), pl.lit("\n").alias("f"))
    values = frame.select(pl.struct(frame.columns).alias("x"))["x"]
    want = drop_null_members(values.struct.json_encode())
    assert json_objects(values).to_list() == want.to_list()


def test_other_member_types_are_written_by_polars_encoder() -> None:
    values = pl.DataFrame({"a": ["x", None], "f": [None, 0.5]}).select(pl.struct("a", "f"))
    series = values.to_series()
    assert json_objects(series).to_list() == ['{"a":"x"}', '{"f":0.5}']
