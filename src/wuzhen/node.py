"""A node: one running instance of Wuzhen over one data directory and relational store.

Holds what a process builds once (settings, the database, the clock, the stores) and hands
it to commands and the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from wuzhen.clock import Clock, SystemClock
from wuzhen.config import Settings
from wuzhen.db import Database, open_database
from wuzhen.evidence.enrich import Attributor
from wuzhen.evidence.ingest import Pipeline
from wuzhen.evidence.store import EventStore
from wuzhen.jurisdiction import load_snapshot, load_states


@dataclass
class Node:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def open(cls, settings: Settings, clock: Clock | None = None) -> Node:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings, open_database(settings), clock or SystemClock())

    @cached_property
    def store(self) -> EventStore:
        return EventStore(self.settings.data_dir / "store", self.db)

    @cached_property
    def attributor(self) -> Attributor:
        return Attributor(load_snapshot(self.settings.data_dir), load_states())

    @cached_property
    def pipeline(self) -> Pipeline:
        return Pipeline(self.store, self.db, self.clock, self.attributor)

    def close(self) -> None:
        self.db.dispose()
