"""Governance over the API (#7), on SQLite and PostgreSQL: who may convene, register, table,
amend, open votes, vote and register commitments; one vote per member, changeable until the
close; results hidden until the close; a secret ballot's choices appear nowhere (API, minutes,
ledger export); a resolution changes a rule through tick, cited in the rule's history.

The compact: CN, FR, BR and ZA have voting rights (quorum: 2 of 4); US has none. Accounts:
the secretariat, CN's administrator and analyst, FR's and US's administrators.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from tests.integration.api.conftest import bearer, client
from tests.integration.api.test_docs_api import BLOCK, VARIABLE, parse
from wuzhen.accounts import service as accounts
from wuzhen.accounts.tables import ADMIN, ANALYST
from wuzhen.api.app import create_app
from wuzhen.clock import FixedClock
from wuzhen.cooperation import service as coop
from wuzhen.members.tables import Member
from wuzhen.node import Node
from wuzhen.tick import tick

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery staple"
VOTERS = ("CN", "FR", "BR", "ZA")
ROLES = ("public", "secretariat", "cn_admin", "cn_analyst", "fr_admin", "us_admin")
API = "/api/v1"


@dataclass
class Gov:
    node: Node
    clock: FixedClock
    app: FastAPI
    keys: dict[str, str] = field(default_factory=dict)

    def h(self, role: str) -> dict[str, str]:
        return {} if role == "public" else bearer(self.keys[role])


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def gov(node: Node, clock: FixedClock) -> Gov:
    made = Gov(node, clock, create_app(node, web=False))
    now = clock.now()
    with node.db.session() as s:
        s.execute(update(Member).where(Member.code.not_in(VOTERS)).values(voting_rights=False))
        sec = accounts.create_secretariat(s, username="secretariat", password=PASSWORD, at=now)
        made.keys["secretariat"] = accounts.create_key(s, sec, name="t", at=now).token
        for code in ("CN", "FR", "US"):
            low = code.lower()
            inv = accounts.invite(s, sec, member=code, role=ADMIN, at=now)
            admin = accounts.accept(
                s, inv.token, username=f"{low}-admin", password=PASSWORD, at=now
            )
            made.keys[f"{low}_admin"] = accounts.create_key(s, admin, name="t", at=now).token
            if code == "CN":
                inv = accounts.invite(s, admin, member=code, role=ANALYST, at=now)
                analyst = accounts.accept(
                    s, inv.token, username=f"{low}-analyst", password=PASSWORD, at=now
                )
                made.keys["cn_analyst"] = accounts.create_key(s, analyst, name="t", at=now).token
    return made


@pytest.fixture
async def http(gov: Gov) -> AsyncIterator[httpx.AsyncClient]:
    async with client(gov.app) as c:
        yield c


def iso(gov: Gov, **delta: float) -> str:
    return (gov.clock.now() + timedelta(**delta)).isoformat()


async def expect(
    http: httpx.AsyncClient,
    gov: Gov,
    method: str,
    path: str,
    statuses: dict[str, int],
    body: Any = None,
) -> dict[str, Any]:
    """Call ``path`` as each role in order; each gets its status. The last answer's body."""
    answer: dict[str, Any] = {}
    for role, status in statuses.items():
        r = await http.request(method, API + path, json=body, headers=gov.h(role))
        assert r.status_code == status, f"{method} {path} as {role}: {r.status_code} {r.text}"
        answer = r.json() if r.content else {}
        if status >= 400:
            assert answer["error"]["message"]
    return answer


