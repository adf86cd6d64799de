"""Reading the files development figures are published in, into one shape of row.

- ``wdi``: a World Bank World Development Indicators CSV download. Metadata lines
  (``"Data Source",...``, ``"Last Updated Date","2024-06-28",``), then the header
  ``Country Name,Country Code,Indicator Name,Indicator Code,1960,...`` and one row per economy
  and indicator, one column per year (wide).
- ``sdg``: a UN SDG Global Database CSV export (long, one row per series, area and year):
  ``Goal,Target,Indicator,SeriesCode,SeriesDescription,GeoAreaCode,GeoAreaName,TimePeriod,
  Value,...`` with areas by M49 code. Columns after the standard ones are breakdowns (sex,
  age, location, type of speed, ...): only the totals are read.
- ``long``: ``member,indicator,year,value,source`` (optional ``date``: the time the figure
  describes, ``2015-07``; optional ``source_date``: when the source published it).

Reading never decides anything about members or indicators: :mod:`wuzhen.development.imports`
does. Files are small (a few thousand rows): they are read with the ``csv`` module, row by row,
so each row keeps its line number for the import report.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from wuzhen.errors import InputError
from wuzhen.i18n import _

Format = Literal["wdi", "sdg", "long"]
FORMATS: tuple[Format, ...] = ("wdi", "sdg", "long")
YEAR = re.compile(r"^\d{4}$")
DATED = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
#: Values that mean "no figure" in these files (an empty cell, the WDI DataBank's ``..``).
MISSING = frozenset({"", "..", "NA", "N/A", "NaN", "nan"})
SDG_STANDARD = frozenset(
    {
        "Goal",
        "Target",
        "Indicator",
        "SeriesCode",
        "SeriesDescription",
        "GeoAreaCode",
        "GeoAreaName",
        "TimePeriod",
        "Value",
        "Time_Detail",
        "TimeCoverage",
        "UpperBound",
        "LowerBound",
        "BasePeriod",
        "Source",
        "GeoInfoUrl",
        "FootNote",
        "Nature",
        "Units",
        "Reporting Type",
        "Observation Status",
    }
)
#: Breakdown values that mean "all of it" (the totals the import keeps).
SDG_TOTALS = frozenset({"", "ALLAGE", "BOTHSEX", "ALLAREA", "ANYS", "_T", "_Z", "ALL", "TOTAL"})


@dataclass(frozen=True, slots=True)
class Row:
    """One figure as read: where it is in the file and what it says (all as text)."""

    line: int
    area: str  # ISO2, ISO3 or M49 code of the economy
    area_name: str
    code: str  # the indicator's code in the file (WDI or SDG code, or Wuzhen's)
    year: str
    value: str
    source: str
    dated: str = ""
    source_date: str = ""


@dataclass(frozen=True, slots=True)
class Skip:
    """A row left out on purpose, before any member or indicator is looked up."""

    line: int
    area: str
    area_name: str
    reason: str


@dataclass
class Parsed:
    rows: list[Row]
    skipped: list[Skip]


def read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(_("{path} is not UTF-8 text.").format(path=path.name)) from err


def detect(text: str) -> Format:
    """The format of a file, from its first lines."""
    head = "\n".join(text.splitlines()[:8])
    if "Country Code" in head and "Indicator Code" in head:
        return "wdi"
    if "SeriesCode" in head and "GeoAreaCode" in head:
        return "sdg"
    first = next(csv.reader(io.StringIO(text.lstrip())), [])
    if {"member", "indicator", "year", "value"} <= {c.strip().lower() for c in first}:
        return "long"
    raise InputError(_("Cannot tell the format of this file: give --format wdi, sdg or long."))


def parse(text: str, fmt: Format) -> Parsed:
    if fmt == "wdi":
        return _wdi(text)
    if fmt == "sdg":
        return _sdg(text)
    return _long(text)


def _header_index(lines: list[list[str]], first: str) -> int:
    for i, cells in enumerate(lines):
        if cells and cells[0].strip() == first:
            return i
    raise InputError(_("No header line starting with {name} was found.").format(name=first))


def _wdi(text: str) -> Parsed:
    lines = list(csv.reader(io.StringIO(text)))
    at = _header_index(lines, "Country Name")
    header = [c.strip() for c in lines[at]]
    updated = ""
    for cells in lines[:at]:
        if len(cells) >= 2 and cells[0].strip() == "Last Updated Date":
            updated = cells[1].strip()
    try:
        name_i = header.index("Country Name")
        code_i = header.index("Country Code")
        ind_i = header.index("Indicator Code")
    except ValueError as err:
        raise InputError(_("A WDI file needs Country Code and Indicator Code columns.")) from err
    years = [(i, h) for i, h in enumerate(header) if YEAR.match(h)]
    if not years:
        raise InputError(_("A WDI file has one column per year: none was found."))
    rows = []
    for n, cells in enumerate(lines[at + 1 :], start=at + 2):
        if not any(c.strip() for c in cells):
            continue
        code = _cell(cells, ind_i)
        source = f"World Bank WDI ({code})"
        area, name = _cell(cells, code_i), _cell(cells, name_i)
        rows += [
            Row(n, area, name, code, year, _cell(cells, i), source, year, updated)
            for i, year in years
        ]
    return Parsed(rows, [])


def _cell(cells: list[str], i: int) -> str:
    return cells[i].strip() if i < len(cells) else ""


def _sdg(text: str) -> Parsed:
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in reader.fieldnames or []]
    need = ("SeriesCode", "GeoAreaCode", "GeoAreaName", "TimePeriod", "Value")
    missing = [f for f in need if f not in fields]
    if missing:
        raise InputError(
            _("An SDG export needs the columns {names}.").format(names=", ".join(missing))
        )
    reader.fieldnames = fields
    breakdowns = [f for f in fields if f not in SDG_STANDARD]
    rows, skipped = [], []
    for n, rec in enumerate(reader, start=2):
        cell = {k: (v or "").strip() for k, v in rec.items() if k is not None}
        area = cell["GeoAreaCode"]
        area = area.zfill(3) if area.isdigit() else area
        name = cell["GeoAreaName"]
        parts = [f"{b}={cell.get(b, '')}" for b in breakdowns if cell.get(b, "") not in SDG_TOTALS]
        if parts:
            skipped.append(Skip(n, area, name, "a breakdown, not the total: " + ", ".join(parts)))
            continue
        if cell.get("Reporting Type", "G") not in ("G", ""):
            skipped.append(Skip(n, area, name, "a national figure (the global one is used)"))
            continue
        origin = cell.get("Source", "")
        code = cell["SeriesCode"]
        source = f"UN SDG Global Database ({code})" + (f": {origin}" if origin else "")
        year = cell["TimePeriod"]
        rows.append(Row(n, area, name, code, year, cell["Value"], source[:300], year))
    return Parsed(rows, skipped)


def _long(text: str) -> Parsed:
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    missing = [f for f in ("member", "indicator", "year", "value", "source") if f not in fields]
    if missing:
        raise InputError(
            _("The long CSV needs the columns {names}.").format(names=", ".join(missing))
        )
    reader.fieldnames = fields
    rows = []
    for n, rec in enumerate(reader, start=2):
        cell = {k: (v or "").strip() for k, v in rec.items() if k is not None}
        if not any(cell.values()):
            continue
        rows.append(
            Row(
                n,
                cell["member"],
                "",
                cell["indicator"],
                cell["year"],
                cell["value"],
                cell["source"],
                cell.get("date", ""),
                cell.get("source_date", ""),
            )
        )
    return Parsed(rows, [])
