"""The command line's tables: numbers line up on the right unless a column says otherwise."""

from __future__ import annotations

from rich.console import Console

from wuzhen.cli._console import render_table


def _lines(table: object) -> list[str]:
    console = Console(width=60, record=True)
    console.print(table)
    return console.export_text().splitlines()


def test_columns_of_numbers_are_right_justified() -> None:
    table = render_table(
        "t", ["Name", "Events", "Note"], [("a", 5, None), ("bb", 12345, "x"), ("c", None, 7)]
    )
    assert [c.justify for c in table.columns] == ["left", "right", "left"]
    rows = [ln for ln in _lines(table) if ln.startswith("│")]
    assert rows[0].split("│")[2] == "      5 "
    assert rows[1].split("│")[2] == "  12345 "


def test_given_justification_wins_and_flags_are_not_numbers() -> None:
    table = render_table("t", ["N", "Live"], [(1, True), (2, False)], justify=["left"])
    assert [c.justify for c in table.columns] == ["left", "left"]
    assert [c.justify for c in render_table("t", ["Empty"], []).columns] == ["left"]
