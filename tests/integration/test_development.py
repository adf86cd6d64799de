"""Development indicators and targets on the relational store (#8), on SQLite and
PostgreSQL: imports of each format (aggregates and economies without a member skipped and
listed; malformed files refused whole, with their rows), idempotent re-imports, targets and
their progress, the founding conference's example for the demo."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.conftest import DATA, ROOT
from wuzhen import ledger
from wuzhen.cli import app as cli
from wuzhen.development import service
from wuzhen.development.demo import FILE, load_demo
from wuzhen.development.imports import (
    NO_MEMBER_CODE,
    NOT_MEMBER,
    IndicatorFileError,
    import_file,
    import_text,
)
from wuzhen.development.tables import IndicatorValue
from wuzhen.errors import InputError, NotFoundError
from wuzhen.members.tables import CANDIDATE, Member
from wuzhen.node import Node

FILES = DATA / "development"


def _import(node: Node, name: str, fmt: str | None = None):  # type: ignore[no-untyped-def]
    with node.db.session() as s:
        return import_file(s, FILES / name, fmt, actor="test", at=node.clock.now())  # type: ignore[arg-type]


def _count(node: Node) -> int:
    with node.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(IndicatorValue)) or 0)


def test_wdi_import_maps_members_and_lists_the_rest(node: Node) -> None:
    report = _import(node, "wdi.csv")
    assert report.format == "wdi"
    assert report.added == 7  # China 4 years, France 3 (2016 is empty)
    assert report.empty == 1
    skipped = {s.area: s for s in report.skipped}
    assert set(skipped) == {"ABW", "AFE", "HKG", "HIC", "WLD"}
    assert all(s.reason == NO_MEMBER_CODE for s in skipped.values())
    assert skipped["WLD"].area_name == "World"
    assert skipped["HKG"].lines == (10,)  # Hong Kong is not China's own code
    with node.db.session() as s:
        cn = service.values(s, member="CN").to_dicts()
    assert [(r["year"], r["value"]) for r in cn] == [
        (2013, 45.8),
        (2014, 47.9),
        (2015, 50.3),
        (2016, 53.2),
    ]
    assert cn[0]["indicator"] == "internet-users-pct"
    assert cn[0]["source"] == "World Bank WDI (IT.NET.USER.ZS)"
    assert cn[0]["source_date"] == "2024-06-28"
    assert cn[0]["dated"] == "2013"


def test_the_same_file_twice_changes_nothing(node: Node) -> None:
    _import(node, "wdi.csv")
    with node.db.session() as s:
        head = ledger.head(s)
    again = _import(node, "wdi.csv")
    assert (again.added, again.changed, again.unchanged) == (0, 0, 7)
    with node.db.session() as s:
        assert ledger.head(s) == head  # nothing happened, nothing ledgered
    assert _count(node) == 7


def test_a_changed_value_replaces_the_old_one(node: Node, tmp_path: Path) -> None:
    _import(node, "wdi.csv")
    changed = tmp_path / "wdi2.csv"
    changed.write_text(
        (FILES / "wdi.csv").read_text(encoding="utf-8-sig").replace('"50.3"', '"50.4"'),
        encoding="utf-8",
    )
    report = _import(node, str(changed))
    assert (report.added, report.changed, report.unchanged) == (0, 1, 6)
    with node.db.session() as s:
        frame = service.values(s, member="CN", indicator_code="internet-users-pct")
    assert 50.4 in frame["value"].to_list()


def test_sdg_import(node: Node) -> None:
    with node.db.session() as s:
        s.get(Member, "AF").status = CANDIDATE  # type: ignore[union-attr]
    report = _import(node, "sdg.csv")
    assert report.format == "sdg"
    assert report.added == 3  # China 2021 and 2022, France 4G 2021
    reasons = {(s.area, s.reason) for s in report.skipped}
    assert ("004", NOT_MEMBER) in reasons  # Afghanistan is not (yet) a member here
    assert ("001", NO_MEMBER_CODE) in reasons  # World
    assert ("142", NO_MEMBER_CODE) in reasons  # Asia
    assert any(s.area == "156" and "FEMALE" in s.reason for s in report.skipped)
    with node.db.session() as s:
        fr = service.values(s, member="FR").to_dicts()
    assert fr == [
        {
            "member": "FR",
            "indicator": "mobile-coverage-4g",
            "year": 2021,
            "value": 99.0,
            "dated": "2021",
            "source": "UN SDG Global Database (IT_MOB_4GNTWK): ITU",
            "source_date": None,
        }
    ]


def test_long_import_by_iso2_iso3_and_m49(node: Node) -> None:
    report = _import(node, "long.csv")
    assert (report.format, report.added, report.empty) == ("long", 3, 1)
    with node.db.session() as s:
        fr = service.values(s, member="FR", indicator_code="fixed-broadband-per-100")
        cn = service.values(s, member="CN", indicator_code="websites").to_dicts()
    assert fr["year"].to_list() == [2020, 2021]  # FRA and 250
    assert cn[0]["dated"] == "2015-07"


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        (
            "long-malformed.csv",
            "long",
            [
                (3, "between 0 and 100"),
                (4, "unknown indicator code 'broadband-speed'"),
                (5, "'20x1' is not a year"),
                (6, "'lots' is not a number"),
            ],
        ),
        ("wdi-unknown.csv", None, [(7, "unknown indicator code 'SP.POP.TOTL'")]),
        (
            "sdg-malformed.csv",
            "sdg",
            [(3, "'<85' is not a number"), (5, "also given on line 4")],
        ),
    ],
)
def test_malformed_files_import_nothing_and_list_the_rows(
    node: Node, name: str, fmt: str | None, expected: list[tuple[int, str]]
) -> None:
    with node.db.session() as s:
        head = ledger.head(s)
    with pytest.raises(IndicatorFileError) as caught:
        _import(node, name, fmt)
    problems = caught.value.problems
    assert [line for line, _ in problems] == [line for line, _ in expected]
    for (_, why), (_, part) in zip(problems, expected, strict=True):
        assert part in why
    for line, _ in expected:
        assert f"line {line}:" in str(caught.value)
    assert _count(node) == 0  # the good rows before the bad ones were not imported either
    with node.db.session() as s:
        assert ledger.head(s) == head


def test_operator_defined_indicators(node: Node, tmp_path: Path) -> None:
    path = tmp_path / "ixp.csv"
    path.write_text("member,indicator,year,value,source\nFR,ixp-count,2024,12,PeeringDB\n")
    with pytest.raises(IndicatorFileError):
        _import(node, str(path))
    with node.db.session() as s:
        service.define(
            s, "ixp-count", "Internet exchange points", "count", actor="t", at=node.clock.now()
        )
    assert _import(node, str(path)).added == 1
    with node.db.session() as s, pytest.raises(InputError):
        service.define(s, "websites", "Websites again", "count", actor="t", at=node.clock.now())


def test_targets_and_progress(node: Node, tmp_path: Path) -> None:
    path = tmp_path / "villages.csv"
    path.write_text(
        "member,indicator,year,value,source\n"
        "CN,villages-with-internet-pct,2015,93.5,MIIT\n"
        "CN,villages-with-internet-pct,2016,95.0,MIIT\n"
        "CN,villages-with-internet-pct,2017,96.5,MIIT\n"
    )
    _import(node, str(path))
    with node.db.session() as s:
        first = service.set_target(
            s, "CN", "villages-with-internet-pct", 100, 2030, actor="t", at=node.clock.now()
        )
        again = service.set_target(
            s, "CN", "villages-with-internet-pct", 99, 2030, actor="t", at=node.clock.now()
        )
        assert again.id == first.id  # one target per indicator and deadline: replaced
        (view,) = service.targets(s, node.clock.now(), "CN")
    assert view.progress.status == "on-track"  # 96.5 + 13 * 1.5 >= 99
    assert view.as_dict()["needed_per_year"] == pytest.approx(2.5 / 13)
    with node.db.session() as s:
        with pytest.raises(InputError):
            service.set_target(
                s, "CN", "villages-with-internet-pct", 120, 2020, actor="t", at=node.clock.now()
            )
        with pytest.raises(NotFoundError):
            service.set_target(
                s, "CN", "no-such-indicator", 1, 2020, actor="t", at=node.clock.now()
            )
        with pytest.raises(NotFoundError):
            service.remove_target(s, first.id, "FR", actor="t", at=node.clock.now())
        service.remove_target(s, first.id, "CN", actor="t", at=node.clock.now())
        assert service.targets(s, node.clock.now()) == []


def test_the_founding_conference_example(node: Node) -> None:
    with node.db.session() as s:
        report = load_demo(s, actor="demo", at=node.clock.now())
    assert report.added == 3
    with node.db.session() as s:
        assert load_demo(s, actor="demo", at=node.clock.now()).added == 0
        values = {r["indicator"]: r for r in service.values(s, member="CN").to_dicts()}
        (target,) = service.targets(s, node.clock.now(), "CN")
    assert values["internet-users"]["value"] == 668_000_000
    assert values["websites"]["value"] == 4_130_000
    assert values["villages-with-internet-pct"]["value"] == 93.5
    assert values["villages-with-internet-pct"]["dated"] == "2015-07"
    assert (target.target.value, target.target.deadline_year) == (100.0, 2020)
    assert target.progress.needed_per_year == pytest.approx(1.3)
    assert target.progress.status == "unknown"  # one observation, deadline passed


def test_the_guides_example_is_the_shipped_file_and_imports(node: Node) -> None:
    guide = (ROOT / "docs" / "user" / "development.md").read_text(encoding="utf-8")
    example = guide.split("```csv\n", 1)[1].split("```", 1)[0]
    shipped = files("wuzhen.development").joinpath("data", FILE).read_text(encoding="utf-8")
    assert example == shipped
    with node.db.session() as s:
        report = import_text(s, example, None, actor="test", at=node.clock.now())
    assert (report.format, report.added) == ("long", 3)


@pytest.fixture
def cli_env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WUZHEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WUZHEN_DATABASE_URL", database_url)


def test_command_line(cli_env: None) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["members", "admit", "--all", "--reason", "founding"])
    assert done.exit_code == 0, done.output
    done = runner.invoke(cli, ["indicators", "import", str(FILES / "wdi.csv")])
    assert done.exit_code == 0, (done.output, done.exception)
    assert "7 added" in done.output
    assert "World" in done.output  # the skipped rows are listed
    again = runner.invoke(cli, ["indicators", "import", str(FILES / "wdi.csv"), "--json"])
    assert json.loads(again.output)["added"] == 0
    bad = runner.invoke(cli, ["indicators", "import", str(FILES / "long-malformed.csv")])
    assert bad.exit_code != 0
    assert isinstance(bad.exception, IndicatorFileError)
    assert "Nothing was imported" in bad.output
    done = runner.invoke(cli, ["targets", "set", "CN", "internet-users-pct", "80", "2030"])
    assert done.exit_code == 0, (done.output, done.exception)
    listed = runner.invoke(cli, ["targets", "list", "--json"])
    (target,) = json.loads(listed.output)
    assert (target["member"], target["status"], target["latest_value"]) == ("CN", "on-track", 53.2)
