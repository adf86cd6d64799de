"""Evidence parsers, one module per format, and detection of a file's format from content."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from wuzhen.errors import InputError
from wuzhen.evidence.parsers._base import ParseContext, Parser, ParseResult

__all__ = ["ParseContext", "ParseResult", "Parser", "all_parsers", "detect", "get"]


@cache
def all_parsers() -> dict[str, Parser]:
    """Every parser by name: each public module of this package lists its own in ``PARSERS``."""
    found: dict[str, Parser] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        for parser in mod.PARSERS:
            found[parser.name] = parser
    return found


def get(name: str) -> Parser:
    parsers = all_parsers()
    try:
        return parsers[name]
    except KeyError:
        known = ", ".join(sorted(parsers))
        msg = f"unknown format {name!r}; known formats: {known}"
        raise InputError(msg) from None


MIN_SCORE = 30


def detect(sample: list[str], *, origin: str = "input") -> Parser:
    """The parser most sure it reads ``sample`` (the first non-blank lines of a file)."""
    scored = sorted(
        (
            (p.sniff(sample) if p.may_read(sample) else 0, i, p)
            for i, p in enumerate(all_parsers().values())
        ),
        key=lambda t: (-t[0], t[1]),
    )
    if not scored or scored[0][0] < MIN_SCORE:
        known = ", ".join(sorted(all_parsers()))
        msg = f"{origin}: format not recognised; give --format (one of: {known})"
        raise InputError(msg)
    return scored[0][2]
