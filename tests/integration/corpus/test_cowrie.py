"""Cowrie logs of the shared corpus, through the whole pipeline: exact counts, each checked by
the independent command in the comment beside it (run from ``../shared/corpus``), and three
records per file field by field.

Every Cowrie file of the corpus is here: the JSON log ``honeypot/cowrie_kareiva/cowrie.json.
2018-05-07``, its text log ``cowrie.log.2018-05-07``, and fail2ban's Cowrie filter test input,
stored twice (``honeypot/cowrie_fail2ban_testlog.json`` and ``syslog/fail2ban_testlogs/cowrie``,
byte-identical: ``cmp`` prints nothing). ``lastlog.txt`` and the ``tty_*.log`` session recording
are not evidence formats and are left alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.corpus.helpers import check, ingest
from wuzhen.evidence import parsers
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.node import Node

pytestmark = pytest.mark.corpus

KAREIVA_JSON = "honeypot/cowrie_kareiva/cowrie.json.2018-05-07"
KAREIVA_LOG = "honeypot/cowrie_kareiva/cowrie.log.2018-05-07"
TESTLOG_COPIES = ["honeypot/cowrie_fail2ban_testlog.json", "syslog/fail2ban_testlogs/cowrie"]
BOOKKEEPING = "session bookkeeping (the session's connect record is its evidence)"


def test_kareiva_json(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / KAREIVA_JSON)
    assert f.format == "cowrie"
    # grep -c . honeypot/cowrie_kareiva/cowrie.json.2018-05-07                          -> 417
    assert f.records == 417
    # jq -r .eventid FILE | grep -cE '^cowrie\.(session\.connect|login\.(failed|success))$'
    #                                                                                     -> 200
    assert f.events == 200
    # jq -r .eventid FILE | grep -cE '^cowrie\.(client\.version|session\.closed)$'         -> 217
    assert f.skipped == 217
    assert dict(f.skipped_reasons) == {BOOKKEEPING: 217}
    # jq -c . FILE > /dev/null && echo ok (every line is JSON)                            -> ok
    assert (f.rejects, f.duplicates) == (0, 0)
    # sed -n 1p FILE: session.connect 122.226.181.164:40476 -> 172.17.0.3:2222
    check(
        rows[1],
        {
            "time.source": datetime(2018, 5, 7, 0, 8, 26, 713576, tzinfo=UTC),
            "source.ip": "122.226.181.164",
            "source.port": 40476,
            "destination.ip": "172.17.0.3",
            "destination.port": 2222,
            "destination.fqdn": "920497a79896",
            "protocol.transport": "tcp",
            "protocol.application": "ssh",
            "classification.taxonomy": "information-gathering",
            "classification.type": "scanner",
            "classification.identifier": "cowrie.session.connect",
            "source.registration.cc": "CN",
            "route.member": "CN",
            "extra": '{"session":"7b3575906e8b"}',
        },
    )
    # sed -n 12p FILE: login.success from 42.7.26.60 (system HoneyPotSSHTransport)
    check(
        rows[12],
        {
            "time.source": datetime(2018, 5, 7, 0, 26, 21, 922026, tzinfo=UTC),
            "source.ip": "42.7.26.60",
            "source.port": None,
            "destination.ip": None,
            "protocol.application": "ssh",
            "classification.taxonomy": "intrusion-attempts",
            "classification.type": "brute-force",
            "classification.identifier": "cowrie.login.success",
            "source.registration.cc": "CN",
            "route.member": "CN",
            "event_description.text": "login attempt accepted by the honeypot",
        },
    )
    # sed -n 44p FILE: login.failed from 202.137.154.160 (the first: grep -n login.failed)
    check(
        rows[44],
        {
            "time.source": datetime(2018, 5, 7, 1, 12, 47, 91032, tzinfo=UTC),
            "source.ip": "202.137.154.160",
            "classification.type": "brute-force",
            "classification.identifier": "cowrie.login.failed",
            "source.registration.cc": "LA",
            "route.member": "LA",
            "extra": '{"session":"0f2935bc01a9"}',
        },
    )
    assert "admin" not in (rows[44]["event_description.text"] or "")


def test_kareiva_text_log(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / KAREIVA_LOG)
    assert f.format == "cowrie-log"
    # grep -c . honeypot/cowrie_kareiva/cowrie.log.2018-05-07                          -> 1744
    assert f.records == 1744
    # grep -cE '^[0-9T:.+-]+ \[[^]]*\] (New connection: |login attempt \[)' FILE          -> 200
    # (the same 110 connections and 90 logins as the JSON log of the same day)
    assert f.events == 200
    assert f.skipped == 1544
    assert dict(f.skipped_reasons) == {
        # grep -c $'^\t' FILE                                                              -> 87
        "continuation of a multi-line message": 87,
        # grep -v $'^\t' FILE | grep -vE 'Transport,[0-9]+,[0-9.]+\] ' \
        #   | grep -vc 'New connection: '                                                  -> 387
        "cowrie service message (no session)": 387,
        # grep -E 'Transport,[0-9]+,[0-9.]+\] ' FILE | grep -vc '\] login attempt \['     -> 1070
        "session bookkeeping": 1070,
    }
    assert (f.rejects, f.duplicates) == (0, 0)
    # sed -n 3p FILE: New connection: 122.226.181.164:40476 (172.17.0.3:2222)
    check(
        rows[3],
        {
            "time.source": datetime(2018, 5, 7, 0, 8, 26, 713576, tzinfo=UTC),
            "source.ip": "122.226.181.164",
            "source.port": 40476,
            "destination.ip": "172.17.0.3",
            "destination.port": 2222,
            "protocol.transport": "tcp",
            "protocol.application": "ssh",
            "classification.type": "scanner",
            "classification.identifier": "cowrie.session.connect",
            "source.registration.cc": "CN",
            "route.member": "CN",
            "extra": '{"session":"7b3575906e8b"}',
        },
    )
    # sed -n 51p FILE: [... HoneyPotSSHTransport,67,42.7.26.60] login attempt [...] succeeded
    check(
        rows[51],
        {
            "time.source": datetime(2018, 5, 7, 0, 26, 21, 922026, tzinfo=UTC),
            "source.ip": "42.7.26.60",
            "source.port": None,
            "classification.type": "brute-force",
            "classification.identifier": "cowrie.login.success",
            "source.registration.cc": "CN",
            "route.member": "CN",
        },
    )
    # sed -n 192p FILE: [... HoneyPotSSHTransport,77,202.137.154.160] login attempt [...] failed
    check(
        rows[192],
        {
            "time.source": datetime(2018, 5, 7, 1, 12, 47, 91032, tzinfo=UTC),
            "source.ip": "202.137.154.160",
            "protocol.application": "ssh",
            "classification.type": "brute-force",
            "classification.identifier": "cowrie.login.failed",
            "event_description.text": "login attempt failed",
            "source.registration.cc": "LA",
            "route.member": "LA",
        },
    )


def test_json_and_text_logs_of_the_same_day_agree(corpus: Path, sqlite_node: Node) -> None:
    report = sqlite_node.pipeline.ingest(
        [corpus / KAREIVA_JSON, corpus / KAREIVA_LOG], IngestOptions(owner="CN")
    )
    assert [f.events for f in report.files] == [200, 200]
    events = sqlite_node.store.scan("events").collect()
    by_format = (
        events.group_by("evidence.format", "source.ip", "classification.identifier")
        .len()
        .pivot(on="evidence.format", index=["source.ip", "classification.identifier"])
    )
    assert by_format.height == 54  # jq -r 'select(.eventid|test("connect|login"))
    #   | [.src_ip, .eventid] | @tsv' cowrie.json.2018-05-07 | sort -u | wc -l            -> 54
    assert by_format["cowrie"].eq_missing(by_format["cowrie-log"]).all()


@pytest.mark.parametrize("name", TESTLOG_COPIES)
def test_fail2ban_cowrie_testlog(corpus: Path, sqlite_node: Node, name: str) -> None:
    f, rows = ingest(sqlite_node, corpus / name)
    assert f.format == "cowrie"
    # grep -c . FILE                                                                     -> 21
    assert f.records == 21
    # grep -v '^#' FILE | grep . | jq -R 'fromjson? | .eventid' | sort | uniq -c:
    #   2 session.connect, 1 login.success (events); client.version, client.kex, log.closed
    assert f.events == 3
    assert dict(f.skipped_reasons) == {BOOKKEEPING: 3}
    # grep -c '^#' FILE -> 14;  grep -v '^#' FILE | grep . | grep -vc '^{'              -> 1
    assert f.rejects == 15
    assert dict(f.reject_reasons) == {"not JSON": 15}
    # sed -n 4p FILE: session.connect 137.184.154.9:37416 -> 172.18.0.2:2222
    check(
        rows[4],
        {
            "time.source": datetime(2026, 8, 13, 0, 0, 34, 803989, tzinfo=UTC),
            "source.ip": "137.184.154.9",
            "source.port": 37416,
            "destination.ip": "172.18.0.2",
            "destination.port": 2222,
            "destination.fqdn": "580d0186ebeb",
            "protocol.application": "ssh",
            "classification.type": "scanner",
            "classification.identifier": "cowrie.session.connect",
            "source.registration.cc": "US",
            "route.member": "US",
        },
    )
    # sed -n 16p FILE: login.success, same session
    check(
        rows[16],
        {
            "time.source": datetime(2026, 8, 13, 0, 0, 35, 273750, tzinfo=UTC),
            "source.ip": "137.184.154.9",
            "source.port": 37416,
            "classification.taxonomy": "intrusion-attempts",
            "classification.type": "brute-force",
            "classification.identifier": "cowrie.login.success",
            "source.registration.cc": "US",
            "route.member": "US",
        },
    )
    assert "brun" not in str({k: v for k, v in rows[16].items() if k != "raw"})
    # sed -n 24p FILE: telnet connect from 203.0.113.9 (documentation block: no country)
    check(
        rows[24],
        {
            "time.source": datetime(2026, 8, 13, 0, 5, tzinfo=UTC),
            "source.ip": "203.0.113.9",
            "source.port": 52344,
            "destination.port": 23,
            "protocol.application": "telnet",
            "classification.type": "scanner",
            "source.registration.cc": None,
            "route.member": None,
            "route.state": "unrouted",
        },
    )


@pytest.mark.parametrize(
    "name",
    [
        "honeypot/cowrie_kareiva/lastlog.txt",
        "honeypot/cowrie_kareiva/tty_20180522-144034-491ea73d2c48-0i.log",
    ],
)
def test_lastlog_and_tty_log_are_not_claimed(corpus: Path, name: str) -> None:
    lines = (corpus / name).read_text(encoding="utf-8", errors="replace").splitlines()
    sample = [ln for ln in lines if ln.strip()][:50]
    for parser in ("cowrie", "cowrie-log"):
        assert parsers.get(parser).sniff(sample) == 0
