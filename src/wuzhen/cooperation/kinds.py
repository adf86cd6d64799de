"""Request types, what each must state, and the offence categories.

Modelled on the mechanisms states use: the Budapest Convention's expedited preservation
(art. 29) and 24/7 network, its Second Additional Protocol's disclosure orders (subscriber
and traffic data, emergency disclosure), removal of terrorist content within one hour, mutual
legal assistance and asset tracing for money laundering.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=10_000)]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$")
]

KINDS = ("takedown", "preservation", "disclosure", "assistance", "asset-tracing", "information")
OFFENCES = (
    "cyberattack",
    "fraud",
    "terrorism",
    "drug-trafficking",
    "money-laundering",
    "trade-secret-theft",
    "child-sexual-abuse-material",
    "other",
)
URGENCIES = ("normal", "urgent", "emergency")


class _Details(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Takedown(_Details):
    """Removal of content or infrastructure (botnet controller, phishing site, terrorist
    content). The exact URLs, the reasons and the legal basis."""

    target: Literal["content", "infrastructure", "terrorist-content"]
    urls: Annotated[list[Url], Field(min_length=1, max_length=1000)]
    reasons: Text
    legal_basis: Text


class Preservation(_Details):
    """Expedited preservation of stored data pending a disclosure request."""

    requesting_authority: Text
    offence_facts: Text
    data: Text  # the data to preserve
    relation: Text  # how the data relates to the offence
    custodian: Text  # who holds it, where
    necessity: Text  # why preservation is necessary
    disclosure_to_follow: Literal[True]  # a request for disclosure will follow


class Disclosure(_Details):
    """Disclosure of subscriber or traffic data (emergency: a shorter deadline)."""

    data_kind: Literal["subscriber", "traffic"]
    identifiers: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=512)]],
        Field(min_length=1, max_length=1000),
    ]
    facts: Text
    emergency: bool = False
    emergency_justification: str | None = None


class Assistance(_Details):
    """General mutual assistance in an investigation."""

    facts: Text
    measures: Text  # what the requested member is asked to do


class AssetTracing(_Details):
    """Tracing assets for a money-laundering investigation."""

    wallets: list[Annotated[str, StringConstraints(min_length=1, max_length=256)]] = []
    accounts: list[Annotated[str, StringConstraints(min_length=1, max_length=256)]] = []
    offence_facts: Text


class Information(_Details):
    """A question to the responsible member."""

    question: Text


DETAILS: dict[str, type[_Details]] = {
    "takedown": Takedown,
    "preservation": Preservation,
    "disclosure": Disclosure,
    "assistance": Assistance,
    "asset-tracing": AssetTracing,
    "information": Information,
}


def deadline_rule(kind: str, details: _Details) -> str:
    """The rule that sets the deadline of a request of this kind."""
    if isinstance(details, Takedown) and details.target == "terrorist-content":
        return "requests.deadline.takedown_terrorist_content"
    if isinstance(details, Disclosure):
        if details.emergency:
            return "requests.deadline.disclosure_emergency"
        return f"requests.deadline.disclosure_{details.data_kind}"
    return f"requests.deadline.{kind.replace('-', '_')}"
