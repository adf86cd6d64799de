"""The public report pages in a real browser (#8): Debian's headless Chromium, driven by
Playwright, against a real server on 127.0.0.1, opens the transparency report and the
development dashboard and sees their SVG charts drawn, with nothing fetched from outside.

``scripts/test`` installs Chromium; without it these tests are skipped (or fail when
``WUZHEN_REQUIRE_BROWSER`` is set).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.integration.web.test_browser import ARGS, CHROMIUM, WAIT_MS
from wuzhen.api.app import create_app
from wuzhen.cooperation import service as coop
from wuzhen.development.demo import load_demo
from wuzhen.node import Node

pytestmark = pytest.mark.slow
INFO = {"question": "who operates AS 21859?"}


@pytest.fixture(scope="module")
def browser_path() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("WUZHEN_REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(f"{CHROMIUM} is missing (scripts/test installs it)")
        pytest.skip(f"{CHROMIUM} is missing (scripts/test installs it)")
    return CHROMIUM


@pytest.fixture
def base(sqlite_node: Node) -> Iterator[str]:
    """A real server over a compact with the demo's development figures and a few requests."""
    node = sqlite_node
    at = node.clock.now()
    with node.db.session() as s:
        load_demo(s, actor="demo", at=at)
        for _ in range(6):
            draft = coop.Draft("information", "CN", "other", "a question", INFO)
            rid = coop.create(s, draft, member="FR", account="a", at=at).id
            coop.send(s, rid, member="FR", account="a", at=at)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(node, web=True), log_level="warning", lifespan="off")
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not served.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        served.should_exit = True
        thread.join(timeout=30)
        sock.close()


def test_report_and_dashboard_draw_their_charts(browser_path: Path, base: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(browser_path), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.set_default_timeout(WAIT_MS)
            outside: list[str] = []
            page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))

            page.goto(f"{base}/transparency?period=2026")
            charts = page.locator("#charts svg.chart")
            expect(charts.first).to_be_visible()
            box = charts.nth(1).bounding_box()  # requests received, by member: CN has 6
            assert box is not None
            assert box["width"] > 100
            assert box["height"] > 10
            expect(charts.nth(1).locator("rect.bar")).to_have_count(1)
            expect(page.locator("#ledger-head")).to_contain_text("#")
            expect(page.locator('#members-summary tr[data-member="CN"]')).to_contain_text("6")
            page.locator('#members-summary a[href="#m-requests-received"]').first.click()
            expect(page.locator("#m-requests-received pre")).to_be_visible()

            page.goto(f"{base}/development/CN")
            chart = page.locator("#indicator-villages-with-internet-pct svg.chart")
            expect(chart).to_be_visible()
            expect(chart.locator("circle.point")).to_have_count(1)  # 93.5 % in July 2015
            expect(chart.locator("line.target")).to_have_count(1)  # to 100 % by 2020
            expect(page.locator("#indicator-villages-with-internet-pct")).to_contain_text("93.5%")

            page.goto(f"{base}/development?indicator=internet-users")
            asia = page.get_by_role("table", name="Asia")
            expect(asia).to_contain_text("668,000,000")
            assert outside == [], "a page fetched something from outside this node"
        finally:
            browser.close()
