"""The ``curl`` examples of ``docs/user/api.md`` run, in the page's order, against the API
in-process, and each succeeds (#5).

Conventions of the page this test relies on: commands are in ```` ```sh ```` blocks, one
``curl`` per line (``\\`` continues a line); ``$KEY``, ``$FR_KEY`` and ``$SECRETARIAT_KEY``
are a CN account's, an FR account's and the secretariat's keys; other upper-case variables
are ids from earlier answers. A command whose variables this test cannot know (a password,
an invitation token) is checked against the OpenAPI document instead of run.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import notice_events
from tests.integration.api.conftest import AUTH_LOG, Compact
from wuzhen.notices.tables import Notice

pytestmark = pytest.mark.anyio
GUIDE = Path(__file__).parents[3] / "docs" / "user" / "api.md"
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
VARIABLE = re.compile(r"\$([A-Z][A-Z0-9_]*)")
#: Ids an answer gives for the examples after it: (method, path pattern) -> variable.
CAPTURE = {
    ("POST", r"/contacts$"): "CONTACT",
    ("POST", r"/notices/\w+/contest$"): "CONTEST",
    ("POST", r"/keys$"): "KEY_ID",
}


def commands() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    found = []
    for block in BLOCK.findall(text):
        lines = block.replace("\\\n", " ").splitlines()
        found.extend(line.strip() for line in lines if line.strip().startswith("curl "))
    return found


def parse(command: str) -> tuple[str, str, dict[str, Any]]:
    args = shlex.split(command)[1:]
    method, headers, data, files, form, url = None, {}, None, [], {}, ""
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-X", "-H", "-d", "-F", "-o", "-c", "-b"):
            value = args[i + 1]
            i += 2
            if a == "-X":
                method = value
            elif a == "-H":
                name, _, v = value.partition(":")
                headers[name.strip()] = v.strip()
            elif a == "-d":
                data = value
            elif a == "-F":
                name, _, v = value.partition("=")
                if v.startswith("@"):
                    files.append((name, (v[1:], AUTH_LOG.read_bytes())))
                else:
                    form[name] = v
            continue
        if a != "-s":
            url = a
        i += 1
    method = method or ("POST" if data is not None or files else "GET")
    kwargs: dict[str, Any] = {"headers": headers}
    if data is not None:
        kwargs["content"] = data.encode()
    if files:
        kwargs["files"], kwargs["data"] = files, form
    return method, url, kwargs


async def test_examples_run(compact: Compact, http: httpx.AsyncClient) -> None:
    event = compact.event(owner="FR", tlp="AMBER", **{"route.member": "CN"})
    with compact.node.db.session() as s:
        notices = list(s.scalars(select(Notice)))
    notice = next(n.id for n in notices if event in notice_events(compact.node, n))
    known = {
        "WUZHEN": "https://testserver",
        "KEY": compact.keys["cn_admin"],
        "FR_KEY": compact.keys["fr_admin"],
        "SECRETARIAT_KEY": compact.keys["secretariat"],
        "EVENT": event,
        "NOTICE": notice,
        "SHA256": compact.evidence["retractable"],
        "ACCOUNT": compact.spare["cn"],
    }
    document = (await http.get("/api/v1/openapi.json")).json()["paths"]
    ran = checked = 0
    for command in commands():
        names = set(VARIABLE.findall(command))
        if "-c" in shlex.split(command) or not names <= set(known):
            method, url, _kwargs = parse(command)
            path = VARIABLE.sub("{}", url.split("?")[0].replace("$WUZHEN", ""))
            operations = {
                (m, re.sub(r"\{[^}]+\}", "{}", p)) for p, ops in document.items() for m in ops
            }
            assert (method.lower(), path) in operations, command
            checked += 1
            continue
        text = VARIABLE.sub(lambda m: known[m.group(1)], command)
        method, url, kwargs = parse(text)
        r = await http.request(method, url, **kwargs)
        assert r.status_code < 400, f"{command}\n-> {r.status_code} {r.text[:300]}"
        ran += 1
        for (m, pattern), name in CAPTURE.items():
            if m == method and re.search(pattern, url.split("?")[0]):
                known[name] = str(json.loads(r.text)["id"])
    assert ran >= 40
    assert checked >= 2
