"""The command table: every command is listed with its help, and a command imports only its
own module (and what that needs), so that a light command starts quickly."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from wuzhen.cli import COMMANDS, app

SCRIPT = """
import json, sys
from wuzhen.cli import main
sys.argv = ["wuzhen", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("wuzhen", "fastapi", "numba")))))
"""


def _modules_after(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_help_lists_every_command_with_its_help() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})  # one line each
    assert result.exit_code == 0, result.output
    for name, (_module, _attribute, help_text) in COMMANDS.items():
        assert f" {name} " in result.output
        assert help_text in result.output


def test_help_imports_no_command() -> None:
    loaded = _modules_after("--help")
    assert not {
        m for m in loaded if m.startswith("wuzhen.cli.") and not m.startswith("wuzhen.cli._")
    }
    assert not {m for m in loaded if m.startswith(("fastapi", "numba", "wuzhen.evidence"))}


def test_a_group_shows_its_help_from_the_command_table() -> None:
    result = CliRunner().invoke(app, ["ledger", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert COMMANDS["ledger"][2] in result.output
    assert " verify " in result.output  # and its own commands


def test_a_command_imports_only_its_own_module() -> None:
    loaded = _modules_after("formats")
    assert "wuzhen.cli.formats" in loaded
    commands = {
        m for m in loaded if m.startswith("wuzhen.cli.") and not m.startswith("wuzhen.cli._")
    }
    assert commands == {"wuzhen.cli.formats"}
    assert not {m for m in loaded if m.startswith(("fastapi", "wuzhen.api"))}


def test_a_group_imports_only_its_own_module() -> None:
    loaded = _modules_after("ledger", "--help")
    commands = {
        m for m in loaded if m.startswith("wuzhen.cli.") and not m.startswith("wuzhen.cli._")
    }
    assert commands == {"wuzhen.cli.ledger"}
    assert not {m for m in loaded if m.startswith(("fastapi", "wuzhen.api"))}


def test_an_unknown_command_is_refused_with_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["ingets"])
    assert result.exit_code == 2
    assert "ingest" in result.output
