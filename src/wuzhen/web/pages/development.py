"""The development dashboard (public): indicators by region (``/development``), one member's
time series and targets (``/development/<code>``), members compared on one indicator
(``/development/compare``). The API serves the same data at ``/api/v1/indicators`` and
``/api/v1/targets``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import polars as pl
from fastapi import Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from wuzhen.development import service
from wuzhen.development.catalogue import Indicator, indicator, indicators
from wuzhen.development.charts import lines
from wuzhen.errors import InputError
from wuzhen.i18n import _
from wuzhen.members.service import member as get_member
from wuzhen.members.tables import CANDIDATE, Member
from wuzhen.web._auth import MaybeUser, node_of
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router()
DEFAULT = "internet-users-pct"
MAX_COMPARED = 7
Code = Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9-]{1,47}$")]


def value_text(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.4g}"


def _catalogue(request: Request, code: str | None) -> tuple[list[Indicator], Indicator]:
    """The indicators, and the one asked for; when none is, ``DEFAULT`` unless no member has
    a value for it and some other indicator has values: then the first such."""
    with node_of(request).db.session() as s:
        known = indicators(s)
        if code is None:
            measured = service.measured(s)
            shown = [i.code for i in known if i.code in measured]
            code = DEFAULT if DEFAULT in measured or not shown else shown[0]
        return known, indicator(s, code)


@router.get("/development")
def overview(request: Request, user: MaybeUser, indicator: Code = None) -> Response:
    node = node_of(request)
    known, chosen = _catalogue(request, indicator)
    with node.db.session() as s:
        members = list(
            s.scalars(select(Member).where(Member.status != CANDIDATE).order_by(Member.name))
        )
        latest = service.latest(service.values(s, indicator_code=chosen.code))
        targets = [v.as_dict() for v in service.targets(s, node.clock.now())]
    found = {r["member"]: r for r in latest.to_dicts()}
    regions: dict[str, dict[str, Any]] = {}
    for m in members:
        region = regions.setdefault(m.region or _("Other"), {"rows": [], "missing": 0})
        row = found.get(m.code)
        if row is None:
            region["missing"] += 1
        else:
            region["rows"].append({"code": m.code, "name": m.name, **row})
    context = {
        "indicators": known,
        "indicator_names": {i.code: _(i.name) for i in known},
        "chosen": chosen,
        "regions": sorted(regions.items()),
        "valued": bool(found),
        "targets": targets,
        "names": {m.code: m.name for m in members},
        "value_text": value_text,
        "json_url": "/api/v1/indicators?" + urlencode({"indicator": chosen.code}),
    }
    return render(request, "development.html", context)


@router.get("/development/compare")
def compare(
    request: Request,
    user: MaybeUser,
    indicator: Code = None,
    members: Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z, ]*$")] = "",
) -> Response:
    codes = [c.strip().upper() for c in members.split(",") if c.strip()]
    if len(codes) > MAX_COMPARED:
        raise InputError(_("Compare at most {n} members.").format(n=MAX_COMPARED))
    node = node_of(request)
    known, chosen = _catalogue(request, indicator)
    with node.db.session() as s:
        names = {c: get_member(s, c).name for c in codes}
        frame = service.values(s, indicator_code=chosen.code).filter(pl.col("member").is_in(codes))
    series = [
        (
            f"{names[c]} ({c})",
            [
                (int(y), float(v))
                for y, v in frame.filter(pl.col("member") == c).select("year", "value").iter_rows()
            ],
        )
        for c in codes
    ]
    chart = (
        lines(
            series,
            title=_("{indicator}, compared").format(indicator=_(chosen.name)),
            desc=_("One line per member, by year."),
        )
        if frame.height
        else None
    )
    context = {
        "indicators": known,
        "chosen": chosen,
        "members": ", ".join(codes),
        "rows": frame.to_dicts(),
        "names": names,
        "chart": chart,
        "value_text": value_text,
        "json_url": "/api/v1/indicators?" + urlencode({"indicator": chosen.code}),
    }
    return render(request, "development_compare.html", context)


@router.get("/development/{code}")
def member_page(
    request: Request, user: MaybeUser, code: Annotated[str, Path(pattern=r"^[A-Za-z]{2}$")]
) -> Response:
    node = node_of(request)
    with node.db.session() as s:
        m = get_member(s, code)
        known = {i.code: i for i in indicators(s)}
        frame = service.values(s, member=m.code)
        targets = service.targets(s, node.clock.now(), m.code)
    sections = []
    for ind_code in sorted(
        set(frame["indicator"].to_list()) | {t.target.indicator for t in targets}
    ):
        ind = known.get(ind_code)
        if ind is None:
            continue
        rows = frame.filter(pl.col("indicator") == ind_code)
        points = [(int(y), float(v)) for y, v in rows.select("year", "value").iter_rows()]
        mine = [t for t in targets if t.target.indicator == ind_code]
        first = mine[0].target if mine else None
        sections.append(
            {
                "indicator": ind,
                "rows": rows.to_dicts(),
                "targets": [t.as_dict() for t in mine],
                "chart": lines(
                    [(m.code, points)],
                    title=_(ind.name),
                    desc=_("Values by year; a dashed line leads to the target."),
                    target=(first.deadline_year, first.value) if first else None,
                    target_label=_("Target: {value} by {year}").format(
                        value=value_text(first.value, ind.unit), year=first.deadline_year
                    )
                    if first
                    else "",
                ),
            }
        )
    context = {
        "member": m,
        "sections": sections,
        "value_text": value_text,
        "json_url": "/api/v1/indicators?" + urlencode({"member": m.code}),
    }
    return render(request, "development_member.html", context)
