"""Accounts over the API (#5): the secretariat's limits, sign-in cookies and CSRF, the
sign-in throttles, keys and disabled accounts taking effect at once."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.integration.api.conftest import PASSWORD, Compact, bearer, client, sign_in
from wuzhen.clock import FixedClock

pytestmark = pytest.mark.anyio


async def test_the_secretariat_cannot_reach_member_accounts(
    compact: Compact, http: httpx.AsyncClient
) -> None:
    sec = compact.headers("secretariat")
    cn_admin = compact.ids["cn_admin"]
    listed = (await http.get("/api/v1/accounts", headers=sec)).json()["items"]
    assert {a["role"] for a in listed} == {"secretariat"}
    # read
    assert (await http.get(f"/api/v1/accounts/{cn_admin}", headers=sec)).status_code == 404
    assert (await http.get("/api/v1/contacts", headers=sec)).status_code == 422
    # reset: there is no way to set another account's password
    for method in ("POST", "PUT", "PATCH"):
        r = await http.request(
            method, f"/api/v1/accounts/{cn_admin}/password", json={"new": "x" * 20}, headers=sec
        )
        assert r.status_code in (404, 405)
    # disable
    r = await http.post(f"/api/v1/accounts/{cn_admin}/disable", headers=sec)
    assert r.status_code == 404
    # impersonate: another administrator for CN, a key for CN's admin, a session as it
    r = await http.post("/api/v1/invitations", json={"member": "CN", "role": "admin"}, headers=sec)
    assert r.status_code == 403
    r = await http.post("/api/v1/keys", json={"name": "mine", "account": cn_admin}, headers=sec)
    assert r.status_code == 422
    keys = (await http.get("/api/v1/keys", headers=compact.headers("cn_admin"))).json()
    assert all(k["name"] != "mine" for k in keys["items"])
    r = await http.post("/api/v1/session", json={"username": "cn-admin", "password": "guess" * 4})
    assert r.status_code == 401
    # and events stay with members: aggregates only
    assert (await http.get("/api/v1/events", headers=sec)).status_code == 403
    assert (await http.get("/api/v1/stats/origins", headers=sec)).status_code == 200
    # The member's own administrator can do what the secretariat cannot.
    me = (await http.get("/api/v1/accounts/me", headers=compact.headers("cn_admin"))).json()
    assert me["id"] == cn_admin
    assert me["member"] == "CN"


async def test_cookie_session_and_csrf(compact: Compact) -> None:
    async with client(compact.app) as browser:
        r = await browser.post(
            "/api/v1/session", json={"username": "cn-analyst", "password": PASSWORD}
        )
        assert r.status_code == 200
        cookie = r.headers["set-cookie"].lower()
        for flag in ("wuzhen_session=", "secure", "httponly", "samesite=strict", "path=/"):
            assert flag in cookie
        csrf = r.json()["csrf_token"]
        assert r.json()["account"]["username"] == "cn-analyst"
        # reads need no token; changes do, from the header or a form field
        assert (await browser.get("/api/v1/accounts/me")).status_code == 200
        assert (await browser.post("/api/v1/keys", json={"name": "k"})).status_code == 403
        r = await browser.post("/api/v1/keys", json={"name": "k"}, headers={"X-CSRF-Token": "no"})
        assert r.status_code == 403
        r = await browser.post("/api/v1/keys", json={"name": "k"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 201
        r = await browser.post(
            "/api/v1/evidence",
            data={"csrf_token": csrf},
            files={
                "files": (
                    "a.log",
                    b"Nov 28 03:16:40 s sshd[1]: Failed password for root "
                    b"from 114.114.114.114 port 1 ssh2\n",
                )
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["files"][0]["name"] == "a.log"
        assert (await browser.delete("/api/v1/session")).status_code == 403
        r = await browser.delete("/api/v1/session", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 204
        browser.cookies.clear()
        # the old cookie is dead: it counts as no credentials
        browser.cookies.set("wuzhen_session", cookie.split("wuzhen_session=")[1].split(";")[0])
        assert (await browser.get("/api/v1/accounts/me")).status_code == 401


async def test_sign_in_throttles(compact: Compact, http: httpx.AsyncClient) -> None:
    clock = compact.node.clock
    assert isinstance(clock, FixedClock)
    wrong = {"username": "fr-admin", "password": "wrong password!!"}
    for _ in range(5):
        assert (await http.post("/api/v1/session", json=wrong)).status_code == 401
    # the account is locked now (the failures were committed), even with the right password
    r = await http.post("/api/v1/session", json={"username": "fr-admin", "password": PASSWORD})
    assert r.status_code == 401
    assert "try again" in r.json()["error"]["message"]
    # per address: ten failures in the window, then 429 whatever the credentials
    for i in range(4):
        bad = {"username": f"nobody-{i}", "password": "x" * 12}
        assert (await http.post("/api/v1/session", json=bad)).status_code == 401
    ok = {"username": "cn-admin", "password": PASSWORD}
    r = await http.post("/api/v1/session", json=ok)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert r.json()["error"]["code"] == "too_many_requests"
    r = await http.post(
        "/api/v1/invitations/accept", json={"token": "t", "username": "u", "password": "p" * 12}
    )
    assert r.status_code == 429
    clock.advance(timedelta(minutes=16))
    assert (await http.post("/api/v1/session", json=ok)).status_code == 200


async def test_keys_and_disabling_take_effect_at_once(
    compact: Compact, http: httpx.AsyncClient
) -> None:
    analyst = compact.headers("cn_analyst")
    r = await http.post("/api/v1/keys", json={"name": "script"}, headers=analyst)
    assert r.status_code == 201
    token, key_id = r.json()["token"], r.json()["id"]
    assert token.startswith(r.json()["prefix"])
    assert (await http.get("/api/v1/events", headers=bearer(token))).status_code == 200
    listed = (await http.get("/api/v1/keys", headers=analyst)).json()["items"]
    mine = next(k for k in listed if k["id"] == key_id)
    assert "token" not in mine
    assert mine["last_used_at"] is not None
    assert (await http.delete(f"/api/v1/keys/{key_id}", headers=analyst)).status_code == 200
    assert (await http.get("/api/v1/events", headers=bearer(token))).status_code == 401
    # disabling an account ends its keys, including cached ones
    assert (await http.get("/api/v1/events", headers=analyst)).status_code == 200
    r = await http.post(
        f"/api/v1/accounts/{compact.ids['cn_analyst']}/disable",
        headers=compact.headers("cn_admin"),
    )
    assert r.status_code == 200
    assert r.json()["disabled_at"] is not None
    for path in ("/api/v1/events", "/api/v1/members", "/api/v1/accounts/me"):
        r = await http.get(path, headers=analyst)
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == "Bearer"
    # a malformed header is refused the same way
    r = await http.get("/api/v1/members", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401


async def test_invitations_and_passwords(compact: Compact, http: httpx.AsyncClient) -> None:
    admin = compact.headers("fr_admin")
    r = await http.post(
        "/api/v1/invitations",
        json={"member": "FR", "role": "analyst"},
        headers=compact.headers("fr_analyst"),
    )
    assert r.status_code == 403
    r = await http.post(
        "/api/v1/invitations", json={"member": "FR", "role": "analyst"}, headers=admin
    )
    token = r.json()["token"]
    accept = {"token": token, "username": "fr-new", "password": "short"}
    assert (await http.post("/api/v1/invitations/accept", json=accept)).status_code == 422
    accept["password"] = PASSWORD
    assert (await http.post("/api/v1/invitations/accept", json=accept)).status_code == 201
    accept["username"] = "fr-again"
    assert (await http.post("/api/v1/invitations/accept", json=accept)).status_code == 401
    r = await http.post(
        "/api/v1/invitations", json={"member": "FR", "role": "analyst"}, headers=admin
    )
    compact.node.clock.advance(timedelta(days=8))  # type: ignore[attr-defined]
    late = {"token": r.json()["token"], "username": "fr-late", "password": PASSWORD}
    assert (await http.post("/api/v1/invitations/accept", json=late)).status_code == 401

    async with client(compact.app) as browser:
        csrf = await sign_in(browser, "fr-new")
        h = {"X-CSRF-Token": csrf}
        change = {"current": "wrong password!!", "new": "another good password"}
        assert (
            await browser.post("/api/v1/accounts/me/password", json=change, headers=h)
        ).status_code == 401
        change["current"] = PASSWORD
        r = await browser.post("/api/v1/accounts/me/password", json=change, headers=h)
        assert r.status_code == 204
        # changing the password ends the account's sessions
        assert (await browser.get("/api/v1/accounts/me")).status_code == 401
    r = await http.post(
        "/api/v1/session", json={"username": "fr-new", "password": "another good password"}
    )
    assert r.status_code == 200
