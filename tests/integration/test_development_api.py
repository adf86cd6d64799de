"""The development dashboard's API and pages (#8): indicators and targets are public to
read; only a member's administrators set or remove its targets (denials proven too)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from wuzhen.accounts import service as accounts
from wuzhen.accounts.tables import ADMIN, ANALYST
from wuzhen.api.app import create_app
from wuzhen.development.demo import load_demo
from wuzhen.node import Node

pytestmark = pytest.mark.anyio
PASSWORD = "a-long-enough-password"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def keys(node: Node) -> dict[str, str]:
    """API keys: the secretariat, CN's administrator and analyst, FR's administrator."""
    at = node.clock.now()
    out = {}
    with node.db.session() as s:
        sec = accounts.create_secretariat(s, username="sec", password=PASSWORD, at=at)
        out["secretariat"] = accounts.create_key(s, sec, name="t", at=at).token
        load_demo(s, actor="demo", at=at)
        for code in ("CN", "FR"):
            inv = accounts.invite(s, sec, member=code, role=ADMIN, at=at)
            admin = accounts.accept(s, inv.token, username=f"{code}-a", password=PASSWORD, at=at)
            out[f"{code}-admin"] = accounts.create_key(s, admin, name="t", at=at).token
            if code == "CN":
                inv = accounts.invite(s, admin, member=code, role=ANALYST, at=at)
                analyst = accounts.accept(
                    s, inv.token, username=f"{code}-b", password=PASSWORD, at=at
                )
                out["CN-analyst"] = accounts.create_key(s, analyst, name="t", at=at).token
    return out


@pytest.fixture
async def http(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(node, web=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_reading_is_public(http: httpx.AsyncClient, keys: dict[str, str]) -> None:
    r = await http.get("/api/v1/indicators", params={"member": "CN"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 3
    users = next(i for i in body["items"] if i["indicator"] == "internet-users")
    assert users["value"] == 668_000_000
    assert users["dated"] == "2015-07"
    assert "founding conference" in users["source"].lower()
    (target,) = (await http.get("/api/v1/targets", params={"member": "CN"})).json()
    assert target["indicator"] == "villages-with-internet-pct"
    assert target["needed_per_year"] == pytest.approx(1.3)
    catalogue = (await http.get("/api/v1/indicators/catalogue")).json()
    assert {"internet-users-pct", "mobile-coverage-5g", "websites"} <= {
        c["code"] for c in catalogue
    }
    assert (await http.get("/api/v1/indicators", params={"member": "1"})).status_code == 422


async def test_only_a_members_administrator_sets_its_targets(
    http: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    body = {"indicator": "internet-users-pct", "value": 90, "deadline_year": 2030}
    assert (await http.post("/api/v1/targets", json=body)).status_code == 401
    for who in ("secretariat", "CN-analyst"):
        r = await http.post("/api/v1/targets", json=body, headers=auth(keys[who]))
        assert r.status_code == 403, who
    r = await http.post("/api/v1/targets", json=body, headers=auth(keys["FR-admin"]))
    assert r.status_code == 201
    made = r.json()
    assert (made["member"], made["status"]) == ("FR", "no-data")
    bad = {**body, "value": 140}
    r = await http.post("/api/v1/targets", json=bad, headers=auth(keys["FR-admin"]))
    assert r.status_code == 422
    # CN's administrator cannot remove FR's target (it does not exist for CN); FR's can
    path = f"/api/v1/targets/{made['id']}"
    assert (await http.delete(path, headers=auth(keys["CN-admin"]))).status_code == 404
    assert (await http.delete(path)).status_code == 401
    assert (await http.delete(path, headers=auth(keys["FR-admin"]))).status_code == 204
    targets = (await http.get("/api/v1/targets")).json()
    assert [t["member"] for t in targets] == ["CN"]


async def test_dashboard_pages(http: httpx.AsyncClient, keys: dict[str, str]) -> None:
    overview = await http.get("/development", params={"indicator": "internet-users"})
    assert overview.status_code == 200
    assert "China (CN)" in overview.text
    assert "668,000,000" in overview.text
    assert 'data-status="unknown"' in overview.text
    page = await http.get("/development/CN")
    assert page.status_code == 200
    assert page.text.count('class="chart"') == 3
    assert "93.5%" in page.text
    compared = await http.get(
        "/development/compare", params={"indicator": "websites", "members": "CN, FR"}
    )
    assert compared.status_code == 200
    assert 'class="chart"' in compared.text
    assert (await http.get("/development/ZZ")).status_code == 404
    assert (await http.get("/development", params={"indicator": "nope"})).status_code == 404


async def test_an_indicator_nobody_has_says_so_once(
    http: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    # the demo's figures hold no share of the population online: no region table is drawn
    page = await http.get("/development", params={"indicator": "internet-users-pct"})
    assert page.status_code == 200
    assert 'id="no-values"' in page.text
    assert 'class="data region"' not in page.text
    # an indicator China has: Asia's table, the other regions a line each
    page = await http.get("/development", params={"indicator": "internet-users"})
    assert page.text.count('class="data region"') == 1
    assert 'id="no-values"' not in page.text
    for region in ("Africa", "Americas", "Europe", "Oceania"):
        assert f'<p class="hint region-empty"><strong>{region}</strong>:' in page.text
    assert "<strong>Asia</strong>" not in page.text
    # targets name their indicator, linked to it
    assert '<a href="/development?indicator=villages-with-internet-pct">' in page.text


async def test_the_landing_page_opens_on_an_indicator_with_values(
    http: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    # nobody has a value for the default indicator in the demo's figures: the first
    # indicator of the catalogue that has values (Internet users) is shown, and selected
    page = await http.get("/development")
    assert '<option value="internet-users" selected>' in page.text
    assert "668,000,000" in page.text
    compared = await http.get("/development/compare", params={"members": "CN"})
    assert 'class="chart"' in compared.text  # the same indicator, with China's value drawn
    # asked for by name, the indicator is kept even without values
    page = await http.get("/development", params={"indicator": "internet-users-pct"})
    assert '<option value="internet-users-pct" selected>' in page.text
