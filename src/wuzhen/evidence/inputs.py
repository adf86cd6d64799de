"""What an ingest reads: the files its paths name, and the format of each.

Paths may be files, directories (walked recursively, hidden entries skipped), files compressed
with gzip, bzip2 or xz (as logrotate's ``compresscmd`` may write them), zip archives of one
file (as abuse.ch serves its dumps), or ``-`` for standard input. Before
anything is read, each file's format is detected from its first ``SAMPLE_BYTES``
(decompressed; to the end of its first line), unless the ingest names one. A file named on
its own whose format is not recognised is an error, raised before anything is written, for
all such files at once. A file found by walking a directory is **not read** instead, and the
ingest's report lists it with the reason: a sensor's directory holds its statistics,
licences and notes beside its logs. Standard input is detected as it is read.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from wuzhen.errors import InputError
from wuzhen.evidence import parsers
from wuzhen.lines import MAX_LINE

SAMPLE_BYTES = 256 * 1024
SAMPLE_LINES = 50
GZIP_MAGIC = b"\x1f\x8b"
XZ_MAGIC = b"\xfd7zXZ\x00"
#: bzip2: "BZh", the block size, then a block's magic or the end of an empty stream's
BZIP2_BLOCKS = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a file's header; the end of an empty archive
#: What reading a damaged compressed file can raise, besides OSError and EOFError.
DAMAGED = (zipfile.BadZipFile, zlib.error, lzma.LZMAError)
STDIN = "-"
BOM = b"\xef\xbb\xbf"  # UTF-8's byte order mark


@dataclass(frozen=True, slots=True)
class Input:
    path: str  # STDIN for standard input
    walked: bool = False  # found by walking a directory, not named
    stream: bool = False  # named, and not a regular file: a pipe (read once, as standard input)
    passed: str | None = None  # found, and why it is not read (not a regular file, say)


@dataclass(frozen=True, slots=True)
class Unread:
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Survey:
    """The files to read, each with its format (None: detected as it is read), and the files
    found in directories that are not read, with why."""

    files: list[tuple[str, str | None]]
    unread: list[Unread]
    walked: frozenset[str] = frozenset()  # the files found in directories, not named

    def rereadable(self) -> bool:
        """Whether every file can be read again (none is standard input or a pipe)."""
        return all(f != STDIN and Path(f).is_file() for f, _fmt in self.files)

    def without(self, path: str, reason: str) -> Survey:
        """This survey with the walked file ``path`` not read, for ``reason``."""
        files = [f for f in self.files if f[0] != path]
        return Survey(files, [*self.unread, Unread(shown(path), reason)], self.walked)


class Prefixed:
    """A stream that first returns ``head``, then the rest of ``rest``."""

    def __init__(self, head: bytes, rest: Any) -> None:
        self.head = head
        self.rest = rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size < 0 or size >= len(self.head):
                out, self.head = self.head, b""
                more: bytes = self.rest.read(-1 if size < 0 else size - len(out))
                return out + more
            out, self.head = self.head[:size], self.head[size:]
            return out
        data: bytes = self.rest.read(size)
        return data

    def close(self) -> None:
        """Nothing to close: ``rest`` is its opener's to close."""


EMPTY = "empty: nothing to ingest"
UNRECOGNISED = "format not recognised"


