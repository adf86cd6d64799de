"""A member's pages: dashboard, events explorer, notice (acknowledge, contest), contests,
account and keys, upload; each page's JSON link serves the same data from the API."""

from __future__ import annotations

import csv
import io
import re
import time

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests.conftest import notice_events
from tests.integration.web.conftest import AUTH_LOG, BASE, Client, ClientMaker, Compact
from wuzhen.evidence.tables import Evidence
from wuzhen.notices.service import inbox
from wuzhen.notices.tables import Contest, Notice

pytestmark = pytest.mark.anyio
JSON_LINK = re.compile(r'<a class="json" href="([^"]+)"')


def _notice(compact: Compact, member: str) -> Notice:
    with compact.node.db.session() as s:
        (notice,) = inbox(s, member)
    return notice


def _event_ids(page: httpx.Response) -> list[str]:
    return re.findall(r'<tr data-event="([0-9a-f]{32})">', page.text)


async def _json_links_work(client: Client, page: httpx.Response) -> list[str]:
    """Every JSON link of ``page`` answers with JSON for the same client."""
    links = [link.replace("&amp;", "&") for link in JSON_LINK.findall(page.text)]
    assert links, "a page shows where the API serves its data"
    for link in links:
        response = await client.get(link)
        assert response.status_code == 200, (link, response.text)
        assert response.headers["content-type"].startswith("application/json"), link
    return links


async def test_dashboard_shows_inbox_chart_and_top_asns(
    compact: Compact, clients: ClientMaker
) -> None:
    client = await clients(compact["cn-analyst"])
    page = await client.get("/")
    assert page.status_code == 200
    notice = _notice(compact, "CN")
    assert f'href="/notices/{notice.id}"' in page.text
    assert "not acknowledged" in page.text
    # The chart is an accessible SVG drawn on the server, with the numbers in a table too.
    assert re.search(r'<svg class="chart" role="img"[^>]*aria-labelledby="t\w+ d\w+"', page.text)
    assert "<title" in page.text
    assert '<td>2026-11-28</td><td class="num">3</td>' in page.text
    assert "AS21859" in page.text
    assert "Zenlayer" in page.text
    links = await _json_links_work(client, page)
    assert "/api/v1/notices" in links
    # No asset comes from elsewhere.
    assert not re.search(r'(src|href)="(https?:)?//', page.text)


async def test_dashboard_counts_only_events_routed_to_me(
    compact: Compact, clients: ClientMaker
) -> None:
    owner = await clients(compact["fr-analyst"])
    page = await owner.get("/")
    # FR owns 10 events but none is routed to FR: its chart and table stay empty.
    assert "No notices yet" in page.text
    assert "No events routed to you in this period." in page.text


async def test_explorer_reads_through_visibility(compact: Compact, clients: ClientMaker) -> None:
    cn = await clients(compact["cn-analyst"])
    fr = await clients(compact["fr-analyst"])
    us = await clients(compact["us-analyst"])
    assert len(_event_ids(await fr.get("/events"))) == 10  # the owner sees its own
    assert len(_event_ids(await cn.get("/events"))) == 3  # routed to CN (AMBER)
    assert len(_event_ids(await us.get("/events"))) == 2
    assert len(_event_ids(await cn.get("/events?country=CN"))) == 3
    assert len(_event_ids(await cn.get("/events?country=US"))) == 0
    assert len(_event_ids(await cn.get("/events?asn=21859&classification=brute-force"))) == 3
    assert len(_event_ids(await cn.get("/events?since=2026-11-29"))) == 0
    assert len(_event_ids(await cn.get("/events?since=2026-11-28&until=2026-11-28"))) == 3
    # the last day there is has no next day: it was "a date is written YYYY-MM-DD"
    assert len(_event_ids(await cn.get("/events?since=2026-11-28&until=9999-12-31"))) == 3
    # Only the raw records hold "sshd"; a text search cannot probe what CN may not see.
    assert len(_event_ids(await fr.get("/events?text=sshd"))) == 10
    assert len(_event_ids(await cn.get("/events?text=sshd"))) == 0
    assert len(_event_ids(await cn.get("/events?text=114.114"))) == 3
    bad = await cn.get("/events?since=yesterday")
    assert bad.status_code == 422
    assert "YYYY-MM-DD" in bad.text
    bad = await cn.get("/events?country=UK&text=ssh")
    assert bad.status_code == 422
    assert "the United Kingdom is GB" in bad.text
    # the form stays as filled in, to mend
    assert 'name="country" size="3" maxlength="2" value="UK"' in bad.text
    assert 'name="text" type="search" value="ssh"' in bad.text


