"""Benchmark: authenticated ``GET /api/v1/events?country=CN&limit=50`` under load (issue #5).

    .venv/bin/python bench/api.py [--events 1000000] [--rate 1000] [--seconds 20]
                                   [--workers 2] [--data /tmp/wuzhen-bench-api]

Not a test: it prints figures. What it does:

1. prepares a data directory once (kept for the next run): ``bench/inputs.py authlog`` lines
   (~82% become events) ingested with FR as owner, every state admitted, and a CN
   administrator with an API key (CN sees FR's AMBER events routed to it);
2. serves ``create_app`` with uvicorn on 127.0.0.1 in a subprocess (``--workers`` processes);
3. times a few cold requests (each a query the server has not answered before);
4. loads the endpoint from a second process with ``wrk`` (a Lua script adds the
   ``Authorization`` header and paces each connection so the total rate is about
   ``--rate``), or, without wrk, with an open-loop asyncio generator on raw sockets;
5. runs a second load in which every request asks for another page (``offset`` varies), so
   none is answered from the result cache: the cost of a cold query under load.

Figures printed: requests/s achieved, p50 and p99 latency, the cores of this machine, and
the CPU time the server and the load generator spent per request (a figure that does not
depend on what else the machine runs). On a shared machine, other sessions' processes take
their share of the cores: run the benchmark's sessions at a higher priority (their
autogroup's nice value, ``/proc/<pid>/autogroup``) or the latencies measure the neighbours.
``--pure-python`` serves with h11 and asyncio even where httptools and uvloop are installed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
PATH = "/api/v1/events?country=CN&limit=50"
PASSWORD = "benchmark password 1"


# -- the data directory ----------------------------------------------------------------


def prepare(data: Path, events: int) -> str:
    """Make the data directory (once) and return the CN administrator's API key."""
    marker = data / "bench-key.txt"
    if marker.exists():
        return marker.read_text().strip()
    from wuzhen.accounts import service as accounts
    from wuzhen.config import Settings
    from wuzhen.evidence.ingest import IngestOptions
    from wuzhen.members.service import admit_all
    from wuzhen.node import Node

    shutil.rmtree(data, ignore_errors=True)
    node = Node.open(Settings(data_dir=data / "data"))
    now = node.clock.now()
    with node.db.session() as s:
        admit_all(s, actor="bench", at=now, reason="benchmark")
        sec = accounts.create_secretariat(s, username="secretariat", password=PASSWORD, at=now)
        invitation = accounts.invite(s, sec, member="CN", role="admin", at=now)
    with node.db.session() as s:
        admin = accounts.accept(s, invitation.token, username="cn-admin", password=PASSWORD, at=now)
        key = accounts.create_key(s, admin, name="benchmark", at=now).token
    lines = int(events / 0.82)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "auth.log"
        subprocess.run(
            [sys.executable, str(BENCH / "inputs.py"), "authlog", str(lines), str(log)], check=True
        )
        started = time.perf_counter()
        report = node.pipeline.ingest([log], IngestOptions(owner="FR"))
        print(
            f"ingested {report.totals()['events']:,} events in "
            f"{time.perf_counter() - started:.0f} s"
        )
    node.close()
    marker.write_text(key)
    return key


def make_app() -> Any:
    """The uvicorn factory: ``create_app`` over the node in ``WUZHEN_DATA_DIR``."""
    from wuzhen.api import create_app
    from wuzhen.config import Settings
    from wuzhen.node import Node

    return create_app(Node.open(Settings()), web=False)


