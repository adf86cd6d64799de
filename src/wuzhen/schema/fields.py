"""The event field registry: every field an event may carry, as data.

Names follow IntelMQ's harmonization where it has one; the added fields are those DESIGN names
(identity, owner, registration country, route, marking). The Arrow schema, the API models and
the field reference in the docs are generated from this table, never written by hand.

``shared`` marks the fixed set of fields another member may receive; ``raw`` and the owner's
own sensor addresses (``destination.*``) are never in it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from wuzhen.schema.taxonomy import TAXONOMIES, TYPES
from wuzhen.schema.tlp import VALUES as TLP_VALUES


class Kind(enum.StrEnum):
    STRING = "string"
    INT32 = "int32"
    INT64 = "int64"
    TIMESTAMP = "timestamp"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    description: str
    pattern: str | None = None  # a regular expression the whole value must match
    values: tuple[str, ...] | None = None  # the allowed values
    minimum: int | None = None
    maximum: int | None = None
    required: bool = False
    shared: bool = True
    set_by: str = "parser"  # "parser" or "pipeline"
    few_values: bool = False  # few distinct values in practice, though not a closed list

    @property
    def dictionary(self) -> bool:
        """Stored dictionary-encoded: a closed list of values, or few in practice."""
        return self.few_values or self.values is not None


CC = r"[A-Z]{2}"
HEX32 = r"[0-9a-f]{32}"
#: A DNS name as logs write it: labels of letters (any script), digits, ``-`` and ``_``, with
#: an optional final dot; never an address list, brackets or markup (``1.2.3.4,``, ``[::1]``).
#: (Label lengths are not counted: ``{1,63}`` over Unicode letters made the check 40 times
#: dearer, 0.2 s a batch.)
HOST_NAME = r"(?:[\w-]+\.)*[\w-]+\.?"
HEX64 = r"[0-9a-f]{64}"
EVIDENCE_ID = r"[0-9a-f]{16}"
ROUTE_BASES = ("registration", "location")
ROUTE_STATES = ("routed", "unrouted", "contested", "retracted")
TRANSPORTS = ("tcp", "udp", "icmp", "icmp6", "sctp", "gre", "esp", "ah", "ipv6-icmp", "other")

F = Field
S = Kind.STRING
FIELDS: tuple[Field, ...] = (
    F(
        "event.id",
        S,
        "Fingerprint: hash of owner, normalized record, its occurrence number in the file.",
        pattern=HEX32,
        required=True,
        set_by="pipeline",
    ),
    F(
        "evidence.id",
        S,
        "The evidence file this event came from (see `wuzhen evidence`).",
        pattern=EVIDENCE_ID,
        required=True,
        set_by="pipeline",
        few_values=True,
    ),
    F(
        "evidence.record",
        Kind.INT64,
        "Record number in the evidence file (the line number for line-based formats).",
        minimum=1,
        required=True,
        set_by="pipeline",
    ),
    F(
        "evidence.format",
        S,
        "The parser that read the record.",
        required=True,
        set_by="pipeline",
        few_values=True,
    ),
    F(
        "evidence.ref",
        S,
        "The record's own identifier at its source: STIX or MISP id, a "
        "partner's report id, an IDS signature event id.",
    ),
    F(
        "owner",
        S,
        "The member whose evidence this is (ISO 3166 alpha-2).",
        pattern=CC,
        required=True,
        set_by="pipeline",
        few_values=True,
    ),
    F("time.source", Kind.TIMESTAMP, "When the activity happened, as the record states (UTC)."),
    F(
        "time.observation",
        Kind.TIMESTAMP,
        "When Wuzhen ingested the record (UTC).",
        required=True,
        set_by="pipeline",
        few_values=True,
    ),
    F("feed.name", S, "Name of the feed or sensor the evidence came from.", few_values=True),
    F("feed.provider", S, "Who publishes the feed.", few_values=True),
    F(
        "tlp",
        S,
        "Sharing marking, TLP 2.0. A ceiling: it may be restricted, never loosened.",
        values=TLP_VALUES,
        required=True,
        set_by="pipeline",
    ),
    F(
        "source.ip",
        S,
        "Address the activity came from, in canonical text (IPv6 as RFC 5952 writes it).",
    ),
    F("source.port", Kind.INT32, "Source port.", minimum=0, maximum=65535),
    F("source.network", S, "Block the record names (CIDR), where it names a block."),
    F("source.fqdn", S, "Host name of the source.", pattern=HOST_NAME),
    F("source.url", S, "URL the source serves (malicious or compromised content)."),
    F(
        "source.asn",
        Kind.INT64,
        "Autonomous system announcing the source address.",
        minimum=0,
        maximum=4294967295,
        set_by="pipeline",
    ),
    F("source.as_name", S, "Name of that autonomous system.", set_by="pipeline", few_values=True),
    F(
        "source.registration.cc",
        S,
        "Country where the source block's holder is registered "
        "(regional registries' delegations): the jurisdiction routing uses.",
        pattern=r"[A-Z0-9]{2}",
        set_by="pipeline",
        few_values=True,
    ),
    F(
        "source.geolocation.cc",
        S,
        "Country where the source address is used.",
        pattern=r"[A-Z0-9]{2}",
        set_by="pipeline",
        few_values=True,
    ),
    F(
        "source.registry",
        S,
        "Regional Internet registry of the source block, where known.",
        set_by="pipeline",
        few_values=True,
    ),
    F(
        "source.special_purpose",
        S,
        "Class of a special-purpose source address (private, "
        "loopback, documentation...); such addresses have no country.",
        set_by="pipeline",
        few_values=True,
    ),
    F(
        "source.tld.cc",
        S,
        "Country of the source host name's ccTLD, for information only.",
        pattern=CC,
        set_by="pipeline",
        few_values=True,
    ),
    F(
        "destination.ip",
        S,
        "Address the activity was aimed at (often the owner's sensor).",
        shared=False,
    ),
    F("destination.port", Kind.INT32, "Destination port.", minimum=0, maximum=65535, shared=False),
    F("destination.fqdn", S, "Host name the activity was aimed at.", shared=False),
    F("destination.urlpath", S, "Path (and query) requested on the destination.", shared=False),
    F("protocol.transport", S, "Transport protocol, lower case.", values=TRANSPORTS),
    F(
        "protocol.application",
        S,
        "Application protocol, lower case (ssh, http, dns...).",
        few_values=True,
    ),
    F(
        "classification.taxonomy",
        S,
        "RSIT taxonomy of the event.",
        values=TAXONOMIES,
        required=True,
    ),
    F("classification.type", S, "RSIT type of the event.", values=TYPES, required=True),
    F(
        "classification.identifier",
        S,
        "Finer identifier: signature, rule or feed-specific name.",
        required=True,
        few_values=True,
    ),
    F("event_description.text", S, "What the record says happened, in its own words."),
    F("malware.name", S, "Malware family named by the record, lower case.", few_values=True),
    F(
        "route.member",
        S,
        "Member the event is routed to (its jurisdiction includes the routing country).",
        pattern=CC,
        set_by="pipeline",
        few_values=True,
    ),
    F(
        "route.basis",
        S,
        "Which country routing used: the registration or the location country.",
        values=ROUTE_BASES,
        required=True,
        set_by="pipeline",
    ),
    F(
        "route.state",
        S,
        "routed, unrouted (no member answers for the country, or a "
        "special-purpose address), contested or retracted.",
        values=ROUTE_STATES,
        required=True,
        set_by="pipeline",
    ),
    F("raw", S, "The record as received.", required=True, shared=False),
    F("extra", Kind.JSON, "Further fields of the record, as a JSON object."),
)
del F, S

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
SHARED: tuple[str, ...] = tuple(f.name for f in FIELDS if f.shared)
