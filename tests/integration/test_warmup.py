"""The warm-up loads exactly the kernels an ingest's format-independent stages use, with the
argument types an ingest gives them: after it, an ingest loads none of them again (#3, #4).

Run in a fresh interpreter: kernels loaded by other tests would hide a miss here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from pathlib import Path
from numba.core.registry import CPUDispatcher
from wuzhen import arrowtext, lines
from wuzhen.config import Settings
from wuzhen.evidence import fingerprint, occurrences
from wuzhen.evidence.parsers import (
    _csvsplit, _dataplane_scan, _json_members, _json_scan, _openssh_scan, _syslog_scan,
)
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.jurisdiction import _ipparse, _segments, addresses
from wuzhen.members.service import admit_all
from wuzhen.node import Node

MODULES = (
    arrowtext, lines, fingerprint, occurrences, _ipparse, _segments, addresses,
    _csvsplit, _dataplane_scan, _json_members, _json_scan, _openssh_scan, _syslog_scan,
)

def loaded():
    return {
        f"{m.__name__}.{name}": [str(s) for s in k.signatures]
        for m in MODULES
        for name, k in vars(m).items()
        if isinstance(k, CPUDispatcher)
    }

node = Node.open(Settings(data_dir=Path(sys.argv[1]), default_owner="CN"))
with node.db.session() as s:
    admit_all(s, actor="test", at=node.clock.now(), reason="test")
before = loaded()
node.pipeline.warm_up()
warm = loaded()
files = sys.argv[2:4]
node.pipeline.ingest(files, IngestOptions(owner="CN", format="blocklist"))
node.pipeline.ingest(files, IngestOptions(owner="CN", format="blocklist"))  # all stored: dups
node.pipeline.ingest(sys.argv[4:], IngestOptions(owner="CN"))
print(json.dumps({"before": before, "warm": warm, "after": loaded()}))
"""


def test_an_ingest_after_the_warm_up_loads_no_shared_kernel(tmp_path: Path, corpus: Path) -> None:
    first = tmp_path / "a.txt"
    second = tmp_path / "b.txt"
    # both families, a repeated line, a line that is no address, a second file overlapping
    first.write_text("192.0.2.1\n2001:db8::1\n192.0.2.1\n198.51.100.7\nnot-an-address\n")
    second.write_text("198.51.100.7\n203.0.113.9\n2001:db8::2\n")
    out = subprocess.run(
        [
            *(sys.executable, "-c", SCRIPT, str(tmp_path / "data"), str(first), str(second)),
            str(corpus / "syslog/loghub/OpenSSH_2k.log"),
            str(corpus / "threatfeeds/shadowserver_intelmq/scan_telnet.csv"),
            str(corpus / "suricata_eve/frankhassanabad_wrccdc-2018_alerts-only.ndjson"),
            str(corpus / "threatfeeds/intelmq_fixtures/dataplane_sshpwauth.txt"),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert not any(result["before"].values())  # nothing was loaded before the warm-up
    used = {name for name, sigs in result["after"].items() if sigs}
    assert {
        "wuzhen.lines._cut",
        "wuzhen.lines._count_newlines",
        "wuzhen.arrowtext._view_offsets",
        "wuzhen.evidence.fingerprint._hash_views",
        "wuzhen.evidence.parsers._openssh_scan._scan",
        "wuzhen.evidence.parsers._syslog_scan._scan",
        "wuzhen.evidence.parsers._csvsplit._split",
        "wuzhen.evidence.parsers._json_scan._scan",
        "wuzhen.evidence.parsers._dataplane_scan._scan",
        "wuzhen.evidence.fingerprint._hex",
        "wuzhen.evidence.parsers._json_members._objects",
    } <= used
    missed = {
        name: sorted(set(sigs) - set(result["warm"][name]))
        for name, sigs in result["after"].items()
        if set(sigs) != set(result["warm"][name])
    }
    assert missed == {}, missed
