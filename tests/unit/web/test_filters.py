"""The events explorer's filter: whole days, ``until`` included; bad input refused."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuzhen.errors import InputError
from wuzhen.evidence.enrich import Attributor
from wuzhen.evidence.query import EventFilter
from wuzhen.jurisdiction.snapshot import load_snapshot
from wuzhen.jurisdiction.states import load_states
from wuzhen.web._events import api_query
from wuzhen.web._events import parse_filter as parse_with
from wuzhen.web.uploads import safe_name

ATTRIBUTOR = Attributor(load_snapshot(None), load_states())


def parse_filter(params: dict[str, str]) -> EventFilter:
    return parse_with(params, ATTRIBUTOR)


def test_days_are_whole_and_until_is_included() -> None:
    where = parse_filter({"since": "2026-11-01", "until": "2026-11-28"})
    assert where.since == datetime(2026, 11, 1, tzinfo=UTC)
    assert where.until == datetime(2026, 11, 29, tzinfo=UTC)


def test_fields_are_normalized() -> None:
    where = parse_filter({"country": " cn ", "asn": "as13335", "classification": "", "text": " x "})
    assert (where.country, where.asn, where.classification, where.text) == ("CN", 13335, None, "x")
    assert parse_filter({}).since is None
    # a territory a state answers for, and a registry's region code, are countries too
    assert parse_filter({"country": "pr"}).country == "PR"
    assert parse_filter({"country": "EU"}).country == "EU"


@pytest.mark.parametrize(
    "params",
    [
        {"since": "yesterday"},
        {"since": "2026-13-01"},
        {"asn": "²"},
        {"asn": "AS"},
        {"asn": "12345678901"},
        {"asn": "-1"},
        {"country": "UK"},  # no ISO code: the United Kingdom is GB
        {"country": "ZZ"},
    ],
)
def test_bad_input_is_refused(params: dict[str, str]) -> None:
    with pytest.raises(InputError):
        parse_filter(params)


@given(st.dictionaries(st.sampled_from(["since", "until", "asn", "country", "text"]), st.text()))
def test_any_input_gives_a_filter_or_an_input_error(params: dict[str, str]) -> None:
    with contextlib.suppress(InputError):
        parse_filter(params)


def test_the_api_query_names_the_same_filter() -> None:
    where = parse_filter({"since": "2026-11-01", "asn": "7", "text": "a b"})
    assert api_query(where, limit=50) == (
        "since=2026-11-01T00%3A00%3A00%2B00%3A00&asn=7&text=a+b&limit=50"
    )


def test_upload_names_lose_directories_and_stay_unique() -> None:
    taken: set[str] = set()
    assert safe_name("../../etc/passwd", taken) == "passwd"
    assert safe_name("C:\\logs\\passwd", taken) == "2-passwd"
    assert safe_name(".hidden", taken) == "hidden"
    assert safe_name("a b;c.log", taken) == "a_b_c.log"
    assert safe_name("", taken) == "evidence"
