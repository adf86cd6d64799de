"""``wuzhen formats``: the evidence formats this node reads."""

from __future__ import annotations

from wuzhen.cli._console import console, render_table
from wuzhen.evidence.parsers import all_parsers
from wuzhen.i18n import _


def formats() -> None:
    """List the evidence formats and how each is read."""
    rows = [(p.name, p.title, p.mode) for p in all_parsers().values()]
    console.print(render_table(_("Evidence formats"), [_("Name"), _("Format"), _("Read as")], rows))
