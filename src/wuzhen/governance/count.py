"""Counting votes: pure functions, the same for every proposal and every member.

- Eligible: active members with voting rights when the vote closes.
- Present: eligible members whose delegation registered for the session, and members
  represented by a registered delegation holding their proxy (at most one proxy each).
- Quorum: present >= ceil(fraction x eligible) (the rule ``governance.quorum_fraction``).
- Simple majority of members present and voting: yes > no. Abstentions are recorded and not
  counted as votes cast; a tie fails.
- Two-thirds: yes >= 2/3 of (yes + no), with at least one vote cast.
- Consensus: passes at close unless a member objects (an objection gives a reason).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

METHODS = ("simple", "two-thirds", "consensus")
CHOICES = {
    "simple": ("yes", "no", "abstain"),
    "two-thirds": ("yes", "no", "abstain"),
    "consensus": ("yes", "abstain", "object"),
}


@dataclass(frozen=True, slots=True)
class Ballot:
    member: str
    choice: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Tally:
    method: str
    eligible: int
    present: int
    quorum: int  # members needed present
    quorum_met: bool
    yes: int
    no: int
    abstain: int
    objections: tuple[tuple[str, str], ...]  # (member, reason)
    voted: tuple[str, ...]  # who voted (counted ballots), sorted
    adopted: bool
    ignored: tuple[str, ...] = field(default=())  # ballots of members not eligible or absent

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "eligible": self.eligible,
            "present": self.present,
            "quorum": self.quorum,
            "quorum_met": self.quorum_met,
            "yes": self.yes,
            "no": self.no,
            "abstain": self.abstain,
            "objections": [{"member": m, "reason": r} for m, r in self.objections],
            "voted": list(self.voted),
            "adopted": self.adopted,
            "ignored": list(self.ignored),
        }


def count(
    method: str,
    ballots: Iterable[Ballot],
    *,
    eligible: set[str],
    present: set[str],
    quorum_fraction: float,
) -> Tally:
    if method not in METHODS:
        msg = f"unknown voting method {method!r}"
        raise ValueError(msg)
    present = present & eligible
    counted = [b for b in ballots if b.member in present]
    ignored = tuple(sorted(b.member for b in ballots if b.member not in present))
    yes = sum(b.choice == "yes" for b in counted)
    no = sum(b.choice == "no" for b in counted)
    abstain = sum(b.choice == "abstain" for b in counted)
    objections = tuple(sorted((b.member, b.reason or "") for b in counted if b.choice == "object"))
    needed = math.ceil(quorum_fraction * len(eligible))
    quorum_met = len(eligible) > 0 and len(present) >= needed
    if method == "simple":
        passes = yes > no
    elif method == "two-thirds":
        passes = yes + no > 0 and 3 * yes >= 2 * (yes + no)
    else:
        passes = not objections
    return Tally(
        method=method,
        eligible=len(eligible),
        present=len(present),
        quorum=needed,
        quorum_met=quorum_met,
        yes=yes,
        no=no,
        abstain=abstain,
        objections=objections,
        voted=tuple(sorted(b.member for b in counted)),
        adopted=quorum_met and passes,
        ignored=ignored,
    )
