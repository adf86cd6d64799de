from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from wuzhen.errors import DataError
from wuzhen.jurisdiction.states import COLUMNS, State, StateRegistry, load_states


@pytest.fixture(scope="module")
def registry() -> StateRegistry:
    return load_states()


def _state(iso2: str, iso3: str, m49: str, *territories: str) -> State:
    return State(
        iso2=iso2,
        iso3=iso3,
        m49=m49,
        name=f"State {iso2}",
        region="Europe",
        subregion="Western Europe",
        status="member",
        answers_for=(iso2, *territories),
    )


def test_counts_members_and_observers(registry: StateRegistry) -> None:
    counts = Counter(s.status for s in registry.states)
    assert counts == {"member": 193, "observer": 2}
    assert len(registry) == 195
    observers = sorted(s.iso2 for s in registry.states if s.status == "observer")
    assert observers == ["PS", "VA"]


def test_recent_members_are_in_and_non_members_out(registry: StateRegistry) -> None:
    for code in ("SS", "ME", "RS", "TL"):
        state = registry.get(code)
        assert state is not None
        assert state.status == "member"
    for code in ("XK", "TW", "EH", "AQ", "CK", "NU"):
        assert registry.get(code) is None


def test_china_spot_check(registry: StateRegistry) -> None:
    china = registry.get("CN")
    assert china is not None
    assert (china.iso2, china.iso3, china.m49, china.name) == ("CN", "CHN", "156", "China")
    assert (china.region, china.subregion) == ("Asia", "Eastern Asia")
    assert china.answers_for == ("CN", "HK", "MO")


def test_un_names_kept(registry: StateRegistry) -> None:
    names = {s.iso2: s.name for s in registry.states}
    assert names["US"] == "United States of America"
    assert names["RU"] == "Russian Federation"
    assert names["GB"] == "United Kingdom of Great Britain and Northern Ireland"
    assert names["TR"] == "Türkiye"
    assert names["CI"] == "Côte d'Ivoire"


@pytest.mark.parametrize("code", ["CN", "cn", "CHN", "chn", "156", " Chn "])
def test_get_by_any_code(registry: StateRegistry, code: str) -> None:
    state = registry.get(code)
    assert state is not None
    assert state.iso2 == "CN"


@pytest.mark.parametrize("code", ["4", "04", "004", "AF", "afg"])
def test_get_pads_m49(registry: StateRegistry, code: str) -> None:
    state = registry.get(code)
    assert state is not None
    assert state.iso2 == "AF"


@pytest.mark.parametrize("code", ["", "ZZ", "XYZ", "999", "1000"])
def test_get_unknown_is_none(registry: StateRegistry, code: str) -> None:
    assert registry.get(code) is None


@pytest.mark.parametrize(
    ("cc", "state"),
    [
        ("US", "US"),
        ("PR", "US"),
        ("RE", "FR"),
        ("GI", "GB"),
        ("HK", "CN"),
        ("MO", "CN"),
        ("GL", "DK"),
        ("AX", "FI"),
        ("CW", "NL"),
        ("TK", "NZ"),
        ("VA", "VA"),
        ("PS", "PS"),
        ("pr", "US"),
    ],
)
def test_answering(registry: StateRegistry, cc: str, state: str) -> None:
    answering = registry.answering(cc)
    assert answering is not None
    assert answering.iso2 == state


@pytest.mark.parametrize(
    "cc", ["UK", "EU", "AP", "TW", "EH", "IO", "AQ", "CK", "NU", "XK", "", "GBR", None]
)
def test_unrouted_codes(registry: StateRegistry, cc: str | None) -> None:
    assert registry.answering(cc) is None


def test_no_code_answered_twice(registry: StateRegistry) -> None:
    answered = Counter(cc for s in registry.states for cc in s.answers_for)
    assert [cc for cc, n in answered.items() if n > 1] == []
    assert len(answered) == 243  # 195 states + 48 listed territories


