"""Attaching another member's events to a request never widens their audience (#6): a member
forwarded a third party's AMBER event to any member, who could forward it on, and the owner
was never asked, as its confirmation was asked only for events marked above the request's
own marking. Now the owner confirms before the requested member sees an event its marking
does not already show it; AMBER+STRICT and RED events of others cannot be attached at all.
Proven through the API, on SQLite and PostgreSQL, with the denials."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest

from tests.integration.test_cooperation import DETAILS
from wuzhen.accounts import service as accounts
from wuzhen.accounts.tables import ADMIN
from wuzhen.api.app import create_app
from wuzhen.cooperation.tables import Attachment
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.node import Node
from wuzhen.notices.service import digest
from wuzhen.schema.tlp import TLP

pytestmark = pytest.mark.anyio
PASSWORD = "a-long-enough-password"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "evidence" / "openssh" / "auth.log"
API = "/api/v1"
MEMBERS = ("CN", "DE", "FR", "US")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def keys(node: Node) -> dict[str, str]:
    """FR's evidence as AMBER (some routed to CN) and as RED, CN's own AMBER evidence, and an
    administrator's API key for CN, DE, FR and the US."""
    evidence = (("FR", TLP.AMBER, "fr"), ("FR", TLP.RED, "fr-red"), ("CN", TLP.AMBER, "cn"))
    for owner, tlp, sensor in evidence:
        path = node.settings.data_dir / f"{sensor}.log"
        path.write_text(SAMPLE.read_text().replace("sensor-1", sensor))
        node.pipeline.ingest([path], IngestOptions(owner=owner, tlp=tlp))
    at = node.clock.now()
    out = {}
    with node.db.session() as s:
        sec = accounts.create_secretariat(s, username="sec", password=PASSWORD, at=at)
        for code in MEMBERS:
            inv = accounts.invite(s, sec, member=code, role=ADMIN, at=at)
            admin = accounts.accept(s, inv.token, username=f"{code}-a", password=PASSWORD, at=at)
            out[code] = accounts.create_key(s, admin, name="t", at=at).token
    return out