async def test_explorer_pages_and_links_to_the_api(compact: Compact, clients: ClientMaker) -> None:
    fr = await clients(compact["fr-analyst"])
    page = await fr.get("/events?country=US")
    assert len(_event_ids(page)) == 2
    links = await _json_links_work(fr, page)
    api = (await fr.get(links[0])).json()
    assert api["total"] == 2
    assert {e["event.id"] for e in api["items"]} == set(_event_ids(page))
    export = re.search(r'id="export-csv" href="([^"]+)"', page.text)
    assert export
    rows = list(csv.DictReader(io.StringIO((await fr.get(export[1].replace("&amp;", "&"))).text)))
    assert {r["event.id"] for r in rows} == set(_event_ids(page))
    everything = _event_ids(await fr.get("/events"))
    assert _event_ids(await fr.get("/events?offset=5")) == everything[5:]
    assert "6\u201310 of 10" in (await fr.get("/events?offset=5")).text


async def test_notice_shows_counts_events_and_downloads(
    compact: Compact, clients: ClientMaker
) -> None:
    client = await clients(compact["cn-analyst"])
    notice = _notice(compact, "CN")
    page = await client.get(f"/notices/{notice.id}")
    assert sorted(_event_ids(page)) == notice_events(compact.node, notice)
    assert '<td>brute-force</td><td class="num">3</td>' in page.text
    assert '<td>AS21859</td><td class="num">3</td>' in page.text
    assert notice.digest in page.text
    await _json_links_work(client, page)
    download = await client.get(f"/api/v1/notices/{notice.id}/events?format=csv")
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert sorted(r["event.id"] for r in rows) == notice_events(compact.node, notice)
    assert all(r["raw"] == "" for r in rows)  # FR's raw records are not shared by default
    assert 'href="/api/v1/notices/' + notice.id + '/events?format=stix"' in page.text


async def test_acknowledge_a_notice(compact: Compact, clients: ClientMaker) -> None:
    client = await clients(compact["cn-analyst"])
    notice = _notice(compact, "CN")
    await client.get(f"/notices/{notice.id}")
    done = await client.post(f"/notices/{notice.id}/acknowledge")
    assert done.status_code == 303
    page = await client.get(done.headers["location"])
    assert "acknowledged 2026-11-29 12:00 UTC" in page.text
    assert 'id="acknowledge"' not in page.text
    assert "not acknowledged" not in (await client.get("/")).text
    again = await client.post(f"/notices/{notice.id}/acknowledge")
    assert again.status_code == 409


async def test_contest_selected_events_then_the_owner_resolves(
    compact: Compact, clients: ClientMaker
) -> None:
    cn = await clients(compact["cn-analyst"])
    notice = _notice(compact, "CN")
    chosen = notice_events(compact.node, notice)[0]
    await cn.get(f"/notices/{notice.id}")
    missing = await cn.post(
        f"/notices/{notice.id}/contest",
        {"grounds": "false-positive", "reason": "a resolver", "scope": "selected"},
    )
    assert missing.status_code == 422
    opened = await cn.post(
        f"/notices/{notice.id}/contest",
        {
            "grounds": "false-positive",
            "reason": "public resolver",
            "scope": "selected",
            "event": chosen,
        },
    )
    assert opened.status_code == 303
    listing = await cn.get("/contests")
    assert "false positive" in listing.text
    assert "public resolver" in listing.text
    assert "open: FR decides" in listing.text
    assert 'action="/contests/' not in listing.text  # CN does not resolve its own contest
    await _json_links_work(cn, listing)
    with compact.node.db.session() as s:
        (contest,) = s.query(Contest).all()
    assert contest.event_ids == [chosen]
    # Another member neither sees nor resolves it.
    us = await clients(compact["us-analyst"])
    assert "public resolver" not in (await us.get("/contests")).text
    denied = await us.post(f"/contests/{contest.id}/resolve", {"outcome": "upheld"})
    assert denied.status_code == 404
    fr = await clients(compact["fr-analyst"])
    owner_view = await fr.get("/contests")
    assert f'action="/contests/{contest.id}/resolve"' in owner_view.text
    resolved = await fr.post(
        f"/contests/{contest.id}/resolve", {"outcome": "upheld", "note": "seen attacking"}
    )
    assert resolved.status_code == 303
    assert "upheld" in (await cn.get("/contests")).text
    again = await fr.post(f"/contests/{contest.id}/resolve", {"outcome": "withdrawn"})
    assert again.status_code == 409


