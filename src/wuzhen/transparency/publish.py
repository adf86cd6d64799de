"""Writing the report's four files: report.html, report.pdf, report.json, report.csv."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wuzhen.atomic import atomic_output
from wuzhen.transparency.pdf import print_pdf
from wuzhen.transparency.render import document, to_csv, to_json

NAMES = ("report.html", "report.pdf", "report.json", "report.csv")


def _write(path: Path, text: str) -> Path:
    with atomic_output(path) as fh:
        fh.write(text.encode("utf-8"))
    return path


def publish(
    report: dict[str, Any],
    out_dir: Path,
    *,
    language: str = "en",
    browser: Path | None = None,
    pdf: bool = True,
) -> list[Path]:
    """Write the report's files into ``out_dir`` (the PDF printed from the HTML file)."""
    html = _write(out_dir / "report.html", document(report, language))
    written = [html]
    if pdf:
        written.append(print_pdf(html, out_dir / "report.pdf", browser=browser))
    written.append(_write(out_dir / "report.json", to_json(report)))
    written.append(_write(out_dir / "report.csv", to_csv(report)))
    return written
