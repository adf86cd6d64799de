"""End-to-end ingest benchmarks, printed side by side with Polars and IntelMQ in one run.

    python bench/ingest.py sensors   # 1M-line Suricata EVE file, 2M-line auth.log (#3)
    python bench/ingest.py feeds     # 1M-row Shadowserver telnet CSV, 1M-line dataplane (#4)
    python bench/ingest.py memory    # a 5 GB auth.log (46M distinct lines): peak RSS (#3)

Ours: ``Pipeline.ingest`` (parse + attribute + route + fingerprint + commit Parquet) into a
fresh data directory, timed around the ingest call, using every core of the machine; the
median of three runs, each in a process of its own. As
IntelMQ's bots are built (their ASN database loaded) before its timing starts, our pipeline is
built and warmed up (``Pipeline.warm_up``: address tables, compiled kernels) before ours; the
first ingest of a cold process, which pays for that inside, is printed beside it.
Polars: the time Polars alone takes to read the same file. IntelMQ 3.5: its parser + ASN
expert in-process (``../shared/baselines/intelmq/baseline.py``), single-threaded; set
``INTELMQ_PYTHON`` (default ``/work/intelmq-venv/bin/python``) and ``INTELMQ_IPASN``
(default ``/work/intelmq.ipasn``) — see that directory's README for the set-up.
Inputs are written once into ``WUZHEN_BENCH_DIR`` (default ``/tmp/wuzhen-bench``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
import inputs

BASELINES = Path(__file__).resolve().parents[2] / "shared" / "baselines" / "intelmq"
INTELMQ_PYTHON = Path(os.environ.get("INTELMQ_PYTHON", "/work/intelmq-venv/bin/python"))
INTELMQ_IPASN = Path(os.environ.get("INTELMQ_IPASN", "/work/intelmq.ipasn"))
WORK = Path(os.environ.get("WUZHEN_BENCH_DIR", "/tmp/wuzhen-bench"))
#: Our warm runs of each input: the median is reported (a run on a shared machine varies by
#: a tenth or more), with all of them beside it.
RUNS = 3

INGEST = """
import json, sys, time
from pathlib import Path
from wuzhen.config import Settings
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.members.service import admit_all
from wuzhen.node import Node
node = Node.open(Settings(data_dir=Path(sys.argv[1])))
with node.db.session() as s:
    admit_all(s, actor="bench", at=node.clock.now(), reason="benchmark")
fmt = sys.argv[3] or None
if sys.argv[4] == "warm":
    node.pipeline.warm_up()