# -- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(data: Path, port: int, workers: int, fast: bool) -> subprocess.Popen[bytes]:
    env = {**os.environ, "WUZHEN_DATA_DIR": str(data / "data")}
    http = "httptools" if fast and _importable("httptools") else "h11"
    loop = "uvloop" if fast and _importable("uvloop") else "asyncio"
    cmd = [
        sys.executable, "-m", "uvicorn", "--factory", "api:make_app",
        "--app-dir", str(BENCH), "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--http", http, "--loop", loop,
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    print(f"server: uvicorn, {workers} worker(s), http={http}, loop={loop}")
    return subprocess.Popen(cmd, env=env, start_new_session=True)


def group_cpu(pgid: int) -> float:
    """CPU seconds used so far by the processes of group ``pgid`` (the server)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ...
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def get(url: str, key: str) -> tuple[float, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
    return time.perf_counter() - started, body


def wait_ready(base: str, key: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            msg = "the server stopped"
            raise SystemExit(msg)
        try:
            get(base + "/api/v1/ledger/head", key)
        except OSError:
            time.sleep(0.3)
        else:
            return
    msg = "the server did not start"
    raise SystemExit(msg)


# -- load --------------------------------------------------------------------------------

LUA = """
local key = "%(key)s"
local interval = %(interval)f
local cold = %(cold)s
wrk.headers["Authorization"] = "Bearer " .. key
function init(args) math.randomseed(os.time()) end
function delay() return interval end
function request()
  if cold then
    local offset = math.random(0, 20000)
    return wrk.format(nil, wrk.path .. "&offset=" .. offset)
  end
  return wrk.format(nil, wrk.path)
end
"""


def run_wrk(
    url: str, key: str, rate: int, seconds: int, connections: int, cold: bool, latency_ms: float
) -> dict[str, Any]:
    # wrk waits this long after each answer on a connection: the spacing that gives the target
    # rate, less the expected answer time (wrk 4 has no constant-rate mode).
    interval = max(0.0, connections / rate * 1000.0 - latency_ms)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"key": key, "interval": interval, "cold": str(cold).lower()})
    out = subprocess.run(
        ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency",
         "--timeout", "10s", "-s", script.name, url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode:
        msg = f"wrk failed: {out.stderr or out.stdout}"
        raise SystemExit(msg)
    out = out.stdout
    Path(script.name).unlink()
    pct = dict(re.findall(r"^\s+(\d+)%\s+([\d.]+\w+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return {
        "tool": "wrk",
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(pct["50"]),
        "p99_ms": _ms(pct["99"]),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
        "raw": out,
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


async def _open_loop(
    port: int, key: str, rate: int, seconds: int, connections: int, cold: bool
) -> dict[str, Any]:
    """Send at a fixed rate on ``connections`` keep-alive sockets; a request's latency counts
    from when it was due (no coordinated omission)."""
    import random

    latencies: list[float] = []
    failures = 0
    auth = f"Authorization: Bearer {key}"
    queue: asyncio.Queue[float] = asyncio.Queue()

    async def worker() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while True:
            due = await queue.get()
            path = PATH + (f"&offset={random.randint(0, 20000)}" if cold else "")
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n\r\n"
            writer.write(request.encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200"):
                failures += 1
            latencies.append(time.perf_counter() - due)
            queue.task_done()

    tasks = [asyncio.create_task(worker()) for _ in range(connections)]
    start = time.perf_counter()
    n = rate * seconds
    for i in range(n):
        due = start + i / rate
        pause = due - time.perf_counter()
        if pause > 0:
            await asyncio.sleep(pause)
        queue.put_nowait(due)
    await queue.join()
    elapsed = time.perf_counter() - start
    for t in tasks:
        t.cancel()
    latencies.sort()
    return {
        "tool": "asyncio open loop",
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "non_2xx": failures,
        "timeouts": 0,
    }


def load(
    port: int, key: str, rate: int, seconds: int, connections: int, cold: bool, latency_ms: float
) -> dict[str, Any]:
    if shutil.which("wrk"):
        url = f"http://127.0.0.1:{port}{PATH}"
        return run_wrk(url, key, rate, seconds, connections, cold, latency_ms)
    return asyncio.run(_open_loop(port, key, rate, seconds, connections, cold))


# -- main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cold-rate", type=int, default=4)
    parser.add_argument(
        "--pure-python",
        action="store_true",
        help="Serve with uvicorn's h11 and asyncio even if httptools and uvloop are installed.",
    )
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "wuzhen-bench-api"
    )
    args = parser.parse_args()

    key = prepare(args.data, args.events)
    port = free_port()
    server = serve(args.data, port, args.workers, not args.pure_python)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, key, server)
        body = json.loads(get(base + PATH, key)[1])
        print(f"cores: {os.cpu_count()} (usable: {len(os.sched_getaffinity(0))})")
        print(f"query: GET {PATH}: {body['total']:,} matching events visible to CN")
        colds = [get(f"{base}{PATH}&offset={1000 + i}", key)[0] * 1000 for i in range(5)]
        print("cold requests (not cached), ms: " + ", ".join(f"{c:.0f}" for c in colds))
        warm = sorted(get(base + PATH, key)[0] * 1000 for _ in range(50))
        print(f"cached, one at a time: p50 {warm[25]:.2f} ms")
        cold_ms = sorted(colds)[len(colds) // 2]
        for label, rate, connections, cold, latency in (
            ("cached query", args.rate, 100, False, warm[25]),
            ("every request a cold query", args.cold_rate, args.cold_rate, True, cold_ms),
        ):
            server_before, client_before = group_cpu(server.pid), children_cpu()
            result = load(port, key, rate, args.seconds, connections, cold, latency)
            served = max(1.0, result["rps"] * args.seconds)
            server_ms = (group_cpu(server.pid) - server_before) / served * 1000
            client_ms = (children_cpu() - client_before) / served * 1000
            print(
                f"{label}: target {rate} req/s for {args.seconds} s with {result['tool']}: "
                f"{result['rps']:.1f} req/s, p50 {result['p50_ms']:.2f} ms, "
                f"p99 {result['p99_ms']:.2f} ms, non-2xx {result['non_2xx']}, "
                f"timeouts {result['timeouts']}"
            )
            cores = len(os.sched_getaffinity(0))
            print(
                f"  CPU per request: server {server_ms:.2f} ms, load generator {client_ms:.2f} ms"
                f" -> at most ~{cores * 1000 / (server_ms + client_ms):.0f} req/s on {cores} "
                f"idle cores; load average now {os.getloadavg()[0]:.1f}"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
