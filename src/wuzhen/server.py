"""Serving a node: the web UI and API with uvicorn, and ``tick`` every minute beside it.

:func:`serve` runs in the foreground until Ctrl-C or SIGTERM, then stops gracefully: the
server finishes the requests in flight, the tick thread the tick it is running and the
warm-up (loading what ingests need) the step it is in, and the function returns (the process
exits with status 0).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from types import FrameType

import uvicorn

from wuzhen.accounts.service import unknown_user_hash
from wuzhen.errors import InputError
from wuzhen.node import Node
from wuzhen.tick import tick

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0
STOP_WAIT_SECONDS = 120.0


class Ticker(threading.Thread):
    """Runs :func:`wuzhen.tick.tick` at once, then every ``interval`` seconds, until stopped."""

    def __init__(self, node: Node, interval: float = TICK_SECONDS) -> None:
        super().__init__(name="wuzhen-tick", daemon=True)
        self.node = node
        self.interval = interval
        self.runs = 0
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                report = tick(self.node)
                for name, error in report.errors.items():
                    log.warning("tick step %s: %s", name, error)
            except Exception:  # the thread's boundary: log, and try again next time
                log.exception("tick failed")
            self.runs += 1
            self._stopping.wait(self.interval)

    def stop(self, wait: float = STOP_WAIT_SECONDS) -> None:
        """Ask the thread to stop and wait for the tick it is running, if any."""
        self._stopping.set()
        if self.is_alive():
            self.join(wait)


def check_port(host: str, port: int) -> None:
    """Fail early, with a clear message, when the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            msg = f"cannot listen on {host}:{port} ({err.strerror}); choose another --port"
            raise InputError(msg) from err


def url_of(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def open_browser(url: str) -> None:
    """Open ``url`` in the user's browser if there is one; never fail.

    On a machine with no graphical session, Python's ``webbrowser`` would start a text
    browser in this terminal, so nothing is opened unless ``BROWSER`` names one."""
    headless = sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) and not any(
        os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")
    )
    if headless:
        log.info("no graphical session: not opening a browser")
        return
    try:
        webbrowser.open(url)
    except (webbrowser.Error, OSError) as err:
        log.info("could not open a browser: %s", err)


def serve(
    node: Node,
    *,
    host: str,
    port: int,
    browser: bool,
    on_ready: Callable[[str], None] | None = None,
    tick_interval: float = TICK_SECONDS,
) -> None:
    """Serve ``node`` on ``host:port`` with tick every ``tick_interval`` seconds, until
    Ctrl-C or SIGTERM."""
    from wuzhen.api.app import create_app  # the web stack loads only when serving

    app = create_app(node)
    config = uvicorn.Config(app, host=host, port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    ticker = Ticker(node, tick_interval)
    url = url_of(host, port)

    done = threading.Event()

    def announce() -> None:
        while not server.started and not done.wait(0.05):
            pass
        if server.started and not done.is_set():
            if on_ready is not None:
                on_ready(url)
            if browser:
                open_browser(url)

    # uvicorn catches SIGINT and SIGTERM while it runs, shuts down, then raises the signal
    # again for the handlers that were in place: these make that a normal return.
    stopped: list[int] = []

    def note(sig: int, _frame: FrameType | None) -> None:
        stopped.append(sig)

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    # the warm-up is waited for (it stops at the end of its step) before the node closes:
    # a thread left in numba's compiler or the address tables as the process exits can abort it
    warming = threading.Thread(target=_warm_up, args=(node, done), name="wuzhen-warm-up")
    ticker.start()
    threading.Thread(target=announce, name="wuzhen-announce", daemon=True).start()
    warming.start()
    try:
        server.run()
    finally:
        done.set()
        ticker.stop()
        warming.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("stopped (signals %s)", stopped)


def _warm_up(node: Node, stopping: threading.Event) -> None:
    """Spare the first ingest (an upload, an API call) the pipeline's one-off loading, and the
    first failed sign-in of an unknown user name the making of the hash it is timed against."""
    try:
        unknown_user_hash()
        node.pipeline.warm_up(stopping)
    except Exception:  # what needs it loads it itself, and reports what fails
        log.exception("warming up failed")
