"""Reading the files development figures are published in (#8): the WDI's wide CSV, the SDG
database's long export, the plain long CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from wuzhen.development.formats import detect, parse, read_text
from wuzhen.errors import InputError

DATA = Path(__file__).resolve().parents[2] / "data" / "development"


@pytest.mark.parametrize(
    ("name", "fmt"), [("wdi.csv", "wdi"), ("sdg.csv", "sdg"), ("long.csv", "long")]
)
def test_the_format_is_told_from_the_file(name: str, fmt: str) -> None:
    assert detect(read_text(DATA / name)) == fmt


def test_an_unknown_file_is_refused() -> None:
    with pytest.raises(InputError, match="format"):
        detect("a,b,c\n1,2,3\n")


def test_wdi_is_wide_with_metadata_lines() -> None:
    parsed = parse(read_text(DATA / "wdi.csv"), "wdi")  # it starts with a BOM
    china = [r for r in parsed.rows if r.area == "CHN"]
    assert [(r.year, r.value) for r in china] == [
        ("2013", "45.8"),
        ("2014", "47.9"),
        ("2015", "50.3"),
        ("2016", "53.2"),
    ]
    assert {r.line for r in china} == {8}
    assert china[0].source_date == "2024-06-28"
    assert china[0].code == "IT.NET.USER.ZS"
    assert china[0].source == "World Bank WDI (IT.NET.USER.ZS)"


def test_sdg_reads_totals_and_pads_m49_codes() -> None:
    parsed = parse(read_text(DATA / "sdg.csv"), "sdg")
    areas = {(r.area, r.year) for r in parsed.rows}
    assert ("004", "2021") in areas  # "4" is Afghanistan's M49 code 004
    assert ("156", "2021") in areas
    (female,) = parsed.skipped
    assert female.line == 4
    assert "Sex=FEMALE" in female.reason
    china = next(r for r in parsed.rows if (r.area, r.year) == ("156", "2021"))
    assert china.value == "73.05"
    assert china.source == "UN SDG Global Database (IT_USE_ii99): ITU"


def test_long_keeps_the_date_column() -> None:
    parsed = parse(read_text(DATA / "long.csv"), "long")
    first = parsed.rows[0]
    assert (first.area, first.code, first.year, first.value, first.dated) == (
        "CN",
        "websites",
        "2015",
        "4130000",
        "2015-07",
    )


def test_missing_columns_are_named() -> None:
    with pytest.raises(InputError, match="source"):
        parse("member,indicator,year,value\nCN,websites,2015,1\n", "long")
    with pytest.raises(InputError, match="GeoAreaCode"):
        parse("SeriesCode,Value\nX,1\n", "sdg")
