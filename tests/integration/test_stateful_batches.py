"""Parsers with state (headers) prepare their batches in parallel: each batch is parsed from
the state the marked lines of the batches before it leave. The result must be exactly what
parsing the batches one after another gives (#3, #4)."""

from __future__ import annotations

import gzip
from functools import partial
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import NOW, open_compact
from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.evidence import ingest as ingest_module
from wuzhen.evidence import parsers
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.lines import iter_blocks

SHADOWSERVER = "threatfeeds/shadowserver_intelmq"
# Several files each, so that the state (the header in force, the list's kind and time)
# changes within the file, in the middle of batches and at their edges.
INPUTS = {
    "shadowserver": [
        f"{SHADOWSERVER}/{name}.csv"
        for name in (
            *("scan_telnet", "event4_sinkhole", "scan_smtp_vulnerable", "scan_telnet"),
            *("event6_sinkhole_http", "blocklist", "scan_ssl"),
        )
    ],
    "zeek-tsv": [
        "zeek/zeek-btest_ssh.basic_conn.log",
        "zeek/wrccdc2018_brimdata/ssh.log.gz",
        "zeek/zeek-btest_ssh.basic_ssh.log",
        "zeek/wrccdc2018_brimdata/ftp.log.gz",
    ],
    "dshield-block": ["threatfeeds/intelmq_fixtures/dshield_block.txt"],
    "spamhaus-drop": [  # lists with their header comments, each followed by rows without
        "threatfeeds/intelmq_fixtures/spamhaus_drop.txt",
        "threatfeeds/spamhaus/drop.txt",
        "threatfeeds/intelmq_fixtures/spamhaus_asndrop.txt",
        "threatfeeds/spamhaus/edrop.txt",
    ],
}


def _concatenated(corpus: Path, names: list[str], out: Path) -> Path:
    parts = []
    for name in names:
        data = (corpus / name).read_bytes()
        parts.append(gzip.decompress(data) if name.endswith(".gz") else data)
    out.write_bytes(b"".join(p if p.endswith(b"\n") else p + b"\n" for p in parts))
    return out


def _ingest(tmp_path: Path, path: Path, fmt: str) -> tuple[dict[str, int], pl.DataFrame]:
    node = open_compact(Settings(data_dir=tmp_path, default_owner="CN"), FixedClock(NOW))
    try:
        f = node.pipeline.ingest([path], IngestOptions(owner="CN", format=fmt)).files[0]
        counts = {k: v for k, v in f.as_dict().items() if k not in ("evidence_id", "path")}
        frames = [node.store.scan(d).collect() for d in ("events", "rejects")]
    finally:
        node.close()
    stored = pl.concat(
        [frame.drop("evidence.id", "time.observation") for frame in frames], how="diagonal"
    )
    return counts, stored.sort("event.id")


@pytest.mark.parametrize("fmt", sorted(INPUTS))
def test_parallel_batches_match_batches_one_after_another(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    parser = type(parsers.get(fmt))
    assert parser.state_marker is not None
    path = _concatenated(corpus, INPUTS[fmt], tmp_path / "input")
    monkeypatch.setattr(ingest_module, "iter_blocks", partial(iter_blocks, block_size=700))
    monkeypatch.setattr(ingest_module, "WORKERS", 3)
    parallel = _ingest(tmp_path / "parallel", path, fmt)
    monkeypatch.setattr(parser, "state_marker", None)  # one batch after another
    in_order = _ingest(tmp_path / "in-order", path, fmt)
    assert parallel[0] == in_order[0]
    assert parallel[0]["records"] > 20
    assert parallel[1].equals(in_order[1])
