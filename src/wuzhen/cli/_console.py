"""Consoles and small output helpers shared by the commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

# Output that goes to a file or a pipe is not cut to 80 columns: tables stay whole.
console = Console(width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True)


def byte_progress(*, enabled: bool = True) -> Progress:
    """A progress bar over bytes of input, drawn on standard error."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=not enabled,
    )


def count_progress() -> Progress:
    """A progress bar over a count of items, drawn on standard error."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
    )


def render_table(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    justify: Sequence[str] = (),
) -> Table:
    """A table of ``rows``, their values shown as they are (never read as markup); a column
    is justified as ``justify`` says, else to the right when it holds only numbers, else to
    the left."""
    rows = [list(row) for row in rows]
    table = Table(title=title, header_style="bold")
    for i, header in enumerate(headers):
        table.add_column(
            header,
            justify=justify[i] if i < len(justify) else _justified(rows, i),  # type: ignore[arg-type]
            overflow="fold",
        )
    for row in rows:  # as text, not markup: a cell may hold what an attacker wrote
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    return table


def _justified(rows: list[list[Any]], i: int) -> str:
    values = [row[i] for row in rows if i < len(row) and row[i] is not None]
    numbers = values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    return "right" if numbers else "left"


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def frame_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()
