"""Vote counting for every method: ties, abstentions, quorum, objections (#7)."""

from __future__ import annotations

import pytest

from wuzhen.governance.count import Ballot, count

ELIGIBLE = {"A", "B", "C", "D", "E", "F"}


def _count(method: str, votes: str, present: str = "ABCDEF", fraction: float = 0.5):  # type: ignore[no-untyped-def]
    ballots = [
        Ballot(
            m,
            {"y": "yes", "n": "no", "a": "abstain", "o": "object"}[c],
            "not acceptable" if c == "o" else None,
        )
        for m, c in zip("ABCDEF", votes, strict=False)
        if c != "-"
    ]
    return count(method, ballots, eligible=ELIGIBLE, present=set(present), quorum_fraction=fraction)


@pytest.mark.parametrize(
    ("votes", "adopted"),
    [
        ("yyynn-", True),
        ("yynn--", False),  # a tie fails
        ("yaaaaa", True),  # abstentions are not votes cast
        ("aaaaaa", False),
        ("nyaaaa", False),
    ],
)
def test_simple_majority_of_members_present_and_voting(votes: str, adopted: bool) -> None:
    assert _count("simple", votes).adopted is adopted


@pytest.mark.parametrize(
    ("votes", "adopted"),
    [("yyyynn", True), ("yyynn-", False), ("yyn---", True), ("yynaaa", True), ("aaaaaa", False)],
)
def test_two_thirds(votes: str, adopted: bool) -> None:
    assert _count("two-thirds", votes).adopted is adopted


def test_consensus_passes_unless_someone_objects() -> None:
    assert _count("consensus", "yyaa--").adopted
    assert _count("consensus", "------").adopted  # silence is consent, with a quorum
    tally = _count("consensus", "yyyyyo")
    assert not tally.adopted
    assert tally.objections == (("F", "not acceptable"),)


def test_quorum_failure() -> None:
    tally = _count("simple", "yy----", present="AB")
    assert (tally.quorum, tally.present, tally.quorum_met, tally.adopted) == (3, 2, False, False)
    assert _count("simple", "yy----", present="ABC").adopted


def test_votes_of_absent_or_ineligible_members_do_not_count() -> None:
    ballots = [Ballot("A", "yes"), Ballot("Z", "no"), Ballot("B", "no"), Ballot("C", "no")]
    tally = count(
        "simple", ballots, eligible=ELIGIBLE, present={"A", "B", "D", "Z"}, quorum_fraction=0.5
    )
    assert tally.ignored == ("C", "Z")
    assert (tally.yes, tally.no, tally.voted) == (1, 1, ("A", "B"))
    assert not tally.adopted
