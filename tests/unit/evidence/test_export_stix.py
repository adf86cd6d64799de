"""Events exported as a STIX 2.1 bundle (``wuzhen.evidence.export.stix``), validated with the
``stix2`` library, and read back by the ``stix`` parser to the same events (#4)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import stix2
from stix2.exceptions import InvalidValueError
from typer.testing import CliRunner

from wuzhen.cli import app
from wuzhen.clock import FixedClock
from wuzhen.evidence.export import DETECTION
from wuzhen.evidence.export.stix import NAMESPACE, to_stix_bundle
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.node import Node
from wuzhen.schema import conform
from wuzhen.schema.tlp import RANK, TLP, TLP2_EXTENSION, TLP2_MARKINGS

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "evidence"
NOTICE = "Address attribution contains data from: delegated-example: CC-BY 4.0"
IDENTITY = "Wuzhen (CN)"
OBSERVED = datetime(2026, 5, 2, 8, 30, 15, 123456, tzinfo=UTC)
COMPARED = [
    "source.ip",
    "source.network",
    "source.fqdn",
    "source.url",
    "source.asn",
    "classification.type",
    "tlp",
    "time.source",
]


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Stored events (every registry column) from partial rows."""
    base = {
        "classification.type": "blacklist",
        "classification.identifier": "test",
        "tlp": "GREEN",
        "time.source": datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
        "time.observation": OBSERVED,
    }
    frame = pl.DataFrame(
        [{"event.id": f"{i:032x}", **base, **r} for i, r in enumerate(rows)],
        schema_overrides={
            "time.source": pl.Datetime("us", "UTC"),
            "time.observation": pl.Datetime("us", "UTC"),
        },
    )
    return conform(frame)


def _bundle(events: pl.DataFrame, **kwargs: Any) -> dict[str, Any]:
    return to_stix_bundle(events, identity_name=IDENTITY, notice=NOTICE, **kwargs)


def _of_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [o for o in bundle["objects"] if o["type"] == kind]


def _validate(bundle: dict[str, Any]) -> stix2.Bundle:
    """The bundle as the stix2 library reads it: strict (no custom content allowed)."""
    parsed = stix2.parse(json.dumps(bundle), allow_custom=False)
    assert isinstance(parsed, stix2.Bundle)
    return parsed


ROWS: list[dict[str, Any]] = [
    {"source.ip": "198.51.100.7", "classification.type": "c2-server", "malware.name": "Emotet"},
    {"source.ip": "2001:db8::7", "tlp": "RED", "classification.type": "scanner"},
    {"source.network": "203.0.113.0/24", "tlp": "CLEAR"},
    {"source.url": "http://x.example/it's\\here", "classification.type": "malware-distribution"},
    {
        "source.fqdn": "bot.example.org",
        "classification.type": "infected-system",
        "tlp": "AMBER+STRICT",
        "time.source": None,
    },
    {
        "source.ip": "198.51.100.8",
        "source.port": 2222,
        "protocol.transport": "tcp",
        "protocol.application": "ssh",
        "source.asn": 64500,
        "source.as_name": "EXAMPLE-AS",
        "source.registration.cc": "CN",
        "classification.type": "brute-force",
        "event_description.text": "SSH password guessing",
        "malware.name": "emotet",
        "tlp": "AMBER",
    },
]


@pytest.mark.parametrize("form", ["indicator", "observed-data"])
def test_bundle_is_valid_stix_21(form: str) -> None:
    bundle = _bundle(_frame(ROWS), form=form)
    parsed = _validate(bundle)
    assert len(parsed.objects) == len(bundle["objects"])
    kinds = {o["type"] for o in bundle["objects"]}
    assert {"identity", "marking-definition", "note", form} <= kinds
    assert len(_of_type(bundle, form)) == len(ROWS)


def test_stix2_refuses_a_broken_pattern() -> None:
    # The validation above reads patterns: a bundle with a broken one does not pass.
    bundle = _bundle(_frame(ROWS[:1]))
    _of_type(bundle, "indicator")[0]["pattern"] = "[ipv4-addr:value = '198.51.100.7'"
    with pytest.raises(InvalidValueError, match="pattern"):
        _validate(bundle)


