"""Fixtures of the web UI's tests: a compact with accounts made through invitations, the app,
and a signed-in client per account (in-process, over httpx's ASGI transport)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import DATA
from wuzhen.accounts.service import accept, create_secretariat, invite
from wuzhen.accounts.tables import ADMIN, ANALYST
from wuzhen.api.app import create_app
from wuzhen.evidence.ingest import IngestOptions, IngestReport
from wuzhen.node import Node

AUTH_LOG = DATA / "evidence" / "openssh" / "auth.log"
PASSWORD = "a-long-enough-password"
TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')
BASE = "https://testserver"  # https: the session cookie is Secure


@dataclass(frozen=True)
class Person:
    username: str
    member: str | None
    role: str
    password: str = PASSWORD


@dataclass
class Compact:
    """The accounts of a test compact: the secretariat, and an administrator and an analyst
    of each member (its administrator invited by the secretariat, its analyst by that
    administrator), named ``<code>-admin`` and ``<code>-analyst``."""

    node: Node
    people: dict[str, Person] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Person:
        return self.people[key]


def make_compact(node: Node, members: tuple[str, ...] = ("FR", "CN", "US")) -> Compact:
    compact = Compact(node)
    at = node.clock.now()
    with node.db.session() as s:
        sec = create_secretariat(s, username="secretariat", password=PASSWORD, at=at)
        compact.people["secretariat"] = Person("secretariat", None, "secretariat")
        for code in members:
            low = code.lower()
            first = invite(s, sec, member=code, role=ADMIN, at=at)
            admin = accept(s, first.token, username=f"{low}-admin", password=PASSWORD, at=at)
            compact.people[f"{low}-admin"] = Person(f"{low}-admin", code, ADMIN)
            second = invite(s, admin, member=code, role=ANALYST, at=at)
            accept(
                s,
                second.token,
                username=f"{low}-analyst",
                password=PASSWORD,
                at=at,
                display_name=f"Analyst of {code}",
            )
            compact.people[f"{low}-analyst"] = Person(f"{low}-analyst", code, ANALYST)
    return compact


def ingest_auth_log(node: Node, owner: str = "FR") -> IngestReport:
    """FR's SSH log: events routed to CN (3), US (2) and AU (1), as notices."""
    return node.pipeline.ingest([AUTH_LOG], IngestOptions(owner=owner))


class Client:
    """A browser-like client of the app: keeps cookies and the last page's CSRF token
    (the sign-in form's token before signing in, the session's after)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.csrf = ""

    def _remember(self, response: httpx.Response) -> httpx.Response:
        if "html" in response.headers.get("content-type", ""):
            found = TOKEN.search(response.text)
            if found:
                self.csrf = found.group(1)
        return response

    async def get(self, url: str, **kw: object) -> httpx.Response:
        return self._remember(await self.http.get(url, **kw))  # type: ignore[arg-type]

    async def post(
        self, url: str, data: dict[str, object] | None = None, *, csrf: bool = True, **kw: object
    ) -> httpx.Response:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        return self._remember(await self.http.post(url, data=form, **kw))  # type: ignore[arg-type]

    async def sign_in(self, person: Person, password: str | None = None) -> httpx.Response:
        await self.get("/signin")
        return await self.post(
            "/signin", {"username": person.username, "password": password or person.password}
        )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def compact(node: Node) -> Compact:
    made = make_compact(node)
    ingest_auth_log(node)
    return made


@pytest.fixture
async def app(compact: Compact) -> AsyncIterator[FastAPI]:
    """The app, started and stopped as a server would (its lifespan closes what it holds)."""
    made = create_app(compact.node, web=True)
    async with made.router.lifespan_context(made):
        yield made


ClientMaker = Callable[..., Awaitable[Client]]


@pytest.fixture
async def clients(app: FastAPI) -> AsyncIterator[ClientMaker]:
    opened: list[httpx.AsyncClient] = []

    async def make(person: Person | None = None) -> Client:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE, follow_redirects=False
        )
        opened.append(http)
        client = Client(http)
        if person is not None:
            response = await client.sign_in(person)
            assert response.status_code == 303, response.text
            await client.get("/")
        return client

    yield make
    for http in opened:
        await http.aclose()
