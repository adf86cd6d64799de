"""The period a report covers: a year (``2026``), a month (``2026-03``) or a span of months
(``2026-01..2026-06``, both months included). Times are UTC; the end is exclusive."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wuzhen.errors import InputError
from wuzhen.i18n import _

YEAR = re.compile(r"^(\d{4})$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    start: datetime  # inclusive
    end: datetime  # exclusive

    def as_of(self, now: datetime) -> datetime:
        """The time figures are computed at: the period's end, or now if that is earlier.
        A report on a closed period does not change when it is made again later."""
        return min(now, self.end)

    @property
    def last_year(self) -> int:
        """The last calendar year the period touches."""
        return (self.end - timedelta(microseconds=1)).year


def _month(text: str) -> tuple[int, int]:
    found = MONTH.match(text)
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise InputError(_("A month is written YYYY-MM: {text}").format(text=text))
    return int(found.group(1)), int(found.group(2))


def _next(year: int, month: int) -> datetime:
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)


def parse_period(text: str) -> Period:
    """``2026``, ``2026-03`` or ``2026-01..2026-06``."""
    text = text.strip()
    year = YEAR.match(text)
    if year:
        y = int(year.group(1))
        if not 1990 <= y <= 2100:
            raise InputError(_("The year must be between 1990 and 2100."))
        return Period(text, datetime(y, 1, 1, tzinfo=UTC), datetime(y + 1, 1, 1, tzinfo=UTC))
    first, sep, last = text.partition("..")
    if not sep:
        last = first
    (y1, m1), (y2, m2) = _month(first), _month(last)
    start, end = datetime(y1, m1, 1, tzinfo=UTC), _next(y2, m2)
    if end <= start or not 1990 <= y1 <= 2100 or not 1990 <= y2 <= 2100:
        raise InputError(
            _("A period is a year (2026), a month (2026-03) or months (2026-01..2026-06).")
        )
    return Period(text, start, end)
