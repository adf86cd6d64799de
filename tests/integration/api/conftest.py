"""A small compact served in-process: the secretariat, CN and FR with an administrator and an
analyst each (made through invitations over the API), FR's evidence under every marking (and
a firewall log, whose events carry the sensor's addresses), CN's own evidence, and a few
spare accounts and keys to disable and revoke. Runs on SQLite and PostgreSQL: built once per
test process and store, and copied for each test (files, and the database as a template)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from fastapi import FastAPI

from tests.conftest import NOW, create_database, drop_database, open_compact, url_of_database
from wuzhen.accounts import service as accounts
from wuzhen.accounts.tables import Account
from wuzhen.api.app import create_app
from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.node import Node
from wuzhen.schema.tlp import TLP

DATA = Path(__file__).resolve().parents[2] / "data"
AUTH_LOG = DATA / "evidence" / "openssh" / "auth.log"
NETFILTER = DATA / "evidence" / "netfilter" / "dmesg.log"
PASSWORD = "correct horse battery staple"
BASE = "https://testserver"
#: Who calls, in the order the authorization matrix tries them.
ROLES = (
    "public",
    "secretariat",
    "cn_admin",
    "cn_analyst",
    "fr_admin",
    "fr_analyst",
    "revoked",
    "disabled",
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)


def variant(tmp_path: Path, name: str, sensor: str) -> Path:
    """auth.log seen by another sensor: the same attacks, other records (other event ids)."""
    path = tmp_path / f"{name}.log"
    path.write_text(AUTH_LOG.read_text().replace("sensor-1", sensor))
    return path


@dataclass
class Compact:
    node: Node
    app: FastAPI
    keys: dict[str, str] = field(default_factory=dict)  # role -> API key token
    ids: dict[str, str] = field(default_factory=dict)  # role -> account id
    evidence: dict[str, str] = field(default_factory=dict)  # marking -> FR file SHA-256
    spare: dict[str, str] = field(default_factory=dict)  # name -> account id

    def headers(self, role: str) -> dict[str, str]:
        return {} if role == "public" else bearer(self.keys[role])

    def events(self) -> pl.DataFrame:
        return self.node.store.scan("events").collect()

    def event(self, **where: Any) -> str:
        frame = self.events()
        for column, value in where.items():
            frame = frame.filter(pl.col(column) == value)
        assert frame.height, where
        return str(frame["event.id"][0])


async def sign_in(c: httpx.AsyncClient, username: str) -> str:
    """Sign in with the cookie; return the session's CSRF token."""
    r = await c.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])