def test_indicators() -> None:
    bundle = _bundle(_frame(ROWS))
    by_ref = {i["external_references"][0]["external_id"]: i for i in _of_type(bundle, "indicator")}
    patterns = [by_ref[f"{i:032x}"]["pattern"] for i in range(len(ROWS))]
    assert patterns == [
        "[ipv4-addr:value = '198.51.100.7']",
        "[ipv6-addr:value = '2001:db8::7']",
        "[ipv4-addr:value ISSUBSET '203.0.113.0/24']",
        "[url:value = 'http://x.example/it\\'s\\\\here']",
        "[domain-name:value = 'bot.example.org']",
        "[ipv4-addr:value = '198.51.100.8']",
    ]
    assert [by_ref[f"{i:032x}"]["indicator_types"] for i in range(len(ROWS))] == [
        ["malicious-activity"],
        ["malicious-activity"],
        ["malicious-activity"],
        ["malicious-activity"],
        ["compromised"],
        ["malicious-activity"],
    ]
    first = by_ref[f"{0:032x}"]
    identity = _of_type(bundle, "identity")[0]
    assert first["id"] == f"indicator--{uuid.uuid5(NAMESPACE, f'{0:032x}')}"
    assert first["created_by_ref"] == identity["id"]
    assert identity["name"] == IDENTITY
    assert first["labels"] == ['rsit:malicious-code="c2-server"']
    assert first["valid_from"] == "2026-05-01T12:00:00.000000Z"
    assert first["created"] == first["modified"] == "2026-05-02T08:30:15.123456Z"
    assert first["name"] == "c2-server: test"
    assert first["external_references"] == [{"source_name": "wuzhen", "external_id": f"{0:032x}"}]
    # Without a source time, the indicator is valid from when the event was observed.
    assert by_ref[f"{4:032x}"]["valid_from"] == "2026-05-02T08:30:15.123456Z"
    ssh = by_ref[f"{5:032x}"]
    assert ssh["name"] == "SSH password guessing"
    assert ssh["description"] == (
        "intrusion-attempts/brute-force (test); source: AS64500, EXAMPLE-AS, registered in CN"
    )


def test_several_observables_are_one_indicator() -> None:
    bundle = _bundle(_frame([{"source.ip": "198.51.100.1", "source.url": "http://a.example/x"}]))
    (indicator,) = _of_type(bundle, "indicator")
    assert indicator["pattern"] == (
        "[ipv4-addr:value = '198.51.100.1'] AND [url:value = 'http://a.example/x']"
    )
    _validate(bundle)


def test_markings_are_the_oasis_tlp2_definitions_used() -> None:
    bundle = _bundle(_frame(ROWS))
    markings = _of_type(bundle, "marking-definition")
    assert [m["name"] for m in markings] == [
        "TLP:CLEAR",
        "TLP:GREEN",
        "TLP:AMBER",
        "TLP:AMBER+STRICT",
        "TLP:RED",
    ]
    assert markings[3] == {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "created": "2022-10-01T00:00:00.000Z",
        "name": "TLP:AMBER+STRICT",
        "extensions": {
            TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "amber+strict"}
        },
    }
    ids = {m["name"].removeprefix("TLP:"): m["id"] for m in markings}
    for indicator in _of_type(bundle, "indicator"):
        row = int(indicator["external_references"][0]["external_id"], 16)
        assert indicator["object_marking_refs"] == [ids[ROWS[row].get("tlp", "GREEN")]]
    only_green = _bundle(_frame(ROWS[:1]))
    assert [m["name"] for m in _of_type(only_green, "marking-definition")] == ["TLP:GREEN"]


def test_malware_objects_and_relationships() -> None:
    bundle = _bundle(_frame(ROWS))
    (malware,) = _of_type(bundle, "malware")
    assert (malware["name"], malware["is_family"]) == ("emotet", True)
    # The family is marked like the least restricted event naming it (GREEN, not AMBER).
    assert malware["object_marking_refs"] == [
        next(m["id"] for m in _of_type(bundle, "marking-definition") if m["name"] == "TLP:GREEN")
    ]
    relationships = _of_type(bundle, "relationship")
    indicators = {i["id"]: i for i in _of_type(bundle, "indicator")}
    assert len(relationships) == 2
    for rel in relationships:
        assert (rel["relationship_type"], rel["target_ref"]) == ("indicates", malware["id"])
        assert rel["object_marking_refs"] == indicators[rel["source_ref"]]["object_marking_refs"]