@pytest.fixture
async def http(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(node, web=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client


class Parties:
    """The API as each member's administrator calls it."""

    def __init__(self, http: httpx.AsyncClient, keys: dict[str, str]) -> None:
        self.http, self.keys = http, keys

    def _auth(self, member: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[member]}"}

    async def get(self, member: str, path: str) -> httpx.Response:
        return await self.http.get(f"{API}{path}", headers=self._auth(member))

    async def post(self, member: str, path: str, body: Any = None) -> httpx.Response:
        return await self.http.post(f"{API}{path}", json=body, headers=self._auth(member))

    async def draft(
        self, by: str, to: str, tlp: str, events: tuple[str, ...] = ()
    ) -> httpx.Response:
        body = {
            "kind": "information",
            "requested": to,
            "offence": "cyberattack",
            "title": "who is behind these attempts?",
            "details": DETAILS["information"],
            "tlp": tlp,
            "events": list(events),
        }
        return await self.post(by, "/requests", body)

    async def sees(self, member: str, event: str) -> bool:
        """Whether ``member`` sees ``event``, by id and in its listing (both, or neither)."""
        one = await self.get(member, f"/events/{event}")
        assert one.status_code in (200, 404), one.text
        listing = await self.get(member, "/events?limit=1000")
        assert listing.status_code == 200, listing.text
        listed = event in {e["event.id"] for e in listing.json()["items"]}
        assert listed == (one.status_code == 200)
        return listed

    async def pending(self, owner: str) -> list[tuple[str, str, int]]:
        """What ``owner`` is asked to confirm: (requester, requested, attachment id)."""
        r = await self.get(owner, "/requests/confirmations")
        assert r.status_code == 200, r.text
        return [(p["requester"], p["requested"], p["attachment"]["id"]) for p in r.json()]


@pytest.fixture
def api(http: httpx.AsyncClient, keys: dict[str, str]) -> Parties:
    return Parties(http, keys)


def _event(node: Node, **where: str) -> str:
    frame = node.store.scan("events").collect()
    for column, value in where.items():
        frame = frame.filter(pl.col(column) == value)
    assert frame.height, where
    return str(frame.sort("event.id")["event.id"][0])


@pytest.mark.parametrize("marking", ["AMBER", "RED"])
async def test_forwarding_a_third_partys_amber_event_waits_for_its_owner(
    node: Node, api: Parties, marking: str
) -> None:
    """The tester's repro: FR's AMBER event routed to CN, forwarded CN -> US -> DE."""
    amber = _event(node, owner="FR", tlp="AMBER", **{"route.member": "CN"})
    assert await api.sees("CN", amber)
    assert not await api.sees("US", amber)

    r = await api.draft("CN", "US", marking, (amber,))
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    (made,) = r.json()["attachments"]
    assert (made["owner"], made["above_marking"], made["confirmed_at"]) == ("FR", True, None)
    r = await api.post("CN", f"/requests/{rid}/send")
    assert r.status_code == 409
    assert "owner's confirmation" in r.json()["error"]["message"]
    assert not await api.sees("US", amber)
    assert (await api.get("US", f"/requests/{rid}")).status_code == 404

    # FR is asked, and only FR may let it go.
    assert await api.pending("FR") == [("CN", "US", made["id"])]
    for other in ("CN", "US", "DE"):
        r = await api.post(other, f"/requests/attachments/{made['id']}/confirm")
        assert r.status_code == 404
    assert (await api.post("FR", f"/requests/attachments/{made['id']}/confirm")).status_code == 200
    assert (await api.post("CN", f"/requests/{rid}/send")).status_code == 200
    assert await api.sees("US", amber)

    # The US cannot pass it on to DE without FR either.
    r = await api.draft("US", "DE", "RED", (amber,))
    assert r.status_code == 201, r.text
    onward = r.json()["id"]
    (again,) = r.json()["attachments"]
    assert (again["owner"], again["above_marking"], again["confirmed_at"]) == ("FR", True, None)
    assert (await api.post("US", f"/requests/{onward}/send")).status_code == 409
    assert not await api.sees("DE", amber)
    assert await api.pending("FR") == [("US", "DE", again["id"])]
    assert (await api.post("FR", f"/requests/attachments/{again['id']}/confirm")).status_code == 200
    assert (await api.post("US", f"/requests/{onward}/send")).status_code == 200
    assert await api.sees("DE", amber)


async def test_owner_only_events_of_others_are_never_attached(node: Node, api: Parties) -> None:
    """CN sees FR's RED events only through FR's request to it: it cannot pass them on."""
    red = _event(node, owner="FR", tlp="RED")
    r = await api.draft("FR", "CN", "RED", (red,))
    assert r.status_code == 201, r.text
    assert (await api.post("FR", f"/requests/{r.json()['id']}/send")).status_code == 200
    assert await api.sees("CN", red)

    for marking in ("AMBER", "RED"):
        r = await api.draft("CN", "US", marking, (red,))
        assert r.status_code == 403, r.text
        assert "RED" in r.json()["error"]["message"]
    r = await api.draft("CN", "US", "RED")
    rid = r.json()["id"]
    r = await api.post("CN", f"/requests/{rid}/attachments", {"event_ids": [red]})
    assert r.status_code == 403
    assert (await api.get("CN", f"/requests/{rid}/attachments")).json() == []
    assert await api.pending("FR") == []
    assert (await api.post("CN", f"/requests/{rid}/send")).status_code == 200
    assert not await api.sees("US", red)

    # Back to its owner, it widens nothing: no confirmation, no refusal.
    r = await api.draft("CN", "FR", "RED", (red,))
    assert r.status_code == 201, r.text
    (made,) = r.json()["attachments"]
    assert (made["owner"], made["above_marking"]) == ("FR", False)
    assert (await api.post("CN", f"/requests/{r.json()['id']}/send")).status_code == 200


async def test_what_the_requested_member_sees_already_goes_unasked(
    node: Node, api: Parties
) -> None:
    """Events the requested member may see by their marking, and the requester's own events,
    are attached as before."""
    amber = _event(node, owner="FR", tlp="AMBER", **{"route.member": "CN"})
    own = _event(node, owner="CN", tlp="AMBER", **{"route.member": "US"})
    hidden = _event(node, owner="CN", tlp="AMBER", **{"route.member": "CN"})
    r = await api.draft("CN", "FR", "AMBER", (amber,))  # FR's own event, back to FR
    assert r.status_code == 201, r.text
    assert [a["above_marking"] for a in r.json()["attachments"]] == [False]
    assert (await api.post("CN", f"/requests/{r.json()['id']}/send")).status_code == 200

    assert not await api.sees("US", hidden)
    r = await api.draft("CN", "US", "AMBER", (own, hidden))  # the owner decides
    assert r.status_code == 201, r.text
    assert [(a["owner"], a["above_marking"]) for a in r.json()["attachments"]] == [("CN", False)]
    assert (await api.post("CN", f"/requests/{r.json()['id']}/send")).status_code == 200
    assert await api.sees("US", hidden)
    assert await api.pending("FR") == []
    assert await api.pending("CN") == []


async def test_an_unconfirmed_attachment_of_anothers_event_shares_nothing(
    node: Node, api: Parties
) -> None:
    """A request sent with an attachment its owner never confirmed (as the defect stored them)
    does not show the event to the requested member: what a request shares is decided when
    read too."""
    amber = _event(node, owner="FR", tlp="AMBER", **{"route.member": "CN"})
    r = await api.draft("CN", "US", "AMBER")
    rid = r.json()["id"]
    assert (await api.post("CN", f"/requests/{rid}/send")).status_code == 200
    with node.db.session() as s:
        s.add(
            Attachment(
                request=rid,
                event_ids=[amber],
                digest=digest([amber]),
                owner="FR",
                above_marking=False,
                attached_at=node.clock.now() - timedelta(minutes=1),
            )
        )
    assert not await api.sees("US", amber)
    r = await api.get("US", f"/requests/{rid}/events?format=jsonl")
    assert r.status_code == 200
    assert r.text.strip() == ""
