"""Who sees what, through every API path that reads events (#5): lists, filters, by id,
exports, notices and the feed. AMBER+STRICT and RED never leave the owner; ``raw`` and
``destination.*`` reach another member only under the owner's sharing policy."""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree as ET

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import notice_events
from tests.integration.api.conftest import Compact
from wuzhen.api.event_model import EventPublic
from wuzhen.evidence.tables import Evidence
from wuzhen.members.service import set_sharing
from wuzhen.notices.service import digest
from wuzhen.notices.tables import Notice
from wuzhen.schema import NAMES

pytestmark = pytest.mark.anyio
OWNER_ONLY = {"AMBER+STRICT", "RED"}
DESTINATION = [n for n in NAMES if n.startswith("destination.")]


async def _all(
    http: httpx.AsyncClient, compact: Compact, role: str, **params: object
) -> list[dict]:
    r = await http.get(
        "/api/v1/events", params={"limit": 1000, **params}, headers=compact.headers(role)
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"])
    return list(body["items"])


async def test_markings_and_fields(compact: Compact, http: httpx.AsyncClient) -> None:
    stored = compact.events()
    cn = await _all(http, compact, "cn_analyst")
    for item in cn:  # the generated model describes what is served
        EventPublic.model_validate(item)
    seen = {e["event.id"] for e in cn}
    expected = set(
        stored.filter(
            (stored["owner"] == "CN")
            | stored["tlp"].is_in(["CLEAR", "GREEN"])
            | ((stored["tlp"] == "AMBER") & (stored["route.member"] == "CN"))
        )["event.id"]
    )
    assert seen == expected
    assert not {e["tlp"] for e in cn if e["owner"] == "FR"} & OWNER_ONLY
    theirs = [e for e in cn if e["owner"] == "FR"]
    assert theirs
    assert all(e["raw"] is None for e in theirs)
    assert all(e[d] is None for e in theirs for d in DESTINATION)
    assert any(e["evidence.format"] == "netfilter" for e in theirs)
    assert all(e["raw"] for e in cn if e["owner"] == "CN")
    # The owner sees all its own events, every field.
    fr = await _all(http, compact, "fr_admin", owner="FR")
    assert {e["tlp"] for e in fr} >= OWNER_ONLY
    assert all(e["raw"] for e in fr)

    # Filters match only what the caller may see: raw is hidden, so its text matches nothing.
    assert await _all(http, compact, "cn_admin", text="sensor-red") == []
    assert await _all(http, compact, "cn_admin", text="sensor-1") == []
    assert len(await _all(http, compact, "fr_admin", text="sensor-red")) > 0
    with compact.node.db.session() as s:
        red = s.scalars(select(Evidence.id).where(Evidence.sha256 == compact.evidence["RED"])).one()
    assert await _all(http, compact, "cn_admin", evidence=red) == []
    us = await _all(http, compact, "cn_admin", owner="FR", country="US")
    assert us
    assert {e["tlp"] for e in us} <= {"CLEAR", "GREEN"}
    # A code no state has is an error, not a filter that quietly matches nothing.
    for field, says in (
        ("member", "no state has this code"),
        ("owner", "no state has this code"),
        ("country", "no country has this code"),
    ):
        for path in ("/api/v1/events", "/api/v1/events/export"):
            r = await http.get(path, params={field: "UK"}, headers=compact.headers("cn_admin"))
            assert r.status_code == 422
            assert r.json()["error"]["message"].startswith(f"{field} UK: {says}")
    assert len(await _all(http, compact, "fr_admin", owner="fr")) == len(fr)

    # A member by its alpha-3 or numeric code, as `wuzhen events` takes it (it was a 422).
    by_code = {
        code: (
            await http.get(
                "/api/v1/events", params={"owner": code}, headers=compact.headers("fr_admin")
            )
        ).json()["total"]
        for code in ("FR", "FRA", "250")
    }
    assert len(set(by_code.values())) == 1, by_code

    # Exports carry the same rows and the same nulls.
    r = await http.get(
        "/api/v1/events/export", params={"format": "csv"}, headers=compact.headers("cn_admin")
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["event.id"] for row in rows} == expected
    assert all(row["raw"] == "" for row in rows if row["owner"] == "FR")
    r = await http.get(
        "/api/v1/events/export", params={"format": "jsonl"}, headers=compact.headers("cn_admin")
    )
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert {x["event.id"] for x in lines} == expected
    # A STIX bundle names its producer: the member exporting, not the node's default owner
    # (a tester's US export said "Wuzhen (CN)")
    for role, member in (("cn_admin", "CN"), ("fr_admin", "FR")):
        r = await http.get(
            "/api/v1/events/export", params={"format": "stix"}, headers=compact.headers(role)
        )
        (producer,) = [o for o in r.json()["objects"] if o["type"] == "identity"]
        assert producer["name"] == f"Wuzhen ({member})"

    # By id: another member's RED event is "not found", like a made-up id.
    red_id = compact.event(owner="FR", tlp="RED")
    r = await http.get(f"/api/v1/events/{red_id}", headers=compact.headers("cn_admin"))
    made_up = await http.get("/api/v1/events/" + "f" * 32, headers=compact.headers("cn_admin"))
    assert r.status_code == made_up.status_code == 404
    assert r.json()["error"]["code"] == made_up.json()["error"]["code"] == "not_found"

    # The owner's policy opens raw and destination.* for CN, and only for CN.
    with compact.node.db.session() as s:
        set_sharing(
            s, "FR", "CN", raw=True, destination=True, actor="test", at=compact.node.clock.now()
        )
    cn = await _all(http, compact, "cn_analyst")
    assert {e["event.id"] for e in cn} == expected  # the policy opens fields, not markings
    theirs = [e for e in cn if e["owner"] == "FR"]
    assert all(e["raw"] for e in theirs)
    assert any(e["destination.ip"] for e in theirs)
    assert len(await _all(http, compact, "cn_admin", text="sensor-clear")) > 0
    assert await _all(http, compact, "cn_admin", text="sensor-red") == []


async def test_notices_and_feed(compact: Compact, http: httpx.AsyncClient) -> None:
    with compact.node.db.session() as s:
        everything = list(s.scalars(select(Notice)))
    mine = {n.id for n in everything if n.member == "CN"}
    others = {n.id for n in everything if n.member not in ("CN",) and n.owner != "CN"}
    assert mine
    assert others
    r = await http.get("/api/v1/notices", headers=compact.headers("cn_analyst"))
    assert {n["id"] for n in r.json()["items"]} == mine

    # Each notice's events: only those CN may see (never RED or AMBER+STRICT).
    for notice_id in mine:
        r = await http.get(
            f"/api/v1/notices/{notice_id}/events",
            params={"format": "jsonl"},
            headers=compact.headers("cn_analyst"),
        )
        assert r.status_code == 200
        for line in r.text.splitlines():
            event = json.loads(line)
            assert event["tlp"] not in OWNER_ONLY
            assert event["raw"] is None
        detail = (
            await http.get(f"/api/v1/notices/{notice_id}", headers=compact.headers("cn_analyst"))
        ).json()
        ids = await http.get(
            f"/api/v1/notices/{notice_id}/event-ids",
            params={"limit": 1000},
            headers=compact.headers("cn_analyst"),
        )
        assert detail["counts"]["events"] == detail["events"] == ids.json()["total"]
        assert len(ids.json()["items"]) == detail["events"]
        assert digest(ids.json()["items"]) == detail["digest"]
    for notice_id in others:
        for path in (
            f"/api/v1/notices/{notice_id}",
            f"/api/v1/notices/{notice_id}/events",
            f"/api/v1/notices/{notice_id}/event-ids",
        ):
            r = await http.get(path, headers=compact.headers("cn_admin"))
            assert r.status_code == 404, path

    # The feed holds CN's notices only, in either format.
    r = await http.get("/api/v1/notices/feed", headers=compact.headers("cn_analyst"))
    assert r.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    ids = {e.findtext("a:id", namespaces=ns) for e in root.findall("a:entry", ns)}
    assert ids == {f"urn:wuzhen:notice:{n}" for n in mine}
    r = await http.get(
        "/api/v1/notices/feed", params={"format": "json"}, headers=compact.headers("cn_admin")
    )
    items = r.json()["items"]
    assert {i["_wuzhen"]["notice"] for i in items} == mine
    r = await http.get("/api/v1/notices/feed")
    assert r.status_code == 401


async def test_contest_and_reroute(compact: Compact, http: httpx.AsyncClient) -> None:
    cn, fr = compact.headers("cn_admin"), compact.headers("fr_analyst")
    target = compact.event(owner="FR", tlp="AMBER", **{"route.member": "CN"})
    with compact.node.db.session() as s:
        notices = list(s.scalars(select(Notice)))
    notice = next({"id": n.id} for n in notices if target in notice_events(compact.node, n))
    r = await http.post(
        f"/api/v1/notices/{notice['id']}/contest",
        json={"grounds": "wrong-jurisdiction", "reason": "a US customer", "event_ids": [target]},
        headers=cn,
    )
    assert r.status_code == 201, r.text
    contest = r.json()
    assert contest["events"] == 1
    assert (await http.get(f"/api/v1/events/{target}", headers=cn)).json()["route.state"] == (
        "contested"
    )
    listed = (await http.get("/api/v1/contests", headers=fr)).json()["items"]
    assert [c["id"] for c in listed] == [contest["id"]]
    r = await http.post(
        f"/api/v1/contests/{contest['id']}/resolve",
        json={"outcome": "rerouted", "reroute_to": "US", "note": "checked"},
        headers=fr,
    )
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "rerouted"
    # Re-routed away: CN no longer sees the AMBER event, by id or through its notice.
    assert (await http.get(f"/api/v1/events/{target}", headers=cn)).status_code == 404
    r = await http.get(
        f"/api/v1/notices/{notice['id']}/events", params={"format": "jsonl"}, headers=cn
    )
    assert target not in r.text
    assert (await http.get(f"/api/v1/events/{target}", headers=fr)).json()["route.member"] == "US"
