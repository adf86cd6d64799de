"""``/requests`` (#6): every type's lifecycle through the API, illegal transitions refused
with a clear error, deadlines driven by the injectable clock, evidence attached by id through
the visibility function, and who sees what: the two parties only, the secretariat counts."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.integration.api.conftest import Compact, bearer, invite_and_accept
from tests.integration.test_cooperation import DETAILS, HOURS
from wuzhen import ledger, rules
from wuzhen.clock import FixedClock
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members.service import ContactFields, add_contact, confirm_contact

pytestmark = pytest.mark.anyio
API = "/api/v1/requests"


@pytest.fixture
async def parties(compact: Compact, http: httpx.AsyncClient) -> Compact:
    """The compact, with a third member (the US) that has an administrator."""
    aid, key = await invite_and_accept(
        http, compact.node, bearer(compact.keys["secretariat"]), "US", "admin", "us-admin"
    )
    compact.ids["us_admin"], compact.keys["us_admin"] = aid, key
    return compact


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def new(
    http: httpx.AsyncClient,
    compact: Compact,
    kind: str = "information",
    *,
    by: str = "fr_analyst",
    to: str = "CN",
    status: int = 201,
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "kind": kind,
        "requested": to,
        "offence": "cyberattack",
        "title": f"{kind} case",
        "details": DETAILS[kind],
        **extra,
    }
    r = await http.post(API, json=body, headers=compact.headers(by))
    assert r.status_code == status, r.text
    return dict(r.json())


async def act(
    http: httpx.AsyncClient,
    compact: Compact,
    rid: str,
    action: str,
    by: str,
    body: dict[str, Any] | None = None,
    status: int = 200,
) -> dict[str, Any]:
    r = await http.post(f"{API}/{rid}/{action}", json=body, headers=compact.headers(by))
    assert r.status_code == status, f"{action} by {by}: {r.status_code} {r.text}"
    return dict(r.json())


async def test_every_type_runs_its_lifecycle(parties: Compact, http: httpx.AsyncClient) -> None:
    compact = parties
    clock = compact.node.clock
    assert isinstance(clock, FixedClock)
    for kind in DETAILS:
        draft = await new(http, compact, kind)
        rid = draft["id"]
        assert (draft["state"], draft["requester"], draft["requested"]) == ("draft", "FR", "CN")
        assert draft["actions"] == ["send", "withdraw", "attach"]
        sent = await act(http, compact, rid, "send", "fr_analyst")
        assert when(sent["due_at"]) == clock.now() + timedelta(hours=HOURS[kind])
        clock.advance(timedelta(minutes=10))
        got = await act(http, compact, rid, "acknowledge", "cn_analyst")
        assert got["acknowledged_at"] is not None
        assert got["actions"] == ["start", "postpone", "consult"]
        await act(http, compact, rid, "start", "cn_admin")
        clock.advance(timedelta(hours=1))
        done = await act(http, compact, rid, "execute", "cn_analyst")
        assert done["state"] == "executed"
        assert done["clocks"]["seconds_to_acknowledge"] == 600
        assert done["clocks"]["seconds_to_outcome"] == 600 + 3600
        assert done["actions"] == []  # for the requested member
        r = await http.get(f"{API}/{rid}", headers=compact.headers("fr_admin"))
        assert "feedback" in r.json()["actions"]
        fed = await act(http, compact, rid, "feedback", "fr_admin", {"useful": True})
        assert fed["useful"] is True
        r = await http.get(f"{API}/{rid}/timeline", headers=compact.headers("cn_admin"))
        steps = [(e["action"], e["member"]) for e in r.json()]
        assert steps == [
            ("request.drafted", "FR"),
            ("request.send", "FR"),
            ("request.acknowledge", "CN"),
            ("request.start", "CN"),
            ("request.execute", "CN"),
            ("request.feedback", "FR"),
        ]
        assert r.json()[1]["data"]["hours"] == HOURS[kind]


async def test_other_paths_postpone_consult_partial_refuse_withdraw_extend(
    compact: Compact, http: httpx.AsyncClient
) -> None:
    clock = compact.node.clock
    until = (clock.now() + timedelta(days=3)).isoformat()

    rid = (await new(http, compact, "assistance"))["id"]
    for action, by in (("send", "fr_admin"), ("acknowledge", "cn_admin")):
        await act(http, compact, rid, action, by)
    later = await act(
        http,
        compact,
        rid,
        "postpone",
        "cn_admin",
        {"reason": "court order pending", "until": until},
    )
    assert later["state"] == "postponed"
    assert when(later["postponed_until"]) == clock.now() + timedelta(days=3)
    await act(http, compact, rid, "start", "cn_admin")
    await act(http, compact, rid, "consult", "cn_admin", {"reason": "which company?"})
    await act(http, compact, rid, "resume", "cn_admin")
    part = await act(
        http,
        compact,
        rid,
        "partial",
        "cn_admin",
        {"grounds": ["not-an-offence"], "reason": "one measure is unavailable"},
    )
    assert (part["state"], part["grounds"]) == ("partially-executed", ["not-an-offence"])

    rid = (await new(http, compact, "disclosure"))["id"]
    for action in ("send", "acknowledge", "consult"):
        by = "fr_admin" if action == "send" else "cn_admin"
        await act(
            http,
            compact,
            rid,
            action,
            by,
            {"reason": "legal basis?"} if action == "consult" else None,
        )
    refused = await act(
        http,
        compact,
        rid,
        "refuse",
        "cn_admin",
        {"grounds": ["other"], "reason": "no", "other_text": "domestic policy"},
    )
    assert (refused["state"], refused["other_only"]) == ("refused", True)
    assert "domestic policy" in refused["outcome_reason"]

    rid = (await new(http, compact, "takedown"))["id"]
    await act(http, compact, rid, "send", "fr_admin")
    gone = await act(http, compact, rid, "withdraw", "fr_admin", {"reason": "taken down already"})
    assert gone["state"] == "withdrawn"

    rid = (await new(http, compact, "preservation"))["id"]
    await act(http, compact, rid, "send", "fr_admin")
    for action in ("acknowledge", "start", "execute"):
        kept = await act(http, compact, rid, action, "cn_admin")
    assert kept["preserved_until"] is not None
    extended = await act(http, compact, rid, "extend", "fr_admin")
    assert extended["preserved_until"] > kept["preserved_until"]
    await act(http, compact, rid, "extend", "cn_admin", status=403)


async def test_illegal_transitions_are_refused_with_a_clear_error(
    compact: Compact, http: httpx.AsyncClient
) -> None:
    rid = (await new(http, compact, "information"))["id"]

    async def refused(action: str, by: str, status: int, body: Any = None) -> str:
        r = await http.post(f"{API}/{rid}/{action}", json=body, headers=compact.headers(by))
        assert r.status_code == status, f"{action} by {by}: {r.status_code} {r.text}"
        error = r.json()["error"]
        assert set(error) >= {"code", "message"}
        return str(error["message"])

    # The requested member does not see a draft at all.
    assert "no request" in (await refused("acknowledge", "cn_admin", 404)).lower()
    await act(http, compact, rid, "send", "fr_admin")
    assert "cannot be asked to send" in await refused("send", "fr_admin", 409)
    assert "only the requested member" in await refused("acknowledge", "fr_admin", 403)
    assert "cannot be asked to execute" in await refused("execute", "cn_admin", 409)
    body = {"grounds": ["sovereignty"], "reason": "no"}
    assert "cannot be asked to refuse" in await refused("refuse", "cn_admin", 409, body)
    await act(http, compact, rid, "acknowledge", "cn_admin")
    assert "reason" in await refused("consult", "cn_admin", 422)
    past = {"reason": "x", "until": "2020-01-01T00:00:00Z"}
    assert "future" in await refused("postpone", "cn_admin", 422, past)
    await act(http, compact, rid, "consult", "cn_admin", {"reason": "which AS?"})
    bank = {"grounds": ["bank-secrecy"], "reason": "secret"}
    assert "not grounds the compact accepts" in await refused("refuse", "cn_admin", 422, bank)
    other = {"grounds": ["other"], "reason": "no"}
    assert "needs its text" in await refused("refuse", "cn_admin", 422, other)
    assert "feedback follows an outcome" in await refused(
        "feedback", "fr_admin", 409, {"useful": True}
    )
    await act(
        http, compact, rid, "refuse", "cn_admin", {"grounds": ["sovereignty"], "reason": "no"}
    )
    assert "cannot be asked to withdraw" in await refused("withdraw", "fr_admin", 409)

    # Bad input when filing: each named.
    bad = {"kind": "takedown", "requested": "CN", "offence": "cyberattack", "title": "t"}
    cases = [
        ({**bad, "details": {"urls": ["http://x.example/"]}}, "target"),
        ({**bad, "kind": "littering", "details": {}}, "request type"),
        ({**bad, "offence": "jaywalking", "details": DETAILS["takedown"]}, "offence"),
        ({**bad, "requested": "FR", "details": DETAILS["takedown"]}, "another active member"),
        ({**bad, "tlp": "PURPLE", "details": DETAILS["takedown"]}, "TLP"),
    ]
    for body, word in cases:
        r = await http.post(API, json=body, headers=compact.headers("fr_admin"))
        assert r.status_code == 422, r.text
        assert word in r.json()["error"]["message"]


async def test_deadlines_and_clocks_follow_the_injectable_clock(
    compact: Compact, http: httpx.AsyncClient
) -> None:
    node = compact.node
    clock = node.clock
    assert isinstance(clock, FixedClock)
    with node.db.session() as s:
        c = add_contact(
            s,
            "CN",
            ContactFields(
                kind="technical", name="CNCERT duty", email="duty@cert.cn", timezone="Asia/Shanghai"
            ),
            actor="test",
            at=clock.now(),
        )
        confirm_contact(s, c.id, actor="test", at=clock.now())
    rid = (await new(http, compact, "takedown", urgency="urgent"))["id"]
    sent = await act(http, compact, rid, "send", "fr_admin")
    sent_at = clock.now()
    assert sent["timezone"] == "Asia/Shanghai"
    assert sent["due_local"].endswith("+08:00")
    assert when(sent["due_local"]) == sent_at + timedelta(hours=72)
    assert sent["due_local"][:19] == (sent_at + timedelta(hours=72 + 8)).isoformat()[:19]
    assert sent["clocks"]["seconds_left"] == 72 * 3600
    assert not sent["acknowledge_overdue"]

    # A rule changed after sending does not move this request's deadline.
    with node.db.session() as s:
        rules.change(
            s,
            "requests.deadline.takedown",
            1,
            reason="t",
            actor="t",
            at=clock.now(),
            resolution="r1",
        )

    async def listed(**params: Any) -> list[str]:
        r = await http.get(API, params=params, headers=compact.headers("cn_admin"))
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert await listed(overdue=True) == []
    clock.advance(timedelta(hours=5))  # urgent: acknowledge within 4 hours
    r = await http.get(f"{API}/{rid}", headers=compact.headers("cn_admin"))
    assert r.json()["acknowledge_overdue"] is True
    assert r.json()["overdue"] is False
    assert await listed(overdue=True) == [rid]
    await act(http, compact, rid, "acknowledge", "cn_admin")
    assert await listed(overdue=True) == []
    clock.advance(timedelta(hours=68))
    r = await http.get(f"{API}/{rid}", headers=compact.headers("fr_admin"))
    assert r.json()["overdue"] is True
    assert r.json()["clocks"]["seconds_left"] == -3600
    assert when(r.json()["due_at"]) == sent_at + timedelta(hours=72)
    assert await listed(overdue=True) == [rid]
    assert await listed(overdue=False) == []
    # Filters: type, state, counterpart.
    assert await listed(kind="takedown") == [rid]
    assert await listed(kind="disclosure") == []
    assert await listed(state="acknowledged") == [rid]
    assert await listed(state="open") == [rid]
    assert await listed(state="closed") == []
    assert await listed(counterpart="FR") == [rid]
    assert await listed(counterpart="US") == []
    r = await http.get(API, params={"state": "lost"}, headers=compact.headers("cn_admin"))
    assert r.status_code == 422


async def test_only_the_two_parties_see_a_request(
    parties: Compact, http: httpx.AsyncClient
) -> None:
    compact = parties
    event = compact.event(owner="FR", tlp="AMBER", **{"route.member": "CN"})
    draft = await new(http, compact, "takedown", events=[event])
    rid = draft["id"]
    paths = [
        f"{API}/{rid}",
        f"{API}/{rid}/timeline",
        f"{API}/{rid}/attachments",
        f"{API}/{rid}/events",
        f"{API}/{rid}/events?format=stix",
    ]

    async def status(role: str, path: str) -> int:
        return (await http.get(path, headers=compact.headers(role))).status_code

    async def box(role: str, which: str) -> list[str]:
        r = await http.get(API, params={"box": which}, headers=compact.headers(role))
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    # A draft: its author's member only.
    for path in paths:
        assert await status("fr_analyst", path) == 200, path
        for role in ("cn_admin", "cn_analyst", "us_admin", "secretariat"):
            assert await status(role, path) == 404, (role, path)
        assert await status("public", path) == 401
        assert await status("revoked", path) == 401
    assert rid not in await box("cn_admin", "inbox")
    await act(http, compact, rid, "send", "fr_admin")
    # Sent: both parties, nobody else; by id, list, attachments, download, timeline.
    for path in paths:
        for role in ("fr_admin", "fr_analyst", "cn_admin", "cn_analyst"):
            assert await status(role, path) == 200, (role, path)
        for role in ("us_admin", "secretariat"):
            assert await status(role, path) == 404, (role, path)
        assert await status("public", path) == 401
    assert await box("cn_analyst", "inbox") == [rid]
    assert await box("fr_analyst", "outbox") == [rid]
    assert await box("fr_analyst", "inbox") == []
    assert await box("us_admin", "inbox") == await box("us_admin", "outbox") == []
    for role, expected in (("secretariat", 403), ("public", 401)):
        r = await http.get(API, headers=compact.headers(role))
        assert r.status_code == expected
    for action in ("acknowledge", "withdraw"):
        r = await http.post(f"{API}/{rid}/{action}", headers=compact.headers("us_admin"))
        assert r.status_code == 404
        r = await http.post(f"{API}/{rid}/{action}", headers=compact.headers("secretariat"))
        assert r.status_code == 404
    r = await http.post(
        f"{API}/{rid}/attachments", json={"event_ids": [event]}, headers=compact.headers("us_admin")
    )
    assert r.status_code == 404

    # The secretariat sees counts by type and state, nothing of the contents.
    await new(http, compact, "information", by="cn_admin", to="US")  # a draft: not counted
    r = await http.get(f"{API}/counts", headers=compact.headers("secretariat"))
    assert r.status_code == 200
    assert r.json() == {"items": [{"kind": "takedown", "state": "sent", "requests": 1}], "total": 1}
    text = r.text
    for secret in (rid, "takedown case", "FR", "CN", event):
        assert secret not in text
    for role, expected in (("fr_admin", 403), ("cn_analyst", 403), ("public", 401)):
        assert (
            await http.get(f"{API}/counts", headers=compact.headers(role))
        ).status_code == expected
    # Nor in its ledger browser: a tester read who asks whom, for what, with whose evidence,
    # drafts included, from the request's (non-public) entries.
    sec = compact.headers("secretariat")
    r = await http.get("/api/v1/ledger/entries", params={"limit": 200}, headers=sec)
    withheld = [e for e in r.json()["items"] if not e["public"]]
    assert len(withheld) >= 3  # drafted, evidence attached, sent, ...
    assert {(e["actor"], e["action"], e["subject"], e["data"]) for e in withheld} == {
        (None, None, None, None)
    }
    for secret in (rid, "takedown case", event):
        assert secret not in r.text
    for params in ({"action": "request.drafted"}, {"subject": f"request:{rid}"}):
        r = await http.get("/api/v1/ledger/entries", params=params, headers=sec)
        assert r.json()["total"] == 0
    page = await http.get("/secretariat/ledger", headers=sec)
    assert rid not in page.text


async def test_evidence_is_attached_by_id_through_visibility(
    parties: Compact, http: httpx.AsyncClient
) -> None:
    compact = parties
    red = compact.events().filter(owner="FR", tlp="RED")["event.id"].to_list()[:2]
    hidden = compact.event(owner="CN", **{"route.member": "US"})  # CN's AMBER, routed to the US
    rid = (await new(http, compact, "information"))["id"]  # GREEN by default
    attach = f"{API}/{rid}/attachments"
    headers = compact.headers("fr_admin")

    r = await http.post(attach, json={"event_ids": [hidden]}, headers=headers)
    assert r.status_code == 422
    assert "not visible to you" in r.json()["error"]["message"]
    r = await http.post(attach, json={"event_ids": ["0" * 32]}, headers=headers)
    assert r.status_code == 422  # answered like the invisible one
    r = await http.post(attach, json={"event_ids": red}, headers=headers)
    assert r.status_code == 409
    assert "confirm" in r.json()["error"]["message"]
    r = await http.post(attach, json={"event_ids": red, "confirm_markings": True}, headers=headers)
    assert r.status_code == 201, r.text
    (made,) = r.json()
    assert (made["owner"], made["events"], made["above_marking"]) == ("FR", 2, True)
    assert made["confirmed_at"] is not None

    # Before sending, the requested member cannot download them; after, it can (raw withheld).
    r = await http.get(f"{API}/{rid}/events", headers=compact.headers("cn_admin"))
    assert r.status_code == 404
    await act(http, compact, rid, "send", "fr_admin")
    r = await http.get(f"{API}/{rid}/events", headers=compact.headers("cn_admin"))
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert sorted(row["event.id"] for row in rows) == sorted(red)
    assert {row["tlp"] for row in rows} == {"RED"}
    assert all(row["raw"] == "" for row in rows)
    r = await http.get(f"{API}/{rid}/events?format=stix", headers=compact.headers("cn_admin"))
    assert r.status_code == 200
    bundle = json.loads(r.text)
    assert bundle["type"] == "bundle"
    refs = {
        ref["external_id"]
        for o in bundle["objects"]
        for ref in o.get("external_references", [])
        if ref.get("source_name") == "wuzhen"
    }
    assert refs == set(red)
    # The same events are not visible to the US, through any path.
    r = await http.get(f"/api/v1/events/{red[0]}", headers=compact.headers("us_admin"))
    assert r.status_code == 404
    r = await http.post(attach, json={"event_ids": red}, headers=headers)
    assert r.status_code == 409  # sent: no more evidence


async def test_a_third_owner_confirms_its_events_before_they_go(
    parties: Compact, http: httpx.AsyncClient
) -> None:
    compact = parties
    green = compact.event(owner="FR", tlp="GREEN")  # CN sees it: every member does
    rid = (await new(http, compact, "information", by="cn_admin", to="US", tlp="CLEAR"))["id"]
    r = await http.post(
        f"{API}/{rid}/attachments", json={"event_ids": [green]}, headers=compact.headers("cn_admin")
    )
    assert r.status_code == 201, r.text
    (made,) = r.json()
    assert (made["owner"], made["above_marking"], made["confirmed_at"]) == ("FR", True, None)
    r = await http.post(f"{API}/{rid}/send", headers=compact.headers("cn_admin"))
    assert r.status_code == 409
    assert "owner's confirmation" in r.json()["error"]["message"]

    # FR sees what it is asked to let go (not the request's contents), and confirms.
    r = await http.get(f"{API}/confirmations", headers=compact.headers("fr_analyst"))
    (pending,) = r.json()
    assert pending == {
        "attachment": made,
        "request": rid,
        "requester": "CN",
        "requested": "US",
        "tlp": "CLEAR",
    }
    assert (await http.get(f"{API}/{rid}", headers=compact.headers("fr_admin"))).status_code == 404
    confirm = f"{API}/attachments/{made['id']}/confirm"
    for role in ("cn_admin", "us_admin"):
        assert (await http.post(confirm, headers=compact.headers(role))).status_code == 404
    assert (await http.post(confirm, headers=compact.headers("secretariat"))).status_code == 403
    r = await http.post(confirm, headers=compact.headers("fr_admin"))
    assert r.status_code == 200
    assert r.json()["confirmed_at"] is not None
    assert (
        await http.get(f"{API}/confirmations", headers=compact.headers("fr_admin"))
    ).json() == []
    await act(http, compact, rid, "send", "cn_admin")
    r = await http.get(f"/api/v1/events/{green}", headers=compact.headers("us_admin"))
    assert r.status_code == 200
    with compact.node.db.session() as s:
        steps = [
            e.action
            for e in s.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.subject == f"request:{rid}")
                .order_by(LedgerEntry.seq)
            )
        ]
        assert ledger.verify(s)[1] is None
    assert steps == [
        "request.drafted",
        "request.evidence_attached",
        "request.marking_confirmed",
        "request.send",
    ]
