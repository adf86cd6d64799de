"""OpenSSH logs of the shared corpus, through the whole pipeline: exact counts, each checked by
the independent command in the comment beside it (run from ``../shared/corpus``), and three
records checked field by field.

``syslog/loghub/OpenSSH_2k.log`` is 2,000 lines of a real server's auth.log (CRLF line ends).
``syslog/fail2ban_testlogs/sshd`` is fail2ban's own test input for its sshd filter: real and
crafted sshd lines, each after a ``# failJSON:`` comment saying whether fail2ban counts it as a
failure and from which host. Those comments are an oracle written by other people: every event
made from a line fail2ban counts must name fail2ban's host, including the lines whose user
names hold a forged ``from ADDRESS port N``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.corpus.helpers import check, ingest
from wuzhen.node import Node

pytestmark = pytest.mark.corpus

LOGHUB = "syslog/loghub/OpenSSH_2k.log"
TESTLOG = "syslog/fail2ban_testlogs/sshd"
# BSD syslog times carry no year: give one, so the tests do not depend on today's date
YEAR = 2017


def test_loghub_auth_log(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / LOGHUB, year=YEAR)
    assert f.format == "openssh"
    # grep -c '' syslog/loghub/OpenSSH_2k.log                                           -> 2000
    assert f.records == 2000
    by_rule: dict[str, int] = {}
    for row in rows.values():
        by_rule[row["classification.identifier"]] = (
            by_rule.get(row["classification.identifier"], 0) + 1
        )
    assert by_rule == {
        # grep -c 'Failed password for' FILE -> 520 (2 of them "message repeated 5 times: [")
        "ssh-failed-password": 520,
        # grep -E ': Failed [^ ]+ for ' FILE | grep -vc 'Failed password'                -> 4
        "ssh-failed-auth": 4,
        # grep -cE ': (Invalid|Illegal) user ' FILE                                      -> 113
        "ssh-invalid-user": 113,
        # grep -cE 'authentication failures?;.*rhost=[^ ]' FILE                        -> 504
        # (8 of them "PAM N more authentication failures;")
        "ssh-pam-failure": 504,
        # grep '\[preauth\]' FILE \
        #   | grep -cE 'disconnect from |\]: (Disconnected from|Connection (closed|reset) by) '
        #                                                                                 -> 501
        "ssh-preauth-disconnect": 501,
        # grep -c 'Did not receive identification string from' FILE                      -> 10
        "ssh-no-identification": 10,
    }
    assert (f.events, f.duplicates, f.rejects) == (1652, 0, 0)
    assert dict(f.skipped_reasons) == {
        # grep -c 'reverse mapping checking' FILE                                        -> 85
        "reverse DNS mismatch warning (not evidence by itself)": 85,
        # grep -c ': Accepted ' FILE                                                     -> 1
        "successful login": 1,
        # grep -cE 'session (opened|closed)' FILE                                        -> 2
        "session opened or closed": 2,
        # grep -E 'isconnect|\]: Connection (closed|reset)' FILE | grep -vc 'preauth\]'  -> 1
        "disconnect after login": 1,
        # the rest: 2000 - 1652 - 85 - 1 - 2 - 1 -> 259 ("check pass; user unknown",
        # "input_userauth_request: invalid user X [preauth]", "Disconnecting: Too many
        # authentication failures for root [preauth]", ...: the address is on other lines)
        "sshd message without a source address (its session's address is on another line)": 259,
    }
    # sed -n 2p FILE: Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186
    check(
        rows[2],
        {
            "raw": "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
            "time.source": datetime(2017, 12, 10, 6, 55, 46, tzinfo=UTC),
            "source.ip": "173.234.31.186",
            "source.fqdn": None,
            "source.port": None,
            "destination.fqdn": "LabSZ",
            "protocol.transport": "tcp",
            "protocol.application": "ssh",
            "classification.taxonomy": "intrusion-attempts",
            "classification.type": "brute-force",
            "classification.identifier": "ssh-invalid-user",
            "event_description.text": "Invalid user webmaster from 173.234.31.186",
            "source.registration.cc": "US",
            "route.member": "US",
            "extra": '{"program":"sshd","invalid_user":true}',  # sshd says it does not exist
        },
    )
    # sed -n 6p FILE: ... Failed password for invalid user webmaster from 173.234.31.186 port
    # 38926 ssh2
    check(
        rows[6],
        {
            "time.source": datetime(2017, 12, 10, 6, 55, 48, tzinfo=UTC),
            "source.ip": "173.234.31.186",
            "source.port": 38926,
            "classification.type": "brute-force",
            "classification.identifier": "ssh-failed-password",
            "extra": '{"program":"sshd","invalid_user":true}',
        },
    )
    # sed -n 139p FILE: ... Did not receive identification string from 123.235.32.19
    check(
        rows[139],
        {
            "time.source": datetime(2017, 12, 10, 7, 34, 33, tzinfo=UTC),
            "source.ip": "123.235.32.19",
            "classification.taxonomy": "information-gathering",
            "classification.type": "scanner",
            "classification.identifier": "ssh-no-identification",
            "source.registration.cc": "CN",
            "route.member": "CN",
        },
    )


def _oracle(path: Path) -> dict[int, dict[str, Any]]:
    """fail2ban's verdict on each line, by line number: the ``# failJSON:`` comment before it."""
    lines = path.read_text(encoding="utf-8").split("\n")
    out = {}
    for i, line in enumerate(lines):
        if line.startswith("# failJSON:"):
            j = i + 1
            while lines[j].startswith("#") or not lines[j].strip():
                j += 1
            out[j + 1] = json.loads(line.removeprefix("# failJSON:"))
    return out


