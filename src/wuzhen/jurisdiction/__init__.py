"""Attribution of addresses and names to jurisdictions.

For an address: where its holder is registered (the regional registries' delegations: the
legal jurisdiction the compact routes by), where it is used and which AS announces it, and the
state answering for the registration country. Special-purpose addresses get a class instead of
a country. For a name: its ccTLD's country, for information. See ``docs/user/attribution.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wuzhen.jurisdiction.addresses import attribute_addresses, attribute_networks
    from wuzhen.jurisdiction.build import Source, build_snapshot
    from wuzhen.jurisdiction.snapshot import Snapshot, load_snapshot
    from wuzhen.jurisdiction.states import State, StateRegistry, load_states
    from wuzhen.jurisdiction.values import (
        UNROUTED,
        Attribution,
        attribute_value,
        attribute_values,
    )

#: Where each name below is defined: each module loads when first used, so that what needs
#: only the registry of states does not load the compiled address kernels.
_MODULES = {
    "attribute_addresses": "addresses",
    "attribute_networks": "addresses",
    "Source": "build",
    "build_snapshot": "build",
    "Snapshot": "snapshot",
    "load_snapshot": "snapshot",
    "State": "states",
    "StateRegistry": "states",
    "load_states": "states",
    "UNROUTED": "values",
    "Attribution": "values",
    "attribute_value": "values",
    "attribute_values": "values",
}


def __getattr__(name: str) -> object:
    if name in _MODULES:
        return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


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
