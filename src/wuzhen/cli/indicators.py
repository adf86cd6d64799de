"""``wuzhen indicators`` and ``wuzhen targets``: development figures and members' targets."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from wuzhen.cli._console import console, err_console, print_json, render_table
from wuzhen.cli._node import open_node
from wuzhen.development import service
from wuzhen.development.catalogue import UNITS, indicators
from wuzhen.development.imports import IndicatorFileError, import_file
from wuzhen.i18n import _

app = typer.Typer(no_args_is_help=True)
targets_app = typer.Typer(no_args_is_help=True)
ACTOR = "cli"


class Format(enum.StrEnum):
    wdi = "wdi"
    sdg = "sdg"
    long = "long"


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=_("The CSV file."))],
    fmt: Annotated[
        Format | None,
        typer.Option("--format", help=_("wdi, sdg or long (default: told from the file).")),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print the report as JSON."))] = False,
) -> None:
    """Import indicator values: all rows or none; importing the same file again changes nothing."""
    with open_node(ctx) as node:
        try:
            with node.db.session() as s:
                report = import_file(
                    s, file, fmt.value if fmt else None, actor=ACTOR, at=node.clock.now()
                )
        except IndicatorFileError:
            err_console.print(_("Nothing was imported."))
            raise
    if as_json:
        print_json(report.as_dict())
        return
    console.print(
        _(
            "{file} ({format}): {rows} figures read; {added} added, {changed} changed, "
            "{unchanged} unchanged, {empty} empty."
        ).format(
            file=file.name,
            format=report.format,
            rows=report.rows,
            added=report.added,
            changed=report.changed,
            unchanged=report.unchanged,
            empty=report.empty,
        ),
        highlight=False,
    )
    if report.skipped:
        console.print(
            render_table(
                _("Skipped rows (no member answers for them by its own code)"),
                [_("Code"), _("Name"), _("Reason"), _("Lines")],
                [
                    (k.area, k.area_name, k.reason, ", ".join(map(str, k.lines[:10])))
                    for k in report.skipped
                ],
            )
        )


@app.command("list")
def list_values(
    ctx: typer.Context,
    member: Annotated[str | None, typer.Option(help=_("Only this member."))] = None,
    indicator: Annotated[str | None, typer.Option(help=_("Only this indicator."))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    """List indicator values with their source and date."""
    with open_node(ctx) as node, node.db.session() as s:
        frame = service.values(s, member=member, indicator_code=indicator)
    if as_json:
        print_json(frame.to_dicts())
        return
    console.print(
        render_table(
            _("Indicator values"),
            [_("Member"), _("Indicator"), _("Year"), _("Value"), _("Describes"), _("Source")],
            frame.select("member", "indicator", "year", "value", "dated", "source").iter_rows(),
            justify=["left", "left", "right", "right"],
        )
    )


@app.command("catalogue")
def catalogue(ctx: typer.Context) -> None:
    """The indicators this node knows, with the codes they import from."""
    with open_node(ctx) as node, node.db.session() as s:
        rows = [
            (i.code, _(i.name), i.unit, " ".join(i.wdi), " ".join(i.sdg)) for i in indicators(s)
        ]
    console.print(
        render_table(
            _("Indicators"), [_("Code"), _("Name"), _("Unit"), _("WDI"), _("SDG series")], rows
        )
    )


@app.command("define")
def define(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help=_("e.g. ixp-count"))],
    name: Annotated[str, typer.Argument(help=_("What it measures."))],
    unit: Annotated[str, typer.Option(help=_("One of: {units}").format(units=", ".join(UNITS)))],
) -> None:
    """Define an indicator of this node's own (imported from the long CSV by its code)."""
    with open_node(ctx) as node, node.db.session() as s:
        service.define(s, code, name, unit, actor=ACTOR, at=node.clock.now())
    console.print(_("Indicator {code} defined.").format(code=code), highlight=False)


@targets_app.command("set")
def set_target(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help=_("The member's code."))],
    indicator: Annotated[str, typer.Argument(help=_("The indicator's code."))],
    value: Annotated[float, typer.Argument(help=_("The value to reach."))],
    deadline: Annotated[int, typer.Argument(help=_("The year to reach it by."))],
    note: Annotated[str, typer.Option(help=_("What the target says, in words."))] = "",
) -> None:
    """Set (or replace) a member's target for an indicator and deadline year."""
    with open_node(ctx) as node, node.db.session() as s:
        row = service.set_target(
            s, member, indicator, value, deadline, actor=ACTOR, at=node.clock.now(), note=note
        )
        console.print(_("Target {id} set.").format(id=row.id), highlight=False)


@targets_app.command("list")
def list_targets(
    ctx: typer.Context,
    member: Annotated[str | None, typer.Option(help=_("Only this member."))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    """Targets with their progress: latest value, trend needed, whether on track."""
    with open_node(ctx) as node, node.db.session() as s:
        rows: list[dict[str, Any]] = [
            v.as_dict() for v in service.targets(s, node.clock.now(), member)
        ]
    if as_json:
        print_json(rows)
        return
    console.print(
        render_table(
            _("Targets"),
            [
                _("Id"),
                _("Member"),
                _("Indicator"),
                _("Target"),
                _("Deadline"),
                _("Latest"),
                _("Needed per year"),
                _("Trend per year"),
                _("Status"),
            ],
            [
                (
                    r["id"],
                    r["member"],
                    r["indicator"],
                    r["value"],
                    r["deadline_year"],
                    r["latest_value"],
                    _fmt(r["needed_per_year"]),
                    _fmt(r["trend_per_year"]),
                    r["status"],
                )
                for r in rows
            ],
        )
    )


@targets_app.command("remove")
def remove_target(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help=_("The member's code."))],
    target_id: Annotated[str, typer.Argument(help=_("The target's id."))],
) -> None:
    """Remove a member's target."""
    with open_node(ctx) as node, node.db.session() as s:
        service.remove_target(s, target_id, member, actor=ACTOR, at=node.clock.now())
    console.print(_("Target {id} removed.").format(id=target_id), highlight=False)


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"
