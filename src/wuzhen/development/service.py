"""Indicator values, operator-defined indicators and members' targets; every change ledgered.

Values arrive by import (:mod:`wuzhen.development.imports`). A member's administrator sets
its member's targets; the node's operator (command line) defines indicators. Reads return
Polars frames or plain rows; the dashboard and the API are views of these.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen import ledger
from wuzhen.development.catalogue import check_definition, indicator
from wuzhen.development.progress import Progress, progress
from wuzhen.development.tables import IndicatorDefinition, IndicatorValue, Target
from wuzhen.errors import InputError, NotFoundError
from wuzhen.i18n import _
from wuzhen.members.service import member as get_member
from wuzhen.members.tables import CANDIDATE

VALUE_SCHEMA = {
    "member": pl.String,
    "indicator": pl.String,
    "year": pl.Int64,
    "value": pl.Float64,
    "dated": pl.String,
    "source": pl.String,
    "source_date": pl.String,
}


def define(
    session: Session, code: str, name: str, unit: str, *, actor: str, at: datetime
) -> IndicatorDefinition:
    """An operator-defined indicator (imported from the long CSV by its code)."""
    check_definition(code, name, unit)
    if session.get(IndicatorDefinition, code) is not None:
        raise InputError(_("The indicator {code} is already defined.").format(code=code))
    row = IndicatorDefinition(code=code, name=name.strip(), unit=unit, created_at=at)
    session.add(row)
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="indicator.defined",
        subject=f"indicator:{code}",
        data={"name": row.name, "unit": unit},
    )
    return row


def values(
    session: Session, *, member: str | None = None, indicator_code: str | None = None
) -> pl.DataFrame:
    """Values (member, indicator, year, value, dated, source, source_date), sorted."""
    stmt = select(IndicatorValue).order_by(
        IndicatorValue.member, IndicatorValue.indicator, IndicatorValue.year
    )
    if member:
        stmt = stmt.where(IndicatorValue.member == member.upper())
    if indicator_code:
        stmt = stmt.where(IndicatorValue.indicator == indicator_code)
    rows = [
        (v.member, v.indicator, v.year, v.value, v.dated, v.source, v.source_date)
        for v in session.scalars(stmt)
    ]
    return pl.DataFrame(rows, schema=VALUE_SCHEMA, orient="row")


def measured(session: Session) -> set[str]:
    """The codes of the indicators some member has a value for."""
    return set(session.scalars(select(IndicatorValue.indicator).distinct()))


def latest(frame: pl.DataFrame, until_year: int | None = None) -> pl.DataFrame:
    """The latest value of each (member, indicator), up to ``until_year`` if given."""
    if until_year is not None:
        frame = frame.filter(pl.col("year") <= until_year)
    return frame.sort("year").group_by("member", "indicator", maintain_order=True).last()


def set_target(
    session: Session,
    member: str,
    indicator_code: str,
    value: float,
    deadline_year: int,
    *,
    actor: str,
    at: datetime,
    note: str = "",
) -> Target:
    """Set (or replace) the member's target for an indicator and deadline year."""
    m = get_member(session, member)
    if m.status == CANDIDATE:
        raise InputError(_("Only members set targets."))
    ind = indicator(session, indicator_code)
    why = ind.check(value)
    if why is not None:
        raise InputError(_("Target value {value}: {why}").format(value=value, why=why))
    if not 1990 <= deadline_year <= 2100:
        raise InputError(_("The deadline is a year between 1990 and 2100."))
    row = session.scalar(
        select(Target).where(
            Target.member == m.code,
            Target.indicator == ind.code,
            Target.deadline_year == deadline_year,
        )
    )
    if row is None:
        row = Target(
            id=secrets.token_hex(8),
            member=m.code,
            indicator=ind.code,
            deadline_year=deadline_year,
        )
        session.add(row)
    row.value, row.note, row.set_at, row.set_by = value, note.strip()[:2000], at, actor
    session.flush()
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="target.set",
        subject=f"member:{m.code}",
        data={"target": row.id, "indicator": ind.code, "value": value, "deadline": deadline_year},
    )
    return row


def remove_target(
    session: Session, target_id: str, member: str, *, actor: str, at: datetime
) -> None:
    row = session.get(Target, target_id)
    if row is None or row.member != member.upper():
        raise NotFoundError(_("No target {id}.").format(id=target_id))
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="target.removed",
        subject=f"member:{row.member}",
        data={"target": row.id},
    )
    session.delete(row)


@dataclass(frozen=True, slots=True)
class TargetView:
    target: Target
    progress: Progress

    def as_dict(self) -> dict[str, Any]:
        t, p = self.target, self.progress
        return {
            "id": t.id,
            "member": t.member,
            "indicator": t.indicator,
            "value": t.value,
            "deadline_year": t.deadline_year,
            "note": t.note,
            "set_at": t.set_at.isoformat(),
            "status": p.status,
            "latest_year": p.latest_year,
            "latest_value": p.latest_value,
            "gap": p.gap,
            "needed_per_year": p.needed_per_year,
            "trend_per_year": p.trend_per_year,
            "projected": p.projected,
            "observations": p.observations,
        }


def targets(session: Session, now: datetime, member: str | None = None) -> list[TargetView]:
    """Targets (of one member, or all) with their progress as of ``now``."""
    stmt = select(Target).order_by(Target.member, Target.indicator, Target.deadline_year)
    if member:
        stmt = stmt.where(Target.member == member.upper())
    found = list(session.scalars(stmt))
    observed = values(session, member=member)
    out = []
    for t in found:
        points = observed.filter(
            (pl.col("member") == t.member) & (pl.col("indicator") == t.indicator)
        ).select("year", "value")
        obs = [(int(y), float(v)) for y, v in points.iter_rows()]
        out.append(TargetView(t, progress(obs, t.value, t.deadline_year, now.year)))
    return out
