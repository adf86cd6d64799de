"""Filing and answering a cooperation request between two members in a real browser (#6):
FR's analyst selects events in the explorer and files a takedown request with them; CN's
analyst finds it in its inbox, acknowledges it, consults FR and refuses it citing grounds,
and downloads the evidence; FR sees the outcome in its outbox. Debian's headless Chromium
against a real server on 127.0.0.1 (see ``test_browser.py``)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.integration.web.conftest import Compact, ingest_auth_log
from tests.integration.web.test_browser import (  # noqa: F401  (fixtures)
    ARGS,
    WAIT_MS,
    _sign_in,
    chromium,
    server,
)

pytestmark = pytest.mark.slow


def test_file_a_request_from_events_and_answer_it(
    chromium: Path,  # noqa: F811
    server: tuple[str, Compact],  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, compact = server
    ingest_auth_log(compact.node)  # FR's evidence: 3 events routed to CN
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1200, "height": 900}, accept_downloads=True
            )
            context.set_default_timeout(WAIT_MS)
            page = context.new_page()
            offline: list[str] = []
            page.on(
                "request",
                lambda r: offline.append(r.url) if not r.url.startswith(base) else None,
            )

            # FR's analyst selects two events routed to CN and files a takedown request.
            _sign_in(page, base, compact["fr-analyst"])
            page.goto(f"{base}/events?country=CN")
            rows = page.locator("#events tbody tr")
            expect(rows).to_have_count(3)
            chosen = [rows.nth(i).get_attribute("data-event") for i in (0, 1)]
            for i in (0, 1):
                rows.nth(i).locator("input[type=checkbox]").check()
            page.click("#file-request")
            expect(page.locator("#evidence")).to_contain_text("2 selected events")
            page.select_option("#pick-kind", "takedown")
            page.get_by_role("button", name="Change type").click()
            expect(page.locator("#f-legal_basis")).to_be_visible()
            expect(page.locator("#requested")).to_have_value("CN")
            page.fill("#title", "SSH brute force from 114.114.114.114")
            page.select_option("#urgency", "urgent")
            page.select_option("#f-target", "infrastructure")
            page.fill("#f-urls", "ssh://114.114.114.114/")
            page.fill("#f-reasons", "Brute-force attacks on our ministries' servers")
            page.fill("#f-legal_basis", "Budapest Convention, art. 2")
            page.check("#confirm-markings")
            page.click("#send-now")
            expect(page.locator("#state")).to_have_text("sent")
            expect(page.locator("#attachments tbody tr")).to_have_count(1)
            request_url = page.url
            page.get_by_role("button", name="Sign out").click()
            expect(page).to_have_url(f"{base}/signin")

            # CN's analyst finds it in its inbox and answers it.
            _sign_in(page, base, compact["cn-analyst"])
            page.goto(f"{base}/requests")
            inbox = page.locator("#requests")
            expect(inbox).to_contain_text("SSH brute force from 114.114.114.114")
            inbox.get_by_role("link", name="Open request").click()
            expect(page).to_have_url(request_url)
            expect(page.locator("#details")).to_contain_text("Budapest Convention, art. 2")
            page.click("#do-acknowledge")
            expect(page.locator("#state")).to_have_text("acknowledged")
            page.fill("#consult-reason", "Is this address a shared resolver?")
            page.click("#do-consult")
            expect(page.locator("#state")).to_have_text("in consultation")
            form = page.locator("#refuse-form")
            form.locator("input[value=insufficient-information]").check()
            page.fill("#refuse-reason", "114.114.114.114 is a public resolver used by millions.")
            page.click("#do-refuse")
            expect(page.locator("#state")).to_have_text("refused")
            expect(page.locator("#grounds")).to_contain_text("insufficient-information")
            expect(page.locator("#timeline li")).to_have_count(6)
            expect(page.locator("#actions")).to_have_count(0)

            # It downloads the evidence: the two events FR chose, without FR's raw records.
            with page.expect_download() as download:
                page.click("#download-csv")
            saved = tmp_path / "evidence.csv"
            download.value.save_as(saved)
            with saved.open(newline="", encoding="utf-8") as fh:
                got = list(csv.DictReader(fh))
            assert sorted(r["event.id"] for r in got) == sorted(chosen)  # type: ignore[type-var]
            assert all(r["raw"] == "" for r in got)
            page.get_by_role("button", name="Sign out").click()

            # FR sees the outcome in its outbox.
            _sign_in(page, base, compact["fr-analyst"])
            page.goto(f"{base}/requests?box=outbox")
            expect(page.locator("#requests")).to_contain_text("refused")

            assert offline == [], "the UI fetched something from outside this node"
        finally:
            browser.close()
