"""``wuzhen ledger``: verify the chain, export it for the public, verify an export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from wuzhen import ledger
from wuzhen.atomic import atomic_output
from wuzhen.cli._console import console, err_console
from wuzhen.cli._node import open_node
from wuzhen.errors import InputError
from wuzhen.i18n import _
from wuzhen.ledger.chain import GENESIS, content
from wuzhen.ledger.tables import LedgerEntry

app = typer.Typer(no_args_is_help=True)


@app.command(
    "verify",
    help=_(
        "Check every entry's digest and link and name the first broken entry (exit status 1 "
        "if the chain is broken). With --export, verify an exported file on its own instead."
    ),
)
def verify(
    ctx: typer.Context,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help=_("A file made by `wuzhen ledger export` (JSON lines) to verify alone."),
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    if export is not None:
        rows = list(_read_export(export))
        checked, breach = ledger.verify_export(rows)
        where = _("Export {path}").format(path=export)
        top = rows[-1] if rows and breach is None else None
        head = (top["seq"], top["hash"]) if top else (0, GENESIS)
        described = {r["seq"]: _describe(r["content"]) for r in rows if "content" in r}
    else:
        with open_node(ctx) as node, node.db.session() as s:
            checked, breach = ledger.verify(s)
            head = ledger.head(s)
            described = {}
            if breach is not None:
                entry = s.get(LedgerEntry, breach.seq)
                if entry is not None:
                    described[breach.seq] = _describe(content(entry))
        where = _("Ledger")
    if breach is None:
        console.print(
            _("{where} intact: {n} entries verified; head {seq} {hash}").format(
                where=where, n=checked, seq=head[0], hash=head[1]
            ),
            soft_wrap=True,
            highlight=False,
        )
        return
    detail = described.get(breach.seq)
    err_console.print(
        _(
            "{where} broken at entry {seq}{detail}: {reason} ({n} entries before it verified)"
        ).format(
            where=where,
            seq=breach.seq,
            detail=f" ({detail})" if detail else "",
            reason=breach.reason,
            n=checked,
        ),
        soft_wrap=True,
        highlight=False,
    )
    raise typer.Exit(1)


def _describe(content: dict[str, Any]) -> str:
    return f"{content.get('action', '?')} {content.get('subject', '')}".strip()


def _read_export(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                msg = _("{path}, line {n}: not JSON ({err})").format(path=path, n=n, err=err)
                raise InputError(msg) from err
            if not isinstance(row, dict) or not {"seq", "prev", "hash", "digest"} <= set(row):
                msg = _("{path}, line {n}: not a ledger export entry").format(path=path, n=n)
                raise InputError(msg)
            yield row


@app.command(
    "export",
    help=_(
        "Export the ledger as JSON lines for the public: non-public entries appear by their "
        "digest only. Anyone can check the file with `wuzhen ledger verify --export FILE`."
    ),
)
def export(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help=_("Write to this file (default: standard output).")),
    ] = None,
) -> None:
    n = 0
    with open_node(ctx) as node, node.db.session() as s, atomic_output(output) as sink:
        for row in ledger.export_public(s):
            sink.write(json.dumps(row, ensure_ascii=False, sort_keys=True).encode() + b"\n")
            n += 1
    if output is not None:
        console.print(_("{n} entries written to {path}").format(n=n, path=output))
