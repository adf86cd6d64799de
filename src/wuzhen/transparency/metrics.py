"""The report's metrics: the documented queries of :mod:`wuzhen.transparency.methods`, run as
written by DuckDB over the frames (pure: frames in, frames out; nothing is read or written
elsewhere). Exact figures: ranges for small counts are applied when the report is assembled.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl

from wuzhen.transparency.frames import Frames
from wuzhen.transparency.methods import BY_NAME, METHODS, VIEWS, Method

#: The columns every metric query returns.
FIGURE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "party": pl.String,
    "key": pl.String,
    "value": pl.Float64,
    "n": pl.Int64,
    "reporting": pl.Int64,
}
MEMBER_PARTY = "requested"
PAIR_PARTY = "pair"
COMPACT = "compact"  # the whole compact: every request counted once, as one party


@contextmanager
def _connection(frames: Frames) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET autoload_known_extensions = false")
        for name, table in frames.tables.items():
            con.register(name, table.to_arrow())
        for sql in VIEWS.values():
            con.execute(sql)
        yield con
    finally:
        con.close()


def query(method: Method, party: str = MEMBER_PARTY) -> str:
    """The SQL of ``method``, for the member view or (``party="pair"``) the pair view."""
    return method.sql.replace("{party}", party)


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    out: pl.DataFrame = con.sql(sql).pl()
    return out.select(
        *(
            pl.col(c).cast(t) if c in out.columns else pl.lit(None, t).alias(c)
            for c, t in FIGURE_SCHEMA.items()
        )
    )


def figures(frames: Frames) -> dict[str, pl.DataFrame]:
    """Every figure metric of the member view: method name -> (party, key, value, n,
    reporting), sorted by party and key."""
    out: dict[str, pl.DataFrame] = {}
    with _connection(frames) as con:
        for m in METHODS:
            if m.name == "refusals-other-only":
                continue
            out[m.name] = _run(con, query(m)).sort("party", "key")
    return out


def pair_figures(frames: Frames, party: str = PAIR_PARTY) -> dict[str, pl.DataFrame]:
    """The request metrics in the member-pair view (party ``A>B``: requests from A to B),
    or, with ``party=COMPACT``, for the whole compact."""
    column = f"'{COMPACT}'" if party == COMPACT else party
    out: dict[str, pl.DataFrame] = {}
    with _connection(frames) as con:
        for m in METHODS:
            if m.pairs:
                out[m.name] = _run(con, query(m, column)).sort("party", "key")
    return out


def other_only(frames: Frames) -> pl.DataFrame:
    """Refusals citing only the ground "other": (party, kind, other_text)."""
    with _connection(frames) as con:
        listed: pl.DataFrame = con.sql(BY_NAME["refusals-other-only"].sql).pl()
        return listed


def one(frames: Frames, name: str, party: str = MEMBER_PARTY) -> pl.DataFrame:
    """One metric (for tests and the methods document's examples)."""
    with _connection(frames) as con:
        return _run(con, query(BY_NAME[name], party)).sort("party", "key")
