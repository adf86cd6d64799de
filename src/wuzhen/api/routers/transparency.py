"""``/transparency``: the public transparency report (see ``docs/user/transparency.md``).

The same report as ``wuzhen report transparency`` writes to report.json: every member's
figures by the same queries, small counts as ranges, the ledger's head hash. Answers are
cached per ledger and store version, period and minute.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query

from wuzhen.api.cache import Versions
from wuzhen.api.deps import ApiState, NodeDep, StateDep, VersionsDep
from wuzhen.api.models import ERRORS
from wuzhen.node import Node
from wuzhen.transparency import parse_period, transparency_report

router = APIRouter(prefix="/transparency", tags=["transparency"], responses=ERRORS)
PERIOD = r"^\d{4}(-\d{2}(\.\.\d{4}-\d{2})?)?$"


def report_for(node: Node, state: ApiState, versions: Versions, period_text: str) -> dict[str, Any]:
    """The report (from the cache when the data and the minute are the same)."""
    period = parse_period(period_text)
    now = node.clock.now()
    key = ("transparency", versions, period, period.as_of(now).replace(second=0, microsecond=0))
    cached = state.results.get(key)
    if cached is not None:
        found: dict[str, Any] = json.loads(cached)
        return found
    with node.db.session() as s:
        report = transparency_report(s, node.store, node.attributor.snapshot, period, now)
    state.results.put(key, json.dumps(report).encode())
    return report


@router.get("", summary="The transparency report for a period (public)")
def transparency(
    node: NodeDep,
    state: StateDep,
    versions: VersionsDep,
    period: Annotated[
        str | None,
        Query(
            pattern=PERIOD,
            max_length=16,
            description="A year (2026), a month (2026-03) or months (2026-01..2026-06); "
            "default: the current year.",
        ),
    ] = None,
) -> dict[str, Any]:
    return report_for(node, state, versions, period or str(node.clock.now().year))
