"""The examples in ``docs/user/attribution.md`` run and print what the page shows (#2).

Conventions of the page that this test relies on:

* a ```` ```console ```` block holds commands (lines starting with ``$ ``), each followed by
  the output it prints; every ``wuzhen attribute`` and ``wuzhen jurisdiction info`` command
  is run, and every line shown must be printed: table rows cell by cell, other lines
  whole, and a line ending in ``...`` by its beginning;
* a ```` ```text file=NAME ```` block is the content of a file an example reads;
* ```` ```python ```` blocks are doctests.
"""

from __future__ import annotations

import doctest
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from wuzhen.cli import app
from wuzhen.jurisdiction.special import IPV4_SPECIAL, IPV6_SPECIAL

GUIDE = Path(__file__).parents[2] / "docs" / "user" / "attribution.md"
TEXT = GUIDE.read_text(encoding="utf-8")
BLOCK = re.compile(r"^```([^\n]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
TABLE_ROW = ("│", "┃")
TABLE_RULE = ("┏", "┡", "└")


@dataclass(frozen=True)
class Example:
    command: str
    shown: tuple[str, ...]


def _blocks(kind: str) -> list[tuple[str, str]]:
    return [(info, body) for info, body in BLOCK.findall(TEXT) if info.split()[:1] == [kind]]


def _examples() -> list[Example]:
    examples: list[Example] = []
    for _info, body in _blocks("console"):
        command: str | None = None
        shown: list[str] = []
        for line in [*body.splitlines(), "$ end"]:
            if line.startswith("$ "):
                if command is not None:
                    examples.append(Example(command, tuple(shown)))
                command, shown = line[2:], []
            else:
                shown.append(line)
    return examples


def _files() -> dict[str, str]:
    files = {}
    for info, body in _blocks("text"):
        for word in info.split()[1:]:
            if word.startswith("file="):
                files[word.removeprefix("file=")] = body
    return files


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split("[│┃]", line.strip())[1:-1]]


def _check_shown(shown: tuple[str, ...], output: str) -> int:
    """Assert every shown line is in ``output``; return how many lines were checked."""
    actual = [line.strip() for line in output.splitlines()]
    rows = [_cells(line) for line in actual if line.startswith(TABLE_ROW)]
    checked = 0
    for line in shown:
        text = line.strip()
        if not text or text.startswith(TABLE_RULE):
            continue
        if text.startswith(TABLE_ROW):
            assert _cells(text) in rows, f"table row not printed: {text}"
        elif text.rstrip('"').endswith("..."):
            head = text.rstrip('."').rstrip()
            assert any(a.startswith(head) for a in actual), f"not printed: {text}"
        else:
            assert text in actual, f"not printed: {text}"
        checked += 1
    return checked


def _runnable(example: Example) -> bool:
    args = shlex.split(example.command)
    return args[1:2] == ["attribute"] or args[1:3] == ["jurisdiction", "info"]


EXAMPLES = [e for e in _examples() if _runnable(e)]


def test_the_page_has_attribute_examples() -> None:
    commands = [e.command for e in EXAMPLES]
    assert sum(c.startswith("wuzhen attribute") for c in commands) >= 4
    assert any("--json" in c for c in commands)
    assert any("--file" in c for c in commands)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.command for e in EXAMPLES])
def test_console_example(example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WUZHEN_DATA_DIR", str(tmp_path / "data"))  # the shipped snapshot
    wide = Console(width=240)  # the page shows tables as a wide terminal draws them
    monkeypatch.setattr("wuzhen.cli.attribute.console", wide)
    monkeypatch.setattr("wuzhen.cli.jurisdiction.console", wide)
    for name, content in _files().items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    args = shlex.split(example.command)
    assert args[0] == "wuzhen"
    result = CliRunner().invoke(app, args[1:])
    assert result.exit_code == 0, result.output
    assert _check_shown(example.shown, result.output) > 0, "the page shows no output"
    if "--output" in args:
        assert (tmp_path / args[args.index("--output") + 1]).stat().st_size > 0


def test_python_examples() -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(TEXT, {}, GUIDE.name, str(GUIDE), 0)
    assert test.examples, "the page has no Python examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test, out=lambda _text: None)
    assert result.failed == 0


@pytest.mark.parametrize("entry", [*IPV4_SPECIAL, *IPV6_SPECIAL], ids=lambda e: f"{e[1]}:{e[0]}")
def test_every_special_purpose_block_is_listed(entry: tuple[str, str]) -> None:
    cidr, klass = entry
    rows = [line for line in TEXT.splitlines() if line.startswith(f"| `{klass}` |")]
    assert len(rows) == 1, f"no row for class {klass}"
    assert f"`{cidr}`" in rows[0]
