"""The ``curl`` examples of ``docs/user/requests.md`` run, in the page's order, against the
API in-process, and each succeeds (#6). The page follows ``docs/user/api.md``'s conventions
(see ``test_docs_api.py``); ``$REQUEST`` and ``$CHECK`` are the ids the examples that make
them answer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from tests.integration.api.conftest import Compact
from tests.integration.api.test_docs_api import BLOCK, VARIABLE, parse

pytestmark = pytest.mark.anyio
GUIDE = Path(__file__).parents[3] / "docs" / "user" / "requests.md"
CAPTURE = {("POST", r"/requests$"): "REQUEST", ("POST", r"/contacts/checks$"): "CHECK"}


def commands() -> list[str]:
    found = []
    for block in BLOCK.findall(GUIDE.read_text(encoding="utf-8")):
        lines = block.replace("\\\n", " ").splitlines()
        found.extend(line.strip() for line in lines if line.strip().startswith("curl "))
    return found


async def test_examples_run(compact: Compact, http: httpx.AsyncClient) -> None:
    known = {
        "WUZHEN": "https://testserver",
        "KEY": compact.keys["cn_admin"],
        "FR_KEY": compact.keys["fr_admin"],
        "SECRETARIAT_KEY": compact.keys["secretariat"],
        "EVENT": compact.event(owner="FR", tlp="AMBER", **{"route.member": "CN"}),
    }
    ran = 0
    for command in commands():
        text = VARIABLE.sub(lambda m: known[m.group(1)], command)
        method, url, kwargs = parse(text)
        r = await http.request(method, url, **kwargs)
        assert r.status_code < 400, f"{command}\n-> {r.status_code} {r.text[:300]}"
        ran += 1
        for (m, pattern), name in CAPTURE.items():
            if m == method and re.search(pattern, url.split("?")[0]):
                known[name] = str(json.loads(r.text)["id"])
    assert ran >= 15
    r = await http.get(
        f"/api/v1/requests/{known['REQUEST']}", headers={"Authorization": f"Bearer {known['KEY']}"}
    )
    assert (r.json()["state"], r.json()["useful"]) == ("refused", False)
