"""The ledger: an append-only, hash-chained record of every state change.

Entries carry ids and the change, not personal data. Each entry's content is committed to by
a salted digest, and the chain links digests, so a public export can replace the content of
non-public entries by their digest and still let anyone verify the whole chain.
"""

from __future__ import annotations

from wuzhen.ledger.chain import Breach, Change, append, append_all, head, verify
from wuzhen.ledger.export import browsed, export_public, verify_export
from wuzhen.ledger.tables import LedgerEntry

__all__ = [
    "Breach",
    "Change",
    "LedgerEntry",
    "append",
    "append_all",
    "browsed",
    "export_public",
    "head",
    "verify",
    "verify_export",
]
