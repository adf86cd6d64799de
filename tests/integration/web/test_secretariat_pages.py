"""The secretariat's pages: invitations, members, rules, ledger."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from tests.integration.web.conftest import PASSWORD, ClientMaker, Compact
from wuzhen import ledger, rules
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members.service import contacts, member

pytestmark = pytest.mark.anyio
LINK = re.compile(r'<code id="invitation-link">https?://[^/]+(/invite/[^<]+)</code>')


async def test_invite_a_members_first_administrator(compact: Compact, clients: ClientMaker) -> None:
    sec = await clients(compact["secretariat"])
    await sec.get("/secretariat/invitations")
    made = await sec.post("/secretariat/invitations", {"member": "de"})
    assert made.status_code == 200
    link = LINK.search(made.text)
    assert link
    assert link[1] not in (await sec.get("/secretariat/invitations")).text  # shown once
    newcomer = await clients()
    form = await newcomer.get(link[1])
    assert form.status_code == 200
    mismatch = await newcomer.post(
        link[1], {"username": "de-admin", "password": PASSWORD, "password_again": "other"}
    )
    assert mismatch.status_code == 422
    accepted = await newcomer.post(
        link[1],
        {
            "username": "de-admin",
            "password": PASSWORD,
            "password_again": PASSWORD,
            "display_name": "DE admin",
        },
    )
    assert accepted.status_code == 303
    assert "Dashboard of DE" in (await newcomer.get("/")).text
    reused = await clients()
    await reused.get(link[1])
    again = await reused.post(
        link[1], {"username": "de-admin-2", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert again.status_code == 401
    assert "unknown, used or expired" in again.text
    # Once a member has an administrator, the secretariat invites no more of its accounts.
    await sec.get("/secretariat/invitations")
    refused = await sec.post("/secretariat/invitations", {"member": "DE"})
    assert refused.status_code == 403
    assert "the secretariat only invites a member" in refused.text


async def test_members_status_changes_only_by_resolution(
    compact: Compact, clients: ClientMaker
) -> None:
    sec = await clients(compact["secretariat"])
    page = await sec.get("/secretariat/members?q=germany")
    assert 'href="/secretariat/members/DE"' in page.text
    assert 'href="/secretariat/members/FR"' not in page.text  # filtered
    assert "only by resolution" in page.text
    assert "/suspend" not in page.text
    assert "/admit" not in page.text
    # There is no direct way from the web UI either.
    refused = await sec.post("/secretariat/members/DE/suspend", {"reason": "r"})
    assert refused.status_code in (404, 405)
    with compact.node.db.session() as s:
        assert member(s, "DE").status == "active"


async def test_edit_details_and_contacts(compact: Compact, clients: ClientMaker) -> None:
    sec = await clients(compact["secretariat"])
    page = await sec.get("/secretariat/members/CN")
    assert "not onboarded" in page.text
    await sec.post("/secretariat/members/CN/details", {"new_key": "cert", "new_value": "CNCERT"})
    await sec.post("/secretariat/members/CN/details", {"detail.cert": "CNCERT/CC"})
    with compact.node.db.session() as s:
        assert member(s, "CN").details == {"cert": "CNCERT/CC"}
    added = await sec.post(
        "/secretariat/members/CN/contacts",
        {
            "kind": "technical",
            "name": "Duty officer",
            "email": "duty@example.cn",
            "languages": "zh, en",
            "timezone": "Asia/Shanghai",
        },
    )
    assert added.status_code == 303
    with compact.node.db.session() as s:
        (contact,) = contacts(s, "CN")
    assert contact.languages == ["zh", "en"]
    bad = await sec.post(
        f"/secretariat/contacts/{contact.id}", {"kind": "technical", "name": "x", "email": "no"}
    )
    assert bad.status_code == 422
    await sec.post(f"/secretariat/contacts/{contact.id}/confirm")
    page = await sec.get("/secretariat/members/CN")
    assert "not onboarded" not in page.text
    assert "Duty officer" in page.text
    removed = await sec.post(f"/secretariat/contacts/{contact.id}/remove")
    assert removed.status_code == 303
    assert "not onboarded" in (await sec.get("/secretariat/members/CN")).text


async def test_rules_show_values_and_history_but_change_only_by_resolution(
    compact: Compact, clients: ClientMaker
) -> None:
    node = compact.node
    with node.db.session() as s:
        rules.change(
            s,
            "retention.days",
            90,
            reason="storage is short",
            actor="system",
            at=node.clock.now(),
            resolution="res-0001",
        )
    sec = await clients(compact["secretariat"])
    page = await sec.get("/secretariat/rules")
    for key in rules.SPECS:
        assert f'id="rule-{key}"' in page.text
    assert '<code class="value">90</code>' in page.text
    assert "storage is short" in page.text
    assert "res-0001" in page.text
    assert "only by resolution" in page.text
    assert 'method="post" action="/secretariat/rules' not in page.text
    refused = await sec.post("/secretariat/rules/retention.days", {"value": "1", "reason": "r"})
    assert refused.status_code in (404, 405)
    with node.db.session() as s:
        assert rules.get(s, "retention.days") == 90


async def test_ledger_browser_shows_head_and_verification(
    compact: Compact, clients: ClientMaker
) -> None:
    sec = await clients(compact["secretariat"])
    page = await sec.get("/secretariat/ledger")
    with compact.node.db.session() as s:
        seq, head = ledger.head(s)
    assert head in page.text
    assert f"The chain holds: {seq} entries checked." in page.text
    assert len(re.findall(r'<td class="num">\d+</td>', page.text)) == min(seq, 50)
    if seq > 50:
        older = await sec.get(f"/secretariat/ledger?before={seq - 49}")
        assert f'<td class="num">{seq - 50}</td>' in older.text
    with compact.node.db.session() as s:
        s.execute(update(LedgerEntry).where(LedgerEntry.seq == 3).values(actor="someone else"))
    broken = await sec.get("/secretariat/ledger")
    assert "The chain breaks at entry 3" in broken.text