def test_observed_data_form() -> None:
    bundle = _bundle(_frame(ROWS), form="observed-data")
    scos = {o["id"]: o for o in bundle["objects"] if "created" not in o}
    observed = {
        o["external_references"][0]["external_id"]: o for o in _of_type(bundle, "observed-data")
    }
    ssh = observed[f"{5:032x}"]
    refs = [scos[r] for r in ssh["object_refs"]]
    assert [r["type"] for r in refs] == ["ipv4-addr", "network-traffic", "autonomous-system"]
    assert refs[1] | {"id": None} == {
        "type": "network-traffic",
        "spec_version": "2.1",
        "id": None,
        "src_ref": refs[0]["id"],
        "src_port": 2222,
        "protocols": ["tcp", "ssh"],
        "object_marking_refs": ssh["object_marking_refs"],
    }
    assert (refs[2]["number"], refs[2]["name"]) == (64500, "EXAMPLE-AS")
    # SCO ids are the ones STIX 2.1 defines (as the stix2 library computes them).
    assert refs[0]["id"] == stix2.IPv4Address(value="198.51.100.8").id
    assert (
        refs[1]["id"]
        == stix2.NetworkTraffic(src_ref=refs[0]["id"], src_port=2222, protocols=["tcp", "ssh"]).id
    )
    assert refs[2]["id"] == stix2.AutonomousSystem(number=64500).id
    assert (ssh["first_observed"], ssh["last_observed"], ssh["number_observed"]) == (
        "2026-05-01T12:00:00.000000Z",
        "2026-05-01T12:00:00.000000Z",
        1,
    )
    assert ssh["labels"] == ['rsit:intrusion-attempts="brute-force"']
    assert not _of_type(bundle, "malware")


def test_every_sco_carries_the_marking_of_its_events() -> None:
    # Regression (tester's exports defect D2): the SCOs an AMBER+STRICT observed-data refers
    # to carried no marking; STIX markings are not inherited through references, so a
    # platform storing the observables on their own had them unmarked.
    ssh = ROWS[5] | {"tlp": "AMBER+STRICT"}
    rows: list[dict[str, Any]] = [
        *ROWS,
        # Its SCOs again (the same address, traffic and AS), once RED.
        ssh | {"time.source": datetime(2026, 5, 3, tzinfo=UTC)},
        ssh | {"tlp": "RED", "time.source": datetime(2026, 5, 4, tzinfo=UTC)},
        {"source.ip": "198.51.100.8", "tlp": "CLEAR"},  # the address again, CLEAR
    ]
    rows[5] = ssh
    bundle = _bundle(_frame(rows), form="observed-data")
    _validate(bundle)
    ids = {m["name"].removeprefix("TLP:"): m["id"] for m in _of_type(bundle, "marking-definition")}
    objects = {o["id"]: o for o in bundle["objects"]}
    naming: dict[str, set[str]] = {}
    for od in _of_type(bundle, "observed-data"):
        tlp = rows[int(od["external_references"][0]["external_id"], 16)].get("tlp", "GREEN")
        assert od["object_marking_refs"] == [ids[tlp]]
        for ref in od["object_refs"]:
            naming.setdefault(ref, set()).add(tlp)
    scos = {i: o for i, o in objects.items() if "created" not in o}
    assert set(naming) == set(scos)
    # Each SCO: the least restrictive marking of the events naming it (as a malware object:
    # its value is what that event discloses).
    for ref, tlps in naming.items():
        assert scos[ref]["object_marking_refs"] == [ids[min(tlps, key=RANK.__getitem__)]]
    marking = {(o["type"], o.get("value")): o["object_marking_refs"] for o in scos.values()}
    ssh_ip = stix2.IPv4Address(value="198.51.100.8").id
    assert naming[ssh_ip] == {"CLEAR", "AMBER+STRICT", "RED"}
    assert marking == {
        ("ipv4-addr", "198.51.100.7"): [ids["GREEN"]],
        ("ipv6-addr", "2001:db8::7"): [ids["RED"]],
        ("ipv4-addr", "203.0.113.0/24"): [ids["CLEAR"]],
        ("url", "http://x.example/it's\\here"): [ids["GREEN"]],
        ("domain-name", "bot.example.org"): [ids["AMBER+STRICT"]],
        ("ipv4-addr", "198.51.100.8"): [ids["CLEAR"]],  # the CLEAR event names it too
        ("network-traffic", None): [ids["AMBER+STRICT"]],
        ("autonomous-system", None): [ids["AMBER+STRICT"]],
    }
    # Markings are no id-contributing property: the ids stay those STIX 2.1 defines.
    assert ssh_ip == stix2.IPv4Address(value="198.51.100.8", object_marking_refs=[ids["RED"]]).id
    # Events not for detection are observed-data in the indicator form too: marked alike.
    not_for_detection = _frame([{"source.ip": "8.8.4.4", "tlp": "AMBER+STRICT"}]).with_columns(
        pl.lit('{"to_ids":false}').alias("extra")
    )
    indicator_form = _bundle(not_for_detection)
    _validate(indicator_form)
    (address,) = _of_type(indicator_form, "ipv4-addr")
    assert address["object_marking_refs"] == [TLP2_MARKINGS[TLP.AMBER_STRICT]]


