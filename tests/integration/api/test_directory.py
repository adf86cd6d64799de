"""``/contacts/directory`` and ``/contacts/checks`` (#6): the secretariat starts a
reachability check, a member's administrators confirm their own contacts, and the directory
shows per member and kind when a contact was last confirmed and how fast. Ledgered."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from tests.integration.api.conftest import Compact
from wuzhen.clock import FixedClock
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members.service import ContactFields, add_contact

pytestmark = pytest.mark.anyio
CHECKS = "/api/v1/contacts/checks"
DIRECTORY = "/api/v1/contacts/directory"


async def test_check_confirm_and_directory(compact: Compact, http: httpx.AsyncClient) -> None:
    node = compact.node
    clock = node.clock
    assert isinstance(clock, FixedClock)
    with node.db.session() as s:
        ids = {
            (code, kind): add_contact(
                s,
                code,
                ContactFields(kind=kind, name=f"{code} {kind}", email=f"{kind}@{code}.example"),
                actor="test",
                at=clock.now(),
            ).id
            for code in ("CN", "FR")
            for kind in ("technical", "policy")
        }

    # Only the secretariat starts a check.
    for role, status in (("public", 401), ("cn_admin", 403), ("fr_analyst", 403)):
        r = await http.post(CHECKS, json={}, headers=compact.headers(role))
        assert r.status_code == status, role
    r = await http.post(CHECKS, json={"note": "yearly"}, headers=compact.headers("secretariat"))
    assert r.status_code == 201, r.text
    check = r.json()
    assert (check["asked"], check["answered"], check["note"]) == (4, 0, "yearly")
    assert check["members"] > 190  # every active member is asked
    confirm = f"{CHECKS}/{check['id']}/confirm"

    clock.advance(timedelta(minutes=30))
    cn_tech = ids["CN", "technical"]
    denied = [
        ("cn_analyst", cn_tech, 403),  # administrators confirm
        ("secretariat", cn_tech, 403),  # the member answers, not the secretariat
        ("fr_admin", cn_tech, 404),  # another member's contact
        ("public", cn_tech, 401),
        ("cn_admin", 999_999, 404),
    ]
    for role, contact, status in denied:
        r = await http.post(confirm, json={"contacts": [contact]}, headers=compact.headers(role))
        assert r.status_code == status, (role, r.text)
    r = await http.post(confirm, json={"contacts": [cn_tech]}, headers=compact.headers("cn_admin"))
    assert r.status_code == 200, r.text
    answers = r.json()["answers"]
    assert {a["member"] for a in answers} == {"CN"}  # a member sees its own answers
    (mine,) = [a for a in answers if a["contact"] == cn_tech]
    assert mine["seconds"] == 1800
    again = await http.post(
        confirm, json={"contacts": [cn_tech]}, headers=compact.headers("cn_admin")
    )
    assert again.json()["answered"] == 1  # confirming twice changes nothing

    # The directory: accounts see it, the public does not; no contact data in it.
    assert (await http.get(DIRECTORY, headers=compact.headers("public"))).status_code == 401
    r = await http.get(DIRECTORY, params={"member": "CN"}, headers=compact.headers("fr_analyst"))
    assert r.status_code == 200
    (cn,) = r.json()["items"]
    assert cn["technical"]["confirmed"] == 1
    assert cn["technical"]["seconds_to_answer"] == 1800
    assert (cn["technical"]["asked"], cn["technical"]["answered"]) == (1, 1)
    assert (cn["policy"]["answered"], cn["policy"]["seconds_to_answer"]) == (0, None)
    assert "@" not in r.text
    r = await http.get(DIRECTORY, params={"limit": 500}, headers=compact.headers("secretariat"))
    assert r.json()["total"] > 190
    silent = next(i for i in r.json()["items"] if i["member"] == "DE")
    assert (silent["technical"]["contacts"], silent["technical"]["asked"]) == (0, 0)

    # The secretariat sees every answer; FR sees its own (none yet).
    r = await http.get(f"{CHECKS}/{check['id']}", headers=compact.headers("secretariat"))
    assert len(r.json()["answers"]) == 4
    r = await http.get(f"{CHECKS}/{check['id']}", headers=compact.headers("fr_admin"))
    assert {a["member"] for a in r.json()["answers"]} == {"FR"}
    assert all(a["confirmed_at"] is None for a in r.json()["answers"])
    listed = (await http.get(CHECKS, headers=compact.headers("cn_analyst"))).json()
    assert [(c["id"], c["answered"], c["answers"]) for c in listed] == [(check["id"], 1, None)]
    r = await http.get(f"{CHECKS}/{'0' * 16}", headers=compact.headers("secretariat"))
    assert r.status_code == 404

    with node.db.session() as s:
        entries = s.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.subject == f"contact-check:{check['id']}")
            .order_by(LedgerEntry.seq)
        ).all()
        confirmed = s.scalars(
            select(LedgerEntry).where(LedgerEntry.action == "contact.confirmed")
        ).all()
    assert [e.action for e in entries] == ["contacts.check_started", "contacts.check_answered"]
    assert entries[1].data == {
        "member": "CN",
        "contact": cn_tech,
        "kind": "technical",
        "seconds": 1800,
    }
    assert [e.data["contact"] for e in confirmed] == [cn_tech]
