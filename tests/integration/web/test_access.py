"""Who may open which page of the web UI, and what every form needs (CSRF, a session)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from tests.integration.web.conftest import ClientMaker, Compact
from wuzhen.clock import FixedClock
from wuzhen.members.service import ContactFields, add_contact, confirm_contact
from wuzhen.notices.service import inbox
from wuzhen.notices.tables import Notice

pytestmark = pytest.mark.anyio

PUBLIC = ["/", "/members", "/attribution", "/attribution?q=1.1.1.1", "/signin"]
MEMBER = ["/events", "/contests", "/upload", "/events?country=CN"]
SIGNED_IN = ["/account"]
SECRETARIAT = [
    "/secretariat/invitations",
    "/secretariat/members",
    "/secretariat/members/CN",
    "/secretariat/rules",
    "/secretariat/ledger",
]


def _notice(compact: Compact, member: str) -> Notice:
    with compact.node.db.session() as s:
        (notice,) = inbox(s, member)
    return notice


async def test_public_pages_need_no_account(clients: ClientMaker) -> None:
    client = await clients()
    for path in PUBLIC:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")


async def test_other_pages_send_visitors_to_sign_in(clients: ClientMaker) -> None:
    client = await clients()
    for path in [*MEMBER, *SIGNED_IN, *SECRETARIAT, "/notices/0123456789abcdef"]:
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/signin?next="), path


@pytest.mark.parametrize("who", ["fr-analyst", "cn-admin"])
async def test_members_may_not_open_secretariat_pages(
    compact: Compact, clients: ClientMaker, who: str
) -> None:
    client = await clients(compact[who])
    for path in SECRETARIAT:
        response = await client.get(path)
        assert response.status_code == 403, path
        assert "for the secretariat" in response.text
    for path in [*MEMBER, *SIGNED_IN]:
        assert (await client.get(path)).status_code == 200, path


async def test_the_secretariat_sees_its_pages_but_no_events(
    compact: Compact, clients: ClientMaker
) -> None:
    client = await clients(compact["secretariat"])
    for path in [*SECRETARIAT, *SIGNED_IN, *PUBLIC[:3]]:
        assert (await client.get(path)).status_code == 200, path
    notice = _notice(compact, "CN")
    for path in [*MEMBER, f"/notices/{notice.id}"]:
        response = await client.get(path)
        assert response.status_code == 403, path
        assert "secretariat sees aggregates only" in response.text
    # Not through the API's downloads either.
    response = await client.get(f"/api/v1/notices/{notice.id}/events?format=csv")
    assert response.status_code == 403


async def test_a_notice_is_shown_to_its_recipient_and_owner_only(
    compact: Compact, clients: ClientMaker
) -> None:
    notice = _notice(compact, "CN")
    recipient = await clients(compact["cn-analyst"])
    owner = await clients(compact["fr-analyst"])
    other = await clients(compact["us-analyst"])
    page = await recipient.get(f"/notices/{notice.id}")
    assert page.status_code == 200
    assert "114.114.114.114" in page.text
    assert 'id="acknowledge"' in page.text
    assert 'id="contest-form"' in page.text
    owned = await owner.get(f"/notices/{notice.id}")
    assert owned.status_code == 200
    assert 'id="acknowledge"' not in owned.text  # only the recipient acknowledges
    assert 'id="contest-form"' not in owned.text
    denied = await other.get(f"/notices/{notice.id}")
    assert denied.status_code == 404
    assert "114.114.114.114" not in denied.text
    assert (await other.get(f"/api/v1/notices/{notice.id}/events?format=csv")).status_code == 404
    # Its own notice is there for US.
    assert (await other.get(f"/notices/{_notice(compact, 'US').id}")).status_code == 200


async def test_another_members_notice_cannot_be_acknowledged_or_contested(
    compact: Compact, clients: ClientMaker
) -> None:
    notice = _notice(compact, "CN")
    other = await clients(compact["us-analyst"])
    ack = await other.post(f"/notices/{notice.id}/acknowledge")
    assert ack.status_code == 404
    contest = await other.post(
        f"/notices/{notice.id}/contest", {"grounds": "false-positive", "reason": "not ours"}
    )
    assert contest.status_code == 404
    owner = await clients(compact["fr-analyst"])
    assert (await owner.post(f"/notices/{notice.id}/acknowledge")).status_code == 403
    with compact.node.db.session() as s:
        assert s.get(Notice, notice.id).acknowledged_at is None  # type: ignore[union-attr]


@pytest.mark.parametrize("token", [None, "", "forged-token"])
async def test_a_post_without_the_sessions_csrf_token_is_refused(
    compact: Compact, clients: ClientMaker, token: str | None
) -> None:
    notice = _notice(compact, "CN")
    client = await clients(compact["cn-analyst"])
    data = {} if token is None else {"csrf_token": token}
    response = await client.post(f"/notices/{notice.id}/acknowledge", data, csrf=False)
    assert response.status_code == 403
    assert "reload the page" in response.text
    with compact.node.db.session() as s:
        assert s.get(Notice, notice.id).acknowledged_at is None  # type: ignore[union-attr]
    keys = await client.post("/account/keys", {"name": "x"}, csrf=False)
    assert keys.status_code == 403
    secretariat = await clients(compact["secretariat"])
    invitation = await secretariat.post("/secretariat/invitations", {"member": "DE"}, csrf=False)
    assert invitation.status_code == 403
    assert "/invite/" not in invitation.text


async def test_another_sessions_csrf_token_does_not_work(
    compact: Compact, clients: ClientMaker
) -> None:
    notice = _notice(compact, "CN")
    mine = await clients(compact["cn-analyst"])
    theirs = await clients(compact["cn-admin"])
    response = await mine.post(
        f"/notices/{notice.id}/acknowledge", {"csrf_token": theirs.csrf}, csrf=False
    )
    assert response.status_code == 403


async def test_sign_in_needs_the_forms_token(compact: Compact, clients: ClientMaker) -> None:
    client = await clients()
    person = compact["cn-analyst"]
    data = {"username": person.username, "password": person.password}
    assert (await client.post("/signin", data, csrf=False)).status_code == 403
    await client.get("/signin")
    assert (
        await client.post("/signin", {**data, "csrf_token": "other"}, csrf=False)
    ).status_code == 403
    assert (await client.post("/signin", data)).status_code == 303


async def test_the_session_cookie_is_secure_httponly_and_strict(
    compact: Compact, clients: ClientMaker
) -> None:
    client = await clients()
    response = await client.sign_in(compact["cn-analyst"])
    assert response.status_code == 303
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "wuzhen_session=" in v
    )
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= flags


async def test_failed_sign_ins_are_throttled(compact: Compact, clients: ClientMaker) -> None:
    client = await clients()
    person = compact["cn-analyst"]
    for _ in range(5):
        response = await client.sign_in(person, password="wrong password!")
        assert response.status_code == 401
        assert "wrong user name or password" in response.text
    # The account is locked now: even the right password is refused, with the service's message.
    locked = await client.sign_in(person)
    assert locked.status_code == 401
    assert "too many failed sign-ins" in locked.text
    clock = compact.node.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(minutes=1))
    assert (await client.sign_in(person)).status_code == 303


async def test_sign_out_ends_the_session(compact: Compact, clients: ClientMaker) -> None:
    client = await clients(compact["cn-analyst"])
    cookie = client.http.cookies.get("wuzhen_session")
    assert (await client.post("/signout")).status_code == 303
    assert (await client.get("/events")).status_code == 303
    # The old cookie is dead on the server too, not only forgotten by the client.
    replay = await clients()
    replay.http.cookies.set("wuzhen_session", cookie or "", domain="testserver")
    assert (await replay.get("/events")).status_code == 303


async def test_sign_in_only_returns_to_this_site(compact: Compact, clients: ClientMaker) -> None:
    client = await clients()
    person = compact["cn-analyst"]
    await client.get("/signin?next=//evil.example/")
    response = await client.post(
        "/signin",
        {"username": person.username, "password": person.password, "next": "//evil.example/"},
    )
    assert response.headers["location"] == "/"


async def test_members_directory_says_not_onboarded_never_unresponsive(
    compact: Compact, clients: ClientMaker
) -> None:
    client = await clients()
    page = (await client.get("/members")).text
    assert "not onboarded" in page
    assert "unresponsive" not in page.lower()
    node = compact.node
    with node.db.session() as s:
        c = add_contact(
            s,
            "CN",
            ContactFields("technical", "CN CERT", "cert@example.cn"),
            actor="test",
            at=node.clock.now(),
        )
        confirm_contact(s, c.id, actor="test", at=node.clock.now())
    row = _row(await client.get("/members"), "China")
    assert ">onboarded<" in row
    assert _row(await client.get("/members"), "France").count("not onboarded") == 1


def _row(response: httpx.Response, name: str) -> str:
    start = response.text.index(f"<td>{name}</td>")
    return response.text[start : response.text.index("</tr>", start)]


async def test_unknown_notice_is_not_found(compact: Compact, clients: ClientMaker) -> None:
    client = await clients(compact["cn-analyst"])
    with compact.node.db.session() as s:
        assert s.scalar(select(Notice.id).where(Notice.id == "0" * 16)) is None
    assert (await client.get("/notices/" + "0" * 16)).status_code == 404


async def test_unknown_pages_get_an_html_error_page(clients: ClientMaker) -> None:
    client = await clients()
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="en" dir="ltr">' in response.text