def test_only_shared_fields_leave() -> None:
    rows: list[dict[str, Any]] = [
        {
            "source.ip": "198.51.100.9",
            "raw": "SECRET-RAW-TEXT",
            "destination.ip": "192.0.2.250",
            "destination.port": 31337,
            "destination.fqdn": "sensor.internal.example",
            "destination.urlpath": "/hidden-path",
        }
    ]
    for form in ("indicator", "observed-data"):
        text = json.dumps(_bundle(_frame(rows), form=form))
        for secret in ("SECRET-RAW-TEXT", "192.0.2.250", "31337", "sensor.internal", "hidden-path"):
            assert secret not in text


def test_the_same_events_give_the_same_bundle() -> None:
    events = _frame(ROWS)
    shuffled = events.sample(fraction=1.0, shuffle=True, seed=7)
    assert shuffled["event.id"].to_list() != events["event.id"].to_list()
    for form in ("indicator", "observed-data"):
        assert _bundle(events, form=form) == _bundle(shuffled, form=form)
    assert _bundle(events)["id"] != _bundle(events.head(3))["id"]


def test_note_carries_the_attribution_notice() -> None:
    bundle = _bundle(_frame(ROWS))
    (note,) = _of_type(bundle, "note")
    assert note["content"] == NOTICE
    identity = _of_type(bundle, "identity")[0]["id"]
    indicators = [i["id"] for i in _of_type(bundle, "indicator")]
    assert note["object_refs"] == [identity, *indicators]
    silent = to_stix_bundle(_frame(ROWS), identity_name=IDENTITY, notice="")
    assert not _of_type(silent, "note")


def test_an_event_whose_source_is_an_autonomous_system() -> None:
    # Spamhaus ASN-DROP names networks by their AS only.
    rows: list[dict[str, Any]] = [
        {"source.asn": 64500, "source.as_name": "EXAMPLE-AS"},
        {"classification.type": "spam"},
    ]
    bundle = _bundle(_frame(rows))
    _validate(bundle)
    (indicator,) = _of_type(bundle, "indicator")  # the event without any source is left out
    assert indicator["pattern"] == "[autonomous-system:number = 64500]"
    observed = _bundle(_frame(rows), form="observed-data")
    _validate(observed)
    (od,) = _of_type(observed, "observed-data")
    (sco,) = _of_type(observed, "autonomous-system")
    assert od["object_refs"] == [sco["id"]] == [stix2.AutonomousSystem(number=64500).id]
    assert sco["name"] == "EXAMPLE-AS"
    empty = _bundle(_frame(rows[1:]))
    assert [o["type"] for o in empty["objects"]] == ["identity", "note"]
    _validate(empty)


