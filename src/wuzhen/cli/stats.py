"""``wuzhen stats``: where attacks come from."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import typer

from wuzhen.cli._console import console, print_json, render_table
from wuzhen.cli._node import moment, open_node
from wuzhen.evidence.query import EventFilter
from wuzhen.evidence.stats import origins_by_asn, origins_by_jurisdiction
from wuzhen.i18n import _

app = typer.Typer(no_args_is_help=True)


class By(enum.StrEnum):
    jurisdiction = "jurisdiction"
    asn = "asn"


@app.command()
def origins(
    ctx: typer.Context,
    by: Annotated[By, typer.Option(help=_("Group by jurisdiction or by ASN."))] = By.jurisdiction,
    top: Annotated[int, typer.Option(min=1, help=_("How many rows."))] = 20,
    since: Annotated[
        datetime | None, typer.Option(parser=moment, help=_("From this time (UTC)."))
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(parser=moment, help=_("Before this time (UTC)."))
    ] = None,
    classification: Annotated[
        str | None, typer.Option(help=_("RSIT classification type or taxonomy."))
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    """Top source jurisdictions or ASNs, counting distinct (address, classification, day)."""
    where = EventFilter(since=since, until=until, classification=classification)
    with open_node(ctx) as node:
        if by is By.jurisdiction:
            # the node's operator reads every event of its store (see `wuzhen events`); the
            # public API counts only those whose marking allows publication
            frame = origins_by_jurisdiction(
                node.store,
                node.attributor.snapshot,
                node.attributor.states,
                where,
                top,
                published=False,
            )
            headers = [_("Jurisdiction"), _("Origins"), _("Registered IPv4"), _("Per million IPv4")]
            cols = ["jurisdiction", "origins", "ipv4", "per_million_ipv4"]
        else:
            frame = origins_by_asn(node.store, where, top, published=False)
            headers = [_("ASN"), _("Origins"), _("AS name")]
            cols = ["source.asn", "origins", "source.as_name"]
    if as_json:
        print_json(frame.select(cols).to_dicts())
        return
    rows = frame.select(cols).iter_rows()
    if by is By.jurisdiction:  # counts with separators, rates to four significant digits
        rows = (
            (cc, n, "" if ipv4 is None else f"{ipv4:,}", "" if rate is None else f"{rate:.4g}")
            for cc, n, ipv4, rate in rows
        )
        justify = ["left", "right", "right", "right"]
    else:
        rows = ((_("no AS") if asn is None else f"AS{asn}", n, name) for asn, n, name in rows)
        justify = ["left", "right", "left"]
    console.print(
        render_table(
            _("Origins: distinct (address, classification, day)"), headers, rows, justify=justify
        )
    )
