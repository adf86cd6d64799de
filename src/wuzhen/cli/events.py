"""``wuzhen events`` and ``wuzhen rejects``: query the event store."""

from __future__ import annotations

import enum
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from wuzhen.atomic import atomic_output
from wuzhen.cli._console import console, print_json, render_table
from wuzhen.cli._node import moment, open_node
from wuzhen.db import Database
from wuzhen.errors import InputError, NotFoundError
from wuzhen.evidence.export.misp import to_misp_event
from wuzhen.evidence.export.stix import to_stix_bundle
from wuzhen.evidence.query import EventFilter, select_events, select_rejects
from wuzhen.evidence.retraction import find_evidence
from wuzhen.i18n import _


class OutputFormat(enum.StrEnum):
    table = "table"
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"
    misp = "misp"
    stix = "stix"


MAX_ASN = 2**32 - 1  # AS numbers are 32 bits (RFC 6793)
EVIDENCE_HELP = _("From this evidence file: its id or SHA-256 (or a unique prefix).")

TABLE_COLUMNS = [
    "time.source",
    "source.ip",
    "source.registration.cc",
    "source.asn",
    "route.member",
    "classification.type",
    "classification.identifier",
    "evidence.format",
]


def _evidence_ids(db: Database, value: str | None) -> tuple[str, ...]:
    """The ids of the evidence files ``value`` names, as ``wuzhen evidence list`` shows them:
    an evidence id, or a file's SHA-256 or a unique prefix (every ingest of that file)."""
    if not value:
        return ()
    with db.session() as s:
        rows = find_evidence(s, value, by_id=True)
    if not rows:
        msg = _(
            "--evidence {value}: no evidence file has this id or SHA-256 (see wuzhen evidence list)"
        )
        raise NotFoundError(msg.format(value=value))
    return tuple(r.id for r in rows)


def write_frame(
    frame: pl.DataFrame,
    fmt: OutputFormat,
    output: Path | None,
    *,
    notice: str = "",
    source: str = "Wuzhen",
) -> None:
    """Write rows in a file format to ``output`` (atomically) or standard output.

    Sharing formats (misp, stix) carry the attribution ``notice`` and name ``source`` as their
    creator."""
    if fmt is OutputFormat.parquet and output is None:
        raise InputError(_("Parquet output needs --output PATH"))
    try:
        _write(frame, fmt, output, notice, source)
    except OSError as err:
        if output is None:  # standard output: the entry point reports it (or a closed pipe)
            raise
        msg = _("--output {path}: cannot write: {err}").format(path=output, err=err)
        raise InputError(msg) from err


def _write(
    frame: pl.DataFrame, fmt: OutputFormat, output: Path | None, notice: str, source: str
) -> None:
    with atomic_output(output) as sink:
        if fmt is OutputFormat.csv:
            frame.write_csv(sink)
        elif fmt is OutputFormat.jsonl:
            frame.write_ndjson(sink)
        elif fmt is OutputFormat.misp:
            event = to_misp_event(
                frame, info=_("Events shared by Wuzhen"), orgc=source, notice=notice
            )
            sink.write(json.dumps(event, ensure_ascii=False, indent=1).encode() + b"\n")
        elif fmt is OutputFormat.stix:
            bundle = to_stix_bundle(frame, identity_name=source, notice=notice)
            sink.write(json.dumps(bundle, ensure_ascii=False, indent=1).encode() + b"\n")
        else:
            frame.write_parquet(sink, compression="zstd")


