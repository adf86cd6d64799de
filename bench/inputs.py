"""Benchmark inputs made by replicating the shared corpus samples with varied addresses.

    python bench/inputs.py authlog 2000000 /tmp/auth.log
    python bench/inputs.py eve 1000000 /tmp/eve.json

Addresses are drawn from public IPv4 space (seeded), so attribution and routing do real work;
each line otherwise keeps the corpus sample's text.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
IPV4 = re.compile(rb"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")


def _addresses(rng: np.random.Generator, n: int) -> list[bytes]:
    first = rng.choice(np.r_[1:10, 11:100, 101:127, 128:169, 170:172, 173:192, 193:224], n)
    rest = rng.integers(0, 256, size=(n, 3))
    return [b"%d.%d.%d.%d" % (a, b, c, d) for a, (b, c, d) in zip(first, rest, strict=True)]


def replicate(
    template: list[bytes], n: int, out: Path, seed: int = 7, chunk: int = 100_000
) -> None:
    """Write ``n`` lines cycling through ``template``, each address replaced by a fresh one
    (``chunk`` lines at a time, so a file of any size is written in bounded memory)."""
    rng = np.random.default_rng(seed)
    with out.open("wb") as fh:
        for start in range(0, n, chunk):
            count = min(chunk, n - start)
            addresses = _addresses(rng, count)
            lines = (
                IPV4.sub(addresses[i], template[(start + i) % len(template)]) for i in range(count)
            )
            fh.write(b"\n".join(lines) + b"\n")


def authlog(n: int, out: Path) -> None:
    template = (CORPUS / "syslog" / "loghub" / "OpenSSH_2k.log").read_bytes().splitlines()
    replicate(template, n, out)


def eve(n: int, out: Path) -> None:
    template = (
        (CORPUS / "suricata_eve" / "frankhassanabad_wrccdc-2018_alerts-only.ndjson")
        .read_bytes()
        .splitlines()
    )
    replicate([t for t in template if t.strip()], n, out)


if __name__ == "__main__":
    kind, count, path = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    {"authlog": authlog, "eve": eve}[kind](count, path)
    print(f"wrote {count} lines to {path} ({path.stat().st_size / 1e6:.1f} MB)")
