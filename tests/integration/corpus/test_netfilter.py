"""Netfilter packet logs and the shared corpus.

The corpus holds no iptables / ufw / nftables log. The one kernel-bearing file is
``syslog/loghub/Linux_2k.log``, a mixed syslog of many programs whose 76 kernel lines are boot
and driver messages: the parser does not claim it at sniff time, and read with
``--format netfilter`` it finds no packet log in it (every line skipped or rejected, nothing
stored). Counts are checked by the command beside each (run from ``../shared/corpus``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wuzhen.evidence import parsers
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.node import Node

pytestmark = pytest.mark.corpus

LINUX = "syslog/loghub/Linux_2k.log"


def test_linux_syslog_is_not_claimed(corpus: Path) -> None:
    lines = [ln for ln in (corpus / LINUX).read_text(encoding="utf-8").splitlines() if ln][:50]
    assert parsers.get("netfilter").sniff(lines) == 0


def test_linux_syslog_read_as_netfilter(corpus: Path, sqlite_node: Node) -> None:
    report = sqlite_node.pipeline.ingest(
        [corpus / LINUX], IngestOptions(owner="CN", format="netfilter")
    )
    f = report.files[0]
    # grep -c '' syslog/loghub/Linux_2k.log                                              -> 2000
    assert f.records == 2000
    # grep -c 'SRC=' FILE                                                                -> 0
    assert (f.events, f.duplicates) == (0, 0)
    assert sqlite_node.store.scan("events").collect().height == 0
    # grep -c ' kernel: ' FILE                                                           -> 76
    # grep -vE '^[A-Z][a-z]{2} +[0-9]+ [0-9:]{8} [^ ]+ [^] :[]+(\[[0-9]+\])?: ' FILE | wc -l
    #   -> 8 ("syslogd 1.4.1: restart." x7, "combo  -- root[2421]: ..."): no program field
    # 2000 - 76 - 8                                                                      -> 1916
    assert dict(f.skipped_reasons) == {"not a kernel message": 1916, "not a packet log line": 76}
    assert dict(f.reject_reasons) == {"not a syslog or kernel log line": 8}
