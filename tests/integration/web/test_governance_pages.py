"""Governance in the web UI (#7): sessions, proposals, the ballot page, rules with the
resolution behind each change, commitments. Only members' administrators vote (analysts and
the secretariat are refused); results stay hidden until the vote closes; a secret ballot shows
only totals and who voted. Both stores."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.integration.web.conftest import Client, ClientMaker, Compact
from wuzhen.governance.tables import Proposal
from wuzhen.members.tables import Member
from wuzhen.tick import tick

pytestmark = pytest.mark.anyio
VOTERS = ("FR", "CN", "DE", "BR")  # US has no voting rights here
FMT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def voters(compact: Compact) -> Compact:
    with compact.node.db.session() as s:
        s.execute(update(Member).where(Member.code.not_in(VOTERS)).values(voting_rights=False))
    return compact


def at(compact: Compact, **delta: float) -> str:
    return (compact.node.clock.now() + timedelta(**delta)).strftime(FMT)


def advance(compact: Compact, **delta: float) -> None:
    compact.node.clock.advance(timedelta(**delta))  # type: ignore[attr-defined]
    tick(compact.node)


async def convene(sec: Client, compact: Compact) -> str:
    await sec.get("/sessions")
    made = await sec.post(
        "/sessions",
        {
            "kind": "annual",
            "title": "Annual conference",
            "opens": at(compact),
            "closes": at(compact, days=10),
        },
    )
    assert made.status_code == 303, made.text
    return made.headers["location"].rsplit("/", 1)[1]


async def table(who: Client, sid: str, **fields: str) -> str:
    await who.get(f"/sessions/{sid}")
    made = await who.post(f"/sessions/{sid}/proposals", {"method": "simple", **fields})
    assert made.status_code == 303, made.text
    return made.headers["location"].rsplit("/", 1)[1]


async def open_vote(sec: Client, compact: Compact, pid: str) -> None:
    await sec.get(f"/proposals/{pid}")
    opened = await sec.post(f"/proposals/{pid}/open-vote", {"closes": at(compact, hours=1)})
    assert opened.status_code == 303, opened.text


async def cast(who: Client, pid: str, choice: str, **extra: str) -> None:
    page = await who.get(f"/proposals/{pid}/ballot")
    assert page.status_code == 200, page.text
    done = await who.post(f"/proposals/{pid}/ballot", {"choice": choice, **extra})
    assert done.status_code == 303, done.text


async def test_sessions_proposals_and_the_ballot(voters: Compact, clients: ClientMaker) -> None:
    compact = voters
    sec = await clients(compact["secretariat"])
    sid = await convene(sec, compact)
    cn, fr = await clients(compact["cn-admin"]), await clients(compact["fr-admin"])
    await cn.get(f"/sessions/{sid}")
    assert (await cn.post(f"/sessions/{sid}/delegations", {})).status_code == 303
    await fr.get(f"/sessions/{sid}")
    assert (await fr.post(f"/sessions/{sid}/delegations", {"proxy_for": "DE"})).status_code == 303
    session = (await (await clients()).get(f"/sessions/{sid}")).text
    assert "3 of 4 members with voting rights are present" in session
    assert "Quorum met." in session
    assert 'id="table"' not in session  # the public tables nothing
    pid = await table(
        cn,
        sid,
        title="Faster takedowns",
        text="Shorten the deadline.",
        rule_key="requests.deadline.takedown",
        rule_value="48",
        effective=at(compact, days=2),
    )
    # An analyst tables nothing, and the form is not offered.
    analyst = await clients(compact["cn-analyst"])
    assert 'id="table"' not in (await analyst.get(f"/sessions/{sid}")).text
    refused = await analyst.post(f"/sessions/{sid}/proposals", {"title": "x", "text": "y"})
    assert refused.status_code == 403
    await open_vote(sec, compact, pid)

    # The ballot page is for members' administrators only.
    assert (await analyst.get(f"/proposals/{pid}/ballot")).status_code == 403
    assert (await sec.get(f"/proposals/{pid}/ballot")).status_code == 403
    assert (await (await clients()).get(f"/proposals/{pid}/ballot")).status_code == 303
    analyst_vote = await analyst.post(f"/proposals/{pid}/ballot", {"choice": "yes"})
    assert analyst_vote.status_code == 403
    us = await clients(compact["us-admin"])
    assert "has no voting rights" in (await us.get(f"/proposals/{pid}/ballot")).text
    await us.get("/proposals")
    assert (await us.post(f"/proposals/{pid}/ballot", {"choice": "yes"})).status_code == 403

    await cast(cn, pid, "no")
    await cast(cn, pid, "yes")  # a second vote changes the first
    ballot = (await cn.get(f"/proposals/{pid}/ballot?done=CN")).text
    assert "Recorded: yes." in ballot
    await cast(fr, pid, "yes")
    await cast(fr, pid, "no", on_behalf_of="DE")
    fr_ballot = (await fr.get(f"/proposals/{pid}/ballot")).text
    assert "The vote of DE (you hold its proxy)" in fr_ballot

    # Until the close, anyone sees who voted, and no result.
    public = await clients()
    page = (await public.get(f"/proposals/{pid}")).text
    assert re.search(r'<span id="voted">CN, DE, FR</span>', page)
    assert 'id="hidden-result"' in page
    assert 'id="result"' not in page
    assert 'id="choices"' not in page
    assert "set rule requests.deadline.takedown to 48" in page
    with compact.node.db.session() as s:
        assert s.get(Proposal, pid).result is None  # type: ignore[union-attr]

    advance(compact, hours=1)  # the vote closes at tick
    page = (await public.get(f"/proposals/{pid}")).text
    assert 'id="result"' in page
    assert "Adopted." in page
    choices = re.search(r'<table class="data" id="choices">(.*?)</table>', page, re.S)
    assert choices
    rows = re.findall(r"<tr><td>(\w\w)</td><td>(\w+)</td></tr>", choices[1])
    assert rows == [("CN", "yes"), ("DE", "no"), ("FR", "yes")]
    assert 'href="/resolutions/1"' in page
    assert "not yet" in (await public.get("/resolutions/1")).text
    session = (await public.get(f"/sessions/{sid}")).text
    for action in ("session.convened", "delegation.registered", "vote.closed"):
        assert action in session

    # The rule changes at the resolution's date, and its history names the resolution.
    rules_page = (await public.get("/rules")).text
    assert "Resolution 1" not in rules_page
    advance(compact, days=2)
    rules_page = (await public.get("/rules")).text
    section = rules_page.split('id="rule-requests.deadline.takedown"')[1].split("</section>")[0]
    assert '<code class="value">48</code>' in section
    assert '<a href="/resolutions/1">Resolution 1</a>' in section
    assert "not yet" not in (await public.get("/resolutions/1")).text


async def test_amend_and_accept(voters: Compact, clients: ClientMaker) -> None:
    compact = voters
    sec = await clients(compact["secretariat"])
    sid = await convene(sec, compact)
    fr, cn = await clients(compact["fr-admin"]), await clients(compact["cn-admin"])
    pid = await table(fr, sid, title="Retention", text="Keep events 90 days.")
    page = (await cn.get(f"/proposals/{pid}")).text
    assert 'id="amend"' in page
    made = await cn.post(
        f"/proposals/{pid}/amendments",
        {
            "title": "Retention",
            "text": "Keep events 120 days.",
            "rule_key": "retention.days",
            "rule_value": "120",
        },
    )
    assert made.status_code == 303
    aid = made.headers["location"].rsplit("/", 1)[1]
    assert 'id="accept"' not in (await cn.get(f"/proposals/{aid}")).text  # not CN's proposal
    assert (await cn.post(f"/proposals/{aid}/accept")).status_code == 403
    assert 'id="accept"' in (await fr.get(f"/proposals/{aid}")).text
    assert (await fr.post(f"/proposals/{aid}/accept")).status_code == 303
    page = (await fr.get(f"/proposals/{pid}")).text
    assert "Keep events 120 days." in page
    assert "set rule retention.days to 120" in page


async def test_a_secret_ballot_shows_only_totals_and_who_voted(
    voters: Compact, clients: ClientMaker
) -> None:
    compact = voters
    sec = await clients(compact["secretariat"])
    sid = await convene(sec, compact)
    cn, fr = await clients(compact["cn-admin"]), await clients(compact["fr-admin"])
    for who in (cn, fr):
        await who.get(f"/sessions/{sid}")
        assert (await who.post(f"/sessions/{sid}/delegations", {})).status_code == 303
    pid = await table(fr, sid, title="Secret", text="A secret ballot.", secret="on")
    await open_vote(sec, compact, pid)
    await cast(cn, pid, "no")
    await cast(fr, pid, "abstain")
    ballot = (await cn.get(f"/proposals/{pid}/ballot")).text
    assert "Recorded (secret ballot: your choice is not shown)." in ballot
    advance(compact, hours=1)
    for who in (await clients(), cn, fr, sec):
        page = (await who.get(f"/proposals/{pid}")).text
        assert 'id="totals"' in page
        assert 'id="choices"' not in page
        assert "only the totals and the list of who voted" in page
        assert '<span id="voted">CN, FR</span>' in page
        assert "<td>CN</td><td>no</td>" not in page


async def test_commitment_pages(voters: Compact, clients: ClientMaker) -> None:
    compact = voters
    cn, fr = await clients(compact["cn-admin"]), await clients(compact["fr-admin"])
    sec, us = await clients(compact["secretariat"]), await clients(compact["us-admin"])
    await cn.get("/commitments")
    made = await cn.post(
        "/commitments",
        {
            "title": "No theft of trade secrets",
            "parties": "fr",
            "text": "Neither party ...",
            "clauses": "no theft\nanswer requests promptly",
            "review_months": "12",
        },
    )
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    assert 'id="adopt"' not in (await cn.get(url)).text  # CN adopted it by proposing it
    assert 'id="adopt"' not in (await us.get(url)).text
    assert (await us.post(f"{url}/adopt")).status_code == 403
    await sec.get(url)
    assert (await sec.post(f"{url}/register")).status_code == 409  # FR has not adopted it
    page = (await fr.get(url)).text
    assert 'id="adopt"' in page
    assert (await fr.post(f"{url}/adopt")).status_code == 303
    assert (await cn.post(f"{url}/register")).status_code == 403
    await sec.get(url)
    assert (await sec.post(f"{url}/register")).status_code == 303
    page = (await sec.get(url)).text
    assert '<dd id="status" class="state">in force</dd>' in page
    assert 'id="requests"' not in page  # the secretariat is no party
    assert (
        await sec.post(f"{url}/status", {"status": "under-review", "reason": ""})
    ).status_code == 422
    assert (
        await sec.post(f"{url}/status", {"status": "under-review", "reason": "review"})
    ).status_code == 303
    listed = (await (await clients()).get("/commitments")).text
    assert "No theft of trade secrets" in listed
    assert "under review" in listed
    party = (await cn.get(url)).text
    assert "No request made under it yet." in party
    assert 'id="link"' in party
    assert "answer requests promptly" in party
