"""The evidence commands as a user runs them: ingest, events, rejects, evidence, stats (#3)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from wuzhen.cli import app, main
from wuzhen.errors import NotFoundError, WuzhenError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "evidence" / "openssh" / "auth.log"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("WUZHEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WUZHEN_DEFAULT_OWNER", "CN")
    monkeypatch.delenv("WUZHEN_DATABASE_URL", raising=False)
    assert CliRunner().invoke(app, ["members", "admit", "--all"]).exit_code == 0
    return CliRunner()


def _run(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_ingest_json_summary_then_query(cli: CliRunner, tmp_path: Path) -> None:
    out = json.loads(_run(cli, "ingest", str(SAMPLE), "--json"))
    (f,) = out["files"]
    assert f["format"] == "openssh"
    assert f["records"] == f["events"] + f["duplicates"] + f["skipped"] + f["rejects"] == 15
    assert f["events"] == 10
    assert len(f["sha256"]) == 64
    # where the new events went, as the store has them: by member, and to none
    stored = pl.DataFrame(
        [json.loads(x) for x in _run(cli, "events", "--output-format", "jsonl").splitlines()]
    )
    by_member = dict(stored["route.member"].drop_nulls().value_counts().iter_rows())
    assert out["routes"] == {
        "members": by_member,
        "unrouted": stored["route.member"].null_count(),
        "no_country": stored["source.registration.cc"].null_count(),
        "kept": 0,
    }
    assert by_member["CN"] == 3
    again = json.loads(_run(cli, "ingest", str(SAMPLE), "--json"))
    assert (again["files"][0]["events"], again["files"][0]["duplicates"]) == (0, 10)
    assert again["routes"] == {"members": {}, "unrouted": 0, "no_country": 0, "kept": 0}

    assert _run(cli, "events", "--count").strip() == "10"
    assert _run(cli, "events", "--count", "--member", "CN").strip() == "3"
    # a state by any of its codes; an unknown code is an error, not an empty answer
    assert _run(cli, "events", "--count", "--member", "chn").strip() == "3"
    assert _run(cli, "events", "--count", "--owner", "156").strip() == "10"
    unknown = cli.invoke(app, ["events", "--count", "--member", "UK"])
    assert unknown.exit_code != 0
    assert "--member UK: no state has this code" in str(unknown.exception)
    unknown = cli.invoke(app, ["events", "--count", "--country", "UK"])
    assert "--country UK: no country has this code" in str(unknown.exception)
    assert _run(cli, "events", "--count", "--country", "us").strip() == "2"
    csv_out = tmp_path / "events.csv"
    _run(cli, "events", "--output-format", "csv", "--output", str(csv_out))
    assert pl.read_csv(csv_out).height == 10
    pq_out = tmp_path / "events.parquet"
    _run(cli, "events", "--output-format", "parquet", "-o", str(pq_out), "--country", "US")
    assert set(pl.read_parquet(pq_out)["source.registration.cc"]) == {"US"}
    lines = _run(cli, "events", "--output-format", "jsonl", "--limit", "3").splitlines()
    assert len(lines) == 3
    assert all("event.id" in json.loads(x) for x in lines)
    table = _run(cli, "events", "--since", "2026-11-28", "--until", "2026-11-29")
    assert "114.114.114.114" in table


def test_times_as_typed_and_as_printed(cli: CliRunner) -> None:
    _run(cli, "ingest", str(SAMPLE))
    rows = [json.loads(x) for x in _run(cli, "events", "--output-format", "jsonl").splitlines()]
    first = min(r["time.source"] for r in rows)  # as printed: 2026-11-28T03:14:07+00:00
    later = sum(r["time.source"] > first for r in rows)

    def count(*args: str) -> int:
        return int(_run(cli, "events", "--count", *args))

    assert count("--since", first) == len(rows)
    assert count("--until", first) == 0
    assert count("--since", first.replace("T", " ")[:16]) == len(rows)  # no seconds
    # a zone is honoured: 04:14:09+01:00 is 03:14:09 UTC
    at = datetime.fromisoformat(first).astimezone(timezone(timedelta(hours=1)))
    assert count("--since", at.isoformat()) == len(rows)
    assert count("--since", (at + timedelta(seconds=1)).isoformat()) == later
    assert count("--since", at.strftime("%Y-%m-%dT%H:%M:%S.%f%z")) == len(rows)  # as in CSV
    bad = cli.invoke(app, ["events", "--since", "yesterday"])
    assert bad.exit_code == 2
    message = " ".join(bad.output.replace("│", " ").split())
    assert "'yesterday' is not a time: give YYYY-MM-DD" in message


def test_since_and_until_select_entries_without_a_time_by_when_they_were_read(
    cli: CliRunner,
) -> None:
    """Tester's report: a blocklist's entries (no time of their own) matched no --since or
    --until, so `events --since 2026-11-01 --output-format stix` left every one out."""
    listed = SAMPLE.parents[1] / "blocklist" / "mixed.txt"
    out = json.loads(_run(cli, "ingest", str(listed), "--json"))
    n = out["files"][0]["events"]
    assert n > 0
    now = datetime.now(UTC)
    count = lambda *opts: int(_run(cli, "events", "--count", *opts).strip())  # noqa: E731
    assert count("--since", (now - timedelta(hours=1)).isoformat()) == n
    assert count("--until", (now + timedelta(hours=1)).isoformat()) == n
    assert count("--since", (now + timedelta(hours=1)).isoformat()) == 0
    assert count("--until", (now - timedelta(hours=1)).isoformat()) == 0


def test_a_reader_that_stops_reading_ends_the_output_quietly(
    cli: CliRunner, tmp_path: Path
) -> None:
    _run(cli, "ingest", str(SAMPLE))
    env = {**os.environ, "WUZHEN_DATA_DIR": str(tmp_path / "data")}
    for fmt in ("csv", "jsonl", "table"):
        proc = subprocess.Popen(
            [sys.executable, "-m", "wuzhen", "events", "--output-format", fmt],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert proc.stdout is not None
        proc.stdout.close()  # as `| head` does once it has read enough
        _out, err = proc.communicate(timeout=120)
        assert (proc.returncode, err) == (1, b"")


def test_table_summary_and_reasons(cli: CliRunner) -> None:
    out = _run(cli, "ingest", str(SAMPLE))
    assert "openssh" in out
    assert "successful login" in out
    assert "Where the new events went" in out
    assert "China (the owner)" in out


def test_sources_without_a_country_are_counted_apart_from_those_no_member_answers_for(
    cli: CliRunner, tmp_path: Path
) -> None:
    # A tester read "no member answers for the source's country" of private and documentation
    # addresses, which have no country at all.
    log = tmp_path / "auth.log"
    log.write_text(
        "".join(
            f"Mar  3 10:00:0{i} h sshd[1]: Failed password for root from {ip} port 22 ssh2\n"
            for i, ip in enumerate(["10.0.0.1", "192.0.2.7", "fe80::1%eth0", "1.0.1.1"])
        )
    )
    out = json.loads(_run(cli, "ingest", str(log), "--json"))
    assert out["routes"] == {"members": {"CN": 1}, "unrouted": 3, "no_country": 3, "kept": 0}
    table = _run(cli, "ingest", str(log), "--owner", "FR")
    assert "the source has no country" in table
    assert "no member answers" not in table


def test_events_a_marking_keeps_with_the_owner_are_counted_apart(cli: CliRunner) -> None:
    out = json.loads(_run(cli, "ingest", str(SAMPLE), "--tlp", "RED", "--json"))
    assert out["routes"] == {"members": {}, "unrouted": 0, "no_country": 0, "kept": 10}
    assert "RED stays with the owner" in _run(
        cli, "ingest", str(SAMPLE), "--owner", "FR", "--tlp", "RED"
    )


def test_a_directory_with_other_files(cli: CliRunner, tmp_path: Path) -> None:
    sensor = tmp_path / "sensor"
    sensor.mkdir()
    (sensor / "auth.log").write_text(SAMPLE.read_text())
    (sensor / "stats.log").write_text("Date: 11/28/2026 -- 03:16:40 (uptime: 0d, 00h 01m 02s)\n")
    out = json.loads(_run(cli, "ingest", str(sensor), "--json"))
    assert [f["path"] for f in out["files"]] == [str(sensor / "auth.log")]
    assert out["unread"] == [{"path": str(sensor / "stats.log"), "reason": "format not recognised"}]
    table = _run(cli, "ingest", str(sensor))
    assert "Files not read" in table
    assert "stats.log" in table
    assert "name it with --format" in table


def test_what_a_directory_holds_besides_files_is_listed_not_passed_over(
    cli: CliRunner, tmp_path: Path
) -> None:
    """Regression: a pipe, a link to nothing and a link to a directory in a walked directory
    were left out without a word (exit 0, not in `unread`)."""
    logs = tmp_path / "logs"
    (logs / "sub").mkdir(parents=True)
    (logs / "sub" / "auth.log").write_text(SAMPLE.read_text())
    (logs / ".hidden").mkdir()
    (logs / ".hidden" / "old.log").write_text(SAMPLE.read_text())
    os.mkfifo(logs / "fifo.log")
    (logs / "dangling.log").symlink_to(tmp_path / "nowhere")
    (logs / "linked").symlink_to(logs / "sub")
    out = json.loads(_run(cli, "ingest", str(logs), "--json"))
    assert [f["path"] for f in out["files"]] == [str(logs / "sub" / "auth.log")]
    assert out["unread"] == [
        {"path": str(logs / "dangling.log"), "reason": "a link to nothing"},
        {"path": str(logs / "fifo.log"), "reason": "not a regular file (a pipe, socket or device)"},
        {"path": str(logs / "linked"), "reason": "a link to a directory: not followed"},
    ]
    assert "--format" not in _run(cli, "ingest", str(logs))  # no format would read them


def test_a_named_pipe_is_read_as_standard_input_is(cli: CliRunner, tmp_path: Path) -> None:
    """Regression: a pipe named as a path (`mkfifo`, a shell's `<(zcat ...)`, /dev/stdin)
    was "no such file or directory"."""
    pipe = tmp_path / "auth.pipe"
    os.mkfifo(pipe)

    def feed() -> None:
        with pipe.open("wb") as out:
            out.write(gzip.compress(SAMPLE.read_bytes()))

    writer = threading.Thread(target=feed)
    writer.start()
    out = json.loads(_run(cli, "ingest", str(pipe), "--json"))
    writer.join()
    assert [(f["path"], f["format"], f["events"]) for f in out["files"]] == [
        (str(pipe), "openssh", 10)
    ]


def test_a_full_disk_and_a_terminal_without_utf8_are_no_traceback(
    cli: CliRunner, tmp_path: Path
) -> None:
    """Tester's report: output to a full device, and a terminal whose encoding cannot show a
    state's name (Côte d'Ivoire), ended in a traceback."""
    _run(cli, "ingest", str(SAMPLE))
    env = {**os.environ, "WUZHEN_DATA_DIR": str(tmp_path / "data")}
    wuzhen = [sys.executable, "-m", "wuzhen"]
    with Path("/dev/full").open("wb") as full:
        proc = subprocess.run(
            [*wuzhen, "events", "--output-format", "csv"],
            stdout=full,
            capture_output=False,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 1
    assert proc.stderr.decode().startswith("Error: ")
    assert "No space left on device" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()
    ascii_env = {**env, "PYTHONIOENCODING": "ascii"}
    proc = subprocess.run(
        [*wuzhen, "members", "list"], capture_output=True, env=ascii_env, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"C?te d'Ivoire" in proc.stdout


def test_a_file_name_that_is_not_utf8_is_ingested(cli: CliRunner, tmp_path: Path) -> None:
    """Tester's report: a file named with a byte that is not UTF-8 stopped the whole ingest
    with a traceback, when its name was written to the ledger."""
    logs = tmp_path / "logs"
    logs.mkdir()
    odd = os.fsdecode(bytes(logs) + b"/a\xffb.log")
    Path(odd).write_text(SAMPLE.read_text())
    out = json.loads(_run(cli, "ingest", str(logs), "--json"))
    assert [f["path"] for f in out["files"]] == [f"{logs}/a\\xffb.log"]
    assert out["files"][0]["events"] == 10
    listing = json.loads(_run(cli, "evidence", "list", "--json"))
    assert [e["name"] for e in listing] == [f"{logs}/a\\xffb.log"]


def test_empty_files_are_not_read_and_no_error(cli: CliRunner, tmp_path: Path) -> None:
    """Regression: an empty log (rotated before anything came: cron ingests it daily) was
    an error, "format not recognised; give --format"."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "auth.log.1").write_bytes(b"")
    (logs / "blank.log").write_text("\n  \n\t\n")
    (logs / "none.json").write_text("[]\n")  # an export of nothing
    out = json.loads(_run(cli, "ingest", str(logs / "auth.log.1"), "--json"))
    assert out["ingest"] is None  # nothing committed
    assert (out["files"], out["totals"]["records"]) == ([], 0)
    assert out["unread"] == [
        {"path": str(logs / "auth.log.1"), "reason": "empty: nothing to ingest"}
    ]
    (logs / "auth.log").write_text(SAMPLE.read_text())
    out = json.loads(_run(cli, "ingest", str(logs), "--json"))
    assert [f["path"] for f in out["files"]] == [str(logs / "auth.log")]
    assert {u["reason"] for u in out["unread"]} == {"empty: nothing to ingest"}
    table = _run(cli, "ingest", str(logs / "blank.log"))
    assert "empty: nothing to ingest" in table
    assert "--format" not in table  # no format would read it
    listing = json.loads(_run(cli, "evidence", "list", "--json"))
    assert [e["name"] for e in listing] == [str(logs / "auth.log")]


