"""Throttling failed sign-ins per client address, in memory (on top of the per-account lock
the accounts service keeps in the relational store).

An address that failed ``limit`` times within ``window`` is refused until its oldest failure
in the window is older than ``window``; it gets 429 with ``Retry-After``. The table is bounded:
past ``max_addresses`` the addresses with the oldest failures are forgotten first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from datetime import datetime, timedelta

LIMIT = 10
WINDOW = timedelta(minutes=15)
MAX_ADDRESSES = 100_000


class FailureThrottle:
    def __init__(
        self, limit: int = LIMIT, window: timedelta = WINDOW, max_addresses: int = MAX_ADDRESSES
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_addresses = max_addresses
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, address: str, now: datetime) -> deque[datetime] | None:
        times = self._failures.get(address)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[address]
            return None
        return times

    def wait(self, address: str, now: datetime) -> int:
        """Seconds ``address`` must wait before trying again (0: it may try now)."""
        with self._lock:
            times = self._recent(address, now)
            if times is None or len(times) < self.limit:
                return 0
            return max(1, int((times[0] + self.window - now).total_seconds()) + 1)

    def failed(self, address: str, now: datetime) -> None:
        with self._lock:
            times = self._recent(address, now) or deque()
            times.append(now)
            while len(times) > self.limit:
                times.popleft()
            self._failures[address] = times
            self._failures.move_to_end(address)
            while len(self._failures) > self.max_addresses:
                self._failures.popitem(last=False)
