"""From #7 on, rules change only by resolution, and admission and suspension happen only by
resolution: the direct paths are refused, and ``wuzhen tick`` closes votes and carries out
resolutions at their effective date. Both stores."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.integration.enact import enact
from wuzhen import ledger, rules
from wuzhen.clock import FixedClock
from wuzhen.errors import ForbiddenError
from wuzhen.governance import service as gov
from wuzhen.governance.tables import Resolution
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members import service as members
from wuzhen.members.tables import Member
from wuzhen.node import Node
from wuzhen.tick import tick

VOTERS = ("CN", "FR", "BR", "ZA")


def test_rules_change_only_by_resolution(node: Node, clock: FixedClock) -> None:
    with node.db.session() as s:
        with pytest.raises(ForbiddenError, match="rules change only by resolution: table a"):
            rules.change(s, "retention.days", 90, reason="r", actor="secretariat", at=clock.now())
        with pytest.raises(ForbiddenError, match="only by resolution"):
            rules.change(
                s, "retention.days", 90, reason="r", actor="x", at=clock.now(), resolution=""
            )
    with node.db.session() as s:
        assert rules.get(s, "retention.days") == 180
        assert not s.scalars(select(LedgerEntry).where(LedgerEntry.action == "rule.changed")).all()


def test_admission_and_suspension_only_by_resolution(node: Node, clock: FixedClock) -> None:
    with node.db.session() as s:
        with pytest.raises(ForbiddenError, match="only by resolution: table a proposal"):
            members.suspend(s, "DE", actor="secretariat", at=clock.now(), reason="r")
        with pytest.raises(ForbiddenError, match="only by resolution"):
            members.admit(s, "DE", actor="secretariat", at=clock.now(), reason="r")
        # The founding admission is for an empty compact only.
        with pytest.raises(ForbiddenError, match="only by resolution"):
            members.admit_all(s, actor="secretariat", at=clock.now(), reason="again")
    with node.db.session() as s:
        assert members.member(s, "DE").status == "active"
    rid = enact(node, clock, [{"type": "suspend", "member": "DE"}])
    with node.db.session() as s:
        assert members.member(s, "DE").status == "suspended"
        entry = s.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.action == "member.suspended")
            .order_by(LedgerEntry.seq.desc())
        ).first()
        assert entry is not None
        assert (entry.actor, entry.data["resolution"]) == (f"resolution:{rid}", rid)
    enact(node, clock, [{"type": "admit", "member": "DE"}])
    with node.db.session() as s:
        assert members.member(s, "DE").status == "active"


def test_tick_closes_votes_and_applies_resolutions_at_their_date(
    node: Node, clock: FixedClock
) -> None:
    with node.db.session() as s:
        s.execute(update(Member).where(Member.code.not_in(VOTERS)).values(voting_rights=False))
    now = clock.now()
    with node.db.session() as s:
        g = gov.open_session(
            s,
            kind="annual",
            title="Annual conference",
            opens_at=now,
            closes_at=now + timedelta(days=7),
            actor="secretariat",
            at=now,
        )
        for code in VOTERS:
            gov.register(s, g.id, code, at=now, actor=f"admin:{code}")
        draft = gov.ProposalDraft(
            title="Shorter escalation",
            text="Escalate after 12 hours.",
            changes=[{"type": "rule", "key": "requests.escalation_delay_hours", "value": 12}],
            effective_at=now + timedelta(days=3),
        )
        p = gov.table(s, g.id, draft, proposer="CN", actor="admin:CN", at=now)
        gov.open_vote(s, p.id, closes_at=now + timedelta(hours=1), actor="secretariat", at=now)
        for code in ("CN", "FR", "BR"):
            gov.cast(s, p.id, member=code, choice="yes", actor=f"admin:{code}", at=now)
        pid = p.id

    def step() -> dict[str, object]:
        (found,) = [r for r in tick(node).steps if r.name == "governance"]
        assert found.error is None
        return found.summary

    assert step() == {"votes_closed": 0, "resolutions_applied": 0}  # not due yet
    clock.advance(timedelta(hours=1))
    assert step() == {"votes_closed": 1, "resolutions_applied": 0}  # adopted, not in force
    with node.db.session() as s:
        assert gov.proposal(s, pid).state == "adopted"
        assert rules.get(s, "requests.escalation_delay_hours") == 24
    clock.advance(timedelta(days=3))
    assert step() == {"votes_closed": 0, "resolutions_applied": 1}
    assert step() == {"votes_closed": 0, "resolutions_applied": 0}  # idempotent
    with node.db.session() as s:
        assert rules.get(s, "requests.escalation_delay_hours") == 12
        r = s.scalars(select(Resolution).where(Resolution.proposal == pid)).one()
        assert r.applied_at == clock.now()
        (last,) = rules.history(s, "requests.escalation_delay_hours")[-1:]
        assert (last["resolution"], last["reason"]) == (r.id, f"resolution {r.number}")
        assert ledger.verify(s)[1] is None


def test_a_secret_consensus_names_no_objector(node: Node, clock: FixedClock) -> None:
    """A secret ballot's objections publish their reasons, never who objected."""
    with node.db.session() as s:
        s.execute(update(Member).where(Member.code.not_in(VOTERS)).values(voting_rights=False))
    now = clock.now()
    with node.db.session() as s:
        g = gov.open_session(
            s,
            kind="extraordinary",
            title="Extraordinary session",
            opens_at=now,
            closes_at=now + timedelta(days=1),
            actor="secretariat",
            at=now,
        )
        for code in VOTERS:
            gov.register(s, g.id, code, at=now, actor=f"admin:{code}")
        draft = gov.ProposalDraft(title="A statement", text="...", method="consensus", secret=True)
        p = gov.table(s, g.id, draft, proposer="secretariat", actor="secretariat", at=now)
        gov.open_vote(s, p.id, closes_at=now + timedelta(hours=1), actor="secretariat", at=now)
        gov.cast(s, p.id, member="ZA", choice="object", reason="too vague", actor="a", at=now)
        gov.cast(s, p.id, member="BR", choice="yes", actor="b", at=now)
        pid = p.id
    clock.advance(timedelta(hours=1))
    tick(node)
    with node.db.session() as s:
        result = gov.proposal(s, pid).result
        assert result is not None
        assert (result["adopted"], result["objections"]) == (False, [{"reason": "too vague"}])
        assert "choices" not in result
        closing = s.scalars(select(LedgerEntry).where(LedgerEntry.action == "vote.closed")).one()
        assert "ZA" not in str(closing.data["objections"])
