"""The event schema: one field registry, and what is derived from it."""

from __future__ import annotations

from wuzhen.schema.arrow import arrow_schema, conform, polars_schema
from wuzhen.schema.fields import BY_NAME, FIELDS, NAMES, SHARED, Field, Kind
from wuzhen.schema.validate import validate

__all__ = [
    "BY_NAME",
    "FIELDS",
    "NAMES",
    "SHARED",
    "Field",
    "Kind",
    "arrow_schema",
    "conform",
    "polars_schema",
    "validate",
]