t = time.perf_counter()
report = node.pipeline.ingest([sys.argv[2]], IngestOptions(owner="CN", format=fmt))
seconds = time.perf_counter() - t
f = report.files[0]
# VmHWM: the peak resident set of this process's own memory since it started (getrusage and
# wait4 would also count the parent's resident set at the fork, as Linux carries it over).
hwm = next(ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:"))
peak = int(hwm.split()[1]) / 1024
out = {"records": f.records, "events": f.events, "seconds": seconds, "peak_rss_mib": peak}
print(json.dumps(out))
"""


def cached(path: Path) -> Path:
    """``path``, read once so that the timed runs read it from the page cache, not the disk
    (a 5 GB input written before, say, evicts the others): each tool is timed on its work."""
    with path.open("rb") as fh:
        while fh.read(1 << 24):
            pass
    return path


def ours(path: Path, fmt: str = "", *, warm: bool = True) -> dict[str, float]:
    """Ingest in a child process (a fresh data directory), which reports its own peak RSS;
    ``warm``: after warming the pipeline up, else as the process's first work."""
    cached(path)
    data = Path(tempfile.mkdtemp(prefix="wuzhen-bench-data-"))
    try:
        out = subprocess.run(
            [sys.executable, "-c", INGEST, str(data), str(path), fmt, "warm" if warm else "cold"],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
        return result
    finally:
        shutil.rmtree(data, ignore_errors=True)


def ours_both(path: Path) -> dict[str, Any]:
    """:func:`ours` warmed up, ``RUNS`` times (the run of median time, with every run's time
    in ``runs``), and the cold process's time as ``cold_seconds``."""
    runs = sorted((ours(path) for _ in range(RUNS)), key=lambda r: r["seconds"])
    result: dict[str, Any] = dict(runs[len(runs) // 2])
    result["runs"] = [r["seconds"] for r in runs]
    result["cold_seconds"] = ours(path, warm=False)["seconds"]
    return result


def polars_lines(path: Path) -> float:
    cached(path)
    t = time.perf_counter()
    pl.scan_csv(
        path, has_header=False, separator="\x1f", quote_char=None, schema={"line": pl.String}
    ).collect()
    return time.perf_counter() - t


def polars_ndjson(path: Path) -> float:
    cached(path)
    t = time.perf_counter()
    pl.read_ndjson(path)
    return time.perf_counter() - t


def polars_csv(path: Path) -> float:
    cached(path)
    t = time.perf_counter()
    pl.read_csv(path, infer_schema=False)
    return time.perf_counter() - t


def intelmq(kind: str, path: Path) -> dict[str, float] | None:
    if not (INTELMQ_PYTHON.exists() and INTELMQ_IPASN.exists()):
        print(
            f"  IntelMQ: not set up ({INTELMQ_PYTHON}, {INTELMQ_IPASN}); see "
            f"{BASELINES / 'README.md'}"
        )
        return None
    cached(path)
    out = subprocess.run(
        [str(INTELMQ_PYTHON), str(BASELINES / "baseline.py"), kind, str(path), str(INTELMQ_IPASN)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def intelmq_inputs(rows: int) -> Path:
    folder = WORK / f"intelmq-{rows}"
    if not (folder / "dataplane-sshpwauth.txt").exists():
        subprocess.run(
            [sys.executable, str(BASELINES / "make_inputs.py"), str(rows), str(folder)], check=True
        )
    return folder


def _input(kind: str, rows: int) -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"{kind}-{rows}.{'json' if kind == 'eve' else 'log'}"
    if not path.exists():
        getattr(inputs, kind)(rows, path)
    return path


def report(
    name: str, result: dict[str, Any], polars_s: float | None = None, goal: int | None = None
) -> None:
    rate = result["records"] / result["seconds"]
    events = result["events"] / result["seconds"]
    runs = result.get("runs")
    print(
        f"  ours: {result['records']:,.0f} records ({result['events']:,.0f} events) in "
        f"{result['seconds']:.2f} s = {rate:,.0f} records/s, {events:,.0f} events/s; "
        f"peak RSS {result['peak_rss_mib']:,.0f} MiB"
        + (
            f"; the median of {len(runs)} runs: {', '.join(f'{r:.2f}' for r in runs)} s"
            if runs
            else ""
        )
    )
    if "cold_seconds" in result:
        print(
            f"  ours as a cold process's first ingest (warming up inside): "
            f"{result['cold_seconds']:.2f} s = {result['records'] / result['cold_seconds']:,.0f}"
            f" records/s"
        )
    if polars_s is not None:
        print(
            f"  Polars alone reading {name}: {polars_s:.2f} s; ours / Polars = "
            f"{result['seconds'] / polars_s:.1f}x the time"
            + (f" (goal <= {goal}x)" if goal else "")
        )


def vs_intelmq(result: dict[str, float], baseline: dict[str, float] | None, goal: int) -> None:
    if baseline is None:
        return
    ours_rate = result["events"] / result["seconds"]
    print(
        f"  IntelMQ 3.5 ({baseline['parser']}, {baseline['events']:,} events, one core): "
        f"{baseline['events_per_s']:,.0f} events/s; ours / IntelMQ = "
        f"{ours_rate / baseline['events_per_s']:,.0f}x (goal >= {goal}x)"
    )


def sensors() -> None:
    eve = _input("eve", 1_000_000)
    print(f"Suricata EVE, {eve.stat().st_size / 1e6:,.0f} MB")
    report("the EVE file (read_ndjson)", ours_both(eve), polars_ndjson(eve), goal=5)
    auth = _input("authlog", 2_000_000)
    print(f"auth.log, {auth.stat().st_size / 1e6:,.0f} MB")
    result = ours_both(auth)
    report("the auth.log (as lines)", result, polars_lines(auth), goal=5)
    rows = int(result["events"])
    folder = intelmq_inputs(rows)
    vs_intelmq(result, intelmq("dataplane", folder / "dataplane-sshpwauth.txt"), 50)


def feeds() -> None:
    folder = intelmq_inputs(1_000_000)
    telnet = folder / "shadowserver-telnet.csv"
    print(f"Shadowserver telnet CSV, {telnet.stat().st_size / 1e6:,.0f} MB")
    result = ours_both(telnet)
    report("the CSV", result, polars_csv(telnet))
    vs_intelmq(result, intelmq("shadowserver-telnet", telnet), 100)
    dataplane = folder / "dataplane-sshpwauth.txt"
    print(f"dataplane sshpwauth, {dataplane.stat().st_size / 1e6:,.0f} MB")
    result = ours_both(dataplane)
    report("the list (as lines)", result, polars_lines(dataplane))
    vs_intelmq(result, intelmq("dataplane", dataplane), 100)


def memory() -> None:
    # Every line distinct (fresh addresses), as in a real log: the set of record hashes that
    # numbers repeated records grows with the file, unlike a file repeating one sample.
    path = _input("authlog", 46_000_000)
    print(f"auth.log of {path.stat().st_size / 1e9:.1f} GB, every line distinct")
    report(path.name, ours(path))
    print("  goal: peak RSS under 2,048 MiB")


if __name__ == "__main__":
    print(
        f"{os.cpu_count()} cores; ours runs the pipeline's stages on all of them, IntelMQ "
        f"runs in one process on one core"
    )
    {"sensors": sensors, "feeds": feeds, "memory": memory}[sys.argv[1]]()