def test_empty_standard_input_and_an_empty_file_with_a_format_commit_nothing(
    cli: CliRunner, tmp_path: Path
) -> None:
    """Regression: `grep ... | wuzhen ingest -` on a quiet day failed ("format not
    recognised"), and an empty file named with --format committed an ingest of nothing."""
    for stdin in ("", "\n \n"):
        result = cli.invoke(app, ["ingest", "-", "--json"], input=stdin)
        assert result.exit_code == 0, result.output
        out = json.loads(result.output)
        assert (out["ingest"], out["files"]) == (None, [])
        assert out["unread"] == [{"path": "-", "reason": "empty: nothing to ingest"}]
    (tmp_path / "empty.log").write_bytes(b"")
    out = json.loads(
        _run(cli, "ingest", str(tmp_path / "empty.log"), "--format", "openssh", "--json")
    )
    assert (out["ingest"], out["files"]) == (None, [])
    assert json.loads(_run(cli, "evidence", "list", "--json")) == []
    # standard input that holds something is read as before
    out = json.loads(cli.invoke(app, ["ingest", "-", "--json"], input=SAMPLE.read_text()).output)
    assert out["files"][0]["events"] == 10


@pytest.mark.parametrize(
    "answer", ['{"query_status": "no_results"}\n', '{\n  "query_status" : "no_result"\n}']
)
def test_an_api_answer_that_found_nothing_is_empty(
    cli: CliRunner, tmp_path: Path, answer: str
) -> None:
    """Regression: abuse.ch's answer to a lookup that found nothing (URLhaus', which names no
    feed) stopped a cron job's ingest: "format not recognised"."""
    (tmp_path / "urlhaus-host.json").write_text(answer)
    out = json.loads(_run(cli, "ingest", str(tmp_path / "urlhaus-host.json"), "--json"))
    assert (out["ingest"], out["files"]) == (None, [])
    assert [u["reason"] for u in out["unread"]] == ["empty: nothing to ingest"]


