"""Atomic file output: write under a temporary name, then rename over the target."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from wuzhen.errors import InputError
from wuzhen.i18n import _


@contextlib.contextmanager
def atomic_output(path: Path | None) -> Iterator[BinaryIO]:
    """Yield a binary sink for ``path`` (standard output if None) that appears only whole.

    On an exception the temporary file is removed and ``path`` keeps its old content. A
    ``path`` that is no regular file's name (a directory, a device) is an error.
    """
    if path is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    # The file written is renamed over ``path``: a directory would fail only then, and a
    # device (/dev/full) or a pipe would be replaced by a file.
    if path.is_dir():
        raise InputError(_("{path}: a directory; give a file name").format(path=path))
    if path.exists() and not path.is_file():
        msg = _("{path}: not a regular file; give a file name, or write to standard output")
        raise InputError(msg.format(path=path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
