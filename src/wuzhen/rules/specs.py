"""The rules the code reads: each with its default, its type and what it governs.

A rule's type is a pydantic type: a new value is validated against it before it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class SharingPolicy(BaseModel):
    """What a member's events carry when another member sees them."""

    model_config = ConfigDict(extra="forbid")

    raw: bool = False  # the record as received
    destination: bool = False  # the owner's own sensor addresses (destination.*)


@dataclass(frozen=True)
class RuleSpec:
    key: str
    default: Any
    type: Any
    description: str

    def validate(self, value: Any) -> Any:
        adapted = TypeAdapter(self.type).validate_python(value)
        return adapted.model_dump() if isinstance(adapted, BaseModel) else adapted


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
    )
}