def events(
    ctx: typer.Context,
    since: Annotated[
        datetime | None,
        typer.Option(parser=moment, help=_("Only events at or after this time (UTC).")),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(parser=moment, help=_("Only events before this time (UTC).")),
    ] = None,
    member: Annotated[str | None, typer.Option(help=_("Routed to this member."))] = None,
    country: Annotated[
        str | None, typer.Option(help=_("Source registered in this country."))
    ] = None,
    asn: Annotated[
        int | None, typer.Option(min=0, max=MAX_ASN, help=_("Source announced by this AS."))
    ] = None,
    classification: Annotated[
        str | None, typer.Option(help=_("RSIT taxonomy, type, or both as taxonomy/type."))
    ] = None,
    text: Annotated[
        str | None,
        typer.Option(help=_("Text in the source, description, identifier or raw record.")),
    ] = None,
    owner: Annotated[str | None, typer.Option(help=_("Evidence owned by this member."))] = None,
    evidence: Annotated[str | None, typer.Option(help=EVIDENCE_HELP)] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            min=0,
            help=_("At most this many events (0: all; default 20 for the table, all for files)."),
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--output-format", help=_("table, csv, jsonl, parquet, misp or stix.")),
    ] = OutputFormat.table,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help=_("Write to this file instead of standard output.")),
    ] = None,
    count: Annotated[bool, typer.Option("--count", help=_("Print only how many match."))] = False,
) -> None:
    """Query stored events."""
    if count and (output is not None or output_format is not OutputFormat.table):
        raise InputError(
            _("--count prints only the number: it takes no --output or --output-format")
        )
    if output is not None and output_format is OutputFormat.table:
        raise InputError(
            _("--output needs a file format: --output-format csv, jsonl, parquet, misp or stix")
        )
    with open_node(ctx) as node:
        states = node.attributor.states
        where = EventFilter(
            since=since,
            until=until,
            member=states.iso2(member, "--member") if member else None,
            country=node.attributor.country(country, "--country") if country else None,
            asn=asn,
            classification=classification,
            text=text,
            owner=states.iso2(owner, "--owner") if owner else None,
            evidence=_evidence_ids(node.db, evidence),
        )
        selected = select_events(node.store, where)
        if count:
            n = selected.select(pl.len()).collect().item()
            console.print(n)
            return
        if output_format is OutputFormat.table:
            most = 20 if limit is None else limit
            frame = (selected.head(most) if most else selected).select(TABLE_COLUMNS).collect()
            console.print(render_table(_("Events"), TABLE_COLUMNS, frame.iter_rows()))
            _say_if_cut(frame.height, most, selected, _("events"))
            return
        frame = (selected.head(limit) if limit else selected).collect()
        sharing = output_format in (OutputFormat.misp, OutputFormat.stix)
        write_frame(
            frame,
            output_format,
            output,
            # The attribution notice travels with the attributed fields a sharing format carries.
            notice=str(node.attributor.snapshot.meta.get("notice", "")) if sharing else "",
            source=f"Wuzhen ({node.settings.default_owner})"
            if node.settings.default_owner
            else "Wuzhen",
        )


def rejects(
    ctx: typer.Context,
    evidence: Annotated[str | None, typer.Option(help=EVIDENCE_HELP)] = None,
    reason: Annotated[str | None, typer.Option(help=_("Reason containing this text."))] = None,
    limit: Annotated[int, typer.Option(min=0, help=_("At most this many (0: all)."))] = 50,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON (one array)."))] = False,
) -> None:
    """Show records that were refused, and why."""
    with open_node(ctx) as node:
        ids = _evidence_ids(node.db, evidence)
        selected = select_rejects(node.store, evidence=ids, reason=reason)
        frame = (selected.head(limit) if limit else selected).collect()
        if as_json:
            print_json(frame.to_dicts())
            return
        rows = [
            (r["evidence.id"], r["evidence.record"], r["reason"], r["raw"][:120])
            for r in frame.iter_rows(named=True)
        ]
        console.print(
            render_table(_("Rejects"), [_("Evidence"), _("Record"), _("Reason"), _("Raw")], rows)
        )
        _say_if_cut(frame.height, limit, selected, _("rejects"))


def _say_if_cut(shown: int, limit: int, selected: pl.LazyFrame, what: str) -> None:
    """Below a table cut at its ``limit`` (0: none): how many rows there are in all (counted
    only then)."""
    if limit == 0 or shown < limit:
        return
    total = selected.select(pl.len()).collect().item()
    if total > shown:
        msg = _("{shown} of {total} {what} shown; --limit 0 shows all.")
        console.print(msg.format(shown=shown, total=total, what=what))
