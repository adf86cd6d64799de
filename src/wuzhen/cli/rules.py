"""``wuzhen rules``: the compact's rules and their history. Rules change only by resolution:
``wuzhen rules set`` only says so and points to ``wuzhen proposals table``."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from wuzhen import rules
from wuzhen.cli._console import console, print_json, render_table
from wuzhen.cli._node import open_node
from wuzhen.errors import ForbiddenError, NotFoundError
from wuzhen.i18n import _

app = typer.Typer(no_args_is_help=True)


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@app.command("list", help=_("List every rule with its value in force and what it governs."))
def list_rules(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        current = rules.current(s)
    if as_json:
        print_json(current)
        return
    console.print(
        render_table(
            _("Rules"),
            [_("Rule"), _("Value"), _("What it governs")],
            [(key, _shown(value), rules.SPECS[key].description) for key, value in current.items()],
        )
    )


@app.command("history", help=_("Every value a rule has had, oldest first (from the ledger)."))
def history(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help=_("The rule, e.g. retention.days."))],
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    with open_node(ctx) as node, node.db.session() as s:
        rules.get(s, key)  # an unknown rule is an error, not an empty history
        entries = rules.history(s, key)
    if as_json:
        print_json(entries)
        return
    console.print(
        render_table(
            _("History of {key}").format(key=key),
            [_("Entry"), _("At"), _("Actor"), _("Value"), _("Reason")],
            [
                (
                    e["seq"],
                    e["at"].isoformat(timespec="seconds"),
                    e["actor"],
                    _shown(e.get("new", e.get("value"))),
                    e.get("reason", ""),
                )
                for e in entries
            ],
            justify=["right"],
        )
    )


@app.command(
    "set",
    help=_(
        "Refused: rules change only by resolution. Table a proposal instead: "
        "wuzhen proposals table SESSION --title ... --text ... --rule KEY=VALUE"
    ),
)
def set_rule(
    key: Annotated[str, typer.Argument(help=_("The rule, e.g. retention.days."))],
    value: Annotated[str, typer.Argument(help=_("The value you would propose."))] = "",
    reason: Annotated[str, typer.Option("--reason", help=_("Why."))] = "",
) -> None:
    if key not in rules.SPECS:
        raise NotFoundError(_("unknown rule {key!r}").format(key=key))
    raise ForbiddenError(
        _(
            "rules change only by resolution: table a proposal "
            "(wuzhen proposals table SESSION --title ... --text ... --rule {key}={value})"
        ).format(key=key, value=value or "VALUE")
    )
