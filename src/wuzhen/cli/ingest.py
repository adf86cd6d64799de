"""``wuzhen ingest``: evidence files into the event store, with a summary of every record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wuzhen.cli._console import byte_progress, console, print_json, render_table
from wuzhen.cli._node import open_node, owner_of
from wuzhen.config import Settings
from wuzhen.evidence import feeds
from wuzhen.evidence.ingest import IngestOptions, IngestReport, Routes
from wuzhen.evidence.inputs import STDIN, UNRECOGNISED, expand, survey
from wuzhen.i18n import _
from wuzhen.jurisdiction.states import load_states
from wuzhen.schema.tlp import TLP


def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[str],
        typer.Argument(
            help=_(
                "Files or directories of evidence (gzip and one-file zip accepted; - for "
                "standard input)."
            ),
            show_default=False,
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help=_("Format of the input (default: detected from content).")
        ),
    ] = None,
    feed: Annotated[
        str | None,
        typer.Option("--feed", help=_("Apply a feed catalogue entry (see `wuzhen feeds`).")),
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", help=_("Member owning the evidence (default: the node's owner).")),
    ] = None,
    tlp: Annotated[
        str | None,
        typer.Option(
            "--tlp",
            help=_(
                "Marking for records that carry none (CLEAR, GREEN, AMBER, AMBER+STRICT, RED); "
                "default: the feed's, else AMBER."
            ),
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year", help=_("Year of timestamps that carry none (syslog); default: inferred.")
        ),
    ] = None,
    timezone: Annotated[
        str, typer.Option("--timezone", help=_("Zone of timestamps that carry none."))
    ] = "UTC",
    as_json: Annotated[
        bool, typer.Option("--json", help=_("Print the per-file summary as JSON."))
    ] = False,
) -> None:
    """Ingest evidence: parse, attribute, route, deduplicate and store every record."""
    settings: Settings = ctx.obj
    entry = feeds.feed(feed, settings.data_dir) if feed else None
    options = IngestOptions(
        owner=owner_of(ctx, owner),
        format=fmt,
        tlp=TLP.parse(tlp) if tlp else (entry.tlp if entry else TLP.AMBER),
        restrict=TLP.AMBER_STRICT if entry and not entry.redistribution else None,
        feed_name=entry.title if entry else None,
        feed_provider=entry.provider if entry else None,
        year=year,
        timezone=timezone,
    )
    found = survey(expand(paths), options.format, entry.format if entry else None)
    total = sum(Path(f).stat().st_size for f, _fmt in found.files if f != STDIN)
    done: dict[str, int] = {}
    with open_node(ctx) as node, byte_progress(enabled=not as_json) as progress:
        task = progress.add_task(_("Ingesting"), total=total or None)

        def advance(name: str, consumed: int) -> None:
            done[name] = consumed
            progress.update(task, completed=sum(done.values()))

        report = node.pipeline.ingest(found, options, advance)
    if as_json:
        print_json(
            {
                "ingest": report.ingest_id if report.files else None,  # none committed
                "files": [f.as_dict() for f in report.files],
                "totals": report.totals(),
                "unread": [{"path": u.path, "reason": u.reason} for u in report.unread],
                "routes": report.routes.as_dict(),
            }
        )
        return
    if report.files:
        _print_report(report)
        _print_routes(report.routes, options.owner)
    if report.unread:
        console.print(
            render_table(
                _("Files not read"),
                [_("File"), _("Why")],
                [(u.path, u.reason) for u in report.unread],
            )
        )
    if any(u.reason == UNRECOGNISED for u in report.unread):  # not for a file it cannot read
        console.print(_("To read one, name it with --format (`wuzhen formats` lists them)."))


def _print_report(report: IngestReport) -> None:
    headers = [
        _("File"),
        _("Format"),
        _("SHA-256"),
        _("Records"),
        _("Events"),
        _("Duplicates"),
        _("Skipped"),
        _("Rejects"),
    ]
    rows = [
        (f.path, f.format, f.sha256[:12], f.records, f.events, f.duplicates, f.skipped, f.rejects)
        for f in report.files
    ]
    t = report.totals()
    if len(report.files) > 1:
        rows.append(
            (
                _("total"),
                "",
                "",
                t["records"],
                t["events"],
                t["duplicates"],
                t["skipped"],
                t["rejects"],
            )
        )
    console.print(
        render_table(
            _("Ingest {id}").format(id=report.ingest_id),
            headers,
            rows,
            justify=["left", "left", "left"] + ["right"] * 5,
        )
    )
    reasons: dict[str, dict[str, int]] = {_("skipped"): {}, _("rejected"): {}}
    for f in report.files:
        for k, v in f.skipped_reasons.items():
            reasons[_("skipped")][k] = reasons[_("skipped")].get(k, 0) + v
        for k, v in f.reject_reasons.items():
            reasons[_("rejected")][k] = reasons[_("rejected")].get(k, 0) + v
    rows2 = [
        (kind, reason, n)
        for kind, by in reasons.items()
        for reason, n in sorted(by.items(), key=lambda kv: -kv[1])
    ]
    if rows2:
        console.print(
            render_table(
                _("Why records were not stored as events"),
                [_("Outcome"), _("Reason"), _("Records")],
                rows2,
                justify=["left", "left", "right"],
            )
        )


TOP_MEMBERS = 10


def _print_routes(routes: Routes, owner: str) -> None:
    """Where the new events went: the members they are routed to (as notices, but for the
    owner's own), the most first, and those routed to none."""
    if not (routes.members or routes.unrouted or routes.kept):
        return
    states = load_states()
    ranked = routes.members.most_common()
    rows: list[tuple[str, str, int]] = []
    for code, n in ranked[:TOP_MEMBERS]:
        state = states.get(code)
        name = state.name if state else ""
        rows.append((code, _("{name} (the owner)").format(name=name) if code == owner else name, n))
    if len(ranked) > TOP_MEMBERS:
        rest = ranked[TOP_MEMBERS:]
        label = _("{n} other members").format(n=len(rest))
        rows.append(("", label, sum(n for _code, n in rest)))
    answerless = routes.unrouted - routes.no_country
    if answerless:
        rows.append(("", _("unrouted: no member answers for the source's country"), answerless))
    if routes.no_country:
        label = _("unrouted: the source has no country (private, reserved or unknown address)")
        rows.append(("", label, routes.no_country))
    if routes.kept:
        rows.append(("", _("not routed: AMBER+STRICT or RED stays with the owner"), routes.kept))
    title = _("Where the new events went")
    console.print(render_table(title, [_("Member"), _("Name"), _("Events")], rows))
