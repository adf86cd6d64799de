"""OpenSSH server messages in syslog / auth.log.

Evidence (events), all ``intrusion-attempts/brute-force`` unless noted:

- ``Failed password for [invalid user] U from H port P``, ``Failed <method> for ...``
- ``Invalid user U from H [port P]``; ``User U from H not allowed because ...``
- PAM failures with the remote host: ``authentication failure; ... rhost=H``, the count of
  a session's other failures ``PAM N more authentication failures; ... rhost=H``, and
  ``error: PAM: Authentication failure for U from H``; ``ROOT LOGIN REFUSED FROM H``
- ``maximum authentication attempts exceeded for U from H``
- disconnects before authentication (``[preauth]``): ``Received disconnect from H``,
  ``Disconnected from [invalid|authenticating user U] H``, ``Disconnecting [invalid|
  authenticating user U] H port P: Too many authentication failures`` (or another reason),
  ``Connection closed/reset by ...``, ``Timeout before authentication for H``
- probes that never try to log in (``information-gathering/scanner``): ``Did not receive
  identification string from H``, and OpenSSH 8's ``Connection closed/reset by H port P``
  that replaced it (no user, no ``[preauth]``: before any key exchange); ``Bad protocol
  version identification ... from H``, ``Protocol major versions differ for H``, ``probed
  from H``/``scanned from H`` (a scanner's version string), ``Unable to negotiate with H``,
  ``banner exchange: Connection from H``, ``ssh_dispatch_run_fatal: Connection from H ...
  [preauth]`` (a packet sshd cannot read)
- OpenSSH 9.8's PerSourcePenalties: ``drop connection #N from [H]:P on ... penalty: R``, by
  the reason R: failed authentication or LoginGraceTime (``brute-force``), connections without
  authentication (``scanner``), a crash (``intrusion-attempts/exploit``)

``message repeated N times: [ ... ]`` lines are read as the message they repeat; the count is
kept in ``extra.repeated``. The rules read a message after its level (``error:``, ``fatal:``)
and Solaris' message id (``PREFIX``). A user name can hold a forged ``from ADDRESS port N``:
the source is the address sshd's own ending follows (``ENDED``), not the first ``from``.

Skipped: successful logins, session open/close, disconnects after login (sshd names the user:
``by user U H port P``), connections dropped past MaxStartups, reverse-DNS mismatch
warnings, service messages, sshd messages that carry no address (the same session's address is
logged on another line: ``Disconnecting: Too many authentication failures for U [preauth]``,
say), other programs' lines. Rejected: lines that are not syslog lines, and
evidence messages not in the documented form. See ``docs/user/formats/openssh.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    ParseContext,
    Parser,
    ParseResult,
    extra_json,
    reject,
    sample_context,
    sample_records,
    skip,
)
from wuzhen.evidence.parsers._openssh_scan import (
    NO_RULE,
    RULE_NAMES,
    UNSURE,
    Scanned,
    groups,
    scan,
)
from wuzhen.evidence.parsers._rules import RULE, Applied, Rule, apply_rules, classification
from wuzhen.evidence.parsers._syslog import (
    JOURNAL_SKIP,
    journal_markers,
    split_syslog,
    unread_reason,
)

# An address with a colon (IPv6, with the zone sshd writes after a link-local one:
# "fe80::1%eth0"), else a name or IPv4 address running to its last letter or digit: tried
# the other way round, a name that starts with hex letters ("example.com") was cut at its
# first other letter ("e").
ZONE = r"(?:%[0-9A-Za-z_.-]+)?"
HOST = (
    rf"(?P<host>[0-9A-Fa-f]*:[0-9A-Fa-f:.]*[0-9A-Fa-f]{ZONE}"
    r"|[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?)"
)
PORT = r"(?: port (?P<port>\d+))?"
# How sshd ends these messages: the port, the protocol, and nothing or ": " and more. A user
# name can hold " from ADDRESS port N": the first " from " this follows is the source, not the
# first " from " (fail2ban's test logs have such lines).
ENDED = r" port (?P<port>\d+)(?: ssh\d?)?(?:$|: )"
USER = r"(?P<invalid>(?:invalid|illegal) user )?(?P<user>.*?)"
# What sshd writes before the address once a client has named a user (its "log preamble"):
# "invalid user U" when U does not exist, "authenticating user U" when it does.
SESSION_USER = r"(?:(?P<invalid>invalid user )|authenticating user )"
# sshd(pam_unix): Linux-PAM before 0.99 named its lines after the service and the module
SSHD_PROGRAMS = ["sshd", "sshd-session", "sshd-auth", "sshd(pam_unix)"]
PAM_FAILURE = (
    r"PAM: (?:[Aa]uthentication (?:failure|error)|User not known to the underlying "
    r"authentication module) for "
)
# Read before the rules: the level OpenSSH 7+ writes before some messages, and the message id
# Solaris and illumos write before all of them (the message keeps them).
PREFIX = r"^(?:\[ID \d+ [\w.]+\] )?(?:error: |fatal: )?"

m = pl.col("msg")
PREAUTH = m.str.ends_with("[preauth]")
# pam_unix's "authentication failure; ... rhost=H" and its count of the rest of a session's
# failures, "PAM 5 more authentication failures; ... rhost=H"
AUTH_FAILURES = m.str.contains("authentication failures?;")
BANNER_CLOSED = r"^Connection (?:closed|reset) by \S+ port \d+$"
DROP = m.str.starts_with("drop connection #")
DROPPED = rf"^drop connection #\d+ from \[{HOST}\]:(?P<port>\d+) on "
RULES: list[Rule] = [
    Rule(
        "ssh-failed-password",
        m.str.starts_with("Failed password for "),
        (
            rf"^Failed password for {USER} from {HOST}{ENDED}",
            rf"^Failed password for {USER} from {HOST}{PORT}",
        ),
        type="brute-force",
    ),
    Rule(
        "ssh-failed-auth",
        m.str.starts_with("Failed "),
        (
            rf"^Failed (?P<method>\S+) for {USER} from {HOST}{ENDED}",
            rf"^Failed (?P<method>\S+) for {USER} from {HOST}{PORT}",
        ),
        type="brute-force",
    ),
    Rule(
        "ssh-invalid-user",
        m.str.starts_with("Invalid user ") | m.str.starts_with("Illegal user "),
        (
            rf"^(?P<invalid>(?:Invalid|Illegal) user )(?P<user>.*?) from {HOST}{ENDED}",
            rf"^(?P<invalid>(?:Invalid|Illegal) user )(?P<user>.*?) from {HOST}{PORT}",
        ),
        type="brute-force",
    ),
    Rule(
        "ssh-user-not-allowed",
        m.str.starts_with("User ")
        & m.str.contains(" not allowed because ", literal=True)
        & m.str.contains(" from ", literal=True),
        rf"^User (?P<user>.*?) from {HOST} not allowed",
        type="brute-force",
    ),
    Rule(
        "no-source",
        AUTH_FAILURES & m.str.contains(r"rhost=(?:\s|$)"),
        skip="sshd message without a source address",
    ),
    Rule(
        "ssh-pam-failure",
        AUTH_FAILURES & m.str.contains("rhost=", literal=True),
        r"rhost=(?P<host>\S+)",
        type="brute-force",
    ),
    Rule(
        "ssh-pam-failure",
        m.str.contains(PAM_FAILURE),
        rf"{PAM_FAILURE}{USER} from {HOST}",
        type="brute-force",
    ),
    Rule(
        "ssh-root-login-refused",
        m.str.starts_with("ROOT LOGIN REFUSED"),
        rf"FROM {HOST}{PORT}",
        type="brute-force",
    ),
    Rule(
        "ssh-max-auth-attempts",
        m.str.contains("maximum authentication attempts exceeded", literal=True),
        rf"exceeded for {USER} from {HOST}{PORT}",
        type="brute-force",
    ),
    Rule(
        "ssh-preauth-disconnect",
        PREAUTH
        & (
            m.str.contains("disconnect from ", literal=True)
            | m.str.starts_with("Disconnected from ")
            | m.str.starts_with("Disconnecting ")
            | m.str.starts_with("Connection closed by ")
            | m.str.starts_with("Connection reset by ")
        ),
        (
            # as sshd writes them: a user name may hold spaces and addresses
            r"^(?:Received disconnect from|Disconnected from|Disconnecting|"
            r"Connection (?:closed|reset) by) "
            rf"(?:{SESSION_USER}(?P<user>.*?) )?{HOST}"
            r"(?: port (?P<port>\d+))?(?:$| \[preauth\]$|:)",
            rf"(?:from|by) (?:{SESSION_USER}(?P<user>\S*) )?{HOST}{PORT}",
        ),
        type="brute-force",
    ),
    Rule(
        "ssh-preauth-timeout",
        m.str.starts_with("Timeout before authentication for "),
        rf"for (?:connection from )?{HOST}{PORT}",
        type="brute-force",
    ),
    Rule(
        "ssh-no-identification",
        m.str.starts_with("Did not receive identification string from "),
        rf"from {HOST}{PORT}",
        type="scanner",
    ),
    Rule(
        "ssh-bad-protocol",
        m.str.starts_with("Bad protocol version identification"),
        (rf"from {HOST}{ENDED}", rf"from {HOST}{PORT}"),  # the quoted banner may hold "from"
        type="scanner",
    ),
    Rule(
        "ssh-negotiation-failed",
        m.str.starts_with("Unable to negotiate with "),
        rf"with {HOST}{PORT}",
        type="scanner",
    ),
    Rule(
        "ssh-bad-banner",
        m.str.starts_with("banner exchange: Connection from "),
        rf"Connection from {HOST}{PORT}",
        type="scanner",
    ),
    # OpenSSH 8.0 and later: a client that closes or resets the connection before it sends its
    # identification string (what "Did not receive identification string" said before; sshd
    # logs "kex_exchange_identification: ..." first). Written by sshd before any key exchange
    # or login: never with "[preauth]", never with a user (after a login sshd writes "by user
    # U HOST port PORT").
    Rule(
        "ssh-no-identification",
        m.str.contains(BANNER_CLOSED),
        rf"^Connection (?:closed|reset) by {HOST} port (?P<port>\d+)$",
        type="scanner",
    ),
    # the identification of an SSH-1 client (Nmap's ssh-hostkey probes with one)
    Rule(
        "ssh-bad-protocol",
        m.str.starts_with("Protocol major versions differ for "),
        rf"^Protocol major versions differ for {HOST}{PORT}: ",
        type="scanner",
    ),
    # the client's version string is a known scanner's (sshd's compat table)
    Rule(
        "ssh-scanner-version",
        m.str.starts_with("probed from ") | m.str.starts_with("scanned from "),
        rf"^(?:probed|scanned) from {HOST}{PORT} with ",
        type="scanner",
    ),
    # a packet sshd cannot read, before authentication ("invalid format", "message
    # authentication code incorrect", ...)
    Rule(
        "ssh-preauth-protocol-error",
        PREAUTH & m.str.starts_with("ssh_dispatch_run_fatal: Connection from "),
        (
            rf"^ssh_dispatch_run_fatal: Connection from (?:{SESSION_USER}(?P<user>.*?) )?{HOST}"
            r" port (?P<port>\d+): ",
            rf"^ssh_dispatch_run_fatal: Connection from {HOST}{PORT}",
        ),
        type="scanner",
    ),
    # OpenSSH 9.8 and later (PerSourcePenalties): a new connection refused because its source
    # was penalised, for failing to log in or outstaying LoginGraceTime, for connecting without
    # trying to log in, or for crashing sshd
    Rule(
        "ssh-penalty-failed-auth",
        DROP
        & (
            m.str.ends_with(" penalty: failed authentication")
            | m.str.ends_with(" penalty: exceeded LoginGraceTime")
        ),
        DROPPED,
        type="brute-force",
    ),
    Rule(
        "ssh-penalty-no-auth",
        DROP & m.str.ends_with(" penalty: connections without attempting authentication"),
        DROPPED,
        type="scanner",
    ),
    Rule(
        "ssh-penalty-crash",
        DROP & m.str.ends_with(" penalty: caused crash"),
        DROPPED,
        type="exploit",
    ),
    Rule(
        "dropped",
        DROP,
        skip="connection dropped by sshd's limits (MaxStartups, RefuseConnection)",
    ),
    Rule("accepted", m.str.starts_with("Accepted "), skip="successful login"),
    Rule(
        "session",
        m.str.contains("session opened", literal=True)
        | m.str.contains("session closed", literal=True),
        skip="session opened or closed",
    ),
    Rule(
        "disconnect",
        (
            m.str.contains("isconnect", literal=True)
            | m.str.starts_with("Connection closed")
            | m.str.starts_with("Connection reset")
        )
        & ~PREAUTH,  # not "Disconnecting: Too many authentication failures [preauth]"
        skip="disconnect after login",
    ),
    Rule(
        "reverse-dns",
        m.str.contains("reverse mapping checking", literal=True)
        | m.str.contains("POSSIBLE BREAK-IN ATTEMPT", literal=True),
        skip="reverse DNS mismatch warning (not evidence by itself)",
    ),
    Rule(
        "service",
        m.str.starts_with("Server listening")
        | m.str.starts_with("Received signal")
        | m.str.starts_with("Starting ")
        | m.str.starts_with("Exiting "),
        skip="sshd service message",
    ),
    Rule(
        "no-address",
        ~m.str.contains(r"\d+\.\d+\.\d+\.\d+|[0-9A-Fa-f]*:[0-9A-Fa-f]*:|from \S|rhost=\S"),
        skip="sshd message without a source address (its session's address is on another line)",
    ),
]
TYPE = classification(RULES)
UNMATCHED = "sshd message not recognised as evidence"
MESSAGE = "__message"  # the message as logged, while the rules read it without PREFIX
REPEATED = r"^message repeated (\d+) times: \[ ?(.*)\]$"  # syslog's: N, and the message
IS_IP = rf"^(?:\d{{1,3}}(?:\.\d{{1,3}}){{3}}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*{ZONE})$"


class OpenSSH(Parser):
    name = "openssh"
    yearless = True  # BSD syslog headers
    title = "OpenSSH server (syslog / auth.log)"
    marks = ("sshd",)  # in each of SSHD_PROGRAMS

    def sniff(self, sample: list[str]) -> int:
        frame = sample_records(sample)
        if frame.height == 0:
            return 0
        parsed = split_syslog(frame, sample_context())
        syslog = parsed.filter(pl.col("syslog_ok"))
        if syslog.height * 2 < frame.height:
            return 0
        sshd = syslog.filter(pl.col("prog").is_in(SSHD_PROGRAMS)).height
        if sshd == 0:
            return 10
        return min(95, 50 + 50 * sshd // syslog.height)

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        parsed = split_syslog(records, ctx)
        markers, not_syslog = journal_markers(parsed.filter(~pl.col("syslog_ok")))
        lines = parsed.filter(pl.col("syslog_ok"))
        other = lines.filter(~pl.col("prog").is_in(SSHD_PROGRAMS))
        sshd = lines.filter(pl.col("prog").is_in(SSHD_PROGRAMS))
        applied = classify(sshd)
        ev = applied.events
        host_is_ip = pl.col("host").str.contains(IS_IP)
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            pl.col("time.source"),
            pl.when(host_is_ip).then(pl.col("host")).alias("source.ip"),
            pl.when(~host_is_ip).then(pl.col("host")).alias("source.fqdn"),
            pl.col("port").cast(pl.Int32, strict=False).alias("source.port"),
            pl.col("log_host").alias("destination.fqdn"),
            pl.lit("tcp").alias("protocol.transport"),
            pl.lit("ssh").alias("protocol.application"),
            TYPE.alias("classification.type"),
            pl.col(RULE).alias("classification.identifier"),
            pl.col("msg").alias("event_description.text"),
            extra_json(
                program=pl.col("prog"),
                invalid_user=pl.col("invalid").is_not_null(),
                method=pl.col("method"),
                repeated=pl.col("repeated"),
            ).alias("extra"),
        )
        return ParseResult.build(
            events=events,
            skipped=[
                applied.skipped,
                skip(other, "not an sshd message"),
                skip(markers, JOURNAL_SKIP),
            ],
            rejects=[applied.rejects, reject(not_syslog, unread_reason("not a syslog line"))],
        )


def classify(sshd: pl.DataFrame) -> Applied:
    """:data:`RULES` applied to sshd messages: by the compiled scanner where it is sure (of a
    ``message repeated N times: [ ... ]``, of the message it repeats), by the rule table (the
    reference) for the rest. Events carry every group of the rules' expressions and
    ``repeated``."""
    scanned = scan(sshd["msg"])
    sure = scanned.rule != UNSURE
    read = [_read(sshd.with_columns(pl.lit(None, pl.Int64).alias("repeated")), scanned, sure)]
    if not sure.all():
        unsure = sshd.filter(pl.Series(~sure))
        # syslog's "message repeated N times: [ ... ]": the message it repeats, scanned too
        # (the rule table's fixed cost is most of a batch's when it reads only these)
        repeats = _unrepeated(unsure)
        again = scan(repeats["msg"])
        sure = (again.rule != UNSURE) & repeats["msg"].ne_missing(unsure["msg"]).to_numpy()
        read.append(_read(repeats, again, sure))
        if not sure.all():
            read.append(reference(unsure.filter(pl.Series(~sure))))
    return Applied(
        pl.concat([r.events for r in read], how="diagonal_relaxed"),
        pl.concat([r.skipped for r in read]),
        pl.concat([r.rejects for r in read]),
    )


def _read(sshd: pl.DataFrame, scanned: Scanned, sure: npt.NDArray[np.bool_]) -> Applied:
    """The messages of ``sshd`` the scanner is ``sure`` of, as it read them."""
    rows = np.flatnonzero(sure)
    rule = scanned.rule[rows]
    event = np.isin(rule, _EVENT_RULES)
    taken = rows[event]
    events = sshd[taken].with_columns(
        _NAMES.gather(rule[event]).alias(RULE),
        *(pl.Series(g, values) for g, values in groups(scanned, taken).items()),
    )
    not_event = rows[~event]
    skipped = sshd.select(RECORD)[not_event].with_columns(
        _SKIP_REASONS.gather(np.where(rule[~event] == NO_RULE, len(RULES), rule[~event]))
    )
    return Applied(events, skipped, reject(sshd.clear(), ""))


def _unrepeated(sshd: pl.DataFrame) -> pl.DataFrame:
    """``message repeated N times: [ ... ]`` read as the message it repeats (N in
    ``repeated``)."""
    repeated = pl.col("msg").str.extract(REPEATED, 1)
    return sshd.with_columns(
        repeated.cast(pl.Int64, strict=False).alias("repeated"),
        pl.when(repeated.is_not_null())
        .then(pl.col("msg").str.extract(REPEATED, 2))
        .otherwise(pl.col("msg"))
        .alias("msg"),
    )


def reference(sshd: pl.DataFrame) -> Applied:
    """:data:`RULES` applied by the rule table to the message after :data:`PREFIX`, and
    ``message repeated N times: [ ... ]`` read as the message it repeats."""
    sshd = _unrepeated(sshd)
    sshd = sshd.with_columns(
        pl.col("msg").alias(MESSAGE), pl.col("msg").str.replace(PREFIX, "").alias("msg")
    )
    applied = apply_rules(sshd, RULES, "msg", unmatched_skip=UNMATCHED)
    events = applied.events.with_columns(pl.col(MESSAGE).alias("msg")).drop(MESSAGE)
    return Applied(events, applied.skipped, applied.rejects)


if tuple(r.name for r in RULES) != RULE_NAMES:
    msg = "openssh.RULES and the compiled scanner's RULE_NAMES differ"
    raise AssertionError(msg)
_NAMES = pl.Series(RULE, RULE_NAMES)
_EVENT_RULES = np.array([i for i, r in enumerate(RULES) if r.type is not None], np.int32)
# the reason of each skip rule, then of no rule at all
_SKIP_REASONS = pl.Series("reason", [r.skip for r in RULES] + [UNMATCHED], pl.String)

PARSERS: tuple[Parser, ...] = (OpenSSH(),)
