"""docs/user/web.md names pages that exist, and its picture is there and small."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import ROOT
from tests.integration.web.conftest import BASE
from wuzhen.api.app import create_app
from wuzhen.node import Node

DOC = ROOT / "docs" / "user" / "web.md"
PICTURE = ROOT / "docs" / "images" / "dashboard.png"


@pytest.mark.anyio
async def test_every_page_the_guide_names_exists(sqlite_node: Node) -> None:
    named = set(re.findall(r"\(`(/[^`]*)`\)", DOC.read_text(encoding="utf-8")))
    assert {"/", "/events", "/secretariat/ledger"} <= named
    app = create_app(sqlite_node, web=True)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE) as client,
    ):
        assert (await client.get("/no-such-page")).status_code == 404
        for path in named:
            response = await client.get(path.replace("<id>", "0123456789abcdef"))
            # A page answers, or sends a visitor who is not signed in to the sign-in page.
            assert response.status_code in (200, 303), path


def test_the_guides_picture_is_a_small_png() -> None:
    assert "../images/dashboard.png" in DOC.read_text(encoding="utf-8")
    data = PICTURE.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) < 300 * 1024