def shown(path: str) -> str:
    """``path`` as text that can be stored and shown: a name that is not UTF-8 (its bytes
    kept by Python as lone surrogates) with those bytes escaped (``a\\xffb.log``)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def detection_sample(head: bytes) -> list[str]:
    """The lines format detection reads: the first non-blank ones of ``head`` (the
    :func:`first_bytes` of a file)."""
    text = head.decode("utf-8", errors="replace")
    lines = [ln for ln in text.splitlines()[: SAMPLE_LINES * 4] if ln.strip()][:SAMPLE_LINES]
    if not head.endswith(b"\n") and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample may be partial
    return lines


def expand(paths: Sequence[str | Path]) -> list[Input]:
    """The files ``paths`` name: directories are walked (hidden entries skipped)."""
    out: list[Input] = []
    for p in paths:
        if str(p) == STDIN:
            out.append(Input(STDIN))
            continue
        path = Path(p)
        if path.is_dir():
            out.extend(_walk(path))
        elif path.is_file():
            out.append(Input(str(path)))
        elif path.exists():  # a named pipe, /dev/stdin, a shell's <(...)
            out.append(Input(str(path), stream=True))
        else:
            msg = f"no such file or directory: {path}"
            raise InputError(msg)
    return out


def _walk(top: Path) -> list[Input]:
    """The entries under ``top`` (hidden ones skipped), in order: regular files to read, and
    what is not read with why (a directory that cannot be listed, a link to a directory, which
    is not followed, a pipe or device, a link to nothing): nothing found is passed over
    silently."""
    found: list[Input] = []

    def cannot_list(err: OSError) -> None:
        found.append(Input(str(err.filename), walked=True, passed=f"cannot list: {err.strerror}"))

    for folder, dirs, files in os.walk(top, onerror=cannot_list):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(folder)
        found.extend(_entry(base / name) for name in files if not name.startswith("."))
        found.extend(
            Input(str(base / name), walked=True, passed="a link to a directory: not followed")
            for name in dirs
            if (base / name).is_symlink()
        )
    return sorted(found, key=lambda i: i.path)


def _entry(path: Path) -> Input:
    if path.is_file():
        return Input(str(path), walked=True)
    if not path.exists():
        return Input(str(path), walked=True, passed="a link to nothing")
    return Input(str(path), walked=True, passed="not a regular file (a pipe, socket or device)")


def survey(inputs: Sequence[Input], fmt: str | None = None, fallback: str | None = None) -> Survey:
    """Each input's format: ``fmt`` for all where given, else detected from its content, else
    ``fallback`` (a feed's usual format: a feed publishes several, which detection tells apart;
    standard input, not sampled here, takes it too). A file that holds nothing (see
    :func:`holds_nothing`) is not read (:data:`EMPTY`), named or found in a directory, and no
    error: there is nothing in it to lose."""
    for name in (fmt, fallback):
        if name is not None:
            parsers.get(name)  # an unknown name is an error before anything is read
    files: list[tuple[str, str | None]] = []
    unread: list[Unread] = []
    walked = frozenset(i.path for i in inputs if i.walked)
    unknown: list[str] = []
    for item in inputs:
        if item.passed is not None:
            unread.append(Unread(shown(item.path), item.passed))
            continue
        if item.path == STDIN or item.stream:  # not sampled here: read once, by the pipeline
            files.append((item.path, fmt or fallback))
            continue
        try:
            head = _sample(item.path)
            if holds_nothing(head):
                unread.append(Unread(shown(item.path), EMPTY))
                continue
            if fmt is not None:
                files.append((item.path, fmt))
                continue
            parser = parsers.best(detection_sample(head))
        except InputError as err:
            if not item.walked:
                raise
            unread.append(Unread(shown(item.path), str(err).removeprefix(f"{item.path}: ")))
            continue
        if parser is not None or fallback is not None:
            files.append((item.path, parser.name if parser is not None else fallback))
        elif item.walked:
            unread.append(Unread(shown(item.path), UNRECOGNISED))
        else:
            unknown.append(item.path)
    if unknown:
        raise parsers.FormatNotRecognised(unknown)
    if not files and (not unread or any(u.reason != EMPTY for u in unread)):
        msg = "no evidence files found"
        if unread:
            msg += f": {len(unread)} of no format this node reads (give --format to read them)"
        raise InputError(msg)
    return Survey(files, unread, walked)


#: abuse.ch's APIs (URLhaus, ThreatFox, MalwareBazaar) answering a lookup that found nothing
NO_RESULTS = ({"query_status": "no_results"}, {"query_status": "no_result"})


def holds_nothing(head: bytes) -> bool:
    """Whether the file whose :func:`first_bytes` are ``head`` is whole in them and is blank
    lines, an export of nothing (``[]``), or an API's answer that it found nothing
    (:data:`NO_RESULTS`, which names no feed: such an answer could not be told apart, and a
    cron job fetching lookups would stop on it)."""
    if len(head) >= SAMPLE_BYTES:
        return False
    if head.split() in ([], [b"[]"]):
        return True
    if not head.lstrip().startswith(b"{") or len(head) > 256:
        return False
    try:
        return json.loads(head) in NO_RESULTS
    except ValueError:
        return False


def unread_text(unread: Sequence[Unread]) -> str:
    """Why files were not read, one clause each (``path: reason``)."""
    return "; ".join(f"{u.path}: {u.reason}" for u in unread)


def renamed(message: str, names: Mapping[str, str]) -> str:
    """``message`` with each path of ``names`` replaced by its name: an uploaded file is
    named as its sender named it, not by where the server saved it."""
    for path, name in names.items():
        message = message.replace(path, name)
    return message


def zip_member(path: str) -> IO[bytes]:
    """The one file of the zip archive at ``path``, open to read (the caller closes it)."""
    try:
        with zipfile.ZipFile(path) as archive:  # the open member keeps the file open
            files = [i for i in archive.infolist() if not i.is_dir()]
            if not files:
                msg = f"{path}: an empty zip archive"
                raise InputError(msg)
            if len(files) > 1:
                msg = f"{path}: a zip archive of {len(files)} files; unzip it and ingest the folder"
                raise InputError(msg)
            return archive.open(files[0])
    # RuntimeError: encrypted; NotImplementedError: a compression zipfile does not read
    except (*DAMAGED, OSError, RuntimeError, NotImplementedError) as err:
        msg = f"{path}: cannot unzip: {err}"
        raise InputError(msg) from err


class Readable(Protocol):
    """A file's content as :func:`content` gives it."""

    def read(self, size: int = -1, /) -> bytes: ...
    def close(self) -> None: ...


