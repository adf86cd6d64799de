"""Validation of events against the field registry, in columns.

Returns the good rows and the rejected rows (with the reason); never raises per value.
"""

from __future__ import annotations

import polars as pl

from wuzhen.schema.fields import BY_NAME, Kind

REASON = "__reject_reason"
MAX_YEAR = 9999


def _problem(name: str, frame: pl.DataFrame) -> pl.Expr | None:
    """An expression giving the reason column ``name`` is invalid in a row, else null."""
    field = BY_NAME[name]
    col = pl.col(name)
    checks: list[tuple[pl.Expr, str]] = []
    # Parser output is validated before the pipeline sets its own fields: a null ``tlp`` (no
    # marking in the record) is filled with the feed's default afterwards, not missing.
    if field.required and field.set_by == "parser":
        checks.append((col.is_null(), f"{name}: missing"))
    if field.pattern is not None and field.kind in (Kind.STRING, Kind.JSON):
        checks.append(
            (
                col.is_not_null() & ~col.str.contains(f"^(?:{field.pattern})$"),
                f"{name}: malformed value",
            )
        )
    if field.values is not None:
        checks.append(
            (col.is_not_null() & ~col.is_in(list(field.values)), f"{name}: not an allowed value")
        )
    if field.minimum is not None:
        checks.append((col.is_not_null() & (col < field.minimum), f"{name}: below {field.minimum}"))
    if field.maximum is not None:
        checks.append((col.is_not_null() & (col > field.maximum), f"{name}: above {field.maximum}"))
    if field.kind is Kind.JSON:
        checks.append((col.is_not_null() & ~col.str.starts_with("{"), f"{name}: not a JSON object"))
    if field.kind is Kind.TIMESTAMP and frame.schema.get(name, pl.Null).is_temporal():
        # outside these a time has no ISO 8601 form (an epoch in milliseconds read as seconds)
        checks.append(
            (~col.dt.year().is_between(1, MAX_YEAR), f"{name}: not within the years 1 to 9999")
        )
    if not checks:
        return None
    expr: pl.Expr = pl.lit(None, pl.String)
    for cond, reason in reversed(checks):
        expr = pl.when(cond).then(pl.lit(reason)).otherwise(expr)
    return expr


def validate(
    frame: pl.DataFrame, *, names: list[str] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``frame`` into (valid rows, invalid rows with a ``__reject_reason`` column).

    Checks the registry's rules for the columns present (or ``names``); required fields that
    are absent count as missing.
    """
    targets = names if names is not None else [c for c in frame.columns if c in BY_NAME]
    for name, field in BY_NAME.items():
        if field.required and field.set_by == "parser" and name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(name))
            targets.append(name)
    problems = [p for n in targets if (p := _problem(n, frame)) is not None]
    if not problems:
        return frame, frame.clear().with_columns(pl.lit(None, pl.String).alias(REASON))
    checked = frame.with_columns(pl.coalesce(problems).alias(REASON))
    bad = checked.filter(pl.col(REASON).is_not_null())
    good = checked.filter(pl.col(REASON).is_null()).drop(REASON)
    return good, bad
