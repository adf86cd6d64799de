"""``wuzhen jurisdiction``: the attribution snapshot in use, and how to rebuild it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wuzhen.cli._console import console, print_json, render_table
from wuzhen.config import Settings
from wuzhen.errors import InputError
from wuzhen.i18n import _
from wuzhen.jurisdiction import Source, build_snapshot, load_snapshot
from wuzhen.jurisdiction.snapshot import SNAPSHOT_NAME, Snapshot

app = typer.Typer(no_args_is_help=True)


@app.command()
def info(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    """Show the snapshot in use: its sources, their dates and licences."""
    settings: Settings = ctx.obj
    snap = load_snapshot(settings.data_dir)
    if as_json:
        print_json({"path": str(snap.path), **snap.meta})
        return
    _print_info(snap)


def _print_info(snap: Snapshot) -> None:
    meta = snap.meta
    console.print(_("Snapshot: {path}").format(path=snap.path))
    console.print(_("Built: {when}").format(when=meta.get("built_at")))
    segments = meta.get("segments", {})
    console.print(
        _("Segments: {v4} IPv4, {v6} IPv6; AS names: {names}").format(
            v4=segments.get("ipv4"), v6=segments.get("ipv6"), names=len(snap.asn_numbers)
        )
    )
    rows = [
        (s["role"], s["file"], s["format"], s["date"], s["records"], s["licence"])
        for s in meta.get("sources", [])
    ]
    console.print(
        render_table(
            _("Sources"),
            [_("Role"), _("File"), _("Format"), _("Data date"), _("Records"), _("Licence")],
            rows,
            justify=["left", "left", "left", "left", "right", "left"],
        )
    )
    console.print(meta.get("notice", ""))


@app.command()
def build(
    ctx: typer.Context,
    registration: Annotated[
        list[Path] | None,
        typer.Option(
            "--registration",
            "-r",
            exists=True,
            dir_okay=False,
            help=_(
                "Registration data: delegated-extended files of the registries, or "
                "start,end,country CSV (repeatable)."
            ),
        ),
    ] = None,
    location: Annotated[
        list[Path] | None,
        typer.Option(
            "--location",
            "-l",
            exists=True,
            dir_okay=False,
            help=_("Location and ASN data: start,end,country,asn CSV or ip2asn TSV (repeatable)."),
        ),
    ] = None,
    asnames: Annotated[
        list[Path] | None,
        typer.Option(
            "--asnames",
            "-a",
            exists=True,
            dir_okay=False,
            help=_("AS names: asn<TAB>name TSV, or an ip2asn file (repeatable)."),
        ),
    ] = None,
    registration_licence: Annotated[
        str | None, typer.Option(help=_("Licence note for the registration data."))
    ] = None,
    location_licence: Annotated[
        str | None, typer.Option(help=_("Licence note for the location and AS name data."))
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help=_(
                "Where to write the snapshot (default: the data directory, where it "
                "replaces the shipped one)."
            ),
        ),
    ] = None,
) -> None:
    """Rebuild the attribution snapshot from downloaded registry and location files."""
    settings: Settings = ctx.obj
    if not registration and not location:
        raise InputError(_("give at least one --registration or --location file"))
    sources = [Source(p, "registration", registration_licence) for p in registration or []]
    sources += [Source(p, "location", location_licence) for p in location or []]
    sources += [Source(p, "asnames", location_licence) for p in asnames or []]
    with console.status(_("Building the attribution snapshot...")):
        snap = build_snapshot(sources)
    target = output or settings.jurisdiction_dir / SNAPSHOT_NAME
    snap.save(target)
    console.print(_("Wrote {path}").format(path=target))
    _print_info(Snapshot.load(target))
