"""Importing indicator values from a file: all of it or nothing, and the same file twice
changes nothing.

Mapping rows to members (the documented rule, see ``docs/user/development.md``):

- a row belongs to a member when its economy code is that member's own ISO 3166 alpha-2,
  alpha-3 or M49 code, and the member is admitted (active or suspended);
- every other row is skipped and listed in the import report with its reason: a state of the
  registry that is not (yet) a member; or a code that is no member's own: aggregates (World,
  regions, income groups: WDI's ``WLD``, ``EAS``, ``HIC``, SDG's M49 region codes ``001``,
  ``142``, ...) and economies no member answers for by their own code (territories whose
  figures are not the figures of the state answering for them: ``HKG`` is not ``CHN``);
- rows the format itself leaves out (SDG breakdowns by sex, age, ..., national figures where
  the global figure is given) are listed too; empty cells are counted, not listed.

Errors (nothing is written, every offending row is listed): an indicator code that is not in
the catalogue, a value that is not a number or is out of the indicator's range (a percentage
above 100), a year that is not a year, a date that is not ``YYYY[-MM[-DD]]`` or not within
its year, two rows for the same member, indicator and year.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen import ledger
from wuzhen.development.catalogue import Indicator, by_source_code, indicators
from wuzhen.development.formats import DATED, MISSING, YEAR, Format, Row, detect, parse, read_text
from wuzhen.development.tables import IndicatorValue
from wuzhen.errors import InputError
from wuzhen.i18n import _
from wuzhen.members.tables import CANDIDATE, Member

log = logging.getLogger(__name__)
SHOWN_PROBLEMS = 50
NOT_MEMBER = "a state of the registry that is not a member"
NO_MEMBER_CODE = "no member's own code (an aggregate, region, income group or other economy)"


@dataclass(frozen=True, slots=True)
class Skipped:
    """Rows left out for one economy and reason."""

    area: str
    area_name: str
    reason: str
    lines: tuple[int, ...]


@dataclass
class ImportReport:
    format: Format
    sha256: str
    rows: int  # figures read (a WDI row holds one per year)
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    empty: int = 0  # cells with no figure
    skipped: list[Skipped] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "sha256": self.sha256,
            "rows": self.rows,
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "empty": self.empty,
            "skipped": [
                {"area": s.area, "name": s.area_name, "reason": s.reason, "lines": list(s.lines)}
                for s in self.skipped
            ],
        }


class IndicatorFileError(InputError):
    """A file that cannot be imported; ``problems`` lists every offending row."""

    def __init__(self, message: str, problems: list[tuple[int, str]]) -> None:
        shown = "\n".join(f"  line {n}: {why}" for n, why in problems[:SHOWN_PROBLEMS])
        more = len(problems) - SHOWN_PROBLEMS
        tail = "\n" + _("  ... and {n} more").format(n=more) if more > 0 else ""
        super().__init__(f"{message}\n{shown}{tail}")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class _Value:
    line: int
    member: str
    indicator: str
    year: int
    value: float
    dated: str
    source: str
    source_date: str | None


def _members(session: Session) -> tuple[dict[str, str], set[str]]:
    """(code -> admitted member, codes of registry states that are not members)."""
    admitted: dict[str, str] = {}
    others: set[str] = set()
    for m in session.scalars(select(Member)):
        codes = {m.code, m.iso3, m.m49}
        if m.status == CANDIDATE:
            others |= codes
        else:
            admitted.update(dict.fromkeys(codes, m.code))
    return admitted, others


def _catalogue(session: Session, fmt: Format) -> dict[str, Indicator]:
    if fmt == "long":
        return {i.code: i for i in indicators(session)}
    return by_source_code(fmt)


def _check_row(
    row: Row, ind: Indicator, member: str, problems: list[tuple[int, str]]
) -> _Value | None:
    if not YEAR.match(row.year) or not 1900 <= int(row.year) <= 2100:
        problems.append((row.line, f"year {row.year!r} is not a year between 1900 and 2100"))
        return None
    try:
        value = float(row.value)
    except ValueError:
        problems.append((row.line, f"value {row.value!r} is not a number"))
        return None
    why = ind.check(value)
    if why is not None:
        problems.append((row.line, f"value {row.value!r} of {ind.code}: {why}"))
        return None
    dated = row.dated or row.year
    if not DATED.match(dated) or not dated.startswith(row.year):
        problems.append((row.line, f"date {dated!r} is not YYYY[-MM[-DD]] within {row.year}"))
        return None
    source_date = row.source_date or None
    if source_date is not None and not DATED.match(source_date):
        problems.append((row.line, f"source date {source_date!r} is not YYYY[-MM[-DD]]"))
        return None
    if not row.source:
        problems.append((row.line, "no source given"))
        return None
    return _Value(
        row.line, member, ind.code, int(row.year), value, dated, row.source[:300], source_date
    )


def resolve(
    session: Session, rows: list[Row], fmt: Format
) -> tuple[list[_Value], list[Skipped], int]:
    """Rows mapped to members and indicators and checked: (values, skipped, empty cells).
    Raises :class:`IndicatorFileError` listing every row in error."""
    admitted, others = _members(session)
    catalogue = _catalogue(session, fmt)
    problems: list[tuple[int, str]] = []
    skipped: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    values: list[_Value] = []
    empty = 0
    # A loop over rows: an import is a few thousand rows, and each error names its line.
    for row in rows:
        ind = catalogue.get(row.code)
        if ind is None:
            problems.append((row.line, f"unknown indicator code {row.code!r}"))
            continue
        area = row.area.upper()
        area = area.zfill(3) if area.isdigit() else area
        member = admitted.get(area)
        if member is None:
            reason = NOT_MEMBER if area in others else NO_MEMBER_CODE
            skipped[(area, row.area_name, reason)].append(row.line)
            continue
        if row.value in MISSING:
            empty += 1
            continue
        checked = _check_row(row, ind, member, problems)
        if checked is not None:
            values.append(checked)
    seen: dict[tuple[str, str, int], int] = {}
    for v in values:
        key = (v.member, v.indicator, v.year)
        if key in seen:
            problems.append(
                (v.line, f"{v.member} {v.indicator} {v.year} is also given on line {seen[key]}")
            )
        seen.setdefault(key, v.line)
    if problems:
        raise IndicatorFileError(
            _("Nothing was imported: {n} rows cannot be imported.").format(n=len(problems)),
            sorted(set(problems)),
        )
    listed = [
        Skipped(area, name, reason, tuple(sorted(set(lines))))
        for (area, name, reason), lines in sorted(skipped.items())
    ]
    return values, listed, empty


def import_text(
    session: Session,
    text: str,
    fmt: Format | None,
    *,
    actor: str,
    at: datetime,
    name: str = "",
) -> ImportReport:
    """Import ``text`` (a file's content) in the session's transaction."""
    fmt = fmt or detect(text)
    parsed = parse(text, fmt)
    report = ImportReport(fmt, hashlib.sha256(text.encode()).hexdigest(), len(parsed.rows))
    values, skipped, report.empty = resolve(session, parsed.rows, fmt)
    report.skipped = [
        *(Skipped(s.area, s.area_name, s.reason, (s.line,)) for s in parsed.skipped),
        *skipped,
    ]
    members = sorted({v.member for v in values})
    existing = {
        (r.member, r.indicator, r.year): r
        for r in session.scalars(select(IndicatorValue).where(IndicatorValue.member.in_(members)))
    }
    for v in values:
        row = existing.get((v.member, v.indicator, v.year))
        if row is None:
            session.add(
                IndicatorValue(
                    member=v.member,
                    indicator=v.indicator,
                    year=v.year,
                    value=v.value,
                    dated=v.dated,
                    source=v.source,
                    source_date=v.source_date,
                    imported_at=at,
                )
            )
            report.added += 1
        elif (row.value, row.dated, row.source, row.source_date) == (
            v.value,
            v.dated,
            v.source,
            v.source_date,
        ):
            report.unchanged += 1
        else:
            row.value, row.dated, row.source, row.source_date = (
                v.value,
                v.dated,
                v.source,
                v.source_date,
            )
            row.imported_at = at
            report.changed += 1
    if report.added or report.changed:
        ledger.append(
            session,
            at=at,
            actor=actor,
            action="indicators.imported",
            subject="indicators",
            data={
                "format": fmt,
                "file": name,
                "sha256": report.sha256,
                "added": report.added,
                "changed": report.changed,
                "members": members,
            },
        )
    session.flush()
    log.info("indicator import %s: %s", name, report.as_dict() | {"skipped": len(skipped)})
    return report


def import_file(
    session: Session, path: Path, fmt: Format | None, *, actor: str, at: datetime
) -> ImportReport:
    return import_text(session, read_text(path), fmt, actor=actor, at=at, name=path.name)
