"""A node: one running instance of Wuzhen over one data directory and relational store.

Holds what a process builds once (settings, the database, the clock, the stores) and hands
it to commands and the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from wuzhen import filelock, nodeid
from wuzhen.clock import Clock, SystemClock
from wuzhen.config import Settings
from wuzhen.db import Database, open_database
from wuzhen.jurisdiction.states import load_states
from wuzhen.members.service import seed
from wuzhen.rules import ensure_defaults

if TYPE_CHECKING:
    from wuzhen.evidence.enrich import Attributor
    from wuzhen.evidence.ingest import Pipeline
    from wuzhen.evidence.store import EventStore

#: How long opening a node waits for another process opening it (a migration of a large store
#: rewrites no data file, but may read them).
OPEN_WAIT_SECONDS = 600.0

# The stores and the pipeline are imported where first used: a command that needs neither
# starts without loading them (the compiled kernels, Arrow, DuckDB).


@dataclass
class Node:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def open(cls, settings: Settings, clock: Clock | None = None) -> Node:
        """Open the stores of ``settings`` (created and migrated as needed); the first open
        also registers the states of the registry as candidate members and stores every rule
        at its default, both ledgered. Processes opening one node at once (cron jobs and the
        server starting together, after an upgrade that migrates) take turns."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        busy = f"another process has been opening {settings.data_dir} (migrating it) too long"
        with filelock.exclusive(settings.data_dir / ".open.lock", busy, OPEN_WAIT_SECONDS):
            node = cls(settings, open_database(settings), clock or SystemClock())
            database = node.db.engine.url.render_as_string(hide_password=True)
            try:
                with node.db.session() as s:
                    new_id = nodeid.bind(s, settings.data_dir, settings.store_dir, database)
                    ensure_defaults(s, node.clock.now())
                    seed(s, load_states(), node.clock.now())
            except BaseException:
                node.close()
                raise
            if new_id is not None:
                nodeid.write(settings.data_dir, new_id)
        return node

    @cached_property
    def store(self) -> EventStore:
        from wuzhen.evidence.store import EventStore

        return EventStore(self.settings.store_dir, self.db)

    @cached_property
    def attributor(self) -> Attributor:
        from wuzhen.evidence.enrich import Attributor
        from wuzhen.jurisdiction.snapshot import load_snapshot

        return Attributor(load_snapshot(self.settings.data_dir), load_states())

    @cached_property
    def pipeline(self) -> Pipeline:
        from wuzhen.evidence.feeds import owner_only_formats
        from wuzhen.evidence.ingest import Pipeline

        return Pipeline(
            self.store,
            self.db,
            self.clock,
            self.attributor,
            owner_only=owner_only_formats(self.settings.data_dir),
        )

    def close(self) -> None:
        self.db.dispose()
