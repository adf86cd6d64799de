"""Events exported as a MISP event (``wuzhen.evidence.export.misp``), checked with PyMISP, and
read back by the ``misp`` parser to the same events."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pymisp import MISPEvent
from typer.testing import CliRunner

from wuzhen.cli import app
from wuzhen.errors import InputError
from wuzhen.evidence.export.misp import NAMESPACE, tlp_tag, to_misp_event
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.node import Node
from wuzhen.schema.tlp import RANK, TLP

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "evidence"
NOTICE = "Address attribution contains data from: delegated-example: CC-BY 4.0"
COMPARED = [
    "source.ip",
    "source.port",
    "source.network",
    "source.fqdn",
    "source.url",
    "source.asn",
    "classification.type",
    "time.source",
]


def _export(events: pl.DataFrame, **kwargs: Any) -> dict[str, Any]:
    options = {"info": "Test export", "orgc": "CERT-CN", "notice": NOTICE, **kwargs}
    return to_misp_event(events, **options)


def _uuid_of(document: dict[str, Any], event_id: str) -> str:
    """The uuid of the attribute whose earliest event is ``event_id`` in ``document``."""
    return str(uuid.uuid5(NAMESPACE, f"attribute:{document['Event']['uuid']}:{event_id}"))


def _pymisp(document: dict[str, Any]) -> MISPEvent:
    event = MISPEvent()
    event.load(json.dumps(document))
    return event


def _ingest(node: Node, paths: list[Path], tlp: TLP = TLP.AMBER) -> pl.DataFrame:
    node.pipeline.ingest(paths, IngestOptions(owner="CN", tlp=tlp))
    return node.store.scan("events").collect()


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    base = {
        "classification.type": "blacklist",
        "classification.identifier": "test",
        "tlp": "GREEN",
        "time.source": datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
    }
    return pl.DataFrame(
        [{"event.id": f"{i:032x}", **base, **r} for i, r in enumerate(rows)],
        schema_overrides={"time.source": pl.Datetime("us", "UTC"), "source.port": pl.Int32},
    )


def test_an_export_loads_in_pymisp_with_its_tags(sqlite_node: Node) -> None:
    events = _ingest(sqlite_node, [SAMPLES / "openssh" / "auth.log"], tlp=TLP.GREEN)
    document = _export(events)
    misp = _pymisp(copy.deepcopy(document))
    assert misp.info == f"Test export — {NOTICE}"
    assert misp.orgc.name == "CERT-CN"
    assert [t.name for t in misp.tags] == ["tlp:green"]
    assert misp.distribution == 1  # GREEN: this community
    # 10 events of 6 distinct observables: one attribute each (the earliest event's uuid).
    assert events.height == 10
    earliest = events.sort("time.source", "event.id").unique(
        ["source.ip", "source.port"], keep="first", maintain_order=True
    )
    assert len(misp.attributes) == earliest.height == 6
    by_uuid = {a.uuid: a for a in misp.attributes}
    for row in earliest.iter_rows(named=True):
        attribute = by_uuid[_uuid_of(document, row["event.id"])]
        if row["source.port"] is None:
            assert (attribute.type, attribute.value) == ("ip-src", row["source.ip"])
        else:
            assert attribute.type == "ip-src|port"
            assert attribute.value == f"{row['source.ip']}|{row['source.port']}"
        assert attribute.category == "Network activity"
        assert attribute.to_ids is True
        rsit = f'rsit:{row["classification.taxonomy"]}="{row["classification.type"]}"'
        assert [t.name for t in attribute.tags] == [rsit]
        assert attribute.first_seen == row["time.source"]
    described = MISPEvent().describe_types["category_type_mappings"]
    for attribute in document["Event"]["Attribute"]:
        assert attribute["type"] in described[attribute["category"]]


def test_types_and_values_by_observable() -> None:
    rows: list[dict[str, Any]] = [
        {"source.url": "http://a.example/x", "source.ip": "198.51.100.1"},
        {"source.fqdn": "a.example.org", "source.ip": "198.51.100.2", "source.port": 80},
        {"source.fqdn": "b.example.org", "source.port": 8443},
        {"source.fqdn": "c.example.org", "classification.type": "malware-distribution"},
        {"source.ip": "2001:db8::1", "source.port": 22},
        {"source.ip": "198.51.100.3", "classification.type": "malware-distribution"},
        {"source.network": "198.51.100.0/24"},
        {"source.asn": 64500, "source.as_name": "EXAMPLE-AS"},
        {"classification.type": "scanner"},  # no observable: left out
    ]
    document = _export(_frame(rows))
    got = [(a["type"], a["value"], a["category"]) for a in document["Event"]["Attribute"]]
    assert sorted(got) == sorted(
        [
            ("url", "http://a.example/x", "Network activity"),
            ("domain|ip", "a.example.org|198.51.100.2", "Network activity"),
            ("hostname|port", "b.example.org|8443", "Network activity"),
            ("domain", "c.example.org", "Payload delivery"),
            ("ip-src|port", "2001:db8::1|22", "Network activity"),
            ("ip-src", "198.51.100.3", "Payload delivery"),
            ("ip-src", "198.51.100.0/24", "Network activity"),
            ("AS", "AS64500", "Network activity"),
        ]
    )
    assert {a["type"]: a["to_ids"] for a in document["Event"]["Attribute"]}["AS"] is False
    assert _pymisp(document).attributes[0].type in {"url", "domain|ip", "hostname|port", "domain"}


T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_one_attribute_per_type_category_and_value() -> None:
    # Regression (tester's defect 1, partners-d): MISP refuses a second attribute with the
    # same type, category and value in one event (Attribute validation rule valueIsUnique, "A
    # similar attribute already exists for this event"), which PyMISP does not check.
    rows: list[dict[str, Any]] = [
        # An indicator and its sighting, the sighting more restricted and classified anew.
        {"source.ip": "198.51.100.30", "time.source": T0},
        {
            "source.ip": "198.51.100.30",
            "time.source": T0 + timedelta(days=1),
            "tlp": "AMBER",
            "classification.type": "c2-server",
        },
        # Repeated reports of one host (its name in another case), one not for detection.
        {"source.fqdn": "Evil.Example.NET", "time.source": T0 + timedelta(days=2)},
        {"source.fqdn": "evil.example.net", "extra": '{"to_ids":false}'},
        {"source.fqdn": "evil.example.net", "time.source": T0 + timedelta(hours=1)},
        # The same value in another category is another attribute.
        {"source.fqdn": "evil.example.net", "classification.type": "malware-distribution"},
        {"source.ip": "198.51.100.31", "tlp": "RED"},
    ]
    document = _export(_frame(rows))
    attributes = document["Event"]["Attribute"]
    keys = [(a["type"], a["category"], a["value"]) for a in attributes]
    assert len(keys) == len(set(keys)) == 4
    assert set(keys) == {
        ("ip-src", "Network activity", "198.51.100.30"),
        ("domain", "Network activity", "evil.example.net"),
        ("domain", "Payload delivery", "evil.example.net"),
        ("ip-src", "Network activity", "198.51.100.31"),
    }
    misp = _pymisp(copy.deepcopy(document))
    assert len(misp.attributes) == 4
    assert [t.name for t in misp.tags] == ["tlp:red"]
    by_key = {(a.type, a.category, a.value): a for a in misp.attributes}

    ip = by_key["ip-src", "Network activity", "198.51.100.30"]
    assert ip.uuid == _uuid_of(document, f"{0:032x}")  # its earliest event
    assert (ip.first_seen, ip.last_seen) == (T0, T0 + timedelta(days=1))
    assert ip.timestamp == T0 + timedelta(days=1)
    # The earliest event's classification; the marking, the most restrictive of the two.
    assert [t.name for t in ip.tags] == ['rsit:other="blacklist"', "tlp:amber"]
    assert ip.comment.endswith(
        "2 events from 2026-05-01T12:00:00Z to 2026-05-02T12:00:00Z; also classified c2-server"
    )
    assert ip.to_ids is True

    host = by_key["domain", "Network activity", "evil.example.net"]
    assert host.uuid == _uuid_of(document, f"{3:032x}")
    assert (host.first_seen, host.last_seen) == (T0, T0 + timedelta(days=2))
    assert "3 events from" in host.comment
    assert host.to_ids is False  # one report said: not for automatic detection

    single = by_key["ip-src", "Network activity", "198.51.100.31"]
    assert "events" not in single.comment
    assert "last_seen" not in next(a for a in attributes if a["value"] == "198.51.100.31")
    assert document["Event"]["attribute_count"] == "4"


def test_to_ids_follows_the_producer() -> None:
    # Regression (tester's defect 2): an attribute ingested with to_ids false was exported with
    # to_ids true, so partners would block 8.8.4.4 automatically.
    rows: list[dict[str, Any]] = [
        {"source.ip": "8.8.4.4", "extra": '{"category":"Network activity","to_ids":false}'},
        {"source.ip": "198.51.100.1", "extra": '{"to_ids":true}'},
        {"source.ip": "198.51.100.2", "extra": '{"count":50}'},
        {"source.ip": "198.51.100.3"},
        {"source.asn": 64500},
    ]
    misp = _pymisp(_export(_frame(rows)))
    assert {a.value: a.to_ids for a in misp.attributes} == {
        "8.8.4.4": False,
        "198.51.100.1": True,
        "198.51.100.2": True,
        "198.51.100.3": True,
        "AS64500": False,
    }


def test_to_ids_false_survives_ingest_and_export(
    tmp_path: Path, sqlite_node: Node, clock: Any
) -> None:
    misp_in = {
        "Event": {
            "uuid": "5f1c2a3b-0000-4000-8000-000000000001",
            "info": "C2 infra",
            "date": "2026-05-01",
            "Tag": [{"name": "tlp:green"}],
            "Attribute": [
                {"type": "ip-dst", "category": "Network activity", "value": "8.8.4.4",
                 "to_ids": False, "uuid": "5f1c2a3b-0000-4000-8000-000000000010",
                 "timestamp": "1777636800"},
                {"type": "ip-src", "category": "Network activity", "value": "198.51.100.9",
                 "to_ids": True, "uuid": "5f1c2a3b-0000-4000-8000-000000000011",
                 "timestamp": "1777636800"},
            ],
        }
    }  # fmt: skip
    path = tmp_path / "in.misp.json"
    path.write_text(json.dumps(misp_in))
    events = _ingest(sqlite_node, [path])
    assert events.height == 2
    out = {a.value: a.to_ids for a in _pymisp(_export(events)).attributes}
    assert out == {"8.8.4.4": False, "198.51.100.9": True}
    # Read back, the export gives the same flags again.
    source = Node.open(
        sqlite_node.settings.model_copy(update={"data_dir": tmp_path / "again"}), clock
    )
    try:
        back = _round_trip(tmp_path, source, events)
    finally:
        source.close()
    assert {a.value: a.to_ids for a in _pymisp(_export(back)).attributes} == out


def test_markings_the_event_has_the_ceiling_and_attributes_their_own() -> None:
    frame = _frame(
        [
            {"source.ip": "198.51.100.1", "tlp": "CLEAR"},
            {"source.ip": "198.51.100.2", "tlp": "AMBER+STRICT"},
            {"source.ip": "198.51.100.3", "tlp": "GREEN"},
            {"source.ip": "198.51.100.4", "tlp": "AMBER+STRICT"},
        ]
    )
    event = _export(frame)["Event"]
    assert event["Tag"] == [{"name": "tlp:amber+strict"}]
    assert event["distribution"] == "0"
    own = {
        a["value"]: [t["name"] for t in a["Tag"] if t["name"].startswith("tlp:")]
        for a in event["Attribute"]
    }
    assert own == {
        "198.51.100.1": ["tlp:clear"],
        "198.51.100.2": [],
        "198.51.100.3": ["tlp:green"],
        "198.51.100.4": [],
    }
    clear = _export(frame.filter(pl.col("tlp") == "CLEAR"))["Event"]
    assert (clear["Tag"], clear["distribution"]) == ([{"name": "tlp:clear"}], "3")
    assert tlp_tag("WHITE") == "tlp:clear"


def test_only_shared_fields_leave() -> None:
    frame = _frame([{"source.ip": "198.51.100.1"}]).with_columns(
        pl.lit("SECRET RAW LINE from sensor-7").alias("raw"),
        pl.lit("10.99.88.77").alias("destination.ip"),
        pl.lit("sensor-7.internal").alias("destination.fqdn"),
        pl.lit(2222, pl.Int32).alias("destination.port"),
        pl.lit("/admin/secret").alias("destination.urlpath"),
    )
    text = json.dumps(_export(frame))
    for secret in ("SECRET RAW", "10.99.88.77", "sensor-7", "/admin/secret", "2222"):
        assert secret not in text


def test_the_same_events_give_the_same_document() -> None:
    frame = _frame([{"source.ip": f"198.51.100.{i}"} for i in range(5)])
    first = _export(frame)
    assert _export(frame.reverse()) == first
    assert first["Event"]["uuid"] == _export(frame.reverse())["Event"]["uuid"]
    assert first["Event"]["uuid"] != _export(frame.head(4))["Event"]["uuid"]
    assert [a["uuid"] for a in first["Event"]["Attribute"]] == [
        _uuid_of(first, f"{i:032x}") for i in range(5)
    ]
    assert first["Event"]["date"] == "2026-05-01"
    assert first["Event"]["timestamp"] == str(int(datetime(2026, 5, 1, 12, tzinfo=UTC).timestamp()))


def test_attribute_uuids_are_unique_to_their_misp_event() -> None:
    # Regression (tester's exports defect D4): an attribute's uuid depended only on its
    # earliest event, so two exports of overlapping selections (two MISP events) had
    # attributes of the same uuid, and MISP refuses the second ("The UUID provided is not
    # unique").
    frame = _frame([{"source.ip": f"198.51.100.{i}"} for i in range(4)])
    c2 = frame.head(2)
    everything = _export(frame)["Event"]
    some = _export(c2)["Event"]
    assert everything["uuid"] != some["uuid"]
    in_some = {a["value"]: a["uuid"] for a in some["Attribute"]}
    in_everything = {a["value"]: a["uuid"] for a in everything["Attribute"]}
    assert set(in_some) < set(in_everything)
    assert not set(in_some.values()) & set(in_everything.values())
    # Exporting the same selection again gives the same uuids (the partner's MISP updates).
    assert _export(c2.reverse())["Event"] == some
    assert len({a["uuid"] for a in everything["Attribute"]}) == 4


def test_nothing_to_export_is_an_error() -> None:
    with pytest.raises(InputError, match="no event"):
        _export(_frame([{"classification.type": "scanner"}]))
    with pytest.raises(InputError, match=r"event\.id"):
        _export(_frame([{"source.ip": "198.51.100.1"}]).drop("event.id"))


def _round_trip(tmp_path: Path, node: Node, events: pl.DataFrame) -> pl.DataFrame:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(_export(events)))
    summary = node.pipeline.ingest([path], IngestOptions(owner="CN")).files[0]
    assert summary.format == "misp"
    attributes = _earliest(events).height
    assert (summary.records, summary.events, summary.rejects) == (attributes,) * 2 + (0,)
    return node.store.scan("events").collect()


def _earliest(events: pl.DataFrame) -> pl.DataFrame:
    """The earliest event of each observable (what one merged attribute reads back as)."""
    key = [c for c in COMPARED if c.startswith("source.")]
    payload = (pl.col("classification.type") == "malware-distribution").alias("__payload")
    return (
        events.with_columns(payload)
        .sort("time.source", "event.id", nulls_last=True)
        .unique([*key, "__payload"], keep="first", maintain_order=True)
    )


def _observed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(COMPARED).sort(COMPARED, nulls_last=True)


def test_round_trip_gives_the_same_events(tmp_path: Path, sqlite_node: Node, clock: Any) -> None:
    # One marking throughout: observables, classification, time and marking come back as is.
    source = Node.open(
        sqlite_node.settings.model_copy(update={"data_dir": tmp_path / "source"}), clock
    )
    try:
        events = _ingest(
            source,
            [SAMPLES / "openssh" / "auth.log", SAMPLES / "misp" / "events_list.json"],
            tlp=TLP.GREEN,
        ).filter(pl.col("tlp") == "GREEN")
    finally:
        source.close()
    assert events.height > 10
    back = _round_trip(tmp_path, sqlite_node, events)
    assert _observed(back).equals(_observed(_earliest(events)))
    assert set(back["tlp"]) == {"GREEN"}
    document = _export(events)
    assert sorted(back["evidence.ref"]) == sorted(
        _uuid_of(document, i) for i in _earliest(events)["event.id"]
    )


def test_round_trip_of_mixed_markings_never_loosens(
    tmp_path: Path, sqlite_node: Node, clock: Any
) -> None:
    # The event's tag is the ceiling of all its attributes: read back, every event carries it
    # (at least as restrictive as before, never less).
    source = Node.open(
        sqlite_node.settings.model_copy(update={"data_dir": tmp_path / "source"}), clock
    )
    try:
        events = _ingest(source, [SAMPLES / "misp" / "event.json"])
    finally:
        source.close()
    assert set(events["tlp"]) == {"AMBER", "RED"}
    back = _round_trip(tmp_path, sqlite_node, events)
    assert _observed(back).equals(_observed(_earliest(events)))
    assert set(back["tlp"]) == {"RED"}
    assert all(RANK["RED"] >= RANK[t] for t in events["tlp"])


def test_wuzhen_events_output_format_misp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WUZHEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WUZHEN_DEFAULT_OWNER", "CN")
    monkeypatch.delenv("WUZHEN_DATABASE_URL", raising=False)
    cli = CliRunner()
    ingested = cli.invoke(app, ["ingest", str(SAMPLES / "openssh" / "auth.log")])
    assert ingested.exit_code == 0, ingested.output
    out = tmp_path / "events.misp.json"
    result = cli.invoke(app, ["events", "--output-format", "misp", "-o", str(out)])
    assert result.exit_code == 0, result.output
    misp = _pymisp(json.loads(out.read_text()))
    assert len(misp.attributes) == 6  # 10 events of 6 distinct observables
    assert misp.orgc.name == "Wuzhen (CN)"
    assert "Address attribution contains data from" in misp.info
    empty = cli.invoke(app, ["events", "--output-format", "misp", "--asn", "1"])
    assert empty.exit_code != 0