async def convene(http: httpx.AsyncClient, gov: Gov, days: int = 10) -> str:
    r = await http.post(
        f"{API}/sessions",
        json={
            "kind": "annual",
            "title": "Annual conference",
            "opens_at": iso(gov),
            "closes_at": iso(gov, days=days),
        },
        headers=gov.h("secretariat"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def register(http: httpx.AsyncClient, gov: Gov, sid: str, *roles: str) -> None:
    for role in roles:
        r = await http.post(f"{API}/sessions/{sid}/delegations", json={}, headers=gov.h(role))
        assert r.status_code == 201, r.text


async def table(
    http: httpx.AsyncClient, gov: Gov, sid: str, role: str = "fr_admin", **extra: Any
) -> str:
    body = {"session": sid, "title": "Faster takedowns", "text": "Shorten it.", **extra}
    r = await http.post(f"{API}/proposals", json=body, headers=gov.h(role))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def open_vote(http: httpx.AsyncClient, gov: Gov, pid: str, hours: int = 1) -> None:
    r = await http.post(
        f"{API}/proposals/{pid}/open-vote",
        json={"closes_at": iso(gov, hours=hours)},
        headers=gov.h("secretariat"),
    )
    assert r.status_code == 200, r.text


async def vote(
    http: httpx.AsyncClient, gov: Gov, pid: str, role: str, choice: str, **extra: Any
) -> httpx.Response:
    body = {"proposal": pid, "choice": choice, **extra}
    return await http.post(f"{API}/votes", json=body, headers=gov.h(role))


def close_votes(gov: Gov, hours: int = 1) -> None:
    gov.clock.advance(timedelta(hours=hours))
    (step,) = [s for s in tick(gov.node).steps if s.name == "governance"]
    assert step.error is None


async def test_who_may_act_on_sessions_proposals_and_votes(
    gov: Gov, http: httpx.AsyncClient
) -> None:
    start = {
        "kind": "annual",
        "title": "Conference",
        "opens_at": iso(gov),
        "closes_at": iso(gov, days=5),
    }
    made = await expect(
        http,
        gov,
        "POST",
        "/sessions",
        {
            "public": 401,
            "cn_admin": 403,
            "cn_analyst": 403,
            "fr_admin": 403,
            "us_admin": 403,
            "secretariat": 201,
        },
        start,
    )
    sid = made["id"]
    await expect(http, gov, "GET", "/sessions", dict.fromkeys(ROLES, 200))
    await expect(http, gov, "GET", f"/sessions/{sid}", dict.fromkeys(ROLES, 200))
    await expect(http, gov, "GET", "/sessions/" + "0" * 16, dict.fromkeys(ROLES, 404))
    # A member's administrator registers its own delegation; US has no voting rights.
    await expect(
        http,
        gov,
        "POST",
        f"/sessions/{sid}/delegations",
        {
            "public": 401,
            "secretariat": 403,
            "cn_analyst": 403,
            "us_admin": 403,
            "cn_admin": 201,
        },
        {},
    )
    await register(http, gov, sid, "fr_admin")
    # Proposals: a member's administrator (with voting rights) or the secretariat tables one.
    body = {"session": sid, "title": "A", "text": "B"}
    await expect(
        http,
        gov,
        "POST",
        "/proposals",
        {
            "public": 401,
            "cn_analyst": 403,
            "us_admin": 403,
            "cn_admin": 201,
            "secretariat": 201,
        },
        body,
    )
    pid = await table(http, gov, sid)
    await expect(http, gov, "GET", f"/proposals/{pid}", dict.fromkeys(ROLES, 200))
    # Amendments come from members' administrators; the proposer (FR) accepts them.
    amendment = {
        "title": "Faster takedowns",
        "text": "Shorten it to a day.",
        "changes": [{"type": "rule", "key": "requests.deadline.takedown", "value": 24}],
    }
    made = await expect(
        http,
        gov,
        "POST",
        f"/proposals/{pid}/amendments",
        {
            "public": 401,
            "secretariat": 403,
            "cn_analyst": 403,
            "cn_admin": 201,
        },
        amendment,
    )
    aid = made["id"]
    assert made["parent"] == pid
    await expect(
        http,
        gov,
        "POST",
        f"/proposals/{aid}/accept",
        {
            "public": 401,
            "secretariat": 403,
            "cn_admin": 403,
            "cn_analyst": 403,
            "fr_admin": 200,
        },
    )
    detail = (await http.get(f"{API}/proposals/{pid}")).json()
    assert detail["text"] == "Shorten it to a day."
    assert detail["changes"][0]["value"] == 24
    assert [(a["id"], a["state"]) for a in detail["amendments"]] == [(aid, "accepted")]
    # Only the secretariat puts a proposal to the vote.
    await expect(
        http,
        gov,
        "POST",
        f"/proposals/{pid}/open-vote",
        {
            "public": 401,
            "cn_admin": 403,
            "fr_admin": 403,
            "cn_analyst": 403,
            "secretariat": 200,
        },
        {"closes_at": iso(gov, hours=2)},
    )
    # Only a member's administrator votes: analysts and the secretariat are refused; a
    # member without voting rights (US) or without a registered delegation (none here) too.
    for role, status in {
        "public": 401,
        "secretariat": 403,
        "cn_analyst": 403,
        "us_admin": 403,
    }.items():
        r = await vote(http, gov, pid, role, "yes")
        assert r.status_code == status, (role, r.text)
    assert (await http.get(f"{API}/proposals/{pid}")).json()["voted"] == []


async def test_one_vote_per_member_changeable_until_the_close(
    gov: Gov, http: httpx.AsyncClient
) -> None:
    sid = await convene(http, gov)
    await register(http, gov, sid, "cn_admin", "fr_admin")
    pid = await table(http, gov, sid)
    await open_vote(http, gov, pid)
    first = await vote(http, gov, pid, "cn_admin", "no")
    assert first.status_code == 201
    assert first.json()["changed"] is False
    assert "choice" not in first.json()  # a receipt never repeats the choice
    again = await vote(http, gov, pid, "cn_admin", "yes")
    assert again.status_code == 200
    assert again.json()["changed"] is True
    assert (await vote(http, gov, pid, "fr_admin", "yes")).status_code == 201
    bad = await vote(http, gov, pid, "fr_admin", "object")
    assert bad.status_code == 422  # not a choice of a simple-majority vote
    votes = (await http.get(f"{API}/votes", params={"proposal": pid})).json()
    assert votes["items"] == [{"member": "CN", "choice": None}, {"member": "FR", "choice": None}]
    # The member's administrator sees its own recorded choice (an open ballot); nobody else.
    path = f"/votes/ballot?proposal={pid}"
    await expect(
        http,
        gov,
        "GET",
        path,
        {
            "public": 401,
            "secretariat": 403,
            "cn_analyst": 403,
            "us_admin": 200,
        },
    )
    ballot = await expect(http, gov, "GET", path, {"cn_admin": 200})
    assert (ballot["registered"], ballot["open"], ballot["proxy"]) == (True, True, None)
    assert ballot["own"] == {"member": "CN", "voted": True, "choice": "yes"}
    detail = (await http.get(f"{API}/proposals/{pid}")).json()
    assert (detail["voted"], detail["result"]) == (["CN", "FR"], None)
    close_votes(gov)
    late = await vote(http, gov, pid, "cn_admin", "no")
    assert late.status_code == 409
    detail = (await http.get(f"{API}/proposals/{pid}")).json()
    assert detail["state"] == "adopted"
    assert (detail["result"]["yes"], detail["result"]["no"]) == (2, 0)
    assert detail["result"]["choices"] == {"CN": "yes", "FR": "yes"}
    votes = (await http.get(f"{API}/votes", params={"proposal": pid})).json()["items"]
    assert votes == [{"member": "CN", "choice": "yes"}, {"member": "FR", "choice": "yes"}]


async def test_a_proxy_votes_for_the_member_it_holds(gov: Gov, http: httpx.AsyncClient) -> None:
    sid = await convene(http, gov)
    r = await http.post(
        f"{API}/sessions/{sid}/delegations", json={"proxy_for": "BR"}, headers=gov.h("cn_admin")
    )
    assert (r.status_code, r.json()["proxy_for"]) == (201, "BR")
    r = await http.post(
        f"{API}/sessions/{sid}/delegations", json={"proxy_for": "BR"}, headers=gov.h("fr_admin")
    )
    assert r.status_code == 409  # CN holds BR's proxy already
    session = (await http.get(f"{API}/sessions/{sid}")).json()
    assert session["quorum"] == {
        "eligible": 4,
        "fraction": 0.5,
        "needed": 2,
        "present": 2,
        "met": True,
    }
    pid = await table(http, gov, sid, "cn_admin")
    await open_vote(http, gov, pid)
    assert (await vote(http, gov, pid, "cn_admin", "yes")).status_code == 201
    proxied = await vote(http, gov, pid, "cn_admin", "no", on_behalf_of="BR")
    assert (proxied.status_code, proxied.json()["member"], proxied.json()["cast_by"]) == (
        201,
        "BR",
        "CN",
    )
    refused = await vote(http, gov, pid, "cn_admin", "yes", on_behalf_of="ZA")
    assert refused.status_code == 403
    close_votes(gov)
    result = (await http.get(f"{API}/proposals/{pid}")).json()["result"]
    assert (result["present"], result["yes"], result["no"], result["adopted"]) == (2, 1, 1, False)


async def test_a_secret_ballots_choices_appear_nowhere(gov: Gov, http: httpx.AsyncClient) -> None:
    sid = await convene(http, gov)
    await register(http, gov, sid, "cn_admin", "fr_admin")
    pid = await table(http, gov, sid, secret=True)
    await open_vote(http, gov, pid)
    assert (await vote(http, gov, pid, "cn_admin", "no")).status_code == 201
    assert (await vote(http, gov, pid, "fr_admin", "abstain")).status_code == 201
    ballot = await http.get(f"{API}/votes/ballot?proposal={pid}", headers=gov.h("cn_admin"))
    assert ballot.json()["own"] == {"member": "CN", "voted": True, "choice": None}
    close_votes(gov)
    detail = (await http.get(f"{API}/proposals/{pid}")).json()
    assert "choices" not in detail["result"]
    assert (detail["result"]["no"], detail["result"]["abstain"]) == (1, 1)
    assert detail["voted"] == ["CN", "FR"]
    votes = (await http.get(f"{API}/votes", params={"proposal": pid})).json()["items"]
    assert votes == [{"member": "CN", "choice": None}, {"member": "FR", "choice": None}]
    minutes = (await http.get(f"{API}/sessions/{sid}/minutes")).json()["items"]
    assert {"session.convened", "vote.cast", "vote.closed"} <= {m["action"] for m in minutes}
    export = (await http.get(f"{API}/ledger/export")).text
    for text in (json.dumps(minutes), export):
        assert '"choice' not in text  # no "choice" nor "choices" recorded
    for text in (json.dumps(detail), json.dumps(votes), json.dumps(minutes), export):
        assert '"CN": "no"' not in text
        assert '"FR": "abstain"' not in text
    casts = [json.loads(line) for line in export.splitlines() if '"vote.cast"' in line]
    assert len(casts) == 2
    assert all(set(c["content"]["data"]) == {"member", "by"} for c in casts)


async def test_a_resolution_changes_a_rule_through_tick(gov: Gov, http: httpx.AsyncClient) -> None:
    refused = await http.put(f"{API}/rules/retention.days", headers=gov.h("secretariat"))
    assert refused.status_code == 403
    assert "only by resolution: table a proposal" in refused.json()["error"]["message"]
    for code in ("DE", "CN"):
        for act in ("admit", "suspend"):
            r = await http.post(f"{API}/members/{code}/{act}", headers=gov.h("secretariat"))
            assert r.status_code == 403
            assert "only by resolution" in r.json()["error"]["message"]
    sid = await convene(http, gov)
    # The entrenched grounds cannot be removed by any resolution: refused when tabled.
    grounds = (await http.get(f"{API}/rules/requests.refusal_grounds")).json()["value"]
    cut = [g for g in grounds if g["code"] != "human-rights"]
    r = await http.post(
        f"{API}/proposals",
        json={
            "session": sid,
            "title": "t",
            "text": "t",
            "changes": [{"type": "rule", "key": "requests.refusal_grounds", "value": cut}],
        },
        headers=gov.h("cn_admin"),
    )
    assert r.status_code == 422
    assert "entrenched" in r.json()["error"]["message"]
    await register(http, gov, sid, "cn_admin", "fr_admin")
    effective = iso(gov, days=2)
    pid = await table(
        http,
        gov,
        sid,
        changes=[{"type": "rule", "key": "retention.days", "value": 90}],
        effective_at=effective,
        method="two-thirds",
    )
    await open_vote(http, gov, pid)
    for role in ("cn_admin", "fr_admin"):
        assert (await vote(http, gov, pid, role, "yes")).status_code == 201
    close_votes(gov)
    (res,) = (await http.get(f"{API}/resolutions")).json()["items"]
    assert (res["number"], res["proposal"], res["applied"]) == (1, pid, False)
    assert (await http.get(f"{API}/rules/retention.days")).json()["value"] == 180
    close_votes(gov, hours=47)
    res = (await http.get(f"{API}/resolutions/1")).json()
    assert res["applied"] is True
    assert res["changes"] == [{"type": "rule", "key": "retention.days", "value": 90}]
    assert (await http.get(f"{API}/rules/retention.days")).json()["value"] == 90
    history = (await http.get(f"{API}/rules/retention.days/history")).json()["items"]
    assert [h["value"] for h in history] == [180, 90]
    assert (history[-1]["resolution"], history[-1]["resolution_number"]) == (res["id"], 1)
    assert history[-1]["actor"] == f"resolution:{res['id']}"
    assert (await http.get(f"{API}/resolutions/" + "f" * 16)).status_code == 404


async def test_commitments_register_and_report(gov: Gov, http: httpx.AsyncClient) -> None:
    body = {
        "title": "No theft of trade secrets",
        "parties": ["CN", "FR"],
        "text": "Neither government conducts or knowingly supports cyber-enabled theft.",
        "clauses": ["no theft", "answer requests promptly"],
    }
    made = await expect(
        http,
        gov,
        "POST",
        "/commitments",
        {
            "public": 401,
            "secretariat": 403,
            "cn_analyst": 403,
            "us_admin": 403,
            "cn_admin": 201,
        },
        body,
    )
    cid = made["id"]
    assert (made["status"], made["adopted_by"]) == ("proposed", ["CN"])
    await expect(http, gov, "POST", f"/commitments/{cid}/register", {"secretariat": 409})
    await expect(
        http,
        gov,
        "POST",
        f"/commitments/{cid}/adopt",
        {
            "public": 401,
            "secretariat": 403,
            "us_admin": 403,
            "cn_analyst": 403,
            "fr_admin": 200,
        },
    )
    await expect(
        http,
        gov,
        "POST",
        f"/commitments/{cid}/register",
        {
            "public": 401,
            "cn_admin": 403,
            "fr_admin": 403,
            "secretariat": 200,
        },
    )
    await expect(
        http,
        gov,
        "POST",
        f"/commitments/{cid}/status",
        {
            "public": 401,
            "cn_admin": 403,
            "secretariat": 200,
        },
        {"status": "under-review", "reason": "annual review"},
    )
    now = gov.clock.now()
    with gov.node.db.session() as s:
        draft = coop.Draft(
            kind="information",
            requested="FR",
            offence="trade-secret-theft",
            title="intrusion at a factory",
            details={"question": "who runs this host?"},
        )
        req = coop.create(s, draft, member="CN", account="a", at=now)
        coop.send(s, req.id, member="CN", account="a", at=now)
        rid = req.id
    link = {"clause": "2", "request_id": rid}
    await expect(
        http,
        gov,
        "POST",
        f"/commitments/{cid}/links",
        {
            "public": 401,
            "secretariat": 403,
            "us_admin": 403,
            "cn_analyst": 201,
        },
        link,
    )
    gov.clock.advance(timedelta(hours=2))
    with gov.node.db.session() as s:
        coop.act(s, rid, "acknowledge", member="FR", account="b", at=gov.clock.now())
    for role in ("public", "us_admin", "secretariat"):
        seen = (await http.get(f"{API}/commitments/{cid}", headers=gov.h(role))).json()
        assert seen["requests"] is None, role  # requests are between the parties
        assert seen["parties_report"]["FR"]["median_seconds_to_acknowledge"] == 7200
    mine = (await http.get(f"{API}/commitments/{cid}", headers=gov.h("cn_analyst"))).json()
    assert [(r["id"], r["clause"]) for r in mine["requests"]] == [(rid, "2")]
    assert mine["status"] == "under-review"
    listed = (await http.get(f"{API}/commitments")).json()["items"]
    assert [c["id"] for c in listed] == [cid]


GUIDE = Path(__file__).parents[3] / "docs" / "user" / "governance.md"
CAPTURE = {
    r"/sessions$": "SESSION",
    r"/proposals$": "PROPOSAL",
    r"/amendments$": "AMENDMENT",
    r"/commitments$": "COMMITMENT",
}


async def test_the_guides_api_examples_run(gov: Gov, http: httpx.AsyncClient) -> None:
    """The ``curl`` examples of docs/user/governance.md, in order, each succeed."""
    known = {
        "WUZHEN": "https://testserver",
        "KEY": gov.keys["cn_admin"],
        "FR_KEY": gov.keys["fr_admin"],
        "SECRETARIAT_KEY": gov.keys["secretariat"],
    }
    ran = 0
    for block in BLOCK.findall(GUIDE.read_text(encoding="utf-8")):
        for line in block.replace("\\\n", " ").splitlines():
            if not line.strip().startswith("curl "):
                continue
            method, url, kwargs = parse(VARIABLE.sub(lambda m: known[m.group(1)], line))
            r = await http.request(method, url, **kwargs)
            assert r.status_code < 400, f"{line}\n-> {r.status_code} {r.text[:300]}"
            ran += 1
            for pattern, name in CAPTURE.items():
                if method == "POST" and re.search(pattern, url):
                    known[name] = str(r.json()["id"])
    assert ran == 19
    proposal = (await http.get(f"{API}/proposals/{known['PROPOSAL']}")).json()
    assert (proposal["text"], proposal["voted"]) == ("Two days.", ["BR", "CN"])
