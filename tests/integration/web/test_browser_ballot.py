"""A member's administrator casts and changes its member's vote in a real browser (Debian's
headless Chromium, driven by Playwright) against a real server on 127.0.0.1 (#7): the result
stays hidden until the vote closes at tick, then shows how each member voted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.integration.web.conftest import Compact
from tests.integration.web.test_browser import (  # the same browser and server
    ARGS,
    WAIT_MS,
    _sign_in,
    chromium,
    server,
)
from wuzhen.clock import FixedClock
from wuzhen.governance import service as gov
from wuzhen.members.tables import Member
from wuzhen.tick import tick

pytestmark = pytest.mark.slow
__all__ = ["chromium", "server"]  # fixtures, used by name


def _proposal(compact: Compact) -> str:
    """CN, FR and US have voting rights; CN and FR registered; a proposal put to the vote."""
    node = compact.node
    now = node.clock.now()
    with node.db.session() as s:
        s.execute(
            update(Member).where(Member.code.not_in(("CN", "FR", "US"))).values(voting_rights=False)
        )
        g = gov.open_session(
            s,
            kind="annual",
            title="Annual conference",
            opens_at=now,
            closes_at=now + timedelta(days=7),
            actor="secretariat",
            at=now,
        )
        for code in ("CN", "FR"):
            gov.register(s, g.id, code, at=now, actor=f"admin:{code}")
        draft = gov.ProposalDraft(title="Shorter escalation", text="Escalate after 12 hours.")
        p = gov.table(s, g.id, draft, proposer="FR", actor="admin:FR", at=now)
        gov.open_vote(s, p.id, closes_at=now + timedelta(hours=1), actor="secretariat", at=now)
        return p.id


def test_an_administrator_casts_and_changes_a_ballot(
    chromium: Path, server: tuple[str, Compact]
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, compact = server
    pid = _proposal(compact)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            context.set_default_timeout(WAIT_MS)
            page = context.new_page()
            offline: list[str] = []
            page.on(
                "request",
                lambda r: offline.append(r.url) if not r.url.startswith(base) else None,
            )
            _sign_in(page, base, compact["cn-admin"])
            page.get_by_role("link", name="Proposals").first.click()
            page.get_by_role("link", name="Shorter escalation").click()
            expect(page.locator("#hidden-result")).to_be_visible()
            page.click("#ballot-link")
            expect(page.locator("#status-CN")).to_have_text("Not voted yet.")
            page.check("#choice-CN-yes")
            page.click("#cast-CN")
            expect(page.locator("#recorded")).to_contain_text("The vote of CN is recorded")
            expect(page.locator("#status-CN")).to_have_text("Recorded: yes.")
            page.check("#choice-CN-no")  # changed before the close
            page.click("#cast-CN")
            expect(page.locator("#status-CN")).to_have_text("Recorded: no.")

            page.goto(f"{base}/proposals/{pid}")
            expect(page.locator("#voted")).to_have_text("CN")
            expect(page.locator("#result")).to_have_count(0)

            clock = compact.node.clock
            assert isinstance(clock, FixedClock)
            clock.advance(timedelta(hours=1))
            tick(compact.node)
            page.reload()
            expect(page.locator("#state")).to_have_text("rejected")
            expect(page.locator("#choices")).to_contain_text("no")
            expect(page.locator("#ballot-link")).to_have_count(0)
            assert offline == [], "the UI fetched something from outside this node"
        finally:
            browser.close()
