"""Rules: the compact's policy parameters, read by code and never hard-coded.

Each rule has a current value in the relational store and a history (a view over the
ledger). Rules change only by resolution: a resolution's changes are applied at its effective
date, each citing it.
"""

from __future__ import annotations

from wuzhen.rules.service import RuleChange, change, current, ensure_defaults, get, history
from wuzhen.rules.specs import SPECS, RuleSpec

__all__ = [
    "SPECS",
    "RuleChange",
    "RuleSpec",
    "change",
    "current",
    "ensure_defaults",
    "get",
    "history",
]