def test_an_event_not_for_detection_is_observed_data() -> None:
    # Regression (tester's defect 2, partners-d): an event read with to_ids false (MISP's
    # "not for automatic detection") was exported as an indicator, which partners block on.
    rows: list[dict[str, Any]] = [
        {"source.ip": "8.8.4.4", "extra": '{"attribute_type":"ip-dst","to_ids":false}'},
        {"source.ip": "198.51.100.1", "extra": '{"to_ids":true}', "malware.name": "emotet"},
        {"source.ip": "198.51.100.2"},
    ]
    bundle = _bundle(_frame(rows))
    _validate(bundle)
    (observed,) = _of_type(bundle, "observed-data")
    assert observed["external_references"][0]["external_id"] == f"{0:032x}"
    assert observed["object_refs"] == [stix2.IPv4Address(value="8.8.4.4").id]
    assert observed["labels"] == ['rsit:other="blacklist"']
    indicators = _of_type(bundle, "indicator")
    assert sorted(i["pattern"] for i in indicators) == [
        "[ipv4-addr:value = '198.51.100.1']",
        "[ipv4-addr:value = '198.51.100.2']",
    ]
    (note,) = _of_type(bundle, "note")
    assert observed["id"] in note["object_refs"]


def test_valid_until_is_exported_when_after_valid_from() -> None:
    # Regression (tester's defect 3): an indicator read with valid_until 2020-12-01 was
    # exported without it, hence valid forever (STIX 2.1: no valid_until, no end).
    rows: list[dict[str, Any]] = [
        {
            "source.ip": "198.51.100.51",
            "time.source": datetime(2020, 11, 1, tzinfo=UTC),
            "extra": '{"valid_until":"2020-12-01T00:00:00Z"}',
        },
        {"source.ip": "198.51.100.52", "extra": '{"valid_until":"2026-05-01T14:00:00.5+02:00"}'},
        # Not after valid_from, or unreadable: no bounded validity to state, so no indicator.
        {"source.ip": "198.51.100.53", "extra": '{"valid_until":"2026-05-01T12:00:00Z"}'},
        {"source.ip": "198.51.100.54", "extra": '{"valid_until":"2026-04-01T00:00:00Z"}'},
        {"source.ip": "198.51.100.55", "extra": '{"valid_until":"next tuesday"}'},
        {"source.ip": "198.51.100.56"},
    ]
    bundle = _bundle(_frame(rows))
    parsed = _validate(bundle)
    until = {
        i["pattern"].split("'")[1]: i.get("valid_until") for i in _of_type(bundle, "indicator")
    }
    assert until == {
        "198.51.100.51": "2020-12-01T00:00:00.000000Z",
        "198.51.100.52": "2026-05-01T12:00:00.500000Z",
        "198.51.100.56": None,
    }
    observed = {
        o["external_references"][0]["external_id"] for o in _of_type(bundle, "observed-data")
    }
    assert observed == {f"{i:032x}" for i in (2, 3, 4)}
    expired = next(o for o in parsed.objects if o.type == "indicator" and "valid_until" in o)
    assert expired.valid_until > expired.valid_from
    with pytest.raises(ValueError, match="valid_until"):  # what stix2 says of the others
        stix2.Indicator(
            pattern="[ipv4-addr:value = '198.51.100.53']",
            pattern_type="stix",
            valid_from="2026-05-01T12:00:00Z",
            valid_until="2026-05-01T12:00:00Z",
        )


def test_valid_until_and_to_ids_survive_a_round_trip(
    tmp_path: Path, sqlite_node: Node, clock: FixedClock
) -> None:
    stix_in = {
        "type": "bundle",
        "id": "bundle--0f000000-0000-4000-8000-000000000001",
        "objects": [
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": "indicator--0f000000-0000-4000-8000-000000000005",
                "created": "2020-11-01T00:00:00.000Z",
                "modified": "2020-11-01T00:00:00.000Z",
                "name": "expired",
                "indicator_types": ["c2"],
                "pattern": "[ipv4-addr:value = '198.51.100.51']",
                "pattern_type": "stix",
                "valid_from": "2020-11-01T00:00:00Z",
                "valid_until": "2020-12-01T00:00:00Z",
            }
        ],
    }
    path = tmp_path / "in.json"
    path.write_text(json.dumps(stix_in))
    events = _events_of(sqlite_node, [path])
    bundle = _bundle(events)
    _validate(bundle)
    (indicator,) = _of_type(bundle, "indicator")
    assert indicator["valid_until"] == "2020-12-01T00:00:00.000000Z"
    back = _read_back(bundle, sqlite_node, clock, tmp_path)
    assert _observed(back, COMPARED).equals(_observed(events, COMPARED))
    (extra,) = back["extra"].to_list()
    assert json.loads(extra)["valid_until"] == "2020-12-01T00:00:00.000000Z"
    (indicator_again,) = _of_type(_bundle(back), "indicator")
    assert indicator_again["valid_until"] == indicator["valid_until"]


