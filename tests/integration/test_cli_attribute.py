"""The ``wuzhen attribute`` and ``wuzhen jurisdiction`` commands, run in-process (#2)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from wuzhen import __version__
from wuzhen.cli import app, main
from wuzhen.errors import InputError
from wuzhen.jurisdiction.snapshot import PACKAGED_SNAPSHOT

FIXTURES = Path(__file__).parents[1] / "data" / "jurisdiction"
SAMPLE = ["8.8.8.8", "2001:4860:4860::8888", "114.114.114.114", "example.cn", "https://a.ru/x"]
SAMPLE += ["10.0.0.1"]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory per test, so only the shipped snapshot is found."""
    path = tmp_path / "data"
    monkeypatch.setenv("WUZHEN_DATA_DIR", str(path))
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wide terminal, so table cells are not cut (the default without a terminal is 80)."""
    monkeypatch.setattr("wuzhen.cli.attribute.console", Console(width=240))
    monkeypatch.setattr("wuzhen.cli.jurisdiction.console", Console(width=240))


def _json(runner: CliRunner, *args: str) -> dict[str, object]:
    result = runner.invoke(app, [*args])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def _results(runner: CliRunner, *values: str) -> dict[str, dict[str, object]]:
    data = _json(runner, "attribute", *values, "--json")
    results = data["results"]
    assert isinstance(results, list)
    return {r["value"]: r for r in results}


def test_attribute_json(runner: CliRunner) -> None:
    data = _json(runner, "attribute", *SAMPLE, "--json")
    results = data["results"]
    assert isinstance(results, list)
    assert [r["value"] for r in results] == SAMPLE
    by = {r["value"]: r for r in results}
    google4, google6 = by["8.8.8.8"], by["2001:4860:4860::8888"]
    for r in (google4, google6):
        assert r["source.registration.cc"] == "US"
        assert r["source.geolocation.cc"] == "US"
        assert r["source.asn"] == 15169
        assert r["state"] == "US"
        assert r["error"] is None
    assert (google4["type"], google6["type"]) == ("ipv4", "ipv6")
    assert by["114.114.114.114"]["source.registration.cc"] == "CN"
    assert by["114.114.114.114"]["state"] == "CN"
    cn = by["example.cn"]
    assert (cn["type"], cn["source.tld.cc"], cn["source.fqdn"]) == ("name", "CN", "example.cn")
    assert cn["source.registration.cc"] is None  # a name is not located by its ccTLD
    assert cn["state"] is None
    ru = by["https://a.ru/x"]
    assert (ru["type"], ru["source.fqdn"], ru["source.tld.cc"]) == ("url", "a.ru", "RU")
    private = by["10.0.0.1"]
    assert private["source.special_purpose"] == "private"
    assert private["source.registration.cc"] is None
    assert private["state"] is None
    notice = data["notice"]
    assert isinstance(notice, str)
    assert "CC BY 4.0" in notice
    assert "CC BY-SA 4.0" in notice


def test_attribute_json_blocks_and_bad_values(runner: CliRunner) -> None:
    """Regression (#2): "1.2.3.999" was typed a valid name, a CN+HK block "unrouted"."""
    values = ["1.0.0.0/16", "14.196.0.0/14", "138.199.64.1", "1.2.3.999", "bad..name"]
    by = _results(runner, *values, "http://300.1.1.1/x", "http://8.8.8.8/x")
    assert by["1.0.0.0/16"]["source.spans_jurisdictions"] is True
    assert by["1.0.0.0/16"]["state"] is None
    assert by["14.196.0.0/14"]["state"] == "CN"  # CN and HK: one jurisdiction
    assert by["138.199.64.1"]["source.registration.cc"] == "EU"
    assert by["138.199.64.1"]["state"] == "unrouted"
    assert by["1.2.3.999"]["type"] == "invalid"
    assert "255" in str(by["1.2.3.999"]["error"])
    assert by["bad..name"]["type"] == "invalid"
    assert by["bad..name"]["error"]
    bad_url = by["http://300.1.1.1/x"]
    assert (bad_url["type"], bad_url["state"]) == ("invalid", None)
    assert "255" in str(bad_url["error"])
    good_url = by["http://8.8.8.8/x"]
    assert (good_url["type"], good_url["source.registration.cc"]) == ("url", "US")
    assert good_url["state"] == "US"


@pytest.mark.usefixtures("wide")
def test_attribute_table(runner: CliRunner) -> None:
    result = runner.invoke(app, ["attribute", *SAMPLE])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in [*SAMPLE, "15169", "Google LLC", "private", "ipv6", "url", "RU"]:
        assert text in out, text
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 5}
    assert " US " in rows["8.8.8.8"]
    assert " CN " in rows["114.114.114.114"]
    assert " private " in rows["10.0.0.1"]
    assert "Address attribution contains data from" in out


