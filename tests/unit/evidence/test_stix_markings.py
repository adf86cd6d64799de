"""STIX marking-definitions that name a TLP level in the forms producers write it.

A record's marking is a ceiling: a definition that names a TLP level is read whatever its
form (``TLP:RED`` as well as ``red``; OpenCTI's ``"TLP"`` key and its own AMBER+STRICT
statement), and one whose level cannot be read counts as RED, never as the feed's default.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest

from tests.unit.evidence.conformance import CTX, assert_accounted
from wuzhen.evidence.parsers.stix import Stix

MARKING = "marking-definition--aaaaaaaa-0000-4000-8000-00000000000{n}"


def _tlp_of(definition: dict[str, Any]) -> str | None:
    """The ``tlp`` of an indicator marked with a marking-definition built of ``definition``."""
    marking = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": MARKING.format(n=1),
        "created": "2022-01-01T00:00:00.000Z",
        **definition,
    }
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--11111111-0000-4000-8000-000000000001",
        "created": "2026-11-20T10:00:00.000Z",
        "modified": "2026-11-20T10:00:00.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": "2026-11-20T10:00:00Z",
        "object_marking_refs": [MARKING.format(n=1)],
    }
    bundle = {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}
    parser = Stix()
    records = parser.split_document(
        json.dumps({**bundle, "objects": [marking, indicator]}).encode()
    )
    good = records.filter(pl.col("__bad").is_null()).drop("__bad")
    result = parser.parse(good, None, CTX)
    assert_accounted(good, result)
    (event,) = result.events.to_dicts()
    tlp: str | None = event["tlp"]
    return tlp


@pytest.mark.parametrize(
    ("definition", "tlp"),
    [
        ({"definition_type": "tlp", "definition": {"tlp": "red"}}, "RED"),
        # a tester's bundle: the level with its prefix was not read, and the event took the
        # default AMBER and was routed
        ({"definition_type": "tlp", "definition": {"tlp": "TLP:RED"}}, "RED"),
        ({"definition_type": "TLP", "definition": {"TLP": "TLP:GREEN"}}, "GREEN"),
        (
            {
                "definition_type": "statement",
                "definition": {"statement": "custom"},
                "name": "TLP:AMBER+STRICT",
                "x_opencti_definition_type": "TLP",
                "x_opencti_definition": "TLP:AMBER+STRICT",
            },
            "AMBER+STRICT",
        ),
        ({"definition_type": "tlp", "definition": {"tlp": "ultraviolet"}}, "RED"),
        ({"definition_type": "tlp", "definition": {}}, "RED"),
        # a statement names no level: the record carries none of its own
        ({"definition_type": "statement", "definition": {"statement": "(c) 2026"}}, None),
    ],
)
def test_a_marking_that_names_a_tlp_level_is_read_or_taken_as_red(
    definition: dict[str, Any], tlp: str | None
) -> None:
    assert _tlp_of(definition) == tlp
