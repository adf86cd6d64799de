"""fail2ban logs of the shared corpus, through the whole pipeline: exact counts, each checked by
the independent command in the comment beside it (run from ``../shared/corpus``), and three
records per file field by field.

The fail2ban files of the corpus are ``syslog/fail2ban_real/dairelad_fail2ban.log`` (a real
fail2ban 0.11 log) and ``syslog/fail2ban_testlogs/recidive``: the input of fail2ban's own
``recidive`` filter, which reads fail2ban's log, so it is this format (0.8, 0.9, 0.10 layouts,
syslog and journal forms). The other files of ``syslog/fail2ban_testlogs/`` are other daemons'
logs (fail2ban's filter test inputs) and are left to their own parsers: this parser does not
claim them (checked below).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.corpus.helpers import check, ingest
from wuzhen.evidence import parsers
from wuzhen.node import Node

pytestmark = pytest.mark.corpus

REAL = "syslog/fail2ban_real/dairelad_fail2ban.log"
RECIDIVE = "syslog/fail2ban_testlogs/recidive"
TESTLOGS = "syslog/fail2ban_testlogs"


def test_real_log(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / REAL)
    assert f.format == "fail2ban"
    # grep -c . syslog/fail2ban_real/dairelad_fail2ban.log                                -> 37
    assert f.records == 37
    # grep -c '\] Found ' FILE -> 35;  grep -c '\] Ban ' FILE -> 2
    assert f.events == 37
    assert (f.skipped, f.rejects, f.duplicates) == (0, 0, 0)
    # sed -n 1p FILE: Found 203.228.100.41 - 2021-11-25 08:27:05 (the failure's own time)
    check(
        rows[1],
        {
            "time.source": datetime(2021, 11, 25, 8, 27, 5, tzinfo=UTC),
            "source.ip": "203.228.100.41",
            "source.port": None,
            "destination.ip": None,
            "destination.fqdn": None,
            "protocol.transport": "tcp",
            "protocol.application": "ssh",
            "classification.taxonomy": "intrusion-attempts",
            "classification.type": "brute-force",
            "classification.identifier": "fail2ban:sshd:found",
            "source.registration.cc": "KR",
            "route.member": "KR",
            "extra": '{"jail":"sshd"}',
        },
    )
    # sed -n 4p FILE: 2021-11-25 08:27:07,942 ... NOTICE  [sshd] Ban 203.228.100.41
    check(
        rows[4],
        {
            "time.source": datetime(2021, 11, 25, 8, 27, 7, 942000, tzinfo=UTC),
            "source.ip": "203.228.100.41",
            "protocol.application": "ssh",
            "classification.type": "brute-force",
            "classification.identifier": "fail2ban:sshd:ban",
            "source.registration.cc": "KR",
            "route.member": "KR",
        },
    )
    # sed -n 29p FILE: 2021-11-25 10:59:49,112 ... Ban 110.42.132.70
    check(
        rows[29],
        {
            "time.source": datetime(2021, 11, 25, 10, 59, 49, 112000, tzinfo=UTC),
            "source.ip": "110.42.132.70",
            "classification.identifier": "fail2ban:sshd:ban",
            "source.registration.cc": "CN",
            "route.member": "CN",
        },
    )


def test_real_log_in_its_local_zone(corpus: Path, sqlite_node: Node) -> None:
    """fail2ban writes local time: --timezone shifts every event the same way."""
    _, rows = ingest(sqlite_node, corpus / REAL, timezone="Asia/Seoul")
    assert rows[1]["time.source"] == datetime(2021, 11, 24, 23, 27, 5, tzinfo=UTC)
    assert rows[29]["time.source"] == datetime(2021, 11, 25, 1, 59, 49, 112000, tzinfo=UTC)


def test_recidive_testlog(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / RECIDIVE)
    assert f.format == "fail2ban"
    # grep -c . syslog/fail2ban_testlogs/recidive                                         -> 20
    assert f.records == 20
    # grep -cE '\] Ban ' FILE                                                              -> 8
    assert f.events == 8
    # grep -c '\] Unban ' FILE                                                             -> 1
    assert dict(f.skipped_reasons) == {"ban lifted (not evidence)": 1}
    # grep -c '^#' FILE                                                                   -> 11
    assert dict(f.reject_reasons) == {"not a fail2ban log line": 11}
    assert f.duplicates == 0
    # sed -n 2p FILE: 0.8 layout, "2006-02-13 15:52:30,388 fail2ban.actions: NOTICE [sendmail] Ban"
    check(
        rows[2],
        {
            "time.source": datetime(2006, 2, 13, 15, 52, 30, 388000, tzinfo=UTC),
            "source.ip": "1.2.3.4",
            "destination.fqdn": None,
            "protocol.transport": "tcp",
            "protocol.application": "smtp",
            "classification.taxonomy": "abusive-content",
            "classification.type": "spam",
            "classification.identifier": "fail2ban:sendmail:ban",
            "source.registration.cc": "AU",
            "route.member": "AU",
        },
    )
    # sed -n 8p FILE: [recidive] Ban 1.2.3.4
    check(
        rows[8],
        {
            "source.ip": "1.2.3.4",
            "protocol.application": None,
            "classification.taxonomy": "other",
            "classification.type": "blacklist",
            "classification.identifier": "fail2ban:recidive:ban",
            "route.member": "AU",
        },
    )
    # sed -n 19p FILE: syslog "Mar 05 08:41:28 test.org fail2ban-server[11524]: fail2ban.actions
    # [11524]: NOTICE  [postfix-auth] Ban 192.0.2.2" (no year: the clock's, 2026)
    check(
        rows[19],
        {
            "time.source": datetime(2026, 3, 5, 8, 41, 28, tzinfo=UTC),
            "source.ip": "192.0.2.2",
            "destination.fqdn": "test.org",
            "protocol.application": "smtp",
            "classification.type": "brute-force",
            "classification.identifier": "fail2ban:postfix-auth:ban",
            "source.registration.cc": None,
            "route.state": "unrouted",
        },
    )
    # sed -n 24p FILE: journal short form, no time
    assert rows[24]["time.source"] is None
    assert rows[24]["classification.identifier"] == "fail2ban:postfix-sasl:ban"


def test_other_daemons_testlogs_are_not_claimed(corpus: Path) -> None:
    # ls syslog/fail2ban_testlogs | grep -vxE 'recidive|cowrie' | wc -l                   -> 21
    others = sorted(
        p for p in (corpus / TESTLOGS).iterdir() if p.name not in ("recidive", "cowrie")
    )
    assert len(others) == 21
    for path in others:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        sample = [ln for ln in lines if ln.strip()][:50]
        assert parsers.get("fail2ban").sniff(sample) == 0, path.name