def test_rejects_evidence_and_retract(cli: CliRunner, tmp_path: Path) -> None:
    log = tmp_path / "mixed.log"
    log.write_text(SAMPLE.read_text() + "this line is not syslog\n")
    _run(cli, "ingest", str(log), "--format", "openssh")
    rejects = json.loads(_run(cli, "rejects", "--json"))
    assert [r["raw"] for r in rejects] == ["this line is not syslog"]
    assert rejects[0]["reason"] == "not a syslog line"
    listing = json.loads(_run(cli, "evidence", "list", "--json"))
    assert listing[0]["rejects"] == 1
    assert listing[0]["retracted_at"] is None
    sha = listing[0]["sha256"]
    assert "Retracted" in _run(cli, "evidence", "retract", sha)
    assert _run(cli, "events", "--count").strip() == "0"
    assert json.loads(_run(cli, "evidence", "list", "--json"))[0]["retracted_at"] is not None


def test_tables_show_what_was_written_not_markup(cli: CliRunner, tmp_path: Path) -> None:
    """Regression: table cells were read as Rich markup, so a reject's ``[sshd]`` vanished
    and an attacker's ``[bold]...[/bold]`` styled the analyst's view."""
    lines = ["NOTICE  [sshd] Ban 203.0.113.14/32", "x [bold red]hello[/bold red] [link=http://x]y"]
    log = tmp_path / "[red]odd.log"
    log.write_text("\n".join(lines) + "\n")
    ingested = _run(cli, "ingest", str(log), "--format", "openssh")
    assert "[red]odd.log" in ingested.replace("\n", "")
    shown = _run(cli, "rejects").replace("\n", "")
    for line in lines:
        assert line.replace(" ", "") in shown.replace(" ", "").replace("│", "")


