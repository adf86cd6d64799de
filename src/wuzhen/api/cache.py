"""Caches stamped with the version of what they were computed from.

Every state change Wuzhen makes is ledgered in the transaction that makes it (members,
accounts, keys, rules, routes, sharing, notices), and the event store changes only through its
manifest (``store_files``: an ingest or a rewrite adds rows, a retirement clears ``live``). So
two numbers read in one statement say whether anything a read depends on has changed: the
ledger's head and the manifest's (largest id, live files). A cached value is used only while
both are what they were when it was computed; there is no time-based expiry to reason about.

Web sessions are the exception (signing out is not ledgered): they are never cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from sqlalchemy import func, select

from wuzhen.db import Database
from wuzhen.evidence.tables import StoreFile
from wuzhen.ledger.tables import LedgerHead

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Versions:
    ledger: int  # sequence number of the ledger's head
    store: tuple[int, int]  # (largest manifest id, live files) of the event store


_VERSIONS = select(
    select(LedgerHead.seq).where(LedgerHead.id == 1).scalar_subquery(),
    select(func.max(StoreFile.id)).scalar_subquery(),
    select(func.count()).select_from(StoreFile).where(StoreFile.live).scalar_subquery(),
)


class VersionReader:
    """Reads the versions on every request, as cheaply as the database allows: one statement,
    compiled once, run on a pooled DBAPI connection (no ORM, no statement cache look-up)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        dialect = db.engine.dialect
        self.sql = str(_VERSIONS.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

    def read(self) -> Versions:
        connection = self.db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self.sql)
                row = cursor.fetchone()
                assert row is not None  # one row: the statement has no FROM
            finally:
                cursor.close()
        finally:
            connection.close()  # back to the pool (which ends the read's transaction)
        seq, top, live = row
        return Versions(int(seq or 0), (int(top or 0), int(live or 0)))


class LRU(Generic[V]):
    """A small thread-safe least-recently-used map, bounded in entries and, when ``weigh``
    is given, in total weight (a value heavier than ``max_weight`` is not kept)."""

    def __init__(
        self, size: int, max_weight: int = 0, weigh: Callable[[V], int] | None = None
    ) -> None:
        self.size = size
        self.max_weight = max_weight
        self.weigh = weigh
        self.weight = 0
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def _weight(self, value: V) -> int:
        return self.weigh(value) if self.weigh is not None else 0

    def put(self, key: Hashable, value: V) -> V:
        w = self._weight(value)
        if self.weigh is not None and w > self.max_weight:
            return value
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.weight -= self._weight(old)
            self._items[key] = value
            self.weight += w
            while len(self._items) > self.size or (
                self.weigh is not None and self.weight > self.max_weight
            ):
                _key, dropped = self._items.popitem(last=False)
                self.weight -= self._weight(dropped)
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        found = self.get(key)
        return found if found is not None else self.put(key, make())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.weight = 0


class LiveFiles:
    """The event store's live files per dataset, listed once per store version."""

    def __init__(self, root: Path, db: Database) -> None:
        self.root = root
        self.db = db
        self._lists: LRU[tuple[tuple[str, Path], ...]] = LRU(8)

    def files(
        self, version: tuple[int, int], dataset: str, days: Iterable[str] | None = None
    ) -> list[Path]:
        def listing() -> tuple[tuple[str, Path], ...]:
            stmt = (
                select(StoreFile.day, StoreFile.path)
                .where(StoreFile.dataset == dataset, StoreFile.live)
                .order_by(StoreFile.path)
            )
            with self.db.session() as s:
                return tuple((day, self.root / path) for day, path in s.execute(stmt))

        rows = self._lists.get_or_make((version, dataset), listing)
        if days is None:
            return [path for _day, path in rows]
        wanted = set(days)
        return [path for day, path in rows if day in wanted]