def test_a_sighting_is_exported_valid_until_its_indicator_ends(
    tmp_path: Path, sqlite_node: Node, clock: FixedClock
) -> None:
    # Regression (tester's exports defect D1): the sighting of an indicator valid until
    # 2026-03-03 was exported as an indicator without valid_until, hence valid forever.
    def sighting(n: int, seen: str) -> dict[str, Any]:
        return {
            "type": "sighting",
            "spec_version": "2.1",
            "id": f"sighting--0f000000-0000-4000-8000-00000000001{n}",
            "created": seen,
            "modified": seen,
            "first_seen": seen,
            "count": 2,
            "sighting_of_ref": "indicator--0f000000-0000-4000-8000-000000000007",
        }

    stix_in = {
        "type": "bundle",
        "id": "bundle--0f000000-0000-4000-8000-000000000002",
        "objects": [
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": "indicator--0f000000-0000-4000-8000-000000000007",
                "created": "2026-03-01T00:00:00.000Z",
                "modified": "2026-03-01T00:00:00.000Z",
                "name": "Short-lived C2",
                "labels": ["c2"],
                "pattern": "[ipv4-addr:value = '203.0.113.77']",
                "pattern_type": "stix",
                "valid_from": "2026-03-01T00:00:00Z",
                "valid_until": "2026-03-03T00:00:00Z",
            },
            sighting(1, "2026-03-02T12:00:00.000Z"),
            # Seen after the indicator ended: no validity left to state, so no indicator.
            sighting(2, "2026-03-04T00:00:00.000Z"),
        ],
    }
    path = tmp_path / "in.json"
    path.write_text(json.dumps(stix_in))
    events = _events_of(sqlite_node, [path])
    assert events.height == 3
    bundle = _bundle(events)
    _validate(bundle)
    refs = dict(zip(events["event.id"], events["evidence.ref"], strict=True))

    def source(obj: dict[str, Any]) -> str:
        return str(refs[obj["external_references"][0]["external_id"]])

    until = {
        source(i): (i["valid_from"], i.get("valid_until")) for i in _of_type(bundle, "indicator")
    }
    assert until == {
        "indicator--0f000000-0000-4000-8000-000000000007": (
            "2026-03-01T00:00:00.000000Z",
            "2026-03-03T00:00:00.000000Z",
        ),
        "sighting--0f000000-0000-4000-8000-000000000011": (
            "2026-03-02T12:00:00.000000Z",
            "2026-03-03T00:00:00.000000Z",
        ),
    }
    (late,) = _of_type(bundle, "observed-data")
    assert source(late) == "sighting--0f000000-0000-4000-8000-000000000012"
    # Read back, the export gives the same events, with the same ends of validity.
    back = _read_back(bundle, sqlite_node, clock, tmp_path)
    assert _observed(back, COMPARED).equals(_observed(events, COMPARED))
    assert (
        sorted(i.get("valid_until", "") for i in _of_type(_bundle(back), "indicator"))
        == ["2026-03-03T00:00:00.000000Z"] * 2
    )


def test_unknown_form_is_an_error() -> None:
    with pytest.raises(ValueError, match="form"):
        _bundle(_frame(ROWS), form="report")


# -- round trip through the pipeline ---------------------------------------------------


def _read_back(
    bundle: dict[str, Any], node: Node, clock: FixedClock, tmp_path: Path
) -> pl.DataFrame:
    """The events of ``bundle`` ingested into a new node like ``node``."""
    out = tmp_path / "export.json"
    out.write_text(json.dumps(bundle))
    again = Node.open(node.settings.model_copy(update={"data_dir": tmp_path / "again"}), clock)
    try:
        return _events_of(again, [out])
    finally:
        again.close()


