"""Loading, once per process, what every ingest needs before its first record.

An ingest's first batch otherwise pays for the address tables and for numba: its compiler
context (about 0.2 s) and every compiled kernel of the stages all formats run through and of
its format's parser, each loaded from the on-disk cache under numba's lock while the other
workers wait. Together that is about 0.4-0.6 s of a 2-4 s ingest on 2 cores. A long-running
node pays it at start, in the background (``wuzhen serve``); the benchmarks pay it before
timing, as IntelMQ's bots load their databases before theirs.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl

from wuzhen.evidence import parsers
from wuzhen.evidence.enrich import Attributor
from wuzhen.evidence.fingerprint import event_ids, hex_ids, record_hashes
from wuzhen.evidence.occurrences import KeySet, Occurrences
from wuzhen.evidence.parsers._base import ParseContext, batch_records, readable_records
from wuzhen.lines import LineBatch, iter_blocks, split_block

#: Both address families, a repeated line and a line that is no address: every branch of the
#: kernels whose argument types could differ.
_SAMPLE = b"192.0.2.1\n2001:db8::1\n192.0.2.1\nnot an address\n"

#: A few records of the formats with compiled parsers that come by the million: syslog
#: (OpenSSH's messages), CSV (Shadowserver's reports), JSON lines (Suricata's EVE) and
#: dataplane.org's reports.
_FORMATS = {
    "openssh": (
        b"Dec 10 06:55:46 host sshd[24200]: Invalid user admin from 192.0.2.7\n"
        b"Dec 10 06:55:48 host sshd[24200]: Failed password for invalid user admin from "
        b"192.0.2.7 port 38926 ssh2\n"
        b"Dec 10 06:55:48 host sshd[24200]: Connection closed by 192.0.2.7 [preauth]\n"
        b"Dec 10 06:55:49 host sshd[24201]: pam_unix(sshd:auth): authentication failure; "
        b"logname= uid=0 euid=0 tty=ssh ruser= rhost=host.example.com\n"
    ),
    "shadowserver": (
        b'"timestamp","ip","protocol","port","hostname","tag","asn","geo","banner"\n'
        b'"2019-09-04 12:27:34","192.0.2.7","tcp",23,"host.example","telnet",64496,"AA",'
        b'"|Login:"\n'
    ),
    "suricata-eve": (
        b'{"timestamp":"2018-03-24T14:37:19.037299-0600","flow_id":928532049924531,'
        b'"event_type":"alert","src_ip":"192.0.2.7","src_port":26078,"dest_ip":"198.51.100.1",'
        b'"dest_port":80,"proto":"TCP","alert":{"action":"allowed","gid":1,'
        b'"signature_id":2001219,"rev":20,"signature":"ET SCAN \\/ Potential Scan",'
        b'"category":"Attempted Information Leak","severity":2}}\n'
    ),
    "dataplane": (
        b"# DataPlane.org\n"
        b"64496  |  EXAMPLE-AS  |  192.0.2.7  |  2026-11-28 10:04:00  |  sshpwauth\n"
    ),
}


def warm_up(attributor: Attributor, stopping: threading.Event | None = None) -> None:
    """Run the format-independent stages (splitting lines, attributing addresses, hashing,
    numbering occurrences, deduplicating) over a few lines, with the same argument types as an
    ingest, so that their kernels and tables are loaded; and parse a few records of the formats
    in :data:`_FORMATS`. Other formats' kernels load on the first batch of their format.

    When ``stopping`` is set, returns at the end of the step it is in (the stages, or one
    format: a few seconds at most, compiling kernels where numba's cache lacks them)."""
    for _ in _steps(attributor):
        if stopping is not None and stopping.is_set():
            return


def _steps(attributor: Attributor) -> Iterator[None]:
    """The warm-up's work, pausing before each step."""
    yield
    batch = _lines(_SAMPLE)
    attributor.attribute(pl.DataFrame({"source.ip": pl.Series(batch.lines)}))
    h1, h2 = record_hashes(batch.lines)
    record_hashes(pl.Series(batch.lines))  # as Polars holds text: string views
    occurrences = Occurrences()
    for _ in range(3):  # the second batch searches what the first kept; the third, repeats
        numbers = occurrences.number(h1, h2)
    i1, i2 = event_ids("ZZ", h1, h2, numbers, np.zeros(len(numbers), np.int32))
    hex_ids(i1, i2)
    seen = KeySet()
    seen.add(i1[:1], i2[:1])
    seen.add(i1[1:2], i2[1:2])  # merged with the first run
    seen.contains(*(_read_only(a) for a in (i1, i2)))  # as an ingest's ids come from Polars
    context = ParseContext(now=datetime.now(UTC))
    for name, sample in _FORMATS.items():
        yield
        parser = parsers.get(name)
        _unreadable, records = readable_records(batch_records(_lines(sample)))
        parser.parse(records, parser.new_state(), context)


def _lines(data: bytes) -> LineBatch:
    """``data`` read as an ingest reads it: in blocks (its lines counted), then split."""
    [block] = iter_blocks(io.BytesIO(data))
    return split_block(block)


def _read_only(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A read-only view: numba compiles a kernel apart for read-only arrays."""
    view = a.view()
    view.flags.writeable = False
    return view
