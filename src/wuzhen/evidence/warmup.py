"""Loading, once per process, what every ingest needs before its first record.

An ingest's first batch otherwise pays for the address tables and for numba: its compiler
context (about 0.2 s) and every compiled kernel of the stages all formats run through, each
loaded from the on-disk cache under numba's lock while the other workers wait. Together that
is about 0.4 s of a 2 s ingest on 2 cores. A long-running node pays it at start, in the
background (``wuzhen serve``); the benchmarks pay it before timing, as IntelMQ's bots load
their databases before theirs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from wuzhen.evidence.enrich import Attributor
from wuzhen.evidence.fingerprint import event_ids, hex_ids, record_hashes
from wuzhen.evidence.occurrences import KeySet, Occurrences
from wuzhen.lines import Block, split_block

#: Both address families, a repeated line and a line that is no address: every branch of the
#: kernels whose argument types could differ.
_SAMPLE = b"192.0.2.1\n2001:db8::1\n192.0.2.1\nnot an address\n"


def warm_up(attributor: Attributor) -> None:
    """Run the format-independent stages (splitting lines, attributing addresses, hashing,
    numbering occurrences, deduplicating) over a few lines, with the same argument types as an
    ingest, so that their kernels and tables are loaded. Format-specific kernels still load on
    the first batch of their format."""
    batch = split_block(Block(_SAMPLE, len(_SAMPLE), 1, len(_SAMPLE), cut=False))
    attributor.attribute(pl.DataFrame({"source.ip": pl.Series(batch.lines)}))
    h1, h2 = record_hashes(batch.lines)
    occurrences = Occurrences()
    for _ in range(3):  # the second batch searches what the first kept; the third, repeats
        numbers = occurrences.number(h1, h2)
    i1, i2 = event_ids("ZZ", h1, h2, numbers, np.zeros(len(numbers), np.int32))
    hex_ids(i1, i2)
    seen = KeySet()
    seen.add(i1[:1], i2[:1])
    seen.add(i1[1:2], i2[1:2])  # merged with the first run
    seen.contains(*(_read_only(a) for a in (i1, i2)))  # as an ingest's ids come from Polars


def _read_only(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A read-only view: numba compiles a kernel apart for read-only arrays."""
    view = a.view()
    view.flags.writeable = False
    return view