def _events_of(node: Node, paths: list[Path]) -> pl.DataFrame:
    node.pipeline.ingest(paths, IngestOptions(owner="CN"))
    return node.store.scan("events").collect()


def _observed(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``columns`` of the events, in order; ``time.source`` is the event's time: an event
    that has none (a Spamhaus list's) is exported at its ``time.observation``."""
    return (
        frame.with_columns(pl.coalesce("time.source", "time.observation"))
        .select(columns)
        .sort(columns, nulls_last=True)
    )


@pytest.mark.parametrize(
    ("form", "also"),
    [
        ("indicator", ["malware.name"]),
        (
            "observed-data",
            ["source.port", "protocol.transport", "protocol.application", "source.as_name"],
        ),
    ],
)
def test_round_trip_gives_the_same_events(
    tmp_path: Path, sqlite_node: Node, clock: Any, form: str, also: list[str]
) -> None:
    source = Node.open(
        sqlite_node.settings.model_copy(update={"data_dir": tmp_path / "source"}), clock
    )
    try:
        events = _events_of(
            source,
            [
                SAMPLES / "stix" / "bundle-2.1.json",
                SAMPLES / "stix" / "observed-data-2.0.json",
                SAMPLES / "openssh" / "auth.log",
                SAMPLES / "spamhaus-drop-json" / "asndrop.json",
            ],
        )
    finally:
        source.close()
    assert events.height == 24
    assert events.filter(pl.col("source.ip").is_null())["source.asn"].drop_nulls().len() == 3
    assert set(events["tlp"]) == {"GREEN", "AMBER", "AMBER+STRICT", "RED"}
    path = tmp_path / "export.json"
    bundle = _bundle(events, form=form)
    _validate(bundle)
    path.write_text(json.dumps(bundle))
    summary = sqlite_node.pipeline.ingest([path], IngestOptions(owner="CN")).files[0]
    assert summary.format == "stix"
    assert (summary.records, summary.events, summary.rejects) == (len(bundle["objects"]), 24, 0)
    back = sqlite_node.store.scan("events").collect()
    assert _observed(back, COMPARED + also).equals(_observed(events, COMPARED + also))
    if form == "indicator":
        # A description comes back as the indicator's name (others get one made up).
        texts = set(events["event_description.text"].drop_nulls())
        assert texts
        assert texts <= set(back["event_description.text"])
    # What was read from observed-data is not for detection (extra.to_ids false): it goes
    # out as observed-data in either form, and comes back so.
    detection = events.select(DETECTION).to_series().to_list()
    assert detection.count(False) == 4  # observed-data-2.0.json's
    ids = {
        f"{form if for_detection else 'observed-data'}--{uuid.uuid5(NAMESPACE, i)}"
        for i, for_detection in zip(events["event.id"], detection, strict=True)
    }
    assert set(back["evidence.ref"]) == ids
    seen = back.select(DETECTION).to_series().to_list().count(False)
    assert seen == (4 if form == "indicator" else 24)


def test_wuzhen_events_output_format_stix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WUZHEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WUZHEN_DEFAULT_OWNER", "CN")
    monkeypatch.delenv("WUZHEN_DATABASE_URL", raising=False)
    cli = CliRunner()
    ingested = cli.invoke(app, ["ingest", str(SAMPLES / "openssh" / "auth.log")])
    assert ingested.exit_code == 0, ingested.output
    out = tmp_path / "events.stix.json"
    result = cli.invoke(app, ["events", "--output-format", "stix", "-o", str(out)])
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text())
    _validate(bundle)
    assert len(_of_type(bundle, "indicator")) == 10
    assert _of_type(bundle, "identity")[0]["name"] == "Wuzhen (CN)"
    assert _of_type(bundle, "note")[0]["content"].startswith(
        "Address attribution contains data from"
    )
    assert [m["name"] for m in _of_type(bundle, "marking-definition")] == [f"TLP:{TLP.AMBER.value}"]
    again = cli.invoke(app, ["events", "--output-format", "stix"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == bundle