def _write_values(path: Path, *, gz: bool) -> list[str]:
    text = (
        "# addresses seen by our sensor\n"
        "8.8.8.8\n"
        "\n"
        "   \n"
        "1.1.1.1\r\n"
        "  # an indented comment\n"
        "114.114.114.114\n"
        "not-an-address..\n"
        "2001:4860:4860::8888"  # no final newline
    )
    data = text.encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return ["8.8.8.8", "1.1.1.1", "114.114.114.114", "not-an-address..", "2001:4860:4860::8888"]


def _read(path: Path, fmt: str) -> pl.DataFrame:
    if fmt == "csv":
        return pl.read_csv(path)
    if fmt == "json":
        return pl.read_ndjson(path)
    return pl.read_parquet(path)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize(
    ("suffix", "fmt"), [("csv", "csv"), ("jsonl", "json"), ("parquet", "parquet")]
)
def test_attribute_file(runner: CliRunner, tmp_path: Path, gz: bool, suffix: str, fmt: str) -> None:
    source = tmp_path / ("values.txt.gz" if gz else "values.txt")
    expected = _write_values(source, gz=gz)
    out = tmp_path / f"out.{suffix}"
    result = runner.invoke(app, ["attribute", "--file", str(source), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{len(expected)} values attributed" in result.output
    frame = _read(out, fmt)
    assert frame["value"].to_list() == expected
    assert frame["source.registration.cc"].to_list() == ["US", "AU", "CN", None, "US"]
    assert frame["type"].to_list() == ["ipv4", "ipv4", "ipv4", "invalid", "ipv6"]
    assert frame["error"].is_null().to_list() == [True, True, True, False, True]
    assert frame["source.asn"].to_list()[:3] == [15169, 13335, 21859]


def test_attribute_file_format_option_beats_the_suffix(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "values.txt"
    expected = _write_values(source, gz=False)
    out = tmp_path / "out.txt"
    args = ["attribute", "-f", str(source), "-o", str(out), "--output-format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert pl.read_ndjson(out)["value"].to_list() == expected


def test_attribute_file_to_standard_output(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "values.txt"
    expected = _write_values(source, gz=False)
    result = runner.invoke(app, ["attribute", "--file", str(source)])
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(result.stdout.encode())
    assert frame["value"].to_list() == expected
    assert frame.columns[:3] == ["value", "type", "source.registration.cc"]


def test_attribute_standard_input(runner: CliRunner) -> None:
    result = runner.invoke(app, ["attribute", "--file", "-"], input="1.1.1.1\n# no\n10.0.0.1\n")
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(result.stdout.encode())
    assert frame["value"].to_list() == ["1.1.1.1", "10.0.0.1"]
    assert frame["source.special_purpose"].to_list() == [None, "private"]


def test_parquet_to_standard_output_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "values.txt"
    _write_values(source, gz=False)
    result = runner.invoke(app, ["attribute", "-f", str(source), "--output-format", "parquet"])
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)
    assert "--output" in str(result.exception)


@pytest.mark.parametrize("args", [["-o", "x.csv"], ["--output-format", "csv"]])
def test_output_of_values_given_here_is_refused(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """Tester's report: ``attribute 8.8.8.8 -o x.csv`` printed the table and wrote no file."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["attribute", "8.8.8.8", *args])
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)
    assert "--output and --output-format write the results of --file FILE" in str(result.exception)
    assert not (tmp_path / "x.csv").exists()


def test_output_to_a_directory_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    """Regression: ``attribute -f FILE -o DIR`` failed on renaming the results over DIR, with
    the name of a temporary file."""
    source = tmp_path / "values.txt"
    _write_values(source, gz=False)
    result = runner.invoke(app, ["attribute", "-f", str(source), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)
    assert f"{tmp_path}: a directory; give a file name" in str(result.exception)


def test_values_and_file_together_are_refused(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "values.txt"
    _write_values(source, gz=False)
    result = runner.invoke(app, ["attribute", "8.8.8.8", "--file", str(source)])
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)


def test_nothing_to_attribute_is_a_clear_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["attribute"])
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)
    assert "nothing to attribute" in str(result.exception)


def test_nothing_to_attribute_through_the_entry_point(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The installed ``wuzhen`` command prints the message and exits with status 1."""
    monkeypatch.setattr(sys, "argv", ["wuzhen", "attribute"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "Error" in err
    assert "nothing to attribute: give values, or --file FILE" in err


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"wuzhen {__version__}"


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        ([], ["attribute", "jurisdiction", "--version"]),
        (["attribute"], ["--file", "--json", "--output", "--output-format"]),
        (["jurisdiction"], ["info", "build"]),
        (["jurisdiction", "info"], ["--json"]),
        (["jurisdiction", "build"], ["--registration", "--location", "--asnames", "--output"]),
    ],
)
def test_help_on_every_command(runner: CliRunner, command: list[str], mentions: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout
    for text in mentions:
        assert text in result.stdout, text


def test_jurisdiction_info_json(runner: CliRunner) -> None:
    data = _json(runner, "jurisdiction", "info", "--json")
    assert data["path"] == str(PACKAGED_SNAPSHOT)
    sources = data["sources"]
    assert isinstance(sources, list)
    by_role = {s["role"]: s for s in sources}
    assert set(by_role) == {"registration", "location", "asnames"}
    assert by_role["registration"]["date"] == "2026-10-27"
    assert by_role["location"]["date"] == "2026-08-22"
    assert by_role["asnames"]["date"] == "2026-08-22"
    assert "CC BY 4.0" in by_role["registration"]["licence"]
    assert "CC BY-SA 4.0" in by_role["location"]["licence"]
    for s in sources:
        assert len(s["sha256"]) == 64
        assert s["records"] > 0
    assert "CC BY-SA 4.0" in str(data["notice"])


@pytest.mark.usefixtures("wide")
def test_jurisdiction_info_table(runner: CliRunner) -> None:
    result = runner.invoke(app, ["jurisdiction", "info"])
    assert result.exit_code == 0, result.output
    for text in ["registration-rir-20261027.csv.gz", "2026-10-27", "2026-08-22", "CC BY-SA 4.0"]:
        assert text in result.stdout, text


def test_jurisdiction_build_then_attribute_uses_it(runner: CliRunner, data_dir: Path) -> None:
    # 1.0.8.1 is registered in China in the shipped data and in India in the fixture.
    before = _results(runner, "1.0.8.1", "2.56.0.1")
    assert before["1.0.8.1"]["source.registration.cc"] == "CN"
    args = ["jurisdiction", "build"]
    args += ["-r", str(FIXTURES / "delegated-apnic-extended.txt")]
    args += ["-r", str(FIXTURES / "delegated-ripencc-extended.txt")]
    args += ["-l", str(FIXTURES / "location.csv"), "-l", str(FIXTURES / "ip2asn.tsv")]
    args += ["-a", str(FIXTURES / "asnames.tsv"), "--location-licence", "test data"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    built = data_dir / "jurisdiction" / "snapshot.npz"
    assert built.exists()
    assert "delegated-apnic-extended.txt" in result.stdout
    after = _results(runner, "1.0.8.1", "2.56.0.1", "8.8.8.8")
    assert after["1.0.8.1"]["source.registration.cc"] == "IN"
    assert after["1.0.8.1"]["source.registry"] == "APNIC"
    assert after["2.56.0.1"]["source.registration.cc"] == "EU"
    assert after["2.56.0.1"]["state"] == "unrouted"
    assert after["8.8.8.8"]["source.registration.cc"] is None  # not in the fixtures
    info = _json(runner, "jurisdiction", "info", "--json")
    assert info["path"] == str(built)
    sources = info["sources"]
    assert isinstance(sources, list)
    assert [s["file"] for s in sources] == [
        "delegated-apnic-extended.txt",
        "delegated-ripencc-extended.txt",
        "location.csv",
        "ip2asn.tsv",
        "asnames.tsv",
    ]
    assert sources[2]["licence"] == "test data"


def test_jurisdiction_build_to_an_output_path(
    runner: CliRunner, tmp_path: Path, data_dir: Path
) -> None:
    target = tmp_path / "elsewhere" / "snap.npz"
    args = ["jurisdiction", "build", "-r", str(FIXTURES / "delegated-apnic-extended.txt")]
    result = runner.invoke(app, [*args, "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.exists()
    assert not (data_dir / "jurisdiction" / "snapshot.npz").exists()


def test_jurisdiction_build_needs_a_source(runner: CliRunner) -> None:
    result = runner.invoke(app, ["jurisdiction", "build"])
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)


def test_jurisdiction_build_refuses_a_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["jurisdiction", "build", "-r", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