def test_fail2ban_sshd_testlog(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / TESTLOG, year=YEAR)
    assert f.format == "openssh"
    # grep -c . syslog/fail2ban_testlogs/sshd                                           -> 348
    # (records are the non-blank lines)
    assert f.records == 348
    oracle = _oracle(corpus / TESTLOG)
    # grep -c '# failJSON:' FILE                                                         -> 155
    assert len(oracle) == 155
    counted = {n: v for n, v in oracle.items() if v.get("match") and v.get("host")}
    for n, row in rows.items():
        if n in counted:
            host = counted[n]["host"]
            source = row["source.ip"] or row["source.fqdn"]
            # fail2ban writes an IPv4-mapped IPv6 address as the IPv4 address
            assert source.removeprefix("::ffff:") == host, (n, source, host)
    made = [n for n in rows if n in counted]
    # Of the lines fail2ban counts, the ones with no event: fail2ban's multi-line matches
    # (the address is on another line of the session), syslog lines without a host name,
    # "User X not allowed" lines without an address, a leading-zero address (192.030.0.6,
    # rejected) and kex errors. (The RFC 5424 line with two structured-data elements, one
    # holding "[brackets]", is an event since its message is read after both.) fail2ban's "ddos"
    # lines are events too: "ssh_dispatch_run_fatal: Connection from H port P: ... [preauth]"
    # and the "Connection closed by H port P" after "kex_exchange_identification: Connection
    # closed by remote host" (OpenSSH 8+'s "Did not receive identification string"):
    # grep -cE 'sshd\[[0-9]+\]: (ssh_dispatch_run_fatal: .*\[preauth\]|Connection closed by '\
    #   '[^ ]+ port [0-9]+)$' FILE                                                       -> 3
    assert (len(counted), len(made)) == (108, 89)
    # Lines fail2ban does not count that are evidence here: failed public keys and PAM
    # failures (fail2ban counts the "Failed password" line of the same attempt), disconnects
    # before authentication (one of them "Disconnecting invalid user xxx 192.0.2.7 port 49941:
    # Too many authentication failures", after the failure fail2ban counts), and the
    # "Connection reset by 192.0.2.16 port 51280" fail2ban counts on the kex error before it:
    # grep -cE 'sshd\[[0-9]+\]: Connection reset by [^ ]+ port [0-9]+$' FILE              -> 1
    assert sorted(rows[n]["classification.identifier"] for n in rows if n not in counted) == (
        ["ssh-failed-auth"] * 4
        + ["ssh-no-identification"]
        + ["ssh-pam-failure"] * 6
        + ["ssh-preauth-disconnect"] * 3
    )
    assert f.events == 103
    # grep -c '^#' FILE -> 193 comment lines; 5 lines have no syslog header (3 no host name,
    # 2 a "[sshd]" program):
    # grep -v '^#' FILE | grep . | grep -vcE '^([A-Z][a-z]{2} +[0-9]+ [0-9:]{8} [^ ]+ '\
    #   '[^] :[]+(\[[0-9]+\])?: |[0-9-]{10}T[^ ]+ [^ ]+ [^ :[]+(\[[0-9]+\])?: |<[0-9]+>1 )' -> 5
    assert dict(f.reject_reasons) == {
        "not a syslog line": 198,
        "source.ip: not an IP address": 1,  # ... from 192.030.0.6
    }
    # forged "from ADDRESS port N" in user names and after the message: fail2ban's six
    # injection lines (grep -c 'njecting' FILE -> 6) all make events, from fail2ban's host
    # (checked above)
    injected = [n for n, v in counted.items() if "njecting" in v.get("desc", "")]
    assert len(injected) == 6
    assert all(n in rows for n in injected)