def test_an_error_shows_the_name_as_given(
    cli: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "argv", ["wuzhen", "ingest", str(tmp_path / "[b]gone.log")])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 1
    assert "[b]gone.log" in capsys.readouterr().err.replace("\n", "")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--timezone", "Mars/Olympus", "time zone 'Mars/Olympus' is not known"),
        ("--timezone", "+5", "time zone '+5' is not known"),
        ("--year", "99999", "year 99999: give a year from 1 to 9999"),
        ("--year", "0", "year 0: give a year from 1 to 9999"),
    ],
)
def test_a_time_option_that_cannot_be_used_is_an_error(
    cli: CliRunner, option: str, value: str, message: str
) -> None:
    """Regression: a zone Polars does not know, or a year past 9999, ended in a traceback
    (and ``--year 0`` was read as no year)."""
    result = cli.invoke(app, ["ingest", str(SAMPLE), option, value])
    assert result.exit_code == 1
    assert message in str(result.exception)
    assert _run(cli, "events", "--count").strip() == "0"


def test_stats_origins(cli: CliRunner) -> None:
    _run(cli, "ingest", str(SAMPLE))
    rows = json.loads(_run(cli, "stats", "origins", "--json"))
    by = {r["jurisdiction"]: r for r in rows}
    # 8.8.8.8 scanned and 2001:4860:4860::8888 guessed passwords: two origins for the US
    assert by["US"]["origins"] == 2
    assert by["US"]["per_million_ipv4"] == pytest.approx(2e6 / by["US"]["ipv4"], rel=1e-3)
    assert by["CN"]["origins"] == 1
    # the table: registered addresses with separators, the rate to four significant digits
    table = _run(cli, "stats", "origins")
    assert f"{by['US']['ipv4']:,}" in table
    assert f"{by['US']['per_million_ipv4']:.4g}" in table
    assert str(by["US"]["per_million_ipv4"]) not in table
    asns = json.loads(_run(cli, "stats", "origins", "--by", "asn", "--json"))
    assert {r["source.asn"] for r in asns} >= {15169, 21859, 13335}
    table = _run(cli, "stats", "origins", "--by", "asn")
    assert "AS21859 " in table  # the AS as people write it; its name flush left beside it
    assert "│ Zenlayer Inc" in table


