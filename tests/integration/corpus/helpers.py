"""What the corpus tests share: ingesting one file and checking rows field by field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wuzhen.evidence.ingest import FileSummary, IngestOptions
from wuzhen.node import Node


def ingest(node: Node, path: Path, **options: Any) -> tuple[FileSummary, dict[int, dict[str, Any]]]:
    """Ingest ``path`` as member CN: its summary, and its stored events by record number."""
    summary = node.pipeline.ingest([path], IngestOptions(owner="CN", **options)).files[0]
    s = summary
    assert s.records == s.events + s.duplicates + s.skipped + s.rejects
    events = node.store.scan("events").collect()
    assert events.height == summary.events
    return summary, {r["evidence.record"]: r for r in events.to_dicts()}


def check(row: dict[str, Any], expected: dict[str, Any]) -> None:
    """``row`` has these values for these fields (and anything for the others)."""
    assert {k: row[k] for k in expected} == expected