def content(path: str, head: bytes, rest: Any) -> Readable:
    """What the file at ``path`` holds, decompressed, given its first bytes ``head`` and the
    stream ``rest`` of them: a gzip file unzipped as it is read, the one file of a zip archive
    (opened from ``path``: zipfile seeks), or the bytes as they are. The caller closes it
    (which leaves ``rest`` open)."""
    source = Prefixed(head, rest)
    stream: Any = source  # a stream, as the decompressors read it
    if head[:2] == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if head[:6] == XZ_MAGIC:
        return lzma.LZMAFile(stream, mode="rb")
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[4:10] in BZIP2_BLOCKS:
        return bz2.BZ2File(stream, mode="rb")
    if head[:4] in ZIP_MAGIC:
        if path == STDIN or not Path(path).is_file():
            msg = f"{path}: a zip archive is read from its file, not a pipe"
            raise InputError(msg)
        return zip_member(path)
    return source


def first_bytes(path: str, body: Readable) -> bytes:
    """The first ``SAMPLE_BYTES`` of ``body``, the :func:`content` of ``path``, without a
    UTF-8 byte order mark (no part of the first record), and to the end of the first line
    when that is longer (up to the longest line read: a Suricata ``stats`` record of a sensor
    with many threads runs to hundreds of KiB)."""
    try:
        head = body.read(SAMPLE_BYTES)
        if head.startswith(BOM):
            head = head[len(BOM) :] + body.read(len(BOM))
        more = head
        while more and b"\n" not in head and len(head) <= MAX_LINE:
            more = body.read(SAMPLE_BYTES)
            head += more
    except (*DAMAGED, OSError, EOFError) as err:
        msg = f"{path}: cannot decompress: {err}"
        raise InputError(msg) from err
    return head


def _sample(path: str) -> bytes:
    """The first ``SAMPLE_BYTES`` of a file, decompressed."""
    try:
        with Path(path).open("rb") as raw:
            body = content(path, raw.read(SAMPLE_BYTES), raw)
            try:
                return first_bytes(path, body)
            finally:
                body.close()
    except OSError as err:
        msg = f"{path}: cannot read: {err}"
        raise InputError(msg) from err
