"""``serve`` stops cleanly: the threads it starts end what they are doing before it returns
and the node closes (a thread left in numba's compiler as the process exits can abort it)."""

from __future__ import annotations

import os
import signal
import threading
import time

import polars as pl
import pytest

from wuzhen.evidence import parsers, warmup
from wuzhen.evidence.enrich import Attributor
from wuzhen.node import Node
from wuzhen.server import serve

from .smtp_server import free_port


class _Stage:
    """Stands for the address tables: notes each call and sets ``stopping`` at the first."""

    def __init__(self, stopping: threading.Event) -> None:
        self.stopping = stopping
        self.calls = 0

    def attribute(self, frame: pl.DataFrame) -> pl.DataFrame:
        self.calls += 1
        self.stopping.set()
        return frame


def _no_parser(name: str) -> parsers.Parser:
    pytest.fail(f"the warm-up went on to parse {name} after it was asked to stop")


def test_the_warm_up_ends_at_the_end_of_the_step_it_is_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stopping = threading.Event()
    stage = _Stage(stopping)
    monkeypatch.setattr(parsers, "get", _no_parser)
    warmup.warm_up(stage, stopping)  # type: ignore[arg-type]
    assert stage.calls == 1  # the stages ran to their end, then no format was parsed


def test_the_warm_up_asked_to_stop_before_it_starts_does_nothing() -> None:
    stopping = threading.Event()
    stopping.set()
    stage = _Stage(stopping)
    warmup.warm_up(stage, stopping)  # type: ignore[arg-type]
    assert stage.calls == 0


def test_the_warm_up_runs_every_step_when_not_stopped(sqlite_node: Node) -> None:
    attributor: Attributor = sqlite_node.attributor
    stopping = threading.Event()
    parsed: list[str] = []
    get = parsers.get

    def counted(name: str) -> parsers.Parser:
        parsed.append(name)
        return get(name)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parsers, "get", counted)
        warmup.warm_up(attributor, stopping)
    assert parsed == list(warmup._FORMATS)


def test_serve_returns_only_once_the_warm_up_has_ended(
    sqlite_node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    ended: list[bool] = []

    def slow_warm_up(stopping: threading.Event | None = None) -> None:
        assert stopping is not None
        stopping.wait(60)  # a step that outlasts the server: it ends only when asked to
        time.sleep(0.3)
        ended.append(stopping.is_set())

    monkeypatch.setattr(sqlite_node.pipeline, "warm_up", slow_warm_up)

    def stop(_url: str) -> None:  # as Ctrl-C or a service manager would
        os.kill(os.getpid(), signal.SIGTERM)

    serve(
        sqlite_node,
        host="127.0.0.1",
        port=free_port(),
        browser=False,
        on_ready=stop,
        tick_interval=3600,
    )
    assert ended == [True]
    assert not [t for t in threading.enumerate() if t.name == "wuzhen-warm-up"]
