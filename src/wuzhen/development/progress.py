"""How far a member is from a target, and whether it is on track (pure functions).

The method (also in ``docs/user/development.md``):

- Only observations up to the deadline's year count (a target reached late is missed).
- **latest**: the most recent of them (year, value).
- **gap**: target value minus the latest value.
- **needed per year**: the gap divided by the years left from the latest observation to the
  deadline (the slope of the straight line from the latest observation to the target).
- **trend per year**: the least-squares slope through the last observations (at most
  :data:`TREND_POINTS`, at least two).
- **projected**: the latest value plus the trend times the years left to the deadline.
- **status**: ``met`` when the latest value has reached the target (in the target's direction:
  up when the target is above the first observation, down when below); ``missed`` when the
  deadline's year is observed and the target was not reached; ``on-track`` when the projection
  reaches the target by the deadline; ``off-track`` when it does not; ``unknown`` with fewer
  than two observations, or when the deadline has passed without an observation for it;
  ``no-data`` without any observation up to the deadline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

TREND_POINTS = 5
Status = Literal["met", "missed", "on-track", "off-track", "unknown", "no-data"]


@dataclass(frozen=True, slots=True)
class Progress:
    status: Status
    latest_year: int | None = None
    latest_value: float | None = None
    gap: float | None = None
    needed_per_year: float | None = None
    trend_per_year: float | None = None
    projected: float | None = None
    observations: int = 0


def slope(points: Sequence[tuple[int, float]]) -> float | None:
    """Least-squares slope of value over year (None for fewer than two distinct years)."""
    if len({y for y, _ in points}) < 2:
        return None
    n = len(points)
    mx = sum(y for y, _ in points) / n
    my = sum(v for _, v in points) / n
    sxx = sum((y - mx) ** 2 for y, _ in points)
    sxy = sum((y - mx) * (v - my) for y, v in points)
    return sxy / sxx


def progress(
    observations: Sequence[tuple[int, float]], target: float, deadline: int, this_year: int
) -> Progress:
    """Progress towards ``target`` by ``deadline`` given (year, value) observations."""
    points = sorted(p for p in observations if p[0] <= deadline)
    if not points:
        return Progress("no-data")
    first = points[0][1]
    year, value = points[-1]
    up = target >= first
    gap = target - value
    left = deadline - year
    needed = gap / left if left > 0 else None
    trend = slope(points[-TREND_POINTS:])
    projected = value + trend * left if trend is not None and left > 0 else None
    reached = value >= target if up else value <= target
    status: Status
    if reached:
        status = "met"
    elif year >= deadline:
        status = "missed"
    elif projected is None or this_year > deadline:
        status = "unknown"
    else:
        status = "on-track" if (projected >= target if up else projected <= target) else "off-track"
    return Progress(status, year, value, gap, needed, trend, projected, len(points))
