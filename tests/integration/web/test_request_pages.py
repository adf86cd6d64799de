"""Request pages (#6): filing a request from events selected in the explorer, the inbox and
outbox with filters and overdue highlighting, a request's page with its timeline and the
actions the viewer's side and the state allow (forms with CSRF), and the contact directory
with its reachability check."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from tests.integration.web.conftest import ClientMaker, Compact
from wuzhen.clock import FixedClock
from wuzhen.members.service import ContactFields, add_contact

pytestmark = pytest.mark.anyio
ROW = re.compile(r'<tr data-request="([0-9a-f]{16})" class="([^"]*)">')
JSON_LINK = re.compile(r'<a class="json" href="([^"]+)"')


def _rows(text: str) -> dict[str, str]:
    return dict(ROW.findall(text))


async def test_file_from_the_explorer_and_answer(compact: Compact, clients: ClientMaker) -> None:
    fr = await clients(compact["fr-analyst"])
    explorer = await fr.get("/events", params={"country": "CN"})
    assert 'form id="request-pick"' in explorer.text
    picked = re.findall(r'name="event" value="([0-9a-f]{32})" form="request-pick"', explorer.text)
    assert len(picked) == 3

    form = await fr.get("/requests/new", params={"kind": "takedown", "event": picked[:2]})
    assert form.status_code == 200
    text = form.text
    assert '<option value="CN" selected>' in text  # where the selected events are routed
    for name in ("d.target", "d.urls", "d.reasons", "d.legal_basis"):
        assert f'name="{name}"' in text
    assert text.count('name="event" value=') == 2 * 2  # the type chooser's and the form's

    r = await fr.post(
        "/requests",
        {
            "kind": "takedown",
            "requested": "CN",
            "title": "SSH brute force from 114.114.114.114",
            "offence": "cyberattack",
            "urgency": "urgent",
            "tlp": "AMBER",
            "d.target": "infrastructure",
            "d.urls": "ssh://114.114.114.114/\n",
            "d.reasons": "brute force against our ministries",
            "d.legal_basis": "Budapest Convention art. 2",
            "event": picked[:2],
        },
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    rid = url.rsplit("/", 1)[1]
    page = await fr.get(url)
    assert 'id="state">draft<' in page.text
    assert len(re.findall(r'<tr data-event="', page.text)) == 2
    assert 'id="do-send"' in page.text
    assert 'id="do-acknowledge"' not in page.text
    # A form without its CSRF token changes nothing.
    refused = await fr.post(f"/requests/{rid}/send", {}, csrf=False)
    assert refused.status_code == 403
    assert (await fr.post(f"/requests/{rid}/send")).status_code == 303
    page = await fr.get(url)
    assert 'id="state">sent<' in page.text

    # CN finds it in its inbox and answers: acknowledge, consult, then refuse with grounds.
    cn = await clients(compact["cn-analyst"])
    inbox = await cn.get("/requests")
    assert rid in _rows(inbox.text)
    for link in JSON_LINK.findall(inbox.text):
        assert (await cn.get(html.unescape(link))).status_code == 200
    page = await cn.get(url)
    assert "brute force against our ministries" in page.text
    assert 'id="do-acknowledge"' in page.text
    assert 'id="do-send"' not in page.text
    assert (await cn.post(f"/requests/{rid}/acknowledge")).status_code == 303
    bad = await cn.post(f"/requests/{rid}/refuse", {"grounds": "sovereignty", "reason": "no"})
    assert bad.status_code == 409
    assert "cannot be asked to refuse" in bad.text
    consult = await cn.post(f"/requests/{rid}/consult", {"reason": "is this address shared?"})
    assert consult.status_code == 303
    done = await cn.post(
        f"/requests/{rid}/refuse",
        {"grounds": ["insufficient-information", "sovereignty"], "reason": "a public resolver"},
    )
    assert done.status_code == 303
    page = await cn.get(url)
    assert 'id="state">refused<' in page.text
    assert "insufficient-information, sovereignty" in page.text
    steps = re.findall(r'<li data-action="([a-z._]+)">', page.text)
    assert steps == [
        "request.drafted",
        "request.evidence_attached",
        "request.send",
        "request.acknowledge",
        "request.consult",
        "request.refuse",
    ]
    # FR gives feedback on the outcome.
    page = await fr.get(url)
    assert 'id="do-feedback"' in page.text
    assert (await fr.post(f"/requests/{rid}/feedback", {"useful": "no"})).status_code == 303

    # Nobody else sees it: another member, and the secretariat (members' pages only).
    us = await clients(compact["us-analyst"])
    assert (await us.get(url)).status_code == 404
    assert rid not in (await us.get("/requests")).text
    assert (await us.post(f"/requests/{rid}/withdraw")).status_code == 404
    sec = await clients(compact["secretariat"])
    assert (await sec.get(url)).status_code == 403
    assert (await sec.get("/requests")).status_code == 403


async def test_boxes_filter_and_highlight_overdue(compact: Compact, clients: ClientMaker) -> None:
    clock = compact.node.clock
    assert isinstance(clock, FixedClock)
    fr = await clients(compact["fr-admin"])
    made = {}
    for kind, details in (
        ("information", {"d.question": "who operates AS 4134?"}),
        (
            "disclosure",
            {"d.data_kind": "subscriber", "d.identifiers": "114.114.114.114", "d.facts": "abuse"},
        ),
    ):
        r = await fr.post(
            "/requests",
            {
                "kind": kind,
                "requested": "CN",
                "title": f"{kind} case",
                "offence": "fraud",
                "send": "1",
                **details,
            },
        )
        assert r.status_code == 303, r.text
        made[kind] = r.headers["location"].rsplit("/", 1)[1]
    outbox = await fr.get("/requests", params={"box": "outbox"})
    assert set(_rows(outbox.text)) == set(made.values())
    only = await fr.get("/requests", params={"box": "outbox", "kind": "disclosure"})
    assert set(_rows(only.text)) == {made["disclosure"]}
    assert _rows((await fr.get("/requests", params={"counterpart": "US"})).text) == {}

    cn = await clients(compact["cn-admin"])
    rows = _rows((await cn.get("/requests")).text)
    assert set(rows.values()) == {""}  # nothing overdue yet
    assert _rows((await cn.get("/requests", params={"overdue": "yes"})).text) == {}
    await cn.post(f"/requests/{made['information']}/acknowledge")
    clock.advance(timedelta(hours=25))  # normal urgency: 24 hours to acknowledge
    cn = await clients(compact["cn-admin"])  # signed in again: sessions expire
    rows = _rows((await cn.get("/requests")).text)
    assert rows == {made["information"]: "", made["disclosure"]: "overdue"}
    late = await cn.get("/requests", params={"overdue": "yes"})
    assert set(_rows(late.text)) == {made["disclosure"]}
    assert "not acknowledged in time" in late.text
    clock.advance(timedelta(days=14))  # information: 14 days
    cn = await clients(compact["cn-admin"])
    rows = _rows((await cn.get("/requests", params={"state": "acknowledged"})).text)
    assert rows == {made["information"]: "overdue"}
    page = await cn.get(f"/requests/{made['information']}")
    assert 'id="deadline" class="late"' in page.text


async def test_directory_check_and_confirmation(compact: Compact, clients: ClientMaker) -> None:
    node = compact.node
    with node.db.session() as s:
        tech = add_contact(
            s,
            "CN",
            ContactFields(kind="technical", name="CNCERT duty", email="duty@cert.cn"),
            actor="test",
            at=node.clock.now(),
        ).id
    sec = await clients(compact["secretariat"])
    page = await sec.get("/directory")
    assert "No check yet." in page.text
    assert (await sec.post("/directory/checks", {"note": "annual check"})).status_code == 303
    page = await sec.get("/directory")
    assert "0 of 1 contacts confirmed" in page.text

    analyst = await clients(compact["cn-analyst"])
    page = await analyst.get("/directory")
    assert "CNCERT duty" in page.text
    assert "administrators confirm" in page.text
    check = re.search(r'action="/directory/checks/([0-9a-f]{16})/confirm"', page.text)
    assert check is not None
    confirm = f"/directory/checks/{check.group(1)}/confirm"
    assert (await analyst.post(confirm, {"contact": str(tech)})).status_code == 403
    fr = await clients(compact["fr-admin"])
    assert (await fr.post(confirm, {"contact": str(tech)})).status_code == 404
    assert "CNCERT duty" not in (await fr.get("/directory/CN")).text  # not confirmed yet

    node.clock.advance(timedelta(hours=3))  # type: ignore[attr-defined]
    admin = await clients(compact["cn-admin"])
    assert (await admin.post(confirm, {"contact": str(tech)})).status_code == 303
    page = await admin.get("/directory")
    row = re.search(r'<tr data-member="CN">(.*?)</tr>', page.text, re.DOTALL)
    assert row is not None
    assert "1 of 1 confirmed" in row.group(1)
    assert "answered in 3 h" in row.group(1)
    assert "no contact" in row.group(1)  # no policy contact
    assert "CNCERT duty" in (await fr.get("/directory/CN")).text  # confirmed: its card shows
    assert "1 of 1 contacts confirmed" in (await sec.get("/directory")).text
