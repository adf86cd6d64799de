"""An exclusive lock on a file, shared by every process on the machine (``flock``)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from wuzhen.errors import StoreError

WAIT_SECONDS = 60.0
POLL_SECONDS = 0.2


@contextlib.contextmanager
def exclusive(path: Path, busy: str, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold the lock of ``path`` (created if missing), waiting up to ``wait`` seconds for
    another holder to let go; past that, raise :class:`StoreError` with the message ``busy``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(busy) from None
                time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
