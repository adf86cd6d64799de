"""Evidence parsers, one module per format, and detection of a file's format from content."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from wuzhen.errors import InputError
from wuzhen.evidence.parsers._base import ParseContext, Parser, ParseResult

__all__ = [
    "ParseContext",
    "ParseResult",
    "Parser",
    "all_parsers",
    "best",
    "detect",
    "get",
    "not_recognised",
]


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
    parser = best(sample)
    if parser is None:
        raise not_recognised([origin])
    return parser


def best(sample: list[str]) -> Parser | None:
    """As :func:`detect`, or None where no parser is sure enough."""
    scored = sorted(
        (
            (p.sniff(sample) if p.may_read(sample) else 0, i, p)
            for i, p in enumerate(all_parsers().values())
        ),
        key=lambda t: (-t[0], t[1]),
    )
    if not scored or scored[0][0] < MIN_SCORE:
        return None
    return scored[0][2]


def not_recognised(origins: list[str]) -> InputError:
    """The error for inputs of no format this node reads."""
    known = ", ".join(sorted(all_parsers()))
    msg = f"{', '.join(origins)}: format not recognised; give --format (one of: {known})"
    return InputError(msg)
