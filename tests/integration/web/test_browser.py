"""The web UI in a real browser (Debian's headless Chromium, driven by Playwright) against a
real server on 127.0.0.1: an owner uploads evidence, the member it concerns finds the notice
in its inbox, contests one event, acknowledges the notice and downloads its events as CSV.

``scripts/test`` installs Chromium; without it these tests are skipped (or fail when
``WUZHEN_REQUIRE_BROWSER`` is set). ``WUZHEN_UPDATE_SCREENSHOTS=1`` also saves the dashboard's
picture for the docs (``docs/images/dashboard.png``).
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.conftest import ROOT
from tests.integration.web.conftest import AUTH_LOG, Compact, Person, make_compact
from wuzhen.api.app import create_app
from wuzhen.node import Node

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = ROOT / "docs" / "images" / "dashboard.png"
MAX_SCREENSHOT = 300 * 1024
WAIT_MS = 60_000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("WUZHEN_REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(f"{CHROMIUM} is missing (scripts/test installs it)")
        pytest.skip(f"{CHROMIUM} is missing (scripts/test installs it)")
    return CHROMIUM


@pytest.fixture
def server(sqlite_node: Node) -> Iterator[tuple[str, Compact]]:
    """A real server on a free loopback port, over a compact with accounts and no evidence."""
    compact = make_compact(sqlite_node)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(sqlite_node, web=True), log_level="warning")
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not served.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", compact
    finally:
        served.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _sign_in(page: object, base: str, person: Person) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{base}/signin")
    page.fill("#username", person.username)
    page.fill("#password", person.password)
    page.locator("main button[type=submit]").click()
    expect(page.locator("header .who")).to_contain_text(f"({person.member})")


def test_upload_notice_contest_acknowledge_export(
    chromium: Path, server: tuple[str, Compact], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, compact = server
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

            # FR's analyst uploads its SSH log and sees every record accounted for.
            _sign_in(page, base, compact["fr-analyst"])
            page.goto(f"{base}/upload")
            page.set_input_files("#files", str(AUTH_LOG))
            page.click("#upload")
            counts = page.locator("#counts")
            expect(counts).to_be_visible()
            for name, n in {"records": 15, "events": 10, "duplicates": 0, "skipped": 5}.items():
                expect(counts.locator(f"[data-count={name}]")).to_have_text(str(n))
            expect(counts.locator("[data-count=rejects]")).to_have_text("0")
            expect(page.locator("#job-progress")).to_have_attribute("value", "1")
            # ... and where its new events went: CN's three reach CN as a notice
            expect(page.locator("#routes [data-member=CN]")).to_have_text("3")
            page.get_by_role("button", name="Sign out").click()
            expect(page).to_have_url(f"{base}/signin")

            # CN's analyst finds the notice in its inbox.
            _sign_in(page, base, compact["cn-analyst"])
            inbox = page.locator("#inbox")
            expect(inbox).to_contain_text("FR")
            expect(inbox).to_contain_text("not acknowledged")
            expect(page.locator("svg.chart").first).to_be_visible()
            picture = tmp_path / "dashboard.png"
            page.screenshot(path=str(picture), full_page=True)
            assert picture.stat().st_size < MAX_SCREENSHOT
            if os.environ.get("WUZHEN_UPDATE_SCREENSHOTS", "") not in ("", "0"):
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(picture, SCREENSHOT)
            inbox.get_by_role("link", name="Open notice").click()
            expect(page.locator("#events tbody tr")).to_have_count(3)
            notice_url = page.url

            # It contests one event as a false positive.
            first = page.locator("#events tbody tr").first
            contested = first.get_attribute("data-event")
            first.locator("input[type=checkbox]").check()
            page.check("#scope-selected")
            page.select_option("#grounds", "false-positive")
            page.fill("#reason", "114.114.114.114 is a public resolver")
            page.click("#contest")
            expect(page.locator("#contests")).to_contain_text("false positive")
            expect(page.locator("#contests")).to_contain_text("open: FR decides")

            # It acknowledges the notice.
            page.goto(notice_url)
            page.click("#acknowledge")
            expect(page.locator("#ack-state")).to_contain_text("acknowledged 2026-11-29")
            expect(page.locator("#acknowledge")).to_have_count(0)

            # It downloads the notice's events as CSV.
            with page.expect_download() as download:
                page.click("#download-csv")
            saved = tmp_path / "notice.csv"
            download.value.save_as(saved)
            with saved.open(newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
            assert len(rows) == 3
            assert {r["source.ip"] for r in rows} == {"114.114.114.114"}
            assert {r["owner"] for r in rows} == {"FR"}
            states = {r["event.id"]: r["route.state"] for r in rows}
            assert states.pop(contested or "") == "contested"
            assert set(states.values()) == {"routed"}
            assert all(r["raw"] == "" for r in rows)  # FR's raw records stay with FR

            assert offline == [], "the UI fetched something from outside this node"
        finally:
            browser.close()
