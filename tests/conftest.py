"""Shared fixtures: settings in a temporary data directory, nodes on SQLite and PostgreSQL,
and the shared corpus of real evidence samples."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher
from hypothesis import settings as hypothesis_settings

from wuzhen.accounts import service as accounts_service
from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.members.service import admit_all
from wuzhen.node import Node
from wuzhen.notices import ids as notice_ids
from wuzhen.notices.tables import Notice

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CORPUS = ROOT.parent / "shared" / "corpus"
PG_ADMIN = os.environ.get("WUZHEN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

# Compiled kernels (numba) build on first use in a fresh checkout: no per-example deadline.
hypothesis_settings.register_profile("wuzhen", deadline=None)
hypothesis_settings.load_profile("wuzhen")


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with its lowest costs in the tests' own process: still the real KDF, but the
    tests make many accounts and sign-ins on a small machine (a hash at the default costs
    takes 0.1-0.2 s there). Commands run as subprocesses hash at the default costs."""
    monkeypatch.setattr(
        accounts_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def _required(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


def _pg_available() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return None
    except psycopg.Error as err:
        return str(err).strip().splitlines()[0]


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus of real samples (CI has it; locally it may be absent)."""
    if not CORPUS.is_dir():
        if _required("WUZHEN_REQUIRE_CORPUS"):
            pytest.fail(f"corpus not found at {CORPUS}")
        pytest.skip(f"corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    problem = _pg_available()
    if problem is not None:
        if _required("WUZHEN_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL required but unavailable: {problem}")
        pytest.skip(f"PostgreSQL unavailable: {problem}")
    return PG_ADMIN


def create_database(prefix: str = "wuzhen_test", template: str | None = None) -> str:
    """A new PostgreSQL database, empty or a copy of ``template``: its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template is not None else ""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def url_of_database(name: str) -> str:
    """The SQLAlchemy URL of the PostgreSQL database ``name``."""
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = create_database()
    try:
        yield url_of_database(name)
    finally:
        drop_database(name)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The relational store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'wuzhen.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, default_owner="CN")


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """Settings on SQLite only, for tests that exercise no store-specific behaviour."""
    return Settings(data_dir=tmp_path / "data", default_owner="CN")


def notice_events(node: Node, notice: Notice) -> list[str]:
    """The event ids a notice froze, sorted (as its digest takes them)."""
    with node.db.session() as s:
        frame = notice_ids.of_notice(s, node.store.root, notice)
    return list(frame.collect()["event.id"])


def open_compact(settings: Settings, clock: FixedClock) -> Node:
    """A node whose compact has admitted every state of the registry."""
    n = Node.open(settings, clock)
    with n.db.session() as s:
        admit_all(s, actor="system", at=clock.now(), reason="test compact")
    return n


@pytest.fixture
def node(settings: Settings, clock: FixedClock) -> Iterator[Node]:
    n = open_compact(settings, clock)
    try:
        yield n
    finally:
        n.close()


@pytest.fixture
def sqlite_node(sqlite_settings: Settings, clock: FixedClock) -> Iterator[Node]:
    n = open_compact(sqlite_settings, clock)
    try:
        yield n
    finally:
        n.close()
