"""sshd messages: the compiled scanner classifies them exactly as the rule table does.

The rule table (``openssh.reference``: ``RULES`` through ``apply_rules``) is the reference.
Each case is classified both ways; events (their rule and every captured group), skipped
records (their reasons) and rejects must be equal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from wuzhen.evidence.parsers import openssh
from wuzhen.evidence.parsers._base import LINE, RECORD, ParseContext
from wuzhen.evidence.parsers._openssh_scan import UNSURE, scan
from wuzhen.evidence.parsers._rules import Applied
from wuzhen.evidence.parsers.openssh import OpenSSH, classify, reference

NOW = datetime(2026, 6, 15, tzinfo=UTC)

MESSAGES = [
    # failed passwords and methods
    "Failed password for root from 1.2.3.4 port 22 ssh2",
    "Failed password for root from 1.2.3.4",
    "Failed password for root from 1.2.3.4 port ssh2",
    "Failed password for invalid user admin from 1.2.3.4 port 22 ssh2",
    "Failed password for illegal user admin from 1.2.3.4 port 22 ssh2",
    "Failed password for invalid user from 1.2.3.4 port 22 ssh2",
    "Failed password for invalid user  from 1.2.3.4 port 22 ssh2",
    "Failed password for  from 1.2.3.4 port 22 ssh2",
    "Failed password for user from home from 1.2.3.4 port 22 ssh2",
    "Failed password for a from : from 1.2.3.4 port 22 ssh2",
    "Failed password for a from ::1 port 22 ssh2",
    "Failed password for a from :: port 22 ssh2",
    "Failed password for root from 2001:db8::1 port 22 ssh2",
    "Failed password for root from ::ffff:192.0.2.1 port 22 ssh2",
    "Failed password for root from fe80::1%eth0 port 22 ssh2",
    "Failed password for root from fe80::1%eth0.5-x port 22 ssh2",
    "Failed password for root from fe80::1% port 22 ssh2",
    "Failed password for root from fe80::1%%eth0 port 22 ssh2",
    "Failed password for root from fe80::1.%eth0 port 22 ssh2",
    "Invalid user bob from fe80::1%eth0 port 22",
    "Invalid user bob from fe80::1%eth0",
    "Connection closed by fe80::1%eth0 port 22 [preauth]",
    "Connection closed by invalid user bob fe80::1%eth0 port 22 [preauth]",
    "Disconnected from fe80::1%eth0: 11: Bye [preauth]",
    "Failed password for root from example.com port 22 ssh2",
    "Failed password for root from deadbeef.example.com port 22 ssh2",
    "Failed password for root from host-1.example.com. port 22 ssh2",
    "Failed password for root from host_1.example.com port 22 ssh2",
    "Failed password for root from 1.2.3.4. port 22 ssh2",
    "Failed password for root from beef: 11",
    "Failed password for root from -x port 22",
    "Failed password for root",
    "Failed password for ",
    "Failed publickey for root from 1.2.3.4 port 22 ssh2: RSA SHA256:abc",
    "Failed none for invalid user test from 1.2.3.4 port 22 ssh2",
    "Failed keyboard-interactive/pam for invalid user x from 1.2.3.4 port 22 ssh2",
    "Failed  for root from 1.2.3.4",
    "Failed publickey",
    "Failed publickey for root",
    "Failed password for root from 1.2.3.4 port 22\tssh2",
    # invalid users
    "Invalid user admin from 1.2.3.4 port 22",
    "Invalid user admin from 1.2.3.4",
    "Illegal user admin from 1.2.3.4",
    "Invalid user  from 1.2.3.4",
    "Invalid user from 1.2.3.4",
    "Invalid user a from b from 1.2.3.4",
    "Invalid user x",
    "User root from 1.2.3.4 not allowed because not listed in AllowUsers",
    "User root from 1.2.3.4 not allowed because",
    # PAM
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
    "rhost=1.2.3.4  user=root",
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
    "rhost=host.example.com",
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=",
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
    "rhost= user=root",
    "pam_unix(sshd:auth): authentication failure; rhost=1.2.3.4 rhost= user=root",
    "pam_unix(sshd:auth): authentication failure; rhost=rhost=1.2.3.4",
    "pam_unix(sshd:auth): authentication failure; logname= uid=0",
    "pam_unix(sshd:auth): check pass; user unknown",
    "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4",
    "PAM 1 more authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4",
    "PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost= ",
    "pam_unix(sshd:auth): 2 more authentication failures; logname= uid=0 euid=0 tty=ssh "
    "ruser= rhost=host.example.com  user=root",
    "uthentication failures; rhost=1.2.3.4",
    "authentication failures; rhost=1.2.3.4",
    "authentication failures;",
    "authentication failuress; rhost=1.2.3.4",
    "PAM service(sshd) ignoring max retries; 6 > 3",
    "error: PAM: Authentication failure for root from 1.2.3.4",
    "error: PAM: Authentication failure for illegal user x from example.com",
    "ROOT LOGIN REFUSED FROM 1.2.3.4",
    "error: maximum authentication attempts exceeded for root from 1.2.3.4 port 22 ssh2 [preauth]",
    # disconnects
    "Received disconnect from 1.2.3.4: 11: Bye Bye [preauth]",
    "Received disconnect from 1.2.3.4 port 22:11: Bye Bye [preauth]",
    "Received disconnect from 1.2.3.4: 11: Bye Bye",
    "error: Received disconnect from 1.2.3.4: 3: com.jcraft.jsch.JSchException: Auth fail "
    "[preauth]",
    "Disconnected from invalid user admin 1.2.3.4 port 22 [preauth]",
    "Disconnected from authenticating user root 1.2.3.4 port 22 [preauth]",
    "Disconnected from authenticating user root  [preauth]",
    "Disconnected from invalid user [preauth]",
    "Disconnected from 1.2.3.4 port 22 [preauth]",
    "Disconnected from user root 1.2.3.4 port 22",
    "Disconnecting invalid user xxx 1.2.3.4 port 49941: Too many authentication failures [preauth]",
    "Disconnecting authenticating user root 2001:db8::1 port 22: Too many authentication "
    "failures [preauth]",
    "Disconnecting invalid user admin 1.2.3.4 port 44004: Change of username or service not "
    "allowed: (admin,ssh-connection) -> (user,ssh-connection) [preauth]",
    "Disconnecting: Too many authentication failures for root [preauth]",
    "Disconnecting: Too many authentication failures [preauth]",
    "Disconnecting: Too many authentication failures for root",
    "Disconnecting invalid user admin [preauth]",
    "Disconnecting 1.2.3.4 port 22: Bye [preauth]",
    "Connection closed by 1.2.3.4 [preauth]",
    "Connection closed by 1.2.3.4 port 22 [preauth]",
    "Connection closed by authenticating user root 1.2.3.4 port 22 [preauth]",
    "Connection closed by invalid user  1.2.3.4 port 22 [preauth]",
    "Connection closed by ruby  from 1.2.3.4 [preauth]",
    "Connection reset by 1.2.3.4 port 22 [preauth]",
    "Connection closed by 1.2.3.4",
    "Connection reset by peer",
    "Received disconnect from : 11: [preauth]",
    "Timeout before authentication for 1.2.3.4 port 22",
    "Did not receive identification string from 1.2.3.4",
    "Did not receive identification string from 1.2.3.4 port 22",
    "Did not receive identification string from unknown",
    "Did not receive identification string from  x",
    "Bad protocol version identification 'GET / HTTP/1.1' from 1.2.3.4 port 22",
    "Unable to negotiate with 1.2.3.4 port 22: no matching key exchange method found.",
    "banner exchange: Connection from 1.2.3.4 port 22: invalid format",
    # OpenSSH 8+: closed or reset before the identification string (no user, no [preauth])
    "Connection closed by 198.51.100.8 port 40001",
    "Connection reset by 198.51.100.11 port 40005",
    "Connection closed by 2001:db8::5 port 40001",
    "Connection closed by host.example.com port 40001",
    "Connection closed by fe80::1%eth0 port 40001",
    "Connection closed by -x port 40001",
    "Connection closed by 1.2.3.4 port 40001 ",
    "Connection closed by 1.2.3.4 port ",
    "Connection closed by 1.2.3.4 port 22x",
    "Connection closed by  port 22",
    "Connection closed by user alice 1.2.3.4 port 22",
    "Connection reset by user alice 2001:db8::5 port 22",
    "error: Connection reset by 1.2.3.4 port 22",
    "Connection closed by 1.2.3.4\tport 22",
    # other probes
    "error: Protocol major versions differ for 203.0.113.52 port 5003: SSH-2.0-OpenSSH_9.6 vs. "
    "SSH-1.5-Nmap-SSH1-Hostkey",
    "Protocol major versions differ for 203.0.113.52: SSH-2.0-OpenSSH_5.3 vs. SSH-1.5-Nmap",
    "Protocol major versions differ for x",
    "probed from 1.2.3.4 port 22 with SSH-2.0-Probe-x.  Don't panic.",
    "scanned from 1.2.3.4 with SSH-1.0-SSH_Version_Mapper.  Don't panic.",
    "ssh_dispatch_run_fatal: Connection from 203.0.113.50 port 5001: invalid format [preauth]",
    "ssh_dispatch_run_fatal: Connection from 203.0.113.51 port 5002: message authentication "
    "code incorrect [preauth]",
    "ssh_dispatch_run_fatal: Connection from invalid user x y 2001:db8::1 port 5: incomplete "
    "message [preauth]",
    "ssh_dispatch_run_fatal: Connection from authenticating user root 1.2.3.4 port 5: invalid "
    "format [preauth]",
    "ssh_dispatch_run_fatal: Connection from user alice 1.2.3.4 port 5: invalid format",
    "ssh_dispatch_run_fatal: Connection from : x [preauth]",
    # OpenSSH 9.8+ PerSourcePenalties
    "drop connection #0 from [203.0.113.9]:41234 on [192.0.2.1]:22 penalty: failed authentication",
    "drop connection #3 from [2001:db8::9]:41234 on [2001:db8::1]:22 penalty: exceeded "
    "LoginGraceTime",
    "drop connection #1 from [203.0.113.9]:41234 on [192.0.2.1]:22 penalty: connections without "
    "attempting authentication",
    "drop connection #1 from [203.0.113.9]:41234 on [192.0.2.1]:22 penalty: caused crash",
    "drop connection #1 from [2001:db8::9]:41234 on [2001:db8::1]:22 past MaxStartups",
    "drop connection #1 from [203.0.113.9]:41234 on [192.0.2.1]:22 penalty: connection "
    "prohibited by RefuseConnection",
    "drop connection #x from 1.2.3.4 penalty: failed authentication",
    "srclimit_penalise: ipv4: new 203.0.113.21/32 deny for penalty authfail for 600s",
    # skipped
    "Accepted password for root from 1.2.3.4 port 22 ssh2",
    "pam_unix(sshd:session): session opened for user root by (uid=0)",
    "pam_unix(sshd:session): session closed for user root",
    "Received disconnect from 10.0.0.5 port 22:11: disconnected by user",
    "reverse mapping checking getaddrinfo for x.example.com [1.2.3.4] failed - POSSIBLE "
    "BREAK-IN ATTEMPT!",
    "Address 1.2.3.4 maps to x.example.com, but this does not map back to the address - "
    "POSSIBLE BREAK-IN ATTEMPT!",
    "Server listening on 0.0.0.0 port 22.",
    "Received signal 15; terminating.",
    "input_userauth_request: invalid user admin [preauth]",
    "fatal: Read from socket failed: Connection reset by peer [preauth]",
    "subsystem request for sftp by user root",
    "Connection from 1.2.3.4 port 22 on 10.0.0.1 port 22",
    "error: connect_to 10.0.0.1 port 22: failed.",
    "key: fe80::1:2:",
    "x 1.2.3",
    "rhost=x",
    "",
    # user names that hold " from ADDRESS port N" (log injection), and what sshd writes after
    "Failed password for invalid user from 10.10.1.1 from 127.0.0.1 port 58946 ssh2",
    "Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port "
    "58946 ssh2",
    "Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port "
    "55555 ssh2",
    "Failed password for user from 127.0.0.1 port 20000 ssh1: ruser from 1.2.3.4",
    "Failed password for x from 1.2.3.4 port 22 ssh22",
    "Failed password for x from 1.2.3.4 port 22 sshx",
    "Failed password for x from 1.2.3.4 port 22 ssh",
    "Failed password for x from 1.2.3.4 port 22:",
    "Failed password for x from a:b-c port 22",
    "Failed password for x from a:b-c port 22 ssh2",
    "Failed password for x from 1.2.3.4 port 5 from 5.6.7.8 port 6",
    "Failed password for invalid user from from 5.6.7.8 port 6 ssh2",
    "Invalid user a from 10.0.0.1 port 1 from 127.0.0.1 port 2",
    "Invalid user a from 10.0.0.1 from 127.0.0.1",
    "Connection closed by authenticating user test 127.0.0.1 192.0.2.11 port 46039 [preauth]",
    "Connection closed by authenticating user test 127.0.0.1 port 12345 192.0.2.11 port 46039 "
    "[preauth]",
    "Disconnected from invalid user a 6.6.6.6 1.2.3.4 port 5 [preauth]",
    "Received disconnect from 1.2.3.4: 11: by 5.6.7.8 port 9: [preauth]",
    "Received disconnect from a:b:c.x: 11: Bye [preauth]",
    "Received disconnect from 1:2.x: 11: Bye [preauth]",
    "Received disconnect from fe80::1:22:11: Bye [preauth]",
    "Received disconnect from 1.2.3.4 port 22 [preauth] [preauth]",
    "Received disconnect from 1.2.3.4 port x [preauth]",
    "Connection reset by 1.2.3.4 port 22 [preauth]",
    "Connection closed by 1.2.3.4 port 22 extra [preauth]",
    "Bad protocol version identification 'x from 192.0.2.1' from 69.61.56.115 port 39833",
    # a level or a message id before the message
    "error: Failed password for root from 1.2.3.4 port 22 ssh2",
    "fatal: Timeout before authentication for 1.2.3.4 port 22",
    "Timeout before authentication for connection from 192.0.2.17 to 127.0.0.1, pid = 29098",
    "fatal: Unable to negotiate with 1.2.3.4 port 5: no matching key exchange method found.",
    "fatal: error: Failed password for root from 1.2.3.4",
    "error: PAM: authentication error for james from 1.2.3.4 via 192.168.1.201",
    "error: PAM: User not known to the underlying authentication module for illegal user x "
    "from 10.1.2.3",
    "PAM: nothing",
    "User root not allowed because account is locked",
    "[ID 800047 auth.info] Failed keyboard-interactive for <invalid username> from 1.2.3.4 "
    "port 22 ssh2",
    "error: message repeated 2 times: [ Invalid user x from 1.2.3.4]",
    # left to the rule table
    "message repeated 3 times: [ Failed password for root from 1.2.3.4 port 22 ssh2]",
    "message repeated 2 times: [ Invalid user x from 1.2.3.4]",
    "Failed password for ünïcödé from 1.2.3.4 port 22 ssh2",
    "Invalid user admin from 1.2.3.4\u00a0port 22",
]


def _frame(messages: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            RECORD: range(1, len(messages) + 1),
            LINE: [f"Jan  5 01:31:41 host sshd[1]: {m}" for m in messages],
            "msg": messages,
        },
        schema={RECORD: pl.Int64, LINE: pl.String, "msg": pl.String},
    )


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(sorted(frame.columns)).sort(RECORD)


def _same(got: Applied, want: Applied) -> None:
    assert_frame_equal(_sorted(got.events), _sorted(want.events))
    assert_frame_equal(_sorted(got.skipped), _sorted(want.skipped))
    assert_frame_equal(_sorted(got.rejects), _sorted(want.rejects))


def _same_as_reference(sshd: pl.DataFrame) -> None:
    _same(classify(sshd), reference(sshd))


@pytest.mark.parametrize("message", MESSAGES)
def test_each_message_is_classified_as_the_rule_table_does(message: str) -> None:
    _same_as_reference(_frame([message]))


def test_all_messages_together() -> None:
    _same_as_reference(_frame(MESSAGES))


def test_the_scanner_reads_common_messages_itself() -> None:
    """The fast path is taken, not only the fallback, for the messages of a real auth.log."""
    common = [
        "Failed password for root from 1.2.3.4 port 22 ssh2",
        "Failed password for invalid user admin from 2001:db8::1 port 22 ssh2",
        "Failed publickey for root from 1.2.3.4 port 22 ssh2: RSA SHA256:abc",
        "Invalid user admin from 1.2.3.4 port 22",
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
        "rhost=1.2.3.4  user=root",
        "pam_unix(sshd:auth): check pass; user unknown",
        "Received disconnect from 1.2.3.4 port 22:11: Bye Bye [preauth]",
        "error: Received disconnect from 1.2.3.4: 14: No more user authentication methods "
        "available. [preauth]",
        "Connection closed by authenticating user root 1.2.3.4 port 22 [preauth]",
        "Did not receive identification string from 1.2.3.4",
        "Connection closed by 1.2.3.4 port 22",
        "Connection reset by 2001:db8::1 port 22",
        "input_userauth_request: invalid user admin [preauth]",
        "Accepted password for root from 1.2.3.4 port 22 ssh2",
    ]
    assert (scan(_frame(common)["msg"].to_arrow()).rule != UNSURE).all()
    left = MESSAGES[-4:]
    assert (scan(_frame(left)["msg"].to_arrow()).rule == UNSURE).all()


def test_no_message_and_null_messages() -> None:
    _same_as_reference(_frame([]))
    frame = _frame(["x", "y"]).with_columns(pl.lit(None, pl.String).alias("msg"))
    assert (scan(frame["msg"].to_arrow()).rule == UNSURE).all()


def test_a_source_name_is_read_whole() -> None:
    """A host name starting with hex letters was cut at its first other letter ("e")."""
    names = ["example.com", "deadbeef.example.com", "host-1.example.com"]
    frame = _frame([f"Failed password for root from {n} port 22 ssh2" for n in names])
    events = OpenSSH().parse(frame.drop("msg"), None, ParseContext(now=NOW)).events.sort(RECORD)
    assert events["source.fqdn"].to_list() == [
        "example.com",
        "deadbeef.example.com",
        "host-1.example.com",
    ]
    assert events["source.port"].to_list() == [22, 22, 22]


def test_repeated_messages_are_read_by_the_scanner(monkeypatch: pytest.MonkeyPatch) -> None:
    """syslog's "message repeated N times: [ ... ]" of a message the scanner reads is read by
    it too, as the rule table reads it (which is left only what the scanner is not sure of)."""
    repeated = [
        "message repeated 3 times: [ Failed password for root from 1.2.3.4 port 22 ssh2]",
        "message repeated 2 times: [ Invalid user x from 1.2.3.4]",
        "message repeated 2 times: [ pam_unix(sshd:auth): check pass; user unknown]",
        "message repeated 12 times: [Received disconnect from 1.2.3.4: 11: Bye Bye [preauth]]",
        # a count past 64 bits: the message it repeats, and no count (as the rule table reads)
        "message repeated 99999999999999999999 times: [ Invalid user x from 1.2.3.4]",
    ]
    unsure = [
        "message repeated 2 times: [ message repeated 2 times: [ Invalid user x from 1.2.3.4]]",
        "message repeated 2 times: [ Failed password for ünïcödé from 1.2.3.4 port 22 ssh2]",
    ]
    sshd = _frame(repeated + unsure)
    want = reference(sshd)
    left: list[str] = []

    def rule_table(frame: pl.DataFrame) -> Applied:
        left.extend(frame["msg"].to_list())
        return reference(frame)

    monkeypatch.setattr(openssh, "reference", rule_table)
    got = classify(sshd)
    _same(got, want)
    assert left == unsure
    assert got.events.sort(RECORD)["repeated"].to_list() == [3, 2, 12, None, 2]


PIECES = st.sampled_from(
    [
        "Failed ", "password ", "for ", "Invalid ", "Illegal ", "invalid ", "illegal ",
        "authenticating ", "user ", "User ", " not allowed because ", "from ", " from ", "by ",
        "ruby ", "1.2.3.4", "10.0.0.1:", "::1", "2001:db8::", ":", "::", "deadbeef", "example",
        ".com", ".", "-", "_", " port ", "22", " ", "  ", "\t", "root", "x", "[preauth]",
        "authentication failure;", "rhost=", "PAM: Authentication failure for ", "Received ",
        "disconnect from ", "Disconnected from ", "Connection closed by ", "Connection reset by ",
        "Did not receive identification string from ", "Timeout before authentication for ",
        "Accepted ", "session opened", "isconnect", "reverse mapping checking", "Starting ",
        "message repeated 2 times: [ ", "]", "é", "\u00a0", "9", "a:b:", "ROOT LOGIN REFUSED",
        "error: ", "fatal: ", "[ID 1 auth.info] ", "PAM: ", "Timeout ", "connection from ",
        " ssh2", " ssh", ": ", "ssh1", " port 5", " from 127.0.0.1 port 9 ssh2", " [preauth]",
        "Received disconnect from ", "a:b:c.", "Bye",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(PIECES, max_size=12).map("".join), min_size=1, max_size=20))
def test_random_messages_are_classified_as_the_rule_table_does(messages: list[str]) -> None:
    _same_as_reference(_frame(messages))


CORPUS_FILES = [
    "syslog/loghub/OpenSSH_2k.log",
    "syslog/fail2ban_testlogs/sshd",
    "syslog/fail2ban_testlogs/sshd-journal",
]


@pytest.mark.corpus
@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_messages_are_classified_as_the_rule_table_does(corpus: Path, name: str) -> None:
    """Every sshd message of the corpus' auth.log and of fail2ban's sshd test logs (syslog and
    journal forms, with many variants of each message)."""
    lines = pl.Series((corpus / name).read_text(encoding="utf-8", errors="replace").splitlines())
    messages = lines.str.extract(r"\bsshd(?:-session|-auth)?(?:\[\d+\])?: ?(.*)$").drop_nulls()
    assert messages.len() > 100
    _same_as_reference(_frame(messages.to_list()))
