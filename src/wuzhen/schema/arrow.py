"""Arrow and Polars schemas derived from the field registry, and conforming frames to them."""

from __future__ import annotations

from functools import cache

import polars as pl
import pyarrow as pa

from wuzhen.schema.fields import FIELDS, Kind

_ARROW = {
    Kind.STRING: pa.string(),
    Kind.JSON: pa.string(),
    Kind.INT32: pa.int32(),
    Kind.INT64: pa.int64(),
    Kind.TIMESTAMP: pa.timestamp("us", tz="UTC"),
}
_POLARS: dict[Kind, pl.DataType] = {
    Kind.STRING: pl.String(),
    Kind.JSON: pl.String(),
    Kind.INT32: pl.Int32(),
    Kind.INT64: pl.Int64(),
    Kind.TIMESTAMP: pl.Datetime("us", "UTC"),
}


@cache
def arrow_schema() -> pa.Schema:
    """The stored event schema: every registry field, in registry order."""
    return pa.schema(
        [
            pa.field(
                f.name,
                _ARROW[f.kind],
                nullable=not f.required,
                metadata={"description": f.description},
            )
            for f in FIELDS
        ]
    )


@cache
def polars_schema() -> pl.Schema:
    return pl.Schema({f.name: _POLARS[f.kind] for f in FIELDS})


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Every registry column in registry order, with its type; missing columns are null.

    Values that cannot be cast are an error here: parsers cast (non-strictly) and validation
    rejects rows before events reach this point.
    """
    schema = polars_schema()
    unknown = set(frame.columns) - set(schema)
    if unknown:
        msg = f"columns outside the field registry: {sorted(unknown)}"
        raise ValueError(msg)
    return frame.select(
        [
            pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
            for name, dtype in schema.items()
        ]
    )
