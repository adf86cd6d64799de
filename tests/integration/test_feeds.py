"""The feed catalogue: listed, extended by the operator, applied by ``ingest --feed`` (#4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wuzhen.cli import app
from wuzhen.errors import DataError, InputError
from wuzhen.evidence.feeds import catalogue, feed
from wuzhen.evidence.parsers import all_parsers

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "evidence" / "openssh" / "auth.log"


def test_every_shipped_feed_names_a_known_format() -> None:
    formats = set(all_parsers())
    for f in catalogue().values():
        assert f.format in formats, f"{f.name}: unknown format {f.format}"
        assert f.licence
        assert f.provider


def test_operator_entries_extend_and_override(tmp_path: Path) -> None:
    (tmp_path / "feeds.toml").write_text(
        '[feed.my-sensors]\ntitle = "Our SSH sensors"\nprovider = "CERT-XX"\n'
        'format = "openssh"\ntlp = "amber+strict"\nredistribution = false\n'
        'licence = "internal"\n'
    )
    mine = feed("my-sensors", tmp_path)
    assert mine.tlp.value == "AMBER+STRICT"
    assert not mine.redistribution
    assert set(catalogue()) < set(catalogue(tmp_path))
    with pytest.raises(InputError, match="unknown feed"):
        feed("nope", tmp_path)
    (tmp_path / "feeds.toml").write_text('[feed.bad]\ntitle = "x"\n')
    with pytest.raises(DataError, match="missing keys"):
        catalogue(tmp_path)
    # tester's report: an array of tables ended in AttributeError
    (tmp_path / "feeds.toml").write_text('[[feed]]\ntitle = "x"\n')
    with pytest.raises(DataError, match=r"each feed is a table of its own, \[feed.NAME\]"):
        catalogue(tmp_path)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("WUZHEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WUZHEN_DEFAULT_OWNER", "CN")
    monkeypatch.delenv("WUZHEN_DATABASE_URL", raising=False)
    assert CliRunner().invoke(app, ["members", "admit", "--all"]).exit_code == 0
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "feeds.toml").write_text(
        '[feed.partner-ssh]\ntitle = "Partner SSH sensors"\nprovider = "CERT-ZZ"\n'
        'format = "openssh"\ntlp = "GREEN"\nredistribution = false\n'
        'licence = "for the receiving team only"\n'
        '[feed.open-ssh]\ntitle = "Open SSH list"\nprovider = "Example"\n'
        'format = "openssh"\ntlp = "GREEN"\nredistribution = true\nlicence = "CC0"\n'
    )
    return CliRunner()


def test_feeds_command_lists_terms(cli: CliRunner) -> None:
    result = cli.invoke(app, ["feeds", "--json"])
    assert result.exit_code == 0, result.output
    by = {f["name"]: f for f in json.loads(result.output)}
    assert by["partner-ssh"]["redistribution"] is False
    assert by["shadowserver-reports"]["format"] == "shadowserver"
    table = cli.invoke(app, ["feeds"]).output
    assert "owner only" in table


def test_ingest_with_a_feed_applies_its_entry(cli: CliRunner) -> None:
    result = cli.invoke(app, ["ingest", str(SAMPLE), "--feed", "partner-ssh", "--json"])
    assert result.exit_code == 0, result.output
    out = cli.invoke(app, ["events", "--output-format", "jsonl"]).output.splitlines()
    events = [json.loads(line) for line in out]
    assert {e["feed.name"] for e in events} == {"Partner SSH sensors"}
    assert {e["feed.provider"] for e in events} == {"CERT-ZZ"}
    # not redistributable: restricted to the owner, never routed
    assert {e["tlp"] for e in events} == {"AMBER+STRICT"}
    assert {e["route.state"] for e in events} == {"unrouted"}
    cli.invoke(app, ["ingest", str(SAMPLE), "--feed", "open-ssh", "--owner", "FR"])
    out = cli.invoke(app, ["events", "--owner", "FR", "--output-format", "jsonl"]).output
    shared = [json.loads(line) for line in out.splitlines()]
    assert {e["tlp"] for e in shared} == {"GREEN"}
    assert "routed" in {e["route.state"] for e in shared}


def test_a_feed_in_another_of_its_formats_is_read_by_its_content(
    cli: CliRunner, tmp_path: Path
) -> None:
    """Regression: ``--feed feodotracker`` read every file as the entry's CSV, so its JSON
    list was rejected whole; the entry's format is for files whose content does not say."""
    listed = tmp_path / "ipblocklist.json"
    listed.write_text(
        '[{"ip_address":"192.9.135.73","port":1194,"status":"online","hostname":null,'
        '"as_number":31898,"as_name":"ORACLE-BMC-31898","country":"US",'
        '"first_seen":"2023-05-23 17:51:44","last_online":"2024-04-01","malware":"Pikabot"}]\n'
    )
    result = cli.invoke(app, ["ingest", str(listed), "--feed", "feodotracker", "--json"])
    assert result.exit_code == 0, result.output
    (f,) = json.loads(result.output)["files"]
    assert (f["format"], f["events"], f["rejects"]) == ("feodotracker-json", 1, 0)
    # content that names no format takes the feed's
    bare = tmp_path / "list.txt"
    bare.write_text("# no header\n")
    result = cli.invoke(app, ["ingest", str(bare), "--feed", "feodotracker", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["files"][0]["format"] == "feodotracker-csv"


DROP = (
    "; Spamhaus DROP List 2026/11/30 - (c) 2026 The Spamhaus Project SLU\n"
    "; Last-Modified: Mon, 30 Nov 2026 04:39:22 GMT\n"
    "1.180.5.0/24 ; SBL111111\n"
    "193.51.0.0/24 ; SBL222222\n"
)


def test_a_format_only_owner_only_feeds_publish_stays_with_the_owner_unnamed(
    cli: CliRunner, tmp_path: Path
) -> None:
    """Regression: Spamhaus DROP, whose every catalogue entry forbids passing it on, was
    routed to other members as AMBER when ingested (or uploaded) without --feed."""
    drop = tmp_path / "drop.txt"
    drop.write_text(DROP)

    def ingested(*args: str) -> set[tuple[str, str]]:
        result = cli.invoke(app, ["ingest", str(drop), "--json", *args])
        assert result.exit_code == 0, result.output
        owner = args[args.index("--owner") + 1]
        out = cli.invoke(app, ["events", "--owner", owner, "--output-format", "jsonl"]).output
        return {(e["tlp"], e["route.state"]) for e in map(json.loads, out.splitlines())}

    assert ingested("--owner", "CN") == {("AMBER+STRICT", "unrouted")}
    assert ingested("--owner", "FR", "--tlp", "RED") == {("RED", "unrouted")}  # never looser
    # an operator's entry that may pass it on: the format's terms are no longer one
    catalogue_file = tmp_path / "data" / "feeds.toml"
    catalogue_file.write_text(
        catalogue_file.read_text()
        + '[feed.our-drop]\ntitle = "Our DROP mirror"\nprovider = "CERT-ZZ"\n'
        'format = "spamhaus-drop"\ntlp = "GREEN"\nredistribution = true\nlicence = "ours"\n'
    )
    assert ingested("--owner", "US") == {("AMBER", "routed")}