async def new_key(c: httpx.AsyncClient, headers: dict[str, str], name: str = "tests") -> str:
    r = await c.post("/api/v1/keys", json={"name": name}, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


async def invite_and_accept(
    c: httpx.AsyncClient,
    node: Node,
    inviter: dict[str, str],
    member: str,
    role: str,
    username: str,
) -> tuple[str, str]:
    """Invite and accept over the API, then give the account a key: (account id, key).
    (The key is made by the service, as signing in costs a password hash per account.)"""
    r = await c.post("/api/v1/invitations", json={"member": member, "role": role}, headers=inviter)
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    r = await c.post(
        "/api/v1/invitations/accept",
        json={"token": token, "username": username, "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    account_id = str(r.json()["id"])
    with node.db.session() as s:
        account = s.get(Account, account_id)
        assert account is not None
        key = accounts.create_key(s, account, name="tests", at=node.clock.now()).token
    return account_id, key


async def build(node: Node, tmp_path: Path) -> Compact:
    app = create_app(node, web=False)
    compact = Compact(node, app)
    now = node.clock.now()
    with node.db.session() as s:
        sec = accounts.create_secretariat(s, username="secretariat", password=PASSWORD, at=now)
        compact.ids["secretariat"] = sec.id
    async with client(app) as browser:
        csrf = await sign_in(browser, "secretariat")
        compact.keys["secretariat"] = await new_key(browser, {"X-CSRF-Token": csrf})
    async with client(app) as c:
        sec = bearer(compact.keys["secretariat"])
        for code in ("CN", "FR"):
            low = code.lower()
            aid, key = await invite_and_accept(c, node, sec, code, "admin", f"{low}-admin")
            compact.ids[f"{low}_admin"], compact.keys[f"{low}_admin"] = aid, key
            admin = bearer(key)
            aid, key = await invite_and_accept(c, node, admin, code, "analyst", f"{low}-analyst")
            compact.ids[f"{low}_analyst"], compact.keys[f"{low}_analyst"] = aid, key
            aid, _key = await invite_and_accept(c, node, admin, code, "analyst", f"{low}-spare")
            compact.spare[low] = aid
        # An FR analyst whose account its administrator disabled, and a revoked key.
        aid, key = await invite_and_accept(
            c, node, bearer(compact.keys["fr_admin"]), "FR", "analyst", "fr-gone"
        )
        compact.ids["disabled"], compact.keys["disabled"] = aid, key
        r = await c.post(
            f"/api/v1/accounts/{aid}/disable", headers=bearer(compact.keys["fr_admin"])
        )
        assert r.status_code == 200, r.text
        revoked = await new_key(c, bearer(compact.keys["fr_analyst"]), "to revoke")
        keys = (await c.get("/api/v1/keys", headers=bearer(revoked))).json()["items"]
        key_id = next(k["id"] for k in keys if k["name"] == "to revoke")
        r = await c.delete(f"/api/v1/keys/{key_id}", headers=bearer(revoked))
        assert r.status_code == 200, r.text
        compact.keys["revoked"] = revoked
    # FR's evidence under every marking (AMBER is the default), and CN's own.
    files = {
        TLP.AMBER: AUTH_LOG,
        TLP.CLEAR: variant(tmp_path, "clear", "sensor-clear"),
        TLP.GREEN: variant(tmp_path, "green", "sensor-green"),
        TLP.AMBER_STRICT: variant(tmp_path, "strict", "sensor-strict"),
        TLP.RED: variant(tmp_path, "red", "sensor-red"),
    }
    for tlp, path in files.items():
        report = node.pipeline.ingest([path], IngestOptions(owner="FR", tlp=tlp))
        compact.evidence[tlp.value] = report.files[0].sha256
    # Firewall logs carry the owner's own sensor addresses (destination.*).
    node.pipeline.ingest([NETFILTER], IngestOptions(owner="FR"))
    retractable = variant(tmp_path, "retractable", "sensor-spare")
    report = node.pipeline.ingest([retractable], IngestOptions(owner="FR"))
    compact.evidence["retractable"] = report.files[0].sha256
    report = node.pipeline.ingest([variant(tmp_path, "cn", "cn-sensor")], IngestOptions(owner="CN"))
    compact.evidence["CN"] = report.files[0].sha256
    return compact


@dataclass
class _Template:
    """A compact built once per test process and store: its files (``data`` and, on SQLite,
    ``wuzhen.db``), its PostgreSQL database, and what the tests need to call it."""

    root: Path
    database: str | None
    made: Compact


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, _Template]]:
    made: dict[str, _Template] = {}
    yield made
    for template in made.values():
        if template.database is not None:
            drop_database(template.database)


def _template(
    templates: dict[str, _Template], store: str, tmp_path_factory: pytest.TempPathFactory
) -> _Template:
    """The compact on ``store``, built the first time a test of this process asks for it:
    building one takes nine ingests and a dozen accounts, about 5 s."""
    if store in templates:
        return templates[store]
    root = tmp_path_factory.mktemp(f"compact-{store}")
    database = None
    url = f"sqlite:///{root / 'wuzhen.db'}"
    if store == "postgresql":
        database = create_database("wuzhen_template")
        url = url_of_database(database)
    node = open_compact(
        Settings(data_dir=root / "data", database_url=url, default_owner="CN"), FixedClock(NOW)
    )
    try:
        made = asyncio.run(build(node, root))
    finally:
        node.close()  # no connection may stay open to a template database
    templates[store] = _Template(root, database, made)
    return templates[store]


@pytest.fixture(params=["sqlite", "postgresql"])
def compact(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: FixedClock,
    _templates: dict[str, _Template],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Compact]:
    """A copy of the compact for one test: its files copied, its PostgreSQL database created
    from the template's, a node and app of its own (and a clock at the fixed time)."""
    store: str = request.param
    if store == "postgresql":
        request.getfixturevalue("pg_admin_url")  # fails or skips when there is none
    template = _template(_templates, store, tmp_path_factory)
    root = tmp_path / "compact"
    shutil.copytree(template.root, root)
    url = f"sqlite:///{root / 'wuzhen.db'}"
    database = None
    if template.database is not None:
        database = create_database(template=template.database)
        url = url_of_database(database)
    node = Node.open(Settings(data_dir=root / "data", database_url=url, default_owner="CN"), clock)
    made = template.made
    try:
        yield Compact(
            node,
            create_app(node, web=False),
            dict(made.keys),
            dict(made.ids),
            dict(made.evidence),
            dict(made.spare),
        )
    finally:
        node.close()
        if database is not None:
            drop_database(database)


@pytest.fixture
async def http(compact: Compact) -> AsyncIterator[httpx.AsyncClient]:
    async with client(compact.app) as c:
        yield c