def test_errors_are_messages(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WUZHEN_DEFAULT_OWNER")
    result = cli.invoke(app, ["ingest", str(SAMPLE)])
    assert result.exit_code != 0
    assert "owner" in str(result.exception)
    result = cli.invoke(app, ["ingest", str(tmp_path / "nope.log"), "--owner", "CN"])
    assert "no such file" in str(result.exception)
    # the owner is a state, by any of its codes; a code no state has owns nothing
    result = cli.invoke(app, ["ingest", str(SAMPLE), "--owner", "UK"])
    assert "--owner UK: no state has this code" in str(result.exception)
    monkeypatch.setenv("WUZHEN_DEFAULT_OWNER", "ZZ")
    result = cli.invoke(app, ["ingest", str(SAMPLE)])
    assert "WUZHEN_DEFAULT_OWNER ZZ: no state has this code" in str(result.exception)
    assert _run(cli, "events", "--count").strip() == "0"  # nothing was stored
    out = json.loads(_run(cli, "ingest", str(SAMPLE), "--owner", "fra", "--json"))
    assert out["totals"]["events"] == 10
    assert _run(cli, "events", "--count", "--owner", "FR").strip() == "10"


def test_formats_lists_every_parser(cli: CliRunner) -> None:
    out = _run(cli, "formats")
    assert "openssh" in out


@pytest.fixture
def cli_db(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The commands on a node whose relational store is SQLite, then PostgreSQL."""
    monkeypatch.setenv("WUZHEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WUZHEN_DEFAULT_OWNER", "CN")
    monkeypatch.setenv("WUZHEN_DATABASE_URL", database_url)
    assert CliRunner().invoke(app, ["members", "admit", "--all"]).exit_code == 0
    return CliRunner()


def _refused(cli: CliRunner, *args: str) -> str:
    """The message of a command refused by Wuzhen (exit status 1)."""
    result = cli.invoke(app, list(args))
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, WuzhenError), result.exception
    return str(result.exception)


def test_output_without_a_file_format_is_refused(cli: CliRunner, tmp_path: Path) -> None:
    """Tester's report: ``events -o FILE`` (the table) and ``events --count -o FILE`` printed
    to standard output, exit 0, and wrote no file."""
    _run(cli, "ingest", str(SAMPLE))
    out = tmp_path / "events.csv"
    message = _refused(cli, "events", "-o", str(out))
    assert "--output needs a file format: --output-format csv, jsonl, parquet" in message
    for args in (["-o", str(out)], ["--output-format", "csv"]):
        message = _refused(cli, "events", "--count", *args)
        assert "--count prints only the number" in message
    assert not out.exists()


def test_output_that_is_not_a_file_name_is_refused(cli: CliRunner, tmp_path: Path) -> None:
    """Tester's report: ``events --output-format csv -o DIR`` ended in IsADirectoryError; a
    device or a pipe would have been replaced by a file; a failed write (a full disk) ended in
    a traceback."""
    _run(cli, "ingest", str(SAMPLE))
    folder = tmp_path / "outdir"
    folder.mkdir()
    message = _refused(cli, "events", "--output-format", "csv", "-o", str(folder))
    assert f"{folder}: a directory; give a file name" in message
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    message = _refused(cli, "events", "--output-format", "csv", "-o", str(pipe))
    assert f"{pipe}: not a regular file" in message
    assert pipe.is_fifo()
    beside_a_file = tmp_path / "events.csv" / "x.csv"  # its folder is a file: writing fails
    (tmp_path / "events.csv").write_text("kept\n")
    message = _refused(cli, "events", "--output-format", "csv", "-o", str(beside_a_file))
    assert message.startswith(f"--output {beside_a_file}: cannot write: ")
    assert (tmp_path / "events.csv").read_text() == "kept\n"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["events", "--limit", "-1"], "--limit"),
        (["rejects", "--limit", "-1"], "--limit"),
        (["events", "--asn", "-5"], "--asn"),
        (["events", "--asn", "4294967296"], "--asn"),
        (["stats", "origins", "--top", "-2"], "--top"),
    ],
)
def test_a_number_out_of_range_is_refused(cli: CliRunner, args: list[str], option: str) -> None:
    """Tester's report: a negative --limit ended in a traceback (ValueError: negative slice),
    --asn -5 and --asn 99999999999 found nothing, --top -2 dropped rows without a word."""
    result = cli.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output
    assert _run(cli, "events", "--count", "--asn", "4294967295").strip() == "0"


def test_limit_zero_is_all_for_events_and_rejects(cli: CliRunner, tmp_path: Path) -> None:
    """Tester's report: ``events --limit 0`` showed rows while ``rejects --limit 0`` showed
    none; 0 is "all" for both, as their help says."""
    log = tmp_path / "mixed.log"
    log.write_text(SAMPLE.read_text() + "this line is not syslog\n")
    for owner in ("CN", "FR", "US"):  # each owner's copy is stored: 30 events
        _run(cli, "ingest", str(log), "--format", "openssh", "--owner", owner)
    assert _run(cli, "events", "--count").strip() == "30"
    table = _run(cli, "events")
    assert table.count("openssh") == 20  # the table's default, which says it is cut
    assert "20 of 30 events shown; --limit 0 shows all." in table
    assert "shows all" not in _run(cli, "events", "--limit", "0")
    assert _run(cli, "events", "--limit", "0").count("openssh") == 30
    assert "2 of 3 rejects shown" in _run(cli, "rejects", "--limit", "2")
    assert len(_run(cli, "events", "--output-format", "jsonl", "--limit", "0").splitlines()) == 30
    assert len(json.loads(_run(cli, "rejects", "--limit", "0", "--json"))) == 3
    assert len(json.loads(_run(cli, "rejects", "--limit", "2", "--json"))) == 2
    assert "0: all" in _run(cli, "events", "--help")
    assert "0: all" in _run(cli, "rejects", "--help")


def test_evidence_by_id_or_sha256(cli_db: CliRunner, tmp_path: Path) -> None:
    """Tester's report: ``events --evidence zzz`` answered 0 though ``evidence list`` shows
    ids and SHA-256s; it takes either (or a prefix of the SHA-256), and refuses an unknown one."""
    log = tmp_path / "mixed.log"
    log.write_text(SAMPLE.read_text() + "this line is not syslog\n")
    _run(cli_db, "ingest", str(log), "--format", "openssh")
    _run(cli_db, "ingest", str(log), "--format", "openssh", "--owner", "FR")  # the same file
    listing = json.loads(_run(cli_db, "evidence", "list", "--json"))
    assert len(listing) == 2
    one, sha = listing[0]["id"], listing[0]["sha256"]
    assert _run(cli_db, "events", "--count", "--evidence", one).strip() == "10"
    for named in (sha, sha[:8], sha.upper()):  # the file, by every ingest of it
        assert _run(cli_db, "events", "--count", "--evidence", named).strip() == "20"
        assert len(json.loads(_run(cli_db, "rejects", "--evidence", named, "--json"))) == 2
    assert len(json.loads(_run(cli_db, "rejects", "--evidence", one, "--json"))) == 1
    for unknown in ("zzz", sha[:7], "0" * 64):
        message = _refused(cli_db, "events", "--count", "--evidence", unknown)
        assert f"--evidence {unknown}: no evidence file has this id or SHA-256" in message
        assert isinstance(
            cli_db.invoke(app, ["rejects", "--evidence", unknown]).exception, NotFoundError
        )


def test_members_list_by_status(cli_db: CliRunner) -> None:
    """Tester's report: ``members list --status bogus`` showed an empty table."""
    active = json.loads(_run(cli_db, "members", "list", "--status", "ACTIVE", "--json"))
    assert len(active) > 100
    assert {m["status"] for m in active} == {"active"}
    assert json.loads(_run(cli_db, "members", "list", "--status", "suspended", "--json")) == []
    result = cli_db.invoke(app, ["members", "list", "--status", "bogus"])
    assert result.exit_code == 2
    message = " ".join(result.output.replace("│", " ").split())
    assert "'bogus' is not one of 'candidate', 'active', 'suspended'" in message