LINUX = "syslog/loghub/Linux_2k.log"


def test_loghub_mixed_syslog(corpus: Path, sqlite_node: Node) -> None:
    """A 2005 Linux syslog of many programs, where Linux-PAM before 0.99 wrote sshd's failures
    as ``sshd(pam_unix)[PID]: authentication failure; ... rhost=HOST``."""
    f, rows = ingest(sqlite_node, corpus / LINUX, year=2005)
    assert f.format == "openssh"
    # grep -c '' syslog/loghub/Linux_2k.log                                              -> 2000
    assert f.records == 2000
    # grep -c 'sshd(pam_unix).*authentication failure;.*rhost=[^ ]' FILE                  -> 489
    # (300 from an address: grep -c 'sshd(pam_unix).*rhost=[0-9.]* ' FILE; 189 from a name)
    assert (f.events, f.duplicates) == (489, 0)
    assert {r["classification.identifier"] for r in rows.values()} == {"ssh-pam-failure"}
    assert sum(r["source.ip"] is not None for r in rows.values()) == 300
    assert sum(r["source.fqdn"] is not None for r in rows.values()) == 189
    assert dict(f.skipped_reasons) == {
        # grep -c 'sshd(pam_unix)' FILE -> 677, and 2000 - 677 - 8 (below)              -> 1315
        "not an sshd message": 1315,
        # grep -c 'sshd(pam_unix).*check pass; user unknown' FILE                          -> 116
        "sshd message without a source address (its session's address is on another line)": 116,
        # grep -cE 'sshd\(pam_unix\).*session (opened|closed)' FILE                        -> 72
        "session opened or closed": 72,
    }
    # lines without a program (as in test_netfilter: "syslogd 1.4.1: restart." x7, and
    # "combo  -- root[2421]: ...")                                                          -> 8
    assert dict(f.reject_reasons) == {"not a syslog line": 8}
    # sed -n 1p FILE: Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure;
    # logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4
    check(
        rows[1],
        {
            "time.source": datetime(2005, 6, 14, 15, 16, 1, tzinfo=UTC),
            "source.ip": "218.188.2.4",
            "source.fqdn": None,
            "destination.fqdn": "combo",
            "classification.type": "brute-force",
            "classification.identifier": "ssh-pam-failure",
            "extra": '{"program":"sshd(pam_unix)","invalid_user":false}',
        },
    )
    # sed -n 64p FILE: ... rhost=d211-116-254-214.rev.krline.net
    check(
        rows[64],
        {
            "time.source": datetime(2005, 6, 15, 20, 5, 31, tzinfo=UTC),
            "source.ip": None,
            "source.fqdn": "d211-116-254-214.rev.krline.net",
            "classification.identifier": "ssh-pam-failure",
        },
    )
    # sed -n 2p FILE: ... sshd(pam_unix)[19937]: check pass; user unknown (no address)
    assert 2 not in rows
