"""The field registry is the one source of the schema and of its documentation (#3)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from wuzhen.errors import InputError
from wuzhen.evidence.query import EventFilter
from wuzhen.schema import FIELDS, SHARED, arrow_schema, conform, validate
from wuzhen.schema.reference import markdown
from wuzhen.schema.taxonomy import TAXONOMY_OF_TYPE

DOCS = Path(__file__).resolve().parents[2] / "docs" / "user" / "fields.md"


def test_reference_page_is_generated_from_the_registry() -> None:
    assert DOCS.read_text(encoding="utf-8") == markdown(), (
        "run: python -m wuzhen.schema.reference > docs/user/fields.md"
    )


def test_arrow_schema_follows_the_registry() -> None:
    schema = arrow_schema()
    assert schema.names == [f.name for f in FIELDS]
    assert not schema.field("event.id").nullable
    assert schema.field("time.source").type.tz == "UTC"


def test_intelmq_names_and_added_fields_present() -> None:
    names = {f.name for f in FIELDS}
    for name in (
        "time.source",
        "time.observation",
        "source.ip",
        "source.port",
        "source.asn",
        "source.geolocation.cc",
        "source.fqdn",
        "source.url",
        "destination.ip",
        "destination.port",
        "protocol.transport",
        "protocol.application",
        "classification.taxonomy",
        "classification.type",
        "classification.identifier",
        "feed.name",
        "feed.provider",
        "raw",
        "extra",
        "event.id",
        "evidence.id",
        "owner",
        "source.registration.cc",
        "route.member",
        "route.basis",
        "route.state",
        "tlp",
    ):
        assert name in names


def test_raw_and_destination_are_never_in_the_shared_set() -> None:
    assert "raw" not in SHARED
    assert not [n for n in SHARED if n.startswith("destination.")]
    assert "source.ip" in SHARED


def test_validation_splits_good_and_bad_rows_with_reasons() -> None:
    frame = pl.DataFrame(
        {
            "raw": ["a", "b", "c", None],
            "classification.type": ["brute-force", "no-such-type", "scanner", "scanner"],
            "classification.identifier": ["x", "x", "x", "x"],
            "classification.taxonomy": [
                "intrusion-attempts",
                None,
                "information-gathering",
                "information-gathering",
            ],
            "source.port": [22, 1, 70000, 1],
        }
    )
    good, bad = validate(frame)
    assert good["raw"].to_list() == ["a"]
    assert bad["__reject_reason"].to_list() == [
        "classification.type: not an allowed value",
        "source.port: above 65535",
        "raw: missing",
    ]


def test_a_time_without_an_iso_form_is_refused() -> None:
    """Regression: an epoch in milliseconds read as seconds (year 58787) stopped the whole
    ingest with a traceback when the pipeline took its day."""
    times = [datetime(2026, 11, 29, tzinfo=UTC), None, datetime(2026, 1, 1, tzinfo=UTC)]
    frame = pl.DataFrame(
        {
            "raw": ["ok", "no time", "ms"],
            "classification.type": ["scanner"] * 3,
            "classification.identifier": ["x"] * 3,
            "classification.taxonomy": ["information-gathering"] * 3,
            "time.source": pl.Series(times, dtype=pl.Datetime("us", "UTC")),
        }
    ).with_columns(
        pl.when(pl.col("raw") == "ms")
        .then(pl.from_epoch(pl.lit(1_793_000_000_000), time_unit="s").dt.replace_time_zone("UTC"))
        .otherwise(pl.col("time.source"))
        .alias("time.source")
    )
    good, bad = validate(frame)
    assert good["raw"].to_list() == ["ok", "no time"]
    assert bad["__reject_reason"].to_list() == ["time.source: not within the years 1 to 9999"]


def test_a_source_host_name_is_a_dns_name() -> None:
    """Regression: whatever a log held where a client's name goes was kept as one: a list of
    forwarded addresses (``198.51.100.68,``), markup (``[red]x[/red]``)."""
    names = ["ws-4.example.net", "xn--bcher-kva.example.", "bücher.example", "_dmarc.example"]
    bad = ["198.51.100.68,", "[red]x[/red]", "a b.example", "[2001:db8::33]"]
    frame = pl.DataFrame(
        {
            "raw": names + bad,
            "classification.type": "scanner",
            "classification.identifier": "x",
            "classification.taxonomy": "information-gathering",
            "source.fqdn": names + bad,
        }
    )
    good, refused = validate(frame)
    assert good["raw"].to_list() == names
    assert refused["raw"].to_list() == bad
    assert set(refused["__reject_reason"]) == {"source.fqdn: malformed value"}


def test_conform_fills_and_orders_columns() -> None:
    out = conform(pl.DataFrame({"raw": ["x"], "source.port": [22]}))
    assert out.columns == [f.name for f in FIELDS]
    assert out["source.port"].dtype == pl.Int32


def test_every_type_has_a_taxonomy() -> None:
    assert all(TAXONOMY_OF_TYPE.values())
    assert TAXONOMY_OF_TYPE["brute-force"] == "intrusion-attempts"


def test_a_filter_names_a_classification_or_says_which_it_may_mean() -> None:
    assert EventFilter(classification=" Brute-Force ").classification == "brute-force"
    assert EventFilter(classification="intrusion-attempts").classification == "intrusion-attempts"
    with pytest.raises(InputError, match=r"bruteforce: .* \(did you mean brute-force\?\)"):
        EventFilter(classification="bruteforce")
    with pytest.raises(InputError, match=r"zzzz: not an RSIT classification type or taxonomy$"):
        EventFilter(classification="zzzz")
