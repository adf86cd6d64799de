"""The rules the code reads: each with its default, its type and what it governs.

A rule's type is a pydantic type: a new value is validated against it before it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter


class SharingPolicy(BaseModel):
    """What a member's events carry when another member sees them."""

    model_config = ConfigDict(extra="forbid")

    raw: bool = False  # the record as received
    destination: bool = False  # the owner's own sensor addresses (destination.*)


Hours = Annotated[int, Field(ge=1, le=24 * 366)]

#: Refusal grounds no resolution may remove (enforced when a proposal is tabled and here).
ENTRENCHED_GROUNDS = ("political-offence", "human-rights")
REFUSAL_GROUNDS = [
    {"code": "political-offence", "label": "Political offence"},
    {
        "code": "sovereignty",
        "label": "Prejudice to sovereignty, security, public order or essential interests",
    },
    {"code": "dual-criminality", "label": "Dual criminality not met"},
    {"code": "insufficient-information", "label": "Insufficient information"},
    {"code": "not-an-offence", "label": "Not an offence under domestic law"},
    {"code": "ne-bis-in-idem", "label": "Ne bis in idem"},
    {"code": "human-rights", "label": "Human-rights grounds (discrimination, death penalty)"},
    {"code": "other", "label": "Other (with text)"},
]


class Ground(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")]
    label: Annotated[str, Field(min_length=3, max_length=200)]


def _grounds_keep_entrenched(grounds: list[Ground]) -> list[Ground]:
    codes = {g.code for g in grounds}
    missing = [c for c in ENTRENCHED_GROUNDS if c not in codes]
    if missing:
        msg = f"the entrenched refusal grounds cannot be removed: {', '.join(missing)}"
        raise ValueError(msg)
    if "other" not in codes:
        msg = "the refusal grounds must keep 'other'"
        raise ValueError(msg)
    if any(c in ("bank-secrecy", "fiscal") for c in codes):
        msg = "bank secrecy and fiscal grounds are not accepted grounds for refusal"
        raise ValueError(msg)
    return grounds


Grounds = Annotated[list[Ground], AfterValidator(_grounds_keep_entrenched)]
TLP_NAME = Literal["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]


@dataclass(frozen=True)
class RuleSpec:
    key: str
    default: Any
    type: Any
    description: str

    def validate(self, value: Any) -> Any:
        adapted = TypeAdapter(self.type).validate_python(value)
        return TypeAdapter(self.type).dump_python(adapted, mode="json")


SPECS: dict[str, RuleSpec] = {
    spec.key: spec
    for spec in (
        RuleSpec(
            "routing.basis",
            "registration",
            Literal["registration", "location"],
            "Which country routes an event: where its source block's holder is registered "
            "(registration) or where the address is used (location).",
        ),
        RuleSpec(
            "sharing.default_policy",
            SharingPolicy().model_dump(),
            SharingPolicy,
            "What a member's events carry for other members unless its own policy says "
            "otherwise: the raw record, the owner's own addresses (destination.*).",
        ),
        RuleSpec(
            "transparency.small_count_threshold",
            5,
            Annotated[int, Field(ge=1, le=1000)],
            "Counts below this are published as ranges, so single cases cannot be identified.",
        ),
        RuleSpec(
            "retention.days",
            180,
            Annotated[int, Field(ge=1, le=3650)],
            "Events and rejects older than this many days are removed by tick.",
        ),
        RuleSpec(
            "requests.deadline.takedown",
            72,
            Hours,
            "Hours to carry out a takedown of content or infrastructure.",
        ),
        RuleSpec(
            "requests.deadline.takedown_terrorist_content",
            1,
            Hours,
            "Hours to remove terrorist content.",
        ),
        RuleSpec(
            "requests.deadline.preservation",
            24,
            Hours,
            "Hours to preserve the data a preservation request names.",
        ),
        RuleSpec(
            "requests.deadline.disclosure_subscriber",
            20 * 24,
            Hours,
            "Hours to disclose subscriber data (20 days).",
        ),
        RuleSpec(
            "requests.deadline.disclosure_traffic",
            45 * 24,
            Hours,
            "Hours to disclose traffic data (45 days).",
        ),
        RuleSpec(
            "requests.deadline.disclosure_emergency",
            24,
            Hours,
            "Hours to disclose data in an emergency.",
        ),
        RuleSpec(
            "requests.deadline.assistance",
            90 * 24,
            Hours,
            "Hours to answer a request for investigative assistance.",
        ),
        RuleSpec(
            "requests.deadline.asset_tracing",
            30 * 24,
            Hours,
            "Hours to answer an asset-tracing request.",
        ),
        RuleSpec(
            "requests.deadline.information",
            14 * 24,
            Hours,
            "Hours to answer a request for information.",
        ),
        RuleSpec(
            "requests.acknowledge_within",
            {"normal": 24, "urgent": 4, "emergency": 1},
            dict[Literal["normal", "urgent", "emergency"], Hours],
            "Hours to acknowledge a request, by urgency.",
        ),
        RuleSpec(
            "requests.preservation_days",
            60,
            Annotated[int, Field(ge=60, le=3650)],
            "Days preserved data is kept (at least 60; extendable by request).",
        ),
        RuleSpec(
            "requests.escalation_delay_hours",
            24,
            Hours,
            "Hours after a missed deadline before the requested member's policy contact "
            "is alerted.",
        ),
        RuleSpec(
            "requests.refusal_grounds",
            REFUSAL_GROUNDS,
            Grounds,
            "The grounds a refusal or partial execution may cite. Political offence and "
            "human-rights grounds are entrenched.",
        ),
        RuleSpec(
            "requests.default_tlp",
            {
                "takedown": "AMBER",
                "preservation": "AMBER",
                "disclosure": "AMBER",
                "assistance": "AMBER",
                "asset-tracing": "AMBER",
                "information": "GREEN",
            },
            dict[
                Literal[
                    "takedown",
                    "preservation",
                    "disclosure",
                    "assistance",
                    "asset-tracing",
                    "information",
                ],
                TLP_NAME,
            ],
            "The marking a new request of each type gets unless its author sets one.",
        ),
        RuleSpec(
            "governance.quorum_fraction",
            0.5,
            Annotated[float, Field(ge=0.1, le=1.0)],
            "Share of the members with voting rights whose delegations must be registered for "
            "a session's votes to count (at least half by default).",
        ),
        RuleSpec(
            "governance.methods",
            ["simple", "two-thirds", "consensus"],
            Annotated[list[Literal["simple", "two-thirds", "consensus"]], Field(min_length=1)],
            "The voting methods a proposal may choose from.",
        ),
    )
}