def test_own_code_first_and_codes_well_formed(registry: StateRegistry) -> None:
    for s in registry.states:
        assert re.fullmatch(r"[A-Z]{2}", s.iso2), s
        assert re.fullmatch(r"[A-Z]{3}", s.iso3), s
        assert re.fullmatch(r"[0-9]{3}", s.m49), s
        assert s.answers_for[0] == s.iso2, s
        assert s.region in {"Africa", "Americas", "Asia", "Europe", "Oceania"}, s


def test_answering_table(registry: StateRegistry) -> None:
    table = registry.answering_table()
    assert table.schema == pl.Schema({"cc": pl.String, "state": pl.String})
    assert table.height == 243
    assert table["cc"].n_unique() == table.height
    assert table.filter(pl.col("cc") == "RE")["state"].to_list() == ["FR"]
    assert table.filter(pl.col("cc").is_in(["TW", "EH", "UK"])).height == 0
    assert table["cc"].to_list() == sorted(table["cc"].to_list())


def test_answering_array(registry: StateRegistry) -> None:
    codes = ["PR", "GBR", "UK", "EU", "", "re", "ZZ", "ZW", "AD", "TW", "HK"]
    result = registry.answering_array(codes)
    assert result.dtype == "<U2"
    assert result.tolist() == ["US", "", "", "", "", "FR", "", "ZW", "AD", "", "CN"]


def test_answering_array_empty(registry: StateRegistry) -> None:
    result = registry.answering_array([])
    assert result.shape == (0,)
    assert result.dtype == "<U2"


def test_load_states_is_cached() -> None:
    assert load_states() is load_states()


def test_duplicate_iso2_raises() -> None:
    with pytest.raises(DataError, match="'AA'"):
        StateRegistry([_state("AA", "AAA", "001"), _state("AA", "AAB", "002")])


def test_duplicate_m49_raises() -> None:
    with pytest.raises(DataError, match="'001'"):
        StateRegistry([_state("AA", "AAA", "001"), _state("BB", "BBB", "001")])


def test_code_answered_twice_raises() -> None:
    with pytest.raises(DataError, match="'TT'"):
        StateRegistry([_state("AA", "AAA", "001", "TT"), _state("BB", "BBB", "002", "TT")])


def test_territory_that_is_another_state_raises() -> None:
    with pytest.raises(DataError, match="'BB'"):
        StateRegistry([_state("AA", "AAA", "001", "BB"), _state("BB", "BBB", "002")])


@pytest.mark.parametrize(
    "change",
    [
        {"iso2": "aa"},
        {"iso3": "AA"},
        {"m49": "1"},
        {"status": "candidate"},
        {"answers_for": ("TT", "AA")},
        {"answers_for": ()},
    ],
)
def test_malformed_state_raises(change: dict[str, object]) -> None:
    bad = replace(_state("AA", "AAA", "001", "TT"), **change)  # type: ignore[arg-type]
    with pytest.raises(DataError):
        StateRegistry([bad])


def test_valid_small_registry() -> None:
    small = StateRegistry([_state("AA", "AAA", "001", "TT"), _state("BB", "BBB", "002")])
    assert len(small) == 2
    tt = small.answering("TT")
    assert tt is not None
    assert tt.iso2 == "AA"
    assert small.answering_array(["TT", "BB", "CC"]).tolist() == ["AA", "BB", ""]


def test_load_from_path(tmp_path: Path) -> None:
    path = tmp_path / "states.csv"
    path.write_text(
        ",".join(COLUMNS) + "\nAA,AAA,001,Aland,Europe,Northern Europe,member,AA TT\n",
        encoding="utf-8",
    )
    loaded = load_states(path)
    assert len(loaded) == 1
    assert loaded.states[0].answers_for == ("AA", "TT")


@pytest.mark.parametrize(
    "text",
    [
        "iso2,iso3\nAA,AAA\n",
        ",".join(COLUMNS) + "\nAA,AAA,001,Aland,Europe\n",
        "",
    ],
)
def test_load_bad_file_raises(tmp_path: Path, text: str) -> None:
    path = tmp_path / "states.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError):
        load_states(path)


def test_load_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read"):
        load_states(tmp_path / "missing.csv")
