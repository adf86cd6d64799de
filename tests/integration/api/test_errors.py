"""One error body shape for every error, pagination, and the OpenAPI document (#5)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.api.conftest import client
from wuzhen.api.app import create_app
from wuzhen.node import Node
from wuzhen.schema import NAMES

pytestmark = pytest.mark.anyio


@pytest.fixture
def app(node: Node) -> FastAPI:
    app = create_app(node, web=False)

    @app.get("/api/v1/boom", include_in_schema=False)
    def boom() -> None:
        msg = "secret internals"
        raise RuntimeError(msg)

    return app


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client(app) as c:
        yield c


def _error(r: httpx.Response, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    return str(body["error"]["message"])


async def test_one_error_shape(http: httpx.AsyncClient) -> None:
    _error(await http.get("/api/v1/nowhere"), 404, "not_found")
    _error(await http.get("/api/v1/members/ZZ"), 404, "not_found")
    _error(await http.delete("/api/v1/members"), 405, "method_not_allowed")
    _error(await http.get("/api/v1/events"), 401, "unauthorized")
    _error(await http.post("/api/v1/keys", json={"name": "k"}), 401, "unauthorized")
    r = await http.get("/api/v1/members", params={"limit": "many"})
    message = _error(r, 422, "invalid_input")
    assert "limit" in message
    assert r.json()["error"]["details"][0]["location"] == "query.limit"
    r = await http.post(
        "/api/v1/session", content=b"{not json", headers={"content-type": "application/json"}
    )
    _error(r, 422, "invalid_input")
    r = await http.post("/api/v1/session", json={"username": "a", "password": "b", "x": 1})
    _error(r, 422, "invalid_input")
    _error(
        await http.post("/api/v1/session", json={"username": "a", "password": "b"}),
        401,
        "unauthorized",
    )
    message = _error(await http.get("/api/v1/boom"), 500, "internal_error")
    assert "secret" not in message


async def test_pagination(http: httpx.AsyncClient) -> None:
    everyone = (await http.get("/api/v1/members", params={"limit": 1000})).json()
    assert everyone["total"] == len(everyone["items"]) >= 193
    assert (everyone["limit"], everyone["offset"]) == (1000, 0)
    r = (await http.get("/api/v1/members", params={"limit": 2, "offset": 3})).json()
    assert r["items"] == everyone["items"][3:5]
    assert (r["total"], r["limit"], r["offset"]) == (everyone["total"], 2, 3)
    assert (await http.get("/api/v1/members")).json()["limit"] == 50
    r = (await http.get("/api/v1/members", params={"offset": 10_000})).json()
    assert r["items"] == []
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}):
        _error(await http.get("/api/v1/members", params=bad), 422, "invalid_input")


async def test_openapi_document(http: httpx.AsyncClient) -> None:
    r = await http.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    paths = set(doc["paths"])
    for area in (
        "members",
        "contacts",
        "events",
        "evidence",
        "notices",
        "contests",
        "rules",
        "ledger",
        "accounts",
        "keys",
        "attribution",
        "stats",
    ):
        assert any(p.startswith(f"/api/v1/{area}") for p in paths), area
    schemas = doc["components"]["schemas"]
    # the event model is the field registry, field for field
    assert list(schemas["EventPublic"]["properties"]) == list(NAMES)
    for name in ("EventPage", "MemberPage", "NoticePage", "ContactCreate", "ContactPublic"):
        assert name in schemas
    # errors are documented with the one shape, FastAPI's own 422 model is gone
    assert "HTTPValidationError" not in schemas
    get_events = doc["paths"]["/api/v1/events"]["get"]
    assert get_events["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    # the docs page works offline: nothing is loaded from elsewhere
    page = await http.get("/api/v1/docs")
    assert page.status_code == 200
    assert "/api/v1/events" in page.text
    assert "<script" not in page.text
    assert "//" not in page.text.replace("/api/v1/", "")
    assert (await http.get("/docs")).status_code == 404
