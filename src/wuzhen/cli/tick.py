"""``wuzhen tick``: run every time-dependent side effect once (cron may call it)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from wuzhen.cli._console import console, print_json, render_table
from wuzhen.cli._node import open_node
from wuzhen.i18n import _
from wuzhen.tick import TickReport
from wuzhen.tick import tick as run_tick


def tick(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print the report as JSON."))] = False,
) -> None:
    """Run every time-dependent side effect once: e-mail notices, apply retention."""
    with open_node(ctx) as node:
        report = run_tick(node)
    if as_json:
        print_json(report.as_dict())
    else:
        _print(report)
    if report.errors:
        raise typer.Exit(1)


def _print(report: TickReport) -> None:
    console.print(
        render_table(
            _("Tick at {at}").format(at=report.at.isoformat(timespec="seconds")),
            [_("Step"), _("Actions"), _("Summary"), _("Error")],
            [(s.name, s.actions, _summary(s.summary), s.error or "") for s in report.steps],
            justify=["left", "right"],
        )
    )
    if not report.actions and not report.errors:
        console.print(_("Nothing to do."))


def _summary(summary: dict[str, Any]) -> str:
    return "; ".join(f"{key}: {_value(value)}" for key, value in summary.items())


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value) or "-"
    return str(value)