async def test_api_keys_are_shown_once_and_revocable(
    compact: Compact, clients: ClientMaker, app: FastAPI
) -> None:
    client = await clients(compact["cn-analyst"])
    await client.get("/account")
    made = await client.post("/account/keys", {"name": "ticketing"})
    assert made.status_code == 200
    token = re.search(r'<code id="new-token">(wz_[^<]+)</code>', made.text)
    assert token
    listing = await client.get("/account")
    assert "ticketing" in listing.text
    assert token[1] not in listing.text  # shown once
    assert "never" in listing.text
    api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
    async with api:
        me = await api.get("/api/v1/keys", headers={"Authorization": f"Bearer {token[1]}"})
        assert me.status_code == 200
        assert "2026-11-29" in (await client.get("/account")).text.split("ticketing")[1]
        key_id = re.search(r'action="/account/keys/(\w+)/revoke"', listing.text)
        assert key_id
        revoked = await client.post(f"/account/keys/{key_id[1]}/revoke")
        assert revoked.status_code == 303
        assert "revoked" in (await client.get("/account")).text
        again = await api.get("/api/v1/keys", headers={"Authorization": f"Bearer {token[1]}"})
        assert again.status_code == 401


async def test_change_password(compact: Compact, clients: ClientMaker) -> None:
    person = compact["cn-analyst"]
    client = await clients(person)
    await client.get("/account")
    wrong = await client.post(
        "/account/password",
        {"current": "not my password", "new": "another-long-password", "new_again": "x"},
    )
    assert wrong.status_code == 422
    assert "differ" in wrong.text
    wrong = await client.post(
        "/account/password",
        {
            "current": "not my password",
            "new": "another-long-password",
            "new_again": "another-long-password",
        },
    )
    assert wrong.status_code == 401
    assert "current password is wrong" in wrong.text
    changed = await client.post(
        "/account/password",
        {
            "current": person.password,
            "new": "another-long-password",
            "new_again": "another-long-password",
        },
    )
    assert changed.status_code == 303
    assert (await client.get("/events")).status_code == 303  # signed out everywhere
    fresh = await clients()
    assert (await fresh.sign_in(person)).status_code == 401
    assert (await fresh.sign_in(person, password="another-long-password")).status_code == 303


async def _finished(client: Client, job: str) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status: dict[str, object] = (await client.get(f"/upload/{job}/status")).json()
        if status["state"] != "running":
            return status
        await anyio.sleep(0.1)
    raise AssertionError("the upload did not finish")


async def test_upload_runs_the_pipeline_for_my_member(
    compact: Compact, clients: ClientMaker
) -> None:
    client = await clients(compact["us-analyst"])
    await client.get("/upload")
    log = AUTH_LOG.read_bytes().replace(b"sensor-1", b"us-sensor")
    sent = await client.post("/upload", files={"files": ("auth.log", log, "text/plain")}, data={})
    assert sent.status_code == 303
    job = sent.headers["location"].rsplit("/", 1)[1]
    status = await _finished(client, job)
    assert status["state"] == "done", status
    (summary,) = status["files"]  # type: ignore[misc]
    assert summary["path"] == "auth.log"
    assert (summary["records"], summary["events"], summary["skipped"]) == (15, 10, 5)
    page = await client.get(f"/upload/{job}")
    assert '<td class="num" data-count="events">10</td>' in page.text
    assert '<td class="num" data-count="rejects">0</td>' in page.text
    # US's evidence concerns CN's networks too: a second notice in CN's inbox.
    with compact.node.db.session() as s:
        assert sorted(n.owner for n in inbox(s, "CN")) == ["FR", "US"]
        (notice,) = [n for n in inbox(s, "CN") if n.owner == "US"]
    # The page says where the new events went: CN's share is its notice's.
    routes = status["routes"]
    assert routes["members"]["CN"] == notice.events  # type: ignore[index]
    assert sum(routes["members"].values()) + routes["unrouted"] + routes["kept"] == 10  # type: ignore[index]
    assert f'<td class="num" data-member="CN">{notice.events}</td>' in page.text
    assert "Where the new events went" in page.text
    # The job is the uploader's only.
    other = await clients(compact["cn-analyst"])
    assert (await other.get(f"/upload/{job}/status")).status_code == 404
    assert (await other.get(f"/upload/{job}")).status_code == 404
    # Nothing of the upload stays in the data directory.
    assert not any((compact.node.settings.data_dir / "uploads").rglob("*.log"))


