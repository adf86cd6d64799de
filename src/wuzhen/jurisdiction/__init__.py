"""Attribution of addresses and names to jurisdictions.

For an address: where its holder is registered (the regional registries' delegations: the
legal jurisdiction the compact routes by), where it is used and which AS announces it, and the
state answering for the registration country. Special-purpose addresses get a class instead of
a country. For a name: its ccTLD's country, for information. See ``docs/user/attribution.md``.
"""

from __future__ import annotations

from wuzhen.jurisdiction.addresses import attribute_addresses, attribute_networks
from wuzhen.jurisdiction.build import Source, build_snapshot
from wuzhen.jurisdiction.snapshot import Snapshot, load_snapshot
from wuzhen.jurisdiction.states import State, StateRegistry, load_states
from wuzhen.jurisdiction.values import UNROUTED, Attribution, attribute_value, attribute_values

__all__ = [
    "UNROUTED",
    "Attribution",
    "Snapshot",
    "Source",
    "State",
    "StateRegistry",
    "attribute_addresses",
    "attribute_networks",
    "attribute_value",
    "attribute_values",
    "build_snapshot",
    "load_snapshot",
    "load_states",
]
