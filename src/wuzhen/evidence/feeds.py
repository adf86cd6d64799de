"""The feed catalogue: known feeds, their format, provider, default marking and terms.

The package ships ``data/feeds.toml``; an operator extends or overrides it with
``<data dir>/feeds.toml`` (same layout; an entry with the same name replaces the shipped one).
``wuzhen ingest --feed NAME`` applies an entry: its format for a file whose content does not
say which of the feed's formats it is (and standard input), its name and provider on every
event, its default marking for records that carry none, and its redistribution terms: a feed
whose terms do not allow passing its data to other members is marked at least AMBER+STRICT,
so its events stay with the owner and are never routed; so is, without ``--feed`` too, a file
of a format only such feeds publish (:func:`owner_only_formats`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wuzhen.errors import DataError, InputError
from wuzhen.schema.tlp import TLP

PACKAGED = Path(__file__).parent / "data" / "feeds.toml"
FILE_NAME = "feeds.toml"
KEYS = {"title", "provider", "format", "url", "tlp", "redistribution", "licence", "description"}


@dataclass(frozen=True, slots=True)
class Feed:
    name: str
    title: str
    provider: str
    format: str
    tlp: TLP
    redistribution: bool  # may events be routed to other members?
    licence: str
    url: str | None = None
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "provider": self.provider,
            "format": self.format,
            "tlp": self.tlp.value,
            "redistribution": self.redistribution,
            "licence": self.licence,
            "url": self.url,
            "description": self.description,
        }


def _entries(path: Path) -> dict[str, Feed]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        msg = f"cannot read feed catalogue {path}: {err}"
        raise DataError(msg) from err
    feeds: dict[str, Feed] = {}
    tables = data.get("feed", {})
    if not isinstance(tables, dict) or not all(isinstance(e, dict) for e in tables.values()):
        msg = f"{path}: each feed is a table of its own, [feed.NAME] (not [[feed]] or a value)"
        raise DataError(msg)
    for name, entry in tables.items():
        unknown = set(entry) - KEYS
        missing = {"title", "provider", "format", "tlp", "redistribution", "licence"} - set(entry)
        if unknown or missing:
            msg = (
                f"{path}: feed {name!r}: unknown keys {sorted(unknown)}, "
                f"missing keys {sorted(missing)}"
            )
            raise DataError(msg)
        try:
            tlp = TLP.parse(str(entry["tlp"]))
        except InputError as err:
            msg = f"{path}: feed {name!r}: {err}"
            raise DataError(msg) from err
        feeds[name] = Feed(
            name=name,
            title=str(entry["title"]),
            provider=str(entry["provider"]),
            format=str(entry["format"]),
            tlp=tlp,
            redistribution=bool(entry["redistribution"]),
            licence=str(entry["licence"]),
            url=entry.get("url"),
            description=str(entry.get("description", "")),
        )
    return feeds


def catalogue(data_dir: Path | None = None) -> dict[str, Feed]:
    """Every known feed by name: the shipped entries, then the operator's."""
    feeds = _entries(PACKAGED)
    if data_dir is not None and (data_dir / FILE_NAME).exists():
        feeds.update(_entries(data_dir / FILE_NAME))
    return dict(sorted(feeds.items()))


def owner_only_formats(data_dir: Path | None = None) -> frozenset[str]:
    """The formats whose every catalogue entry forbids passing the data on (Spamhaus DROP,
    say): a file of such a format is kept with its owner, named with ``--feed`` or not."""
    by_format: dict[str, set[bool]] = {}
    for entry in catalogue(data_dir).values():
        by_format.setdefault(entry.format, set()).add(entry.redistribution)
    return frozenset(fmt for fmt, terms in by_format.items() if terms == {False})


def feed(name: str, data_dir: Path | None = None) -> Feed:
    feeds = catalogue(data_dir)
    try:
        return feeds[name]
    except KeyError:
        msg = (
            f"unknown feed {name!r}; known feeds: {', '.join(feeds)} "
            f"(add yours to {FILE_NAME} in the data directory)"
        )
        raise InputError(msg) from None
