"""Attribution of events (``wuzhen.evidence.enrich``): what a record states beside what the
address data finds."""

from __future__ import annotations

import polars as pl

from wuzhen.evidence.enrich import Attributor
from wuzhen.jurisdiction.snapshot import load_snapshot
from wuzhen.jurisdiction.states import load_states


def _attributed(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    events = pl.DataFrame(
        rows,
        schema={"source.ip": pl.String, "source.asn": pl.Int64, "source.as_name": pl.String},
    )
    out = Attributor(load_snapshot(None), load_states()).attribute(events)
    return out.select("source.ip", "source.asn", "source.as_name").to_dicts()


def test_a_stated_as_without_a_name_gets_the_name_of_the_address_data() -> None:
    assert _attributed(
        [
            # an AS-only list (Spamhaus ASN-DROP, a STIX autonomous-system) without names
            {"source.ip": None, "source.asn": 4837, "source.as_name": None},
            # Shadowserver's anonymized reports: a documentation address and the real AS
            {"source.ip": "198.51.100.7", "source.asn": 8447, "source.as_name": None},
            # a stated name is kept; an AS the data has no name for stays without one
            {"source.ip": None, "source.asn": 4837, "source.as_name": "as stated"},
            {"source.ip": None, "source.asn": 4200000000, "source.as_name": None},
            # the address's own AS and name, whatever the record says
            {"source.ip": "114.114.114.114", "source.asn": None, "source.as_name": None},
        ]
    ) == [
        {"source.ip": None, "source.asn": 4837, "source.as_name": "CHINA UNICOM China169 Backbone"},
        {
            "source.ip": "198.51.100.7",
            "source.asn": 8447,
            "source.as_name": "A1 Telekom Austria AG",
        },
        {"source.ip": None, "source.asn": 4837, "source.as_name": "as stated"},
        {"source.ip": None, "source.asn": 4200000000, "source.as_name": None},
        {
            "source.ip": "114.114.114.114",
            "source.asn": 21859,
            "source.as_name": "Zenlayer Inc",
        },
    ]


def test_one_address_is_one_value_however_it_was_written() -> None:
    # Tester's report: 2001:DB8:0:0::1 and 2001:db8::1 were two sources (stats counted two,
    # a MISP export listed two attributes); the record's raw text keeps what was written.
    rows = _attributed(
        [
            {"source.ip": "2001:DB8:0:0::1", "source.asn": None, "source.as_name": None},
            {"source.ip": "2001:db8::1", "source.asn": None, "source.as_name": None},
            {"source.ip": "::FFFF:114.114.114.114", "source.asn": None, "source.as_name": None},
        ]
    )
    assert [r["source.ip"] for r in rows] == [
        "2001:db8::1",
        "2001:db8::1",
        "::ffff:114.114.114.114",
    ]
