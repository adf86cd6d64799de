"""Evidence parsers, one module per format, and detection of a file's format from content."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache

from wuzhen.errors import InputError
from wuzhen.evidence.parsers._base import ParseContext, Parser, ParseResult

__all__ = [
    "FormatNotRecognised",
    "ParseContext",
    "ParseResult",
    "Parser",
    "all_parsers",
    "best",
    "detect",
    "get",
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
        raise FormatNotRecognised([origin])
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


class FormatNotRecognised(InputError):
    """Inputs of no format this node reads, named by the user: nothing of them is read."""

    def __init__(self, origins: list[str]) -> None:
        self.origins = origins
        super().__init__(self.telling("give --format"))

    def telling(self, how: str, names: Mapping[str, str] | None = None) -> str:
        """The message, with ``how`` saying where the user names a format (an option, a
        field) and each input as ``names`` calls it (an upload by the name it was sent as)."""
        shown = ", ".join((names or {}).get(o, o) for o in self.origins)
        known = ", ".join(sorted(all_parsers()))
        return f"{shown}: format not recognised; {how} (one of: {known})"
