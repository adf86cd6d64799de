"""``wuzhen attribute``: attribution of values given on the command line or in a file."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from wuzhen.atomic import atomic_output
from wuzhen.cli._console import byte_progress, console, err_console, print_json, render_table
from wuzhen.config import Settings
from wuzhen.errors import InputError
from wuzhen.i18n import _
from wuzhen.jurisdiction import attribute_values, load_snapshot, load_states
from wuzhen.jurisdiction.snapshot import Snapshot
from wuzhen.jurisdiction.states import StateRegistry
from wuzhen.lines import iter_lines, open_input

PROGRESS_THRESHOLD = 16 * 1024 * 1024  # show a progress bar for inputs at least this large


class FileFormat(enum.StrEnum):
    csv = "csv"
    json = "json"
    parquet = "parquet"


def attribute(
    ctx: typer.Context,
    values: Annotated[
        list[str] | None,
        typer.Argument(help=_("Addresses, CIDR blocks, host names or URLs."), show_default=False),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            help=_("Read values from a file, one a line (gzip accepted; - for stdin)."),
            allow_dash=True,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help=_("Print JSON instead of a table."))
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help=_("With --file: write results here instead of standard output.")
        ),
    ] = None,
    output_format: Annotated[
        FileFormat | None,
        typer.Option(
            "--output-format",
            help=_(
                "With --file: csv, json (lines) or parquet; "
                "default from the output's suffix, else csv."
            ),
        ),
    ] = None,
) -> None:
    """Attribute addresses, blocks, names or URLs to jurisdictions."""
    settings: Settings = ctx.obj
    snapshot = load_snapshot(settings.data_dir)
    states = load_states()
    if file is not None:
        if values:
            raise InputError(_("give values or --file, not both"))
        fmt = output_format or _format_from_suffix(output)
        _attribute_file(file, output, fmt, snapshot, states)
        return
    if not values:
        raise InputError(_("nothing to attribute: give values, or --file FILE"))
    if output is not None or output_format is not None:
        raise InputError(
            _(
                "--output and --output-format write the results of --file FILE; values given "
                "here are shown as a table, or as JSON with --json"
            )
        )
    frame = attribute_values(pl.Series(values, dtype=pl.String), snapshot, states)
    if as_json:
        print_json({"results": frame.to_dicts(), "notice": snapshot.meta.get("notice")})
        return
    console.print(_table(frame))
    console.print(f"[dim]{snapshot.meta.get('notice', '')}[/dim]")


def _format_from_suffix(output: Path | None) -> FileFormat:
    if output is not None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix in ("json", "jsonl", "ndjson"):
            return FileFormat.json
        if suffix == "parquet":
            return FileFormat.parquet
    return FileFormat.csv


def _table(frame: pl.DataFrame) -> Any:
    headers = [
        _("Value"),
        _("Type"),
        _("Registered"),
        _("Located"),
        _("ASN"),
        _("AS name"),
        _("Registry"),
        _("Class"),
        _("State"),
        _("ccTLD"),
        _("Note"),
    ]
    rows = []
    for r in frame.iter_rows(named=True):
        note = r["error"] or ""
        if r["source.spans_jurisdictions"]:
            note = _("spans: {codes}").format(codes=" ".join(r["source.registration.ccs"]))
        elif r["source.tld.worldwide"]:
            note = _("ccTLD used worldwide")
        rows.append(
            [
                r["value"],
                r["type"],
                r["source.registration.cc"],
                r["source.geolocation.cc"],
                r["source.asn"],
                r["source.as_name"],
                r["source.registry"],
                r["source.special_purpose"],
                r["state"],
                r["source.tld.cc"],
                note,
            ]
        )
    return render_table(_("Attribution"), headers, rows)


def _csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("source.registration.ccs").list.join(" "))


def _attribute_file(
    file: Path, output: Path | None, fmt: FileFormat, snapshot: Snapshot, states: StateRegistry
) -> None:
    if fmt is FileFormat.parquet and output is None:
        raise InputError(_("Parquet output needs --output PATH"))
    size = file.stat().st_size if str(file) != "-" else 0
    with (
        open_input(file) as stream,
        atomic_output(output) as sink,
        byte_progress(enabled=size >= PROGRESS_THRESHOLD) as progress,
    ):
        task = progress.add_task(_("Attributing"), total=size or None)
        writer = _Writer(sink, fmt)
        for batch in iter_lines(stream):
            values = pl.Series(batch.lines).str.strip_chars()
            values = values.filter((values != "") & ~values.str.starts_with("#"))
            writer.write(attribute_values(values, snapshot, states))
            progress.update(task, completed=min(batch.bytes_done, size) if size else None)
        writer.close()
        err_console.print(_("{n} values attributed").format(n=writer.rows))


class _Writer:
    def __init__(self, sink: Any, fmt: FileFormat) -> None:
        self.sink = sink
        self.fmt = fmt
        self.rows = 0
        self._parquet: Any = None

    def write(self, frame: pl.DataFrame) -> None:
        if self.fmt is FileFormat.csv:
            _csv_ready(frame).write_csv(self.sink, include_header=self.rows == 0)
        elif self.fmt is FileFormat.json:
            frame.write_ndjson(self.sink)
        else:
            import pyarrow.parquet as pq

            table = frame.to_arrow()
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.sink, table.schema, compression="zstd")
            self._parquet.write_table(table)
        self.rows += frame.height

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
