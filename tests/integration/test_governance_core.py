"""Ledger, rules, members, accounts, notices and visibility on both relational stores (#5)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text, update

from tests.conftest import notice_events
from wuzhen import ledger, rules
from wuzhen.accounts import service as accounts
from wuzhen.accounts.tables import ADMIN, ANALYST
from wuzhen.clock import FixedClock
from wuzhen.errors import AuthError, ConflictError, ForbiddenError, InputError
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members import service as members
from wuzhen.node import Node
from wuzhen.notices import service as notices
from wuzhen.schema.tlp import TLP
from wuzhen.visibility import Viewer, visible_events

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "evidence" / "openssh" / "auth.log"
PASSWORD = "correct horse battery staple"


def test_ledger_chain_and_tamper_detection(node: Node) -> None:
    now = node.clock.now()
    with node.db.session() as s:
        for i in range(5):
            ledger.append(
                s,
                at=now,
                actor="test",
                action="test.step",
                subject=f"t:{i}",
                data={"i": i},
                public=i % 2 == 0,
            )
    with node.db.session() as s:
        checked, breach = ledger.verify(s)
        assert breach is None
        assert checked == ledger.head(s)[0] >= 5
        exported = list(ledger.export_public(s))
        assert ledger.verify_export(exported) == (checked, None)
        secret = next(r for r in exported if "content" not in r)
        assert set(secret) == {"seq", "prev", "hash", "digest"}
    victim = checked - 2
    with node.db.session() as s:
        s.execute(update(LedgerEntry).where(LedgerEntry.seq == victim).values(data={"i": 999}))
    with node.db.session() as s:
        _, breach = ledger.verify(s)
        assert breach is not None
        assert breach.seq == victim
    exported[0]["content"]["actor"] = "forged"
    assert ledger.verify_export(exported)[1] == ledger.Breach(
        1, "its content does not match its digest"
    )


def test_ledger_survives_removal_of_an_entry(node: Node) -> None:
    with node.db.session() as s:
        for _ in range(3):
            ledger.append(s, at=node.clock.now(), actor="t", action="a", subject="s")
        top = ledger.head(s)[0]
    with node.db.session() as s:
        s.execute(text("DELETE FROM ledger WHERE seq = :seq"), {"seq": top - 1})
    with node.db.session() as s:
        assert ledger.verify(s)[1] == ledger.Breach(top - 1, f"entry {top - 1} is missing")


def test_rules_change_with_reason_and_history(node: Node, clock: FixedClock) -> None:
    with node.db.session() as s:
        assert rules.get(s, "retention.days") == 180
        # Rules change only by resolution (#7): a change naming none is refused.
        with pytest.raises(ForbiddenError, match="only by resolution: table a proposal"):
            rules.change(s, "retention.days", 90, reason="r", actor="secretariat", at=clock.now())
        with pytest.raises(InputError, match="reason"):
            rules.change(
                s, "retention.days", 90, reason=" ", actor="x", at=clock.now(), resolution="r1"
            )
        with pytest.raises(InputError):
            rules.change(
                s,
                "retention.days",
                0,
                reason="too short",
                actor="x",
                at=clock.now(),
                resolution="r1",
            )
        with pytest.raises(InputError):
            rules.change(
                s, "routing.basis", "ccTLD", reason="no", actor="x", at=clock.now(), resolution="r1"
            )
    clock.advance(timedelta(days=1))
    with node.db.session() as s:
        done = rules.change(
            s,
            "retention.days",
            90,
            reason="data minimisation",
            actor="resolution:r1",
            at=clock.now(),
            resolution="r1",
        )
        assert (done.old, done.new) == (180, 90)
    with node.db.session() as s:
        assert rules.current(s)["retention.days"] == 90
        history = rules.history(s, "retention.days")
        assert [h["action"] for h in history] == ["rule.initialized", "rule.changed"]
        assert history[-1]["reason"] == "data minimisation"
        assert history[-1]["resolution"] == "r1"


def test_routing_follows_admission_and_the_rule(settings, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    node = Node.open(settings, clock)
    try:
        node.pipeline.ingest([SAMPLE], IngestOptions(owner="FR"))
        ev = node.store.scan("events").collect()
        assert set(ev["route.state"]) == {"unrouted"}  # nobody admitted yet
        with node.db.session() as s:
            members.admit(s, "CN", actor="t", at=clock.now(), reason="joined", resolution="r1")
            rules.change(
                s,
                "routing.basis",
                "location",
                reason="test",
                actor="t",
                at=clock.now(),
                resolution="r1",
            )
        log = settings.data_dir / "cn.log"
        log.write_text(SAMPLE.read_text().replace("114.114.114.114", "114.114.114.115"))
        node.pipeline.ingest([log], IngestOptions(owner="FR"))
        ev = node.store.scan("events").collect().filter(pl.col("source.ip") == "114.114.114.115")
        assert set(ev["route.member"]) == {"CN"}
        assert set(ev["route.basis"]) == {"location"}
    finally:
        node.close()


def _compact(node: Node) -> dict[str, accounts.Account]:
    now = node.clock.now()
    with node.db.session() as s:
        sec = accounts.create_secretariat(s, username="sec", password=PASSWORD, at=now)
        out = {"sec": sec}
        for code in ("CN", "FR"):
            inv = accounts.invite(s, sec, member=code, role=ADMIN, at=now)
            admin = accounts.accept(
                s, inv.token, username=f"{code}-admin", password=PASSWORD, at=now
            )
            inv2 = accounts.invite(s, admin, member=code, role=ANALYST, at=now)
            out[f"{code}-admin"] = admin
            out[f"{code}-analyst"] = accounts.accept(
                s, inv2.token, username=f"{code}-analyst", password=PASSWORD, at=now
            )
    return out


def test_accounts_invitations_and_the_secretariat_limits(node: Node) -> None:
    people = _compact(node)
    now = node.clock.now()
    with node.db.session() as s:
        sec = s.get(accounts.Account, people["sec"].id)
        assert sec is not None
        with pytest.raises(ForbiddenError):  # CN has an administrator: hands off
            accounts.invite(s, sec, member="CN", role=ADMIN, at=now)
        with pytest.raises(ForbiddenError):
            accounts.disable(s, sec, people["CN-analyst"].id, now)
        fr_admin = s.get(accounts.Account, people["FR-admin"].id)
        assert fr_admin is not None
        with pytest.raises(ForbiddenError):  # another member's accounts
            accounts.invite(s, fr_admin, member="CN", role=ANALYST, at=now)
        with pytest.raises(ForbiddenError):
            accounts.disable(s, fr_admin, people["CN-analyst"].id, now)
        assert {a.username for a in accounts.accounts_of(s, sec)} == {"sec"}
    with node.db.session() as s, pytest.raises(AuthError):
        accounts.accept(s, "no-such-token", username="x", password=PASSWORD, at=now)


def test_sign_in_throttle_and_keys(node: Node, clock: FixedClock) -> None:
    people = _compact(node)
    for _ in range(accounts.FREE_FAILURES):
        with pytest.raises(AuthError, match="wrong"):
            accounts.sign_in(node.db, "cn-analyst", "guess", clock.now())
    with pytest.raises(AuthError, match="too many"):  # even with the right password
        accounts.sign_in(node.db, "cn-analyst", PASSWORD, clock.now())
    clock.advance(timedelta(hours=1, seconds=1))
    with node.db.session() as s:
        who = accounts.authenticate(s, "CN-Analyst", PASSWORD, clock.now())
        assert who.id == people["CN-analyst"].id
        issued = accounts.create_key(s, who, name="scripts", at=clock.now())
        token = issued.token
        assert accounts.sha256(token) == issued.key.token_sha256
        assert token not in str(issued.key.__dict__.values())
    with node.db.session() as s:
        assert accounts.authenticate_key(s, token, clock.now()).id == people["CN-analyst"].id
        key = accounts.keys_of(s, people["CN-analyst"])[0]
        assert key.last_used_at == clock.now()
        accounts.revoke_key(s, people["CN-analyst"], key.id, clock.now())
    with node.db.session() as s, pytest.raises(AuthError):
        accounts.authenticate_key(s, token, clock.now())


def _ingest(node: Node, tlp: TLP, owner: str = "FR", name: str = "a.log") -> None:
    path = node.settings.data_dir / name
    path.write_text(SAMPLE.read_text())
    node.pipeline.ingest([path], IngestOptions(owner=owner, tlp=tlp))


def _seen(node: Node, viewer: Viewer) -> pl.DataFrame:
    with node.db.session() as s:
        return visible_events(s, node.store.scan("events"), viewer).collect()


@pytest.mark.parametrize(
    ("tlp", "routed_sees", "other_sees"),
    [
        (TLP.CLEAR, True, True),
        (TLP.GREEN, True, True),
        (TLP.AMBER, True, False),
        (TLP.AMBER_STRICT, False, False),
        (TLP.RED, False, False),
    ],
)
def test_visibility_table(node: Node, tlp: TLP, routed_sees: bool, other_sees: bool) -> None:
    _ingest(node, tlp)
    owner = _seen(node, Viewer.of_member("FR"))
    assert owner.height == 10
    assert owner["raw"].null_count() == 0  # the owner sees everything
    routed = _seen(node, Viewer.of_member("CN"))
    assert (routed.height > 0) == routed_sees
    if routed_sees:
        assert routed["raw"].null_count() == routed.height  # not shared by default
        assert routed["destination.fqdn"].null_count() == routed.height
        assert routed["source.ip"].null_count() == 0
    stranger = _seen(node, Viewer.of_member("BR"))
    assert (stranger.height > 0) == other_sees
    for nobody in (Viewer.public(), Viewer("secretariat")):
        with node.db.session() as s, pytest.raises(ForbiddenError):
            visible_events(s, node.store.scan("events"), nobody)


def test_sharing_policy_opens_raw_for_one_recipient(node: Node) -> None:
    _ingest(node, TLP.AMBER)
    with node.db.session() as s:
        members.set_sharing(
            s, "FR", "CN", raw=True, destination=False, actor="t", at=node.clock.now()
        )
    cn = _seen(node, Viewer.of_member("CN"))
    assert cn["raw"].null_count() == 0
    assert cn["destination.fqdn"].null_count() == cn.height


def test_notices_acknowledge_contest_and_reroute(node: Node, clock: FixedClock) -> None:
    people = _compact(node)
    _ingest(node, TLP.AMBER)
    with node.db.session() as s:
        box = notices.inbox(s, "CN")
        assert len(box) == 1
        notice = box[0]
        assert notice.owner == "FR"
        frozen = notice_events(node, notice)
        assert notice.counts["events"] == notice.events == len(frozen) == 3
        assert notice.digest == notices.digest(frozen)
        assert notices.inbox(s, "FR") == []  # the owner gets no notice of its own events
        with pytest.raises(ForbiddenError):
            notices.acknowledge(s, notice.id, member="FR", account="x", at=clock.now())
    clock.advance(timedelta(minutes=30))
    with node.db.session() as s:
        done = notices.acknowledge(
            s, notice.id, member="CN", account=people["CN-analyst"].id, at=clock.now()
        )
        assert done.acknowledged_at == clock.now()
        with pytest.raises(ConflictError):
            notices.acknowledge(s, notice.id, member="CN", account="x", at=clock.now())
        one = frozen[:1]
        c = notices.contest(
            s,
            node.store.root,
            member="CN",
            account=people["CN-analyst"].id,
            grounds="wrong-jurisdiction",
            reason="this block is in HK",
            at=clock.now(),
            notice_id=notice.id,
            event_ids=one,
        )
    assert (
        _seen(node, Viewer.of_member("CN")).filter(pl.col("route.state") == "contested").height == 1
    )
    with node.db.session() as s, pytest.raises(ForbiddenError):  # only the owner resolves
        notices.resolve(
            s, c.id, owner="CN", account="x", outcome="withdrawn", note="", at=clock.now()
        )
    with node.db.session() as s:
        notices.resolve(
            s,
            c.id,
            owner="FR",
            account=people["FR-admin"].id,
            outcome="rerouted",
            note="moved",
            at=clock.now(),
            reroute_to="BR",
        )
    moved = _seen(node, Viewer.of_member("BR"))
    assert moved["event.id"].to_list() == one
    assert set(moved["route.member"]) == {"BR"}
    assert one[0] not in set(_seen(node, Viewer.of_member("CN"))["event.id"])
    with node.db.session() as s:
        assert ledger.verify(s)[1] is None