async def test_an_upload_of_no_known_format_fails_naming_the_file_as_sent(
    compact: Compact, clients: ClientMaker
) -> None:
    client = await clients(compact["us-analyst"])
    await client.get("/upload")
    sent = await client.post(
        "/upload", files={"files": ("notes.txt", b"hello\nworld\n", "text/plain")}, data={}
    )
    job = sent.headers["location"].rsplit("/", 1)[1]
    status = await _finished(client, job)
    assert status["state"] == "failed"
    error = str(status["error"])
    assert error.startswith("notes.txt: format not recognised; choose one under Format")
    assert str(compact.node.settings.data_dir) not in error  # no server path
    # the form offers every format; chosen, it reads the file as that format
    form = await client.get("/upload")
    assert '<option value="openssh">OpenSSH server (syslog / auth.log) (openssh)</option>' in (
        form.text
    )
    sent = await client.post(
        "/upload",
        files={"files": ("notes.txt", b"hello\nworld\n", "text/plain")},
        data={"format": "openssh"},
    )
    status = await _finished(client, sent.headers["location"].rsplit("/", 1)[1])
    assert status["state"] == "done", status
    (summary,) = status["files"]  # type: ignore[misc]
    assert (summary["format"], summary["records"], summary["rejects"]) == ("openssh", 2, 2)
    unknown = await client.post(
        "/upload", files={"files": ("a.log", b"x\n", "text/plain")}, data={"format": "nope"}
    )
    assert unknown.status_code == 422
    assert "unknown format &#39;nope&#39;" in unknown.text


async def test_an_upload_keeps_the_names_as_sent_and_lists_what_it_did_not_read(
    compact: Compact, clients: ClientMaker
) -> None:
    """Regression: the evidence of `日志.log` was named `_.log` (the name the server saved
    it under), and an empty file sent with others was in no table of the result."""
    client = await clients(compact["us-analyst"])
    await client.get("/upload")
    log = AUTH_LOG.read_bytes().replace(b"sensor-1", b"us-names")
    sent = await client.post(
        "/upload",
        files=[
            ("files", ("日志.log", log, "text/plain")),
            ("files", ("空.log", b"", "text/plain")),
        ],
        data={},
    )
    job = sent.headers["location"].rsplit("/", 1)[1]
    status = await _finished(client, job)
    assert status["state"] == "done", status
    assert [f["path"] for f in status["files"]] == ["日志.log"]  # type: ignore[union-attr]
    assert status["unread"] == [{"path": "空.log", "reason": "empty: nothing to ingest"}]
    page = await client.get(f"/upload/{job}")
    assert "<td>空.log</td><td>empty: nothing to ingest</td>" in page.text
    with compact.node.db.session() as s:
        names = s.scalars(select(Evidence.name).where(Evidence.owner == "US")).all()
    assert "日志.log" in names
    # only an empty file: nothing to ingest, and no failure
    sent = await client.post("/upload", files={"files": ("空.log", b"\n", "text/plain")}, data={})
    status = await _finished(client, sent.headers["location"].rsplit("/", 1)[1])
    assert (status["state"], status["files"], status["ingest_id"]) == ("done", [], "")


async def test_upload_needs_a_file(compact: Compact, clients: ClientMaker) -> None:
    client = await clients(compact["us-analyst"])
    await client.get("/upload")
    sent = await client.post(
        "/upload", files={"files": ("", b"", "application/octet-stream")}, data={}
    )
    assert sent.status_code == 422
