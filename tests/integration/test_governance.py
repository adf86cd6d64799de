"""Governance on both stores: proposals, votes, proxies, secret ballots, resolutions that
change the rules the software enforces, commitments (#7)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from wuzhen import ledger, rules
from wuzhen.clock import FixedClock
from wuzhen.cooperation import service as coop
from wuzhen.errors import ConflictError, ForbiddenError, InputError
from wuzhen.governance import commitments
from wuzhen.governance import service as gov
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members.tables import Member
from wuzhen.node import Node

SMALL = ("CN", "FR", "BR", "ZA", "RU", "IN")


@pytest.fixture
def small(node: Node) -> Node:
    """A compact of six voting members (the others keep no voting rights)."""
    with node.db.session() as s:
        s.execute(update(Member).where(Member.code.not_in(SMALL)).values(voting_rights=False))
    return node


def _session(node: Node, days: int = 10) -> str:
    now = node.clock.now()
    with node.db.session() as s:
        return gov.open_session(
            s,
            kind="annual",
            title="Annual conference",
            opens_at=now,
            closes_at=now + timedelta(days=days),
            actor="secretariat",
            at=now,
        ).id


def _register(node: Node, sid: str, codes: str | tuple[str, ...] = SMALL) -> None:
    with node.db.session() as s:
        for code in codes:
            gov.register(s, sid, code, at=node.clock.now(), actor=f"admin:{code}")


def _propose(node: Node, sid: str, changes: list[dict[str, Any]], **kw: Any) -> str:
    draft = gov.ProposalDraft(
        title="Faster takedowns", text="Shorten the deadline.", changes=changes, **kw
    )
    with node.db.session() as s:
        return gov.table(s, sid, draft, proposer="FR", actor="admin:FR", at=node.clock.now()).id


def _vote(node: Node, pid: str, votes: dict[str, str], hours: int = 24) -> None:
    with node.db.session() as s:
        gov.open_vote(
            s,
            pid,
            closes_at=node.clock.now() + timedelta(hours=hours),
            actor="secretariat",
            at=node.clock.now(),
        )
    with node.db.session() as s:
        for member, choice in votes.items():
            gov.cast(
                s,
                pid,
                member=member,
                choice=choice,
                actor=f"admin:{member}",
                at=node.clock.now(),
                reason="no" if choice == "object" else None,
            )


def _close(node: Node, clock: FixedClock, pid: str, hours: int = 24) -> dict[str, Any]:
    clock.advance(timedelta(hours=hours))
    with node.db.session() as s:
        gov.close(s, pid, at=clock.now())
        p = gov.proposal(s, pid)
        assert p.result is not None
        return p.result


TAKEDOWN_12H = [{"type": "rule", "key": "requests.deadline.takedown", "value": 12}]
INFO = {"question": "who runs this host?"}
TAKEDOWN = {
    "target": "content",
    "urls": ["http://x.example/a"],
    "reasons": "phishing",
    "legal_basis": "art. 19",
}


def _request(node: Node) -> coop.Request:
    draft = coop.Draft(
        kind="takedown", requested="CN", offence="fraud", title="phishing", details=TAKEDOWN
    )
    with node.db.session() as s:
        req = coop.create(s, draft, member="FR", account="a", at=node.clock.now())
        return coop.send(s, req.id, member="FR", account="a", at=node.clock.now())


def test_resolution_changes_deadline_of_requests_filed_after_it_only(
    small: Node, clock: FixedClock
) -> None:
    node = small
    sid = _session(node)
    _register(node, sid)
    effective = clock.now() + timedelta(days=2)
    pid = _propose(node, sid, TAKEDOWN_12H, effective_at=effective)
    _vote(node, pid, {"CN": "yes", "FR": "yes", "BR": "yes", "ZA": "no", "RU": "abstain"})
    result = _close(node, clock, pid)
    assert (result["yes"], result["no"], result["abstain"], result["adopted"]) == (3, 1, 1, True)
    before = _request(node)  # filed after adoption, before the effective date
    with node.db.session() as s:
        gov.tick(s, clock.now())  # not yet in force
        assert rules.get(s, "requests.deadline.takedown") == 72
    clock.advance(timedelta(days=2))
    with node.db.session() as s:
        gov.tick(s, clock.now())
        assert rules.get(s, "requests.deadline.takedown") == 12
        history = rules.history(s, "requests.deadline.takedown")
        assert history[-1]["resolution"] is not None
        assert history[-1]["reason"] == "resolution 1"
    after = _request(node)
    assert before.due_at is not None
    assert before.sent_at is not None
    assert before.due_at - before.sent_at == timedelta(hours=72)
    assert after.due_at == clock.now() + timedelta(hours=12)


def test_entrenched_grounds_cannot_be_removed_by_any_resolution(small: Node) -> None:
    sid = _session(small)
    grounds = [g for g in rules.specs.REFUSAL_GROUNDS if g["code"] != "political-offence"]
    with pytest.raises(InputError, match="entrenched"):
        _propose(
            small, sid, [{"type": "rule", "key": "requests.refusal_grounds", "value": grounds}]
        )


def test_results_hidden_until_close_and_votes_changeable(small: Node, clock: FixedClock) -> None:
    sid = _session(small)
    _register(small, sid)
    pid = _propose(small, sid, [])
    _vote(small, pid, {"CN": "no", "FR": "yes", "BR": "yes"})
    with small.db.session() as s:
        gov.cast(s, pid, member="CN", choice="yes", actor="admin:CN", at=clock.now())
        p = gov.proposal(s, pid)
        assert gov.visible_result(p) is None
        assert gov.who_voted(s, pid) == ["BR", "CN", "FR"]
        # the ledger says who voted, never how, until the close
        casts = s.scalars(select(LedgerEntry).where(LedgerEntry.action == "vote.cast")).all()
        assert casts
        assert all(set(e.data) == {"member", "by"} for e in casts)
    result = _close(small, clock, pid)
    assert result["choices"] == {"BR": "yes", "CN": "yes", "FR": "yes"}
    with small.db.session() as s, pytest.raises(ConflictError):
        gov.cast(s, pid, member="ZA", choice="no", actor="admin:ZA", at=clock.now())


def test_secret_ballot_never_reveals_choices(small: Node, clock: FixedClock) -> None:
    sid = _session(small)
    _register(small, sid)
    pid = _propose(small, sid, [], secret=True)
    _vote(small, pid, {"CN": "no", "FR": "yes", "BR": "yes", "ZA": "yes"})
    result = _close(small, clock, pid)
    assert "choices" not in result
    with small.db.session() as s:  # the stored ballots keep who voted, not how
        stored = s.scalars(select(gov.Vote).where(gov.Vote.proposal == pid)).all()
        assert {v.choice for v in stored} == {"secret"}
        assert sorted(v.member for v in stored) == ["BR", "CN", "FR", "ZA"]
    assert (result["yes"], result["no"], result["voted"]) == (3, 1, ["BR", "CN", "FR", "ZA"])
    with small.db.session() as s:
        for row in ledger.export_public(s):
            text = str(row.get("content", {}))
            assert "'choice'" not in text
            assert "'no'" not in text.replace("'no': 1", "")


def test_quorum_failure_and_absent_members(small: Node, clock: FixedClock) -> None:
    sid = _session(small)
    _register(small, sid, ("CN", "FR"))  # 2 of 6: quorum is 3
    pid = _propose(small, sid, [])
    _vote(small, pid, {"CN": "yes", "FR": "yes"})
    with small.db.session() as s, pytest.raises(ForbiddenError, match="no delegation"):
        gov.cast(s, pid, member="BR", choice="yes", actor="admin:BR", at=clock.now())
    result = _close(small, clock, pid)
    assert (result["quorum_met"], result["adopted"]) == (False, False)


def test_proxies_at_most_one_and_counted(small: Node, clock: FixedClock) -> None:
    sid = _session(small)
    _register(small, sid, ("CN", "FR"))
    with small.db.session() as s:
        gov.register(s, sid, "BR", at=clock.now(), actor="admin:BR", proxy_for="ZA")
        with pytest.raises(ConflictError, match="holds ZA"):
            gov.register(s, sid, "CN", at=clock.now(), actor="admin:CN", proxy_for="ZA")
        with pytest.raises(ConflictError, match="own delegation"):
            gov.register(s, sid, "RU", at=clock.now(), actor="admin:RU", proxy_for="CN")
    pid = _propose(small, sid, [])
    _vote(small, pid, {"CN": "yes", "BR": "no"})
    with small.db.session() as s:
        gov.cast(
            s, pid, member="BR", choice="no", actor="admin:BR", at=clock.now(), on_behalf_of="ZA"
        )
        with pytest.raises(ForbiddenError, match="proxy"):
            gov.cast(
                s,
                pid,
                member="CN",
                choice="yes",
                actor="admin:CN",
                at=clock.now(),
                on_behalf_of="RU",
            )
    result = _close(small, clock, pid)
    assert (result["present"], result["yes"], result["no"]) == (4, 1, 2)
    assert result["adopted"] is False


def test_suspended_voting_rights_and_consensus_objection(small: Node, clock: FixedClock) -> None:
    sid = _session(small)
    _register(small, sid)
    pid = _propose(
        small, sid, [{"type": "voting-rights", "member": "RU", "suspend": True}], method="consensus"
    )
    _vote(small, pid, {"CN": "yes"})
    with small.db.session() as s, pytest.raises(InputError, match="reason"):
        gov.cast(s, pid, member="FR", choice="object", actor="admin:FR", at=clock.now())
    assert _close(small, clock, pid)["adopted"] is True
    with small.db.session() as s:
        gov.tick(s, clock.now())
        assert "RU" not in gov.voters(s)
    sid2 = _session(small)
    with small.db.session() as s, pytest.raises(ForbiddenError, match="voting rights"):
        gov.register(s, sid2, "RU", at=clock.now(), actor="admin:RU")
    _register(small, sid2, ("CN", "FR", "BR"))
    pid2 = _propose(small, sid2, [], method="consensus")
    _vote(small, pid2, {"CN": "yes", "FR": "object"})
    assert _close(small, clock, pid2)["adopted"] is False


def test_amendments_accepted_or_voted_first(small: Node, clock: FixedClock) -> None:
    sid = _session(small)
    _register(small, sid)
    pid = _propose(small, sid, TAKEDOWN_12H)
    with small.db.session() as s:
        amendment = gov.amend(
            s,
            pid,
            gov.ProposalDraft(
                title="Faster takedowns",
                text="Shorten it to 24 hours.",
                changes=[{"type": "rule", "key": "requests.deadline.takedown", "value": 24}],
            ),
            member="BR",
            actor="admin:BR",
            at=clock.now(),
        )
        with pytest.raises(ConflictError, match="amendments are decided first"):
            gov.open_vote(
                s, pid, closes_at=clock.now() + timedelta(hours=1), actor="sec", at=clock.now()
            )
        with pytest.raises(ForbiddenError):
            gov.accept_amendment(s, amendment.id, proposer="BR", actor="x", at=clock.now())
    _vote(small, amendment.id, {"CN": "yes", "FR": "no", "BR": "yes", "ZA": "yes"})
    _close(small, clock, amendment.id)
    with small.db.session() as s:
        assert gov.proposal(s, pid).changes[0]["value"] == 24


def test_commitments_register_and_report(small: Node, clock: FixedClock) -> None:
    with small.db.session() as s:
        c = commitments.propose(
            s,
            title="No theft of trade secrets",
            parties=["CN", "US"],
            text="Neither government conducts or knowingly supports "
            "cyber-enabled theft of trade secrets.",
            clauses=["no theft", "answer requests promptly"],
            review_months=12,
            member="CN",
            actor="admin:CN",
            at=clock.now(),
        )
        with pytest.raises(ConflictError):
            commitments.register(s, c.id, actor="secretariat", at=clock.now())
        commitments.adopt(s, c.id, member="US", actor="admin:US", at=clock.now())
        commitments.register(s, c.id, actor="secretariat", at=clock.now())
        draft = coop.Draft(
            kind="information",
            requested="US",
            offence="trade-secret-theft",
            title="intrusion at a factory",
            details=INFO,
        )
        req = coop.create(s, draft, member="CN", account="a", at=clock.now())
        coop.send(s, req.id, member="CN", account="a", at=clock.now())
        commitments.link(
            s, c.id, "2", member="CN", actor="admin:CN", at=clock.now(), request_id=req.id
        )
        with pytest.raises(ForbiddenError):
            commitments.link(
                s, c.id, "1", member="FR", actor="admin:FR", at=clock.now(), event_ids=["x"]
            )
    clock.advance(timedelta(hours=3))
    with small.db.session() as s:
        coop.act(s, req.id, "acknowledge", member="US", account="b", at=clock.now())
        report = commitments.report(s, c.id, clock.now())
    assert report["requests"][0]["clause"] == "2"
    assert report["parties"]["US"]["median_seconds_to_acknowledge"] == 3 * 3600
    assert report["parties"]["CN"]["sent"] == 1
