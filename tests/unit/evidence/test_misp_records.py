"""MISP records: what a record's text holds (its fingerprint), and shapes that are not MISP's.

Regression tests for a tester's report on the MISP parser: an updated event added every
attribute again; a ``Tag`` or ``Attribute`` in another shape than a list was passed over (a
RED marking lowered to the feed's default, attributes lost uncounted).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.unit.evidence.test_misp import PARSER, _attr, _event, _reasons, _split
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.evidence.parsers._base import LINE
from wuzhen.evidence.parsers._misp_document import (
    BAD_ATTRIBUTES,
    BAD_OBJECT,
    BAD_OBJECT_ATTRIBUTES,
    BAD_OBJECTS,
)
from wuzhen.evidence.parsers.misp import BAD_ATTRIBUTE_TAGS, BAD_EVENT_TAGS
from wuzhen.node import Node
from wuzhen.schema.tlp import TLP


def _full_event() -> dict[str, Any]:
    """An event as MISP exports it: with the fields it changes on every edit and publication."""
    objects = [
        {
            "name": "domain-ip",
            "uuid": "o1",
            "meta-category": "network",
            "timestamp": "1767312000",
            "Attribute": [_attr("domain", "b.example.com")],
        }
    ]
    attribute = _attr("ip-src", "198.51.100.1", Tag=[{"name": "tlp:amber"}])
    return _event(
        [attribute],
        tags=["tlp:green", 'misp-galaxy:malpedia="Emotet"'],
        objects=objects,
        timestamp="1767312000",
        publish_timestamp="1767312100",
        published=True,
        attribute_count="2",
        analysis="1",
        threat_level_id="2",
        distribution="1",
    )


def _lines(event: dict[str, Any]) -> list[str]:
    split = PARSER.split_document(json.dumps({"Event": event}).encode())
    assert split["__bad"].null_count() == split.height
    return split[LINE].to_list()


# -- the record's text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"timestamp": "1767400000"},
        {"publish_timestamp": "1767400000"},
        {"published": False},
        {"attribute_count": "3"},
        {"sighting_timestamp": "1767400000"},
        {"locked": True, "proposal_email_lock": True},
        {"analysis": "2"},
        {"Org": {"name": "the instance that holds a copy"}},
        {"protected": None, "event_creator_email": "a@example.org"},  # a later MISP's fields
    ],
    ids=lambda c: ",".join(c),
)
def test_what_misp_changes_on_every_edit_or_publication_is_not_in_the_text(
    change: dict[str, Any],
) -> None:
    event = _full_event()
    assert _lines({**event, **change}) == _lines(event)


def test_a_sighting_or_an_edit_of_a_sibling_does_not_change_an_attributes_text() -> None:
    event = _full_event()
    changed = copy.deepcopy(event)
    changed["Attribute"][0]["Sighting"] = [{"date_sighting": "1767400000", "type": "0"}]
    changed["Object"][0]["timestamp"] = "1767400000"  # one of its attributes was edited
    assert _lines(changed) == _lines(event)


@pytest.mark.parametrize(
    "change",
    [
        {"Tag": [{"name": "tlp:red"}]},
        {"info": "a new description"},
        {"Orgc": {"name": "ANOTHER-CERT"}},
        {"threat_level_id": "1"},
        {"date": "2026-02-03"},
    ],
    ids=lambda c: ",".join(c),
)
def test_what_the_event_says_about_its_attributes_is_in_the_text(change: dict[str, Any]) -> None:
    event = _full_event()
    before, after = _lines(event), _lines({**event, **change})
    assert all(a != b for a, b in zip(before, after, strict=True))


def test_the_text_keeps_the_event_the_object_and_the_attribute() -> None:
    first, second = (json.loads(t) for t in _lines(_full_event()))
    assert first["Event"] == {
        "uuid": "11111111-2222-4333-8444-555555555555",
        "id": "7",
        "info": "test event",
        "date": "2026-01-02",
        "threat_level_id": "2",
        "distribution": "1",
        "Orgc": {"name": "ORG"},
        "Tag": [{"name": "tlp:green"}, {"name": 'misp-galaxy:malpedia="Emotet"'}],
    }
    assert first["Attribute"]["Tag"] == [{"name": "tlp:amber"}]
    assert second["Object"] == {"uuid": "o1", "name": "domain-ip", "meta-category": "network"}
    assert second["Attribute"]["value"] == "b.example.com"


def test_an_updated_event_adds_only_what_is_new_or_changed(
    sqlite_node: Node, tmp_path: Path
) -> None:
    event = _full_event()
    updated = copy.deepcopy(event)
    updated.update(timestamp="1767400000", publish_timestamp="1767400100", attribute_count="3")
    updated["Attribute"].append(_attr("ip-src", "198.51.100.2"))
    remarked = {**copy.deepcopy(updated), "Tag": [{"name": "tlp:red"}]}
    counts = []
    for i, document in enumerate([event, updated, remarked]):
        path = tmp_path / f"{i}.json"
        path.write_text(json.dumps({"Event": document}, indent=2))
        report = sqlite_node.pipeline.ingest([path], IngestOptions(owner="CN"))
        counts.append((report.files[0].events, report.files[0].duplicates))
    # A new attribute is new; a re-marked event's attributes are new records, with the new
    # ceiling (the earlier events stay as they were stored).
    assert counts == [(2, 0), (1, 2), (3, 0)]
    events = sqlite_node.store.scan("events").collect()
    assert events.group_by("tlp").len().sort("tlp").rows() == [
        ("AMBER", 1),
        ("GREEN", 2),
        ("RED", 3),
    ]


# -- shapes that are not MISP's --------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_fields", "reasons"),
    [
        ({"Attribute": _attr("ip-src", "185.220.101.1")}, {BAD_ATTRIBUTES: 1}),
        ({"Attribute": "198.51.100.1"}, {BAD_ATTRIBUTES: 1}),
        ({"Object": {"name": "ip-port", "Attribute": []}}, {BAD_OBJECTS: 1}),
        ({"Object": [None, "x"]}, {BAD_OBJECT: 2}),
        ({"Object": [{"name": "url", "Attribute": {"type": "url"}}]}, {BAD_OBJECT_ATTRIBUTES: 1}),
    ],
    ids=["attribute-object", "attribute-string", "object-object", "not-objects", "object-attr"],
)
def test_lists_in_another_shape_are_rejected_records(
    event_fields: dict[str, Any], reasons: dict[str, int]
) -> None:
    event = _event([_attr("ip-src", "198.51.100.9")])
    event.update(event_fields)
    split = PARSER.split_document(json.dumps({"Event": event}).encode())
    bad = split.filter(pl.col("__bad").is_not_null())
    assert dict(bad["__bad"].value_counts().iter_rows()) == reasons
    # The rejected record keeps what it is: the event's part and the value in question.
    assert all(json.loads(t)["Event"]["info"] == "test event" for t in bad[LINE])


def test_an_event_whose_attributes_are_an_object_is_counted(
    sqlite_node: Node, tmp_path: Path
) -> None:
    path = tmp_path / "event.json"
    event = _event([])
    event["Attribute"] = _attr("ip-src", "185.220.101.1")
    path.write_text(json.dumps({"Event": event}))
    file = sqlite_node.pipeline.ingest([path], IngestOptions(owner="CN")).files[0]
    assert (file.records, file.events, file.rejects) == (1, 0, 1)


@pytest.mark.parametrize(
    "tags",
    [{"name": "tlp:red"}, "tlp:red", ["tlp:red"], [{"name": None}], [{"id": "5"}], 5, ""],
    ids=["object", "string", "strings", "null-name", "no-name", "number", "empty-string"],
)
@pytest.mark.parametrize("where", ["event", "attribute"])
def test_tags_in_another_shape_are_rejected_not_passed_over(tags: Any, where: str) -> None:
    attr = _attr("ip-src", "198.51.100.1")
    event = _event([attr], tags=["tlp:amber"])
    (event if where == "event" else attr)["Tag"] = tags
    _, result = _split(json.dumps({"Event": event}).encode())
    assert result.events.height == 0
    reason = BAD_EVENT_TAGS if where == "event" else BAD_ATTRIBUTE_TAGS
    assert _reasons(result.rejects) == {reason: 1}


@pytest.mark.parametrize("tags", [None, []])
def test_no_tags_are_no_markings(tags: Any) -> None:
    attr = _attr("ip-src", "198.51.100.1", Tag=tags)
    _, result = _split(json.dumps({"Event": {**_event([attr]), "Tag": tags}}).encode())
    assert result.events["tlp"].to_list() == [None]


def test_a_red_marking_in_another_shape_is_never_stored_under_the_default(
    sqlite_node: Node, tmp_path: Path
) -> None:
    # The tester's file: the event's Tag an object, the attribute's a string.
    document = {
        "Event": {
            "uuid": "9e000000-0000-4000-8000-00000000000a",
            "info": "x",
            "date": "2026-11-01",
            "Tag": {"name": "tlp:red"},
            "Attribute": [
                {
                    "type": "ip-src",
                    "category": "Network activity",
                    "value": "185.220.101.2",
                    "uuid": "9e000000-0000-4000-8000-0000000000a1",
                    "Tag": "tlp:red",
                }
            ],
        }
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(document))
    report = sqlite_node.pipeline.ingest([path], IngestOptions(owner="CN", tlp=TLP.GREEN))
    assert (report.files[0].events, report.files[0].rejects) == (0, 1)
    assert sqlite_node.store.scan("events").collect().height == 0
