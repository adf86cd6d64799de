"""The exclusive file lock: one holder at a time, across processes; let go on any exit."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wuzhen.errors import StoreError
from wuzhen.filelock import exclusive

HOLD = """
import sys, time
from collections.abc import Iterator
from pathlib import Path
from wuzhen.filelock import exclusive
with exclusive(Path(sys.argv[1]), "busy"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@contextlib.contextmanager
def _held_by_another_process(path: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """A process holding the lock of ``path`` for ``seconds`` (killed on the way out)."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "held"
            yield holder
        finally:
            holder.kill()


def test_a_second_holder_waits_then_gives_up_with_the_message(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "x.lock"  # its folder is made
    with _held_by_another_process(path, 30):
        started = time.monotonic()
        with (
            pytest.raises(StoreError, match=r"^someone else is at it$"),
            exclusive(path, "someone else is at it", wait=0.5),
        ):
            pytest.fail("got a lock another process holds")
        assert time.monotonic() - started >= 0.5


def test_the_lock_is_taken_once_the_holder_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with _held_by_another_process(path, 0.5):
        started = time.monotonic()
        with exclusive(path, "busy", wait=20):
            waited = time.monotonic() - started
    assert 0.3 < waited < 10  # it waited for the holder's half second, not for ``wait``


def test_an_exception_inside_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with pytest.raises(ValueError, match="boom"), exclusive(path, "busy"):
        raise ValueError("boom")
    with _held_by_another_process(path, 0) as holder:  # it takes the lock at once
        assert holder.wait(10) == 0
