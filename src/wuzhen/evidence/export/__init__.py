"""Exports of events to the formats other teams' tools read (STIX 2.1, MISP).

Exporters take events already selected for a recipient and write only the shared field set
(:data:`wuzhen.schema.SHARED`): never ``raw``, never ``destination.*``.
"""

from __future__ import annotations

import polars as pl

#: Whether an event's value is recommended for automatic detection: unless ``extra.to_ids``
#: is false (its producer, a MISP attribute, said not; the misp parser keeps the flag).
DETECTION = ~pl.col("extra").str.json_path_match("$.to_ids").eq_missing("false")
