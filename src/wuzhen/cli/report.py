"""``wuzhen report``: the reports the secretariat publishes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wuzhen import i18n
from wuzhen.cli._console import console
from wuzhen.cli._node import open_node
from wuzhen.i18n import _
from wuzhen.transparency import parse_period, publish, transparency_report

app = typer.Typer(no_args_is_help=True)


@app.command("transparency")
def transparency(
    ctx: typer.Context,
    period: Annotated[
        str,
        typer.Option(help=_("A year (2026), a month (2026-03) or months (2026-01..2026-06).")),
    ],
    output_dir: Annotated[
        Path,
        typer.Option("--output-dir", file_okay=False, help=_("Where to write the files.")),
    ] = Path(),
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help=_("Also print the PDF."))] = True,
    chromium: Annotated[
        Path | None,
        typer.Option(help=_("The Chromium that prints the PDF (default: found on the PATH).")),
    ] = None,
) -> None:
    """Write report.html, report.pdf, report.json and report.csv for the period."""
    chosen = parse_period(period)
    with open_node(ctx) as node, node.db.session() as s:
        report = transparency_report(
            s, node.store, node.attributor.snapshot, chosen, node.clock.now()
        )
    written = publish(report, output_dir, language=i18n.language(), browser=chromium, pdf=pdf)
    head = report["ledger_head"]
    console.print(
        _("Transparency report {period}: {n} members; ledger head #{seq} {hash}").format(
            period=chosen.label, n=len(report["members"]), seq=head["seq"], hash=head["hash"]
        ),
        highlight=False,
    )
    for path in written:
        console.print(f"  {path}", highlight=False)
