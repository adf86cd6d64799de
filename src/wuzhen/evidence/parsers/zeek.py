"""Zeek (formerly Bro) logs, in both of Zeek's encodings.

Formats:

- ``zeek-tsv``: Zeek's default ASCII logs: ``#separator``, ``#set_separator``,
  ``#empty_field``, ``#unset_field``, ``#path``, ``#open``, ``#fields``, ``#types`` and
  ``#close`` header lines, then one record per line, its values split on the separator and
  named by the ``#fields`` header (Zeek 2.x to 7.x, Bro 2.x). A file may hold several logs
  one after the other, each with its own headers; the headers in force are carried from batch
  to batch. Header lines (and any other line starting with ``#``) are skipped as "zeek log
  header". Values are kept as Zeek wrote them (its ``\\xHH`` escapes are not undone).
- ``zeek-json``: JSON lines as Zeek writes them with ``LogAscii::use_json`` (flat keys such
  as ``id.orig_h``); ``ts`` as epoch seconds or ISO 8601. The log a record belongs to is its
  ``_path`` when present, otherwise it is inferred from the fields present (``INFER``:
  ``note`` -> notice, ``conn_state`` -> conn, ``method``/``uri``/``status_code`` -> http,
  ``query`` -> dns, ``auth_success``/``auth_attempts``/``client``+``server`` -> ssh, ...). A
  TSV log without ``#path`` is inferred the same way from its ``#fields``, and so is a log
  whose ``#path``/``_path`` is a site's own name (``http_outbound``) for a log of known fields.

Source: ``id.orig_h``/``id.orig_p`` (a notice: its ``src``); destination: ``id.resp_h`` /
``id.resp_p`` (a notice: ``dst`` and ``p``); ``protocol.transport`` from ``proto``;
``protocol.application`` from ``service`` (conn) or the log. ICMP "ports" (type and code) are
not ports and are left out.

Evidence (events), first matching case of ``CASES``:

- conn, ``information-gathering/scanner``, ``zeek-conn:<conn_state>``: TCP attempts where
  the originator sent a SYN, no ACK, no payload, and got no data (``history`` ``S``, ``Sr``,
  ``Sh``; ``S0``, ``REJ``, ``RSTOS0``, ``SH``, ``OTH``); UDP/ICMP flows rejected (``REJ``).
- ssh, ``brute-force``: ``auth_success`` false (``zeek-ssh:auth-failed``), or attempts with
  no success recorded (``zeek-ssh:auth-without-success``).
- http: attack requests, judged by the rules web server logs and Suricata's HTTP records are
  judged by (``_http_requests``: a request is classified and named the same whichever sensor
  saw it) on the URI (lower-cased, ``+`` and percent escapes decoded), method, status,
  User-Agent and Referer (``http:<rule>``, the rule's description as
  ``event_description.text``): log4shell, shellshock, path traversal, SQL and command
  injection, paths only exploits use (``exploit``); POSTs to ``/wp-login.php`` or
  ``/xmlrpc.php`` not answered by a redirect (``brute-force``); secret files, admin pages
  answered 4xx, script 404s, proxy probes, scanner user agents (``scanner``).
- notice, ``zeek-notice:<note>``: scans (``scanner``), password guessing (``brute-force``),
  exploits such as Heartbleed and SQL injection attackers (``exploit``), signature matches
  (``ids-alert``). Notices that describe a server, the sensor, a victim or a policy event
  are skipped (``NOTICE_SKIPS``). Any other notice, for instance from a site's own detection
  script, is an event of type ``undetermined``: a notice is the sensor's alert.
- ftp: reply 530 (``zeek-ftp:login-failed``); smtp: reply 535 (``zeek-smtp:auth-failed``);
  ntlm: ``success`` false (``zeek-ntlm:auth-failed``); kerberos: pre-authentication failed,
  unknown client or revoked client (``zeek-kerberos:<error>``); all ``brute-force``.
- rdp: a cookie naming a scanning tool (nmap, Nessus) -> ``scanner``
  (``zeek-rdp:scanner-cookie``); a negotiation or conference failure result ->
  ``brute-force`` (``zeek-rdp:<result>``).

Skipped: normal connections, TCP connections seen one way or midstream (asymmetric routing),
unanswered UDP/ICMP flows, successful logins (also WordPress logins answered by a redirect),
SSH sessions without authentication, normal HTTP requests, DNS, other FTP commands, mail
transactions, RDP connections without a failure, weirds (protocol anomalies, mostly benign:
Zeek raises a ``Weird::Activity`` notice for the ones a site cares about), every other log
type ("zeek <path> log is not evidence"), records of a log type that cannot be inferred.

Rejected: lines that are not JSON objects (json), data lines before any ``#fields`` header or
whose number of values differs from it (tsv), records whose ``ts`` is not a time (such as the
``XXXXXXXXXX.XXXXXX`` of Zeek's test baselines), evidence without a source address.

``extra`` keeps the connection ``uid`` and the technical fields of each log (states, byte
counts, reply codes, banners, user agent), never user names, passwords, cookies, mail
addresses or file names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    ParseContext,
    Parser,
    ParseResult,
    as_int,
    decode_json,
    extra_json,
    parse_time,
    reject,
    skip,
)
from wuzhen.evidence.parsers._http_requests import (
    NORMAL,
    UA_MAX,
    URLPATH_MAX,
    logged_columns,
    logged_request,
    request_rules,
)
from wuzhen.evidence.parsers._rules import Rule

PATH = "_path"
HEADER = "zeek log header"
TRUE = ["T", "true"]
FALSE = ["F", "false"]

# -- which log a record belongs to ---------------------------------------------------------

#: log -> alternatives, each a set of fields that must all be present. First match wins.
INFER: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("notice", (("note",),)),
    ("conn", (("conn_state",),)),
    ("weird", (("name", "peer"), ("name", "notice"))),
    ("sip", (("call_id",),)),
    ("http", (("method",), ("uri",), ("status_code",))),
    ("dns", (("query",), ("qtype",), ("rcode",), ("trans_id",))),
    ("ssh", (("auth_success",), ("auth_attempts",), ("client", "server"), ("kex_alg",))),
    ("kerberos", (("request_type",), ("till",))),
    ("ftp", (("reply_code",), ("command", "arg"), ("data_channel.passive",))),
    ("smtp", (("mailfrom",), ("helo",), ("rcptto",), ("last_reply",))),
    ("radius", (("framed_addr",), ("tunnel_client",), ("connect_info",))),
    ("rdp", (("cookie",), ("security_protocol",), ("keyboard_layout",), ("result",))),
    (
        "ntlm",
        (
            ("server_nb_computer_name",),
            ("server_dns_computer_name",),
            ("server_tree_name",),
            ("domainname",),
            ("success",),
        ),
    ),
    ("dce_rpc", (("endpoint",), ("operation",))),
    ("smb_mapping", (("share_type",),)),
    ("known_services", (("port_num",),)),
    ("software", (("software_type",), ("unparsed_version",))),
    ("files", (("fuid", "seen_bytes"), ("tx_hosts",), ("rx_hosts",))),
    ("ssl", (("server_name",), ("cipher",), ("validation_status",), ("established",))),
    ("x509", (("certificate.subject",), ("certificate.serial",))),
    ("dhcp", (("assigned_addr",), ("lease_time",), ("msg_types",))),
)

#: The fields the parser reads (besides those ``INFER`` looks at).
READ = (
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "conn_state",
    "history",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "orig_pkts",
    "resp_pkts",
    "auth_success",
    "auth_attempts",
    "status",  # Bro 2.0-2.3's ssh.log: the login's outcome, as guessed ("failure", "success")
    "client",
    "server",
    "method",
    "host",
    "uri",
    "referrer",
    "user_agent",
    "status_code",
    "note",
    "msg",
    "src",
    "dst",
    "p",
    "n",
    "command",
    "reply_code",
    "last_reply",
    "cookie",
    "result",
    "security_protocol",
    "success",
    "error_msg",
    "request_type",
)
WANTED: tuple[str, ...] = tuple(
    dict.fromkeys([*READ, *(k for _, alts in INFER for alt in alts for k in alt)])
)


def infer_from_names(names: set[str]) -> str | None:
    """The log a header's ``#fields`` belong to (for TSV logs without ``#path``)."""
    for path, alternatives in INFER:
        if any(all(k in names for k in alt) for alt in alternatives):
            return path
    return None


def _infer_expr() -> pl.Expr:
    """The log each record belongs to, from the fields it carries (JSON without ``_path``)."""
    expr = pl.lit(None, pl.String)
    for path, alternatives in reversed(INFER):
        present = pl.any_horizontal(
            [pl.all_horizontal([pl.col(k).is_not_null() for k in alt]) for alt in alternatives]
        )
        expr = pl.when(present).then(pl.lit(path)).otherwise(expr)
    return expr


# -- what is evidence --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Case:
    """Records of log ``path`` for which ``when`` holds: an event of ``type``, or skipped."""

    path: str
    when: pl.Expr
    type: str | None = None
    identifier: pl.Expr | None = None
    skip: str | None = None


def c(name: str) -> pl.Expr:
    return pl.col(name)


# HTTP requests are judged by the same rules, and named the same, as web server access logs
# and Suricata's HTTP records (``_http_requests``).
HTTP_RULES = request_rules(logged_request(c("method")))
HTTP_DESCRIPTIONS = {r.name: r.description for r in HTTP_RULES if r.description}


#: What a notice's message says instead of the destination's address: the owner's own host,
#: never shared (``destination.*`` stays with the owner; the description does not).
DESTINATION = "[destination]"


def _without(message: pl.Expr, destination: pl.Expr) -> pl.Expr:
    """``message`` with the address ``destination`` (where there is one) as :data:`DESTINATION`:
    Zeek's scan notices name the host scanned ("... unique ports of host 10.20.30.40")."""
    named = destination.is_not_null() & (destination != "")
    replaced = message.str.split(destination).list.join(DESTINATION)  # every occurrence
    return pl.when(named).then(replaced).otherwise(message)


def _http_case(rule: Rule) -> Case:
    if rule.skip is not None:
        return Case("http", rule.when, skip=rule.skip)
    return Case("http", rule.when, rule.type, _id(rule.name))


NOTE = c("note")
NOTICE_EVIDENCE: dict[str, list[str]] = {
    "scanner": [
        "Scan::Port_Scan",
        "Scan::Address_Scan",
        "Scan::Random_Scan",
        "Traceroute::Detected",
    ],
    "brute-force": [
        "SSH::Password_Guessing",
        "SSH::Login_By_Password_Guesser",
        "FTP::Bruteforcing",
    ],
    "exploit": [
        "HTTP::SQL_Injection_Attacker",
        "FTP::Site_Exec_Success",
        "Heartbleed::SSL_Heartbeat_Attack",
        "Heartbleed::SSL_Heartbeat_Attack_Success",
        "Heartbleed::SSL_Heartbeat_Odd_Length",
        "Heartbleed::SSL_Heartbeat_Many_Requests",
    ],
}
#: note prefix -> why such notices are skipped
NOTICE_SKIPS: dict[str, str] = {
    "SSL::": "TLS notice describes the server's certificate or settings, not abuse",
    "CaptureLoss::": "sensor status notice",
    "PacketFilter::": "sensor status notice",
    "Notice::": "sensor status notice",
    "Weird::": "protocol anomaly (weird) is not evidence by itself",
    "Conn::": "protocol anomaly (weird) is not evidence by itself",
    "Software::": "software inventory notice",
    "ProtocolDetector::": "software inventory notice",
    "DNS::External_Name": "informational notice",
    "HTTP::SQL_Injection_Victim": "the notice names the victim, not the attacker",
    "TeamCymruMalwareHashRegistry::": "the notice names the host that received malware",
    "Intel::": "intelligence match (the matched indicator may be either endpoint)",
    "SSH::Watched_Country_Login": "successful login",
    "SSH::Interesting_Hostname_Login": "successful login",
    "SMTP::": "mail policy notice",
}
TCP_ATTEMPTS = ["S0", "REJ", "RSTOS0", "RSTRH", "SH", "SHR", "OTH"]
RDP_FAILURES = [
    "SSL_REQUIRED_BY_SERVER",
    "SSL_NOT_ALLOWED_BY_SERVER",
    "SSL_CERT_NOT_ON_SERVER",
    "INCONSISTENT_FLAGS",
    "HYBRID_REQUIRED_BY_SERVER",
    "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER",
    "User rejected",
    "Resources not available",
    "Rejected for symmetry breaking",
    "Locked conference",
]
RDP_SCANNER_COOKIE = r"(?i)^(?:nmap|nessus|masscan|zgrab|.*\.nbin)$"
KERBEROS_FAILURES = [
    "KDC_ERR_PREAUTH_FAILED",
    "KDC_ERR_C_PRINCIPAL_UNKNOWN",
    "KDC_ERR_CLIENT_REVOKED",
]
TCP = c("proto") == "tcp"
ONE_SIDED = "TCP connection seen one way or midstream, not a scan (originator data or no SYN)"
ALWAYS = pl.lit(True)


def _id(prefix: str, expr: pl.Expr | None = None) -> pl.Expr:
    return pl.lit(prefix) if expr is None else pl.lit(prefix) + expr.fill_null("unknown")


HISTORY = c("history").fill_null("")
ZERO = {k: as_int(c(k), pl.Int64()).fill_null(0) == 0 for k in ("orig_bytes", "resp_bytes")}
# A scan: the originator sent a SYN, no ACK, no payload: its ``history`` holds S, no A, D or d
# (S0 "SAD" is a connection seen one way); without one, the state tells (RSTRH, SHR, OTH: no SYN).
SYN_ONLY = ZERO["orig_bytes"] & (
    HISTORY.str.contains(r"^[^ADd]*S[^ADd]*$")
    | ((HISTORY == "") & c("conn_state").is_in(["S0", "REJ", "RSTOS0", "SH"]))
)
ATTEMPT = TCP & c("conn_state").is_in(TCP_ATTEMPTS) & ZERO["resp_bytes"]
CASES: list[Case] = [
    Case("conn", ATTEMPT & SYN_ONLY, "scanner", _id("zeek-conn:", c("conn_state"))),
    Case("conn", ~TCP & (c("conn_state") == "REJ"), "scanner", _id("zeek-conn:REJ")),
    Case(
        "conn",
        ~TCP & c("conn_state").is_in(["S0", "SHR", "OTH"]),
        skip="UDP or ICMP flow without a reply (not evidence by itself)",
    ),
    Case("conn", ATTEMPT, skip=ONE_SIDED),
    Case("conn", ALWAYS, skip="normal connection"),
    Case("ssh", c("auth_success").is_in(FALSE), "brute-force", _id("zeek-ssh:auth-failed")),
    Case("ssh", c("auth_success").is_in(TRUE), skip="successful login"),
    Case("ssh", c("status") == "failure", "brute-force", _id("zeek-ssh:auth-failed")),
    Case("ssh", c("status") == "success", skip="successful login"),
    Case(
        "ssh",
        as_int(c("auth_attempts")).fill_null(0) > 0,
        "brute-force",
        _id("zeek-ssh:auth-without-success"),
    ),
    Case("ssh", ALWAYS, skip="no authentication attempt seen"),
    *(_http_case(rule) for rule in HTTP_RULES),
    Case("http", ALWAYS, skip=NORMAL),
    Case("dns", ALWAYS, skip="DNS query or answer"),
    *(
        Case("notice", NOTE.is_in(notes), kind, _id("zeek-notice:", NOTE))
        for kind, notes in NOTICE_EVIDENCE.items()
    ),
    Case("notice", NOTE.str.starts_with("Signatures::"), "ids-alert", _id("zeek-notice:", NOTE)),
    *(
        Case("notice", NOTE.str.starts_with(prefix), skip=reason)
        for prefix, reason in NOTICE_SKIPS.items()
    ),
    Case("notice", ALWAYS, "undetermined", _id("zeek-notice:", NOTE)),
    Case("weird", ALWAYS, skip="protocol anomaly (weird) is not evidence by itself"),
    Case("ftp", c("reply_code") == "530", "brute-force", _id("zeek-ftp:login-failed")),
    Case("ftp", ALWAYS, skip="FTP command (not a failed login)"),
    Case(
        "smtp", c("last_reply").str.starts_with("535"), "brute-force", _id("zeek-smtp:auth-failed")
    ),
    Case("smtp", ALWAYS, skip="mail transaction"),
    Case(
        "rdp",
        c("cookie").str.contains(RDP_SCANNER_COOKIE),
        "scanner",
        _id("zeek-rdp:scanner-cookie"),
    ),
    Case("rdp", c("result").is_in(RDP_FAILURES), "brute-force", _id("zeek-rdp:", c("result"))),
    Case("rdp", ALWAYS, skip="RDP connection without a failure"),
    Case("ntlm", c("success").is_in(FALSE), "brute-force", _id("zeek-ntlm:auth-failed")),
    Case("ntlm", c("success").is_in(TRUE), skip="successful login"),
    Case(
        "kerberos",
        c("error_msg").is_in(KERBEROS_FAILURES),
        "brute-force",
        _id("zeek-kerberos:", c("error_msg")),
    ),
    Case(
        "kerberos",
        c("error_msg") == "KDC_ERR_PREAUTH_REQUIRED",
        skip="Kerberos pre-authentication required (the normal first step)",
    ),
    Case("kerberos", c("success").is_in(TRUE), skip="successful Kerberos request"),
]
UNKNOWN_LOG = "zeek record of unknown log type (no _path and no distinguishing fields)"
#: The logs this parser knows by their fields. A ``#path`` / ``_path`` outside this set (a
#: site's own name for a filtered log, such as ``http_outbound``) is read as the log its
#: fields show, when they show one.
KNOWN = frozenset(p for p, _ in INFER)


def log_path(declared: str | None, inferred: str | None) -> str | None:
    """The log of a TSV header: its ``#path`` when known, else what its fields show."""
    if declared in KNOWN:
        return declared
    return inferred or declared


def _case(paths: set[str]) -> pl.Expr:
    """The index in ``CASES`` of the first case each record meets (null: none), for records
    of the logs ``paths``."""
    path = pl.col(PATH)
    chosen = pl.lit(None, pl.Int32)
    for i, case in reversed(list(enumerate(CASES))):
        if case.path not in paths:
            continue
        hit = (path == case.path) & case.when.fill_null(False)
        chosen = pl.when(hit).then(pl.lit(i, pl.Int32)).otherwise(chosen)
    return chosen


def _verdicts(chosen: pl.Expr, paths: set[str]) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(classification.type, classification.identifier, skip reason) from the case index, for
    records of the logs ``paths``."""
    path = pl.col(PATH)
    kinds = {i: case.type for i, case in enumerate(CASES) if case.type}
    reasons = {i: case.skip for i, case in enumerate(CASES) if case.skip}
    kind = chosen.replace_strict(kinds, default=None, return_dtype=pl.String)
    identifier = pl.lit(None, pl.String)
    for i, case in enumerate(CASES):
        if case.identifier is not None and case.path in paths:
            identifier = pl.when(chosen == i).then(case.identifier).otherwise(identifier)
    default = (
        pl.when(path.is_null())
        .then(pl.lit(UNKNOWN_LOG))
        .otherwise(pl.format("zeek {} log is not evidence", path))
    )
    reason = chosen.replace_strict(reasons, default=None, return_dtype=pl.String)
    return kind, identifier, pl.when(kind.is_null()).then(reason.fill_null(default))


# -- time --------------------------------------------------------------------------------

ISO = ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%dT%H:%M:%SZ"]
EPOCH = r"^(\d{1,11})(?:\.(\d{1,9}))?$"
MAX_SECONDS = 10**11  # past year 5000: not a Zeek time


def zeek_time(text: pl.Expr, tz: str = "UTC") -> pl.Expr:
    """``ts`` as UTC: epoch seconds (exact to the microsecond), else ISO 8601."""
    seconds = text.str.extract(EPOCH, 1).cast(pl.Int64, strict=False)
    micros = text.str.extract(EPOCH, 2).str.pad_end(6, "0").str.slice(0, 6).cast(pl.Int64)
    exact = seconds * 1_000_000 + micros.fill_null(0)
    number = text.cast(pl.Float64, strict=False)
    approx = (
        pl.when(number.is_finite() & (number >= 0) & (number < MAX_SECONDS))
        .then((number * 1_000_000).round(0))
        .cast(pl.Int64, strict=False)
    )
    epoch = pl.from_epoch(pl.coalesce(exact, approx), time_unit="us").dt.replace_time_zone("UTC")
    return pl.coalesce(epoch, parse_time(text, [*ISO, "%Y-%m-%dT%H:%M:%S%.f"], tz))


# -- records to events ---------------------------------------------------------------------


def _port(name: str) -> pl.Expr:
    icmp = c("proto").str.to_lowercase().str.starts_with("icmp").fill_null(False)
    return pl.when(~icmp).then(as_int(c(name)))


def _events(frame: pl.DataFrame) -> pl.DataFrame:
    path = c(PATH)
    notice = path == "notice"
    source = pl.when(notice).then(pl.coalesce(c("src"), c("id.orig_h"))).otherwise(c("id.orig_h"))
    same_source = c("src").is_null() | (c("src") == c("id.orig_h"))
    same_dest = c("dst").is_null() | (c("dst") == c("id.resp_h"))
    dest = pl.when(notice).then(pl.coalesce(c("dst"), c("id.resp_h"))).otherwise(c("id.resp_h"))
    dest_port = (
        pl.when(notice)
        .then(pl.coalesce(as_int(c("p")), pl.when(same_dest).then(_port("id.resp_p"))))
        .otherwise(_port("id.resp_p"))
    )
    proto = c("proto").str.to_lowercase()
    transport = (
        pl.when(proto.is_in(["tcp", "udp", "icmp"]))
        .then(proto)
        .when(proto.is_not_null())
        .then(pl.lit("other"))
        .when(path.is_in(["ssh", "http", "ftp", "smtp", "rdp"]))
        .then(pl.lit("tcp"))
    )
    service = c("service").str.split(",").list.first().str.to_lowercase()
    service = pl.when(service != "").then(service)
    application = (
        pl.when(path == "conn")
        .then(service)
        .when(path.is_in(["ssh", "http", "ftp", "smtp", "rdp", "dns", "kerberos"]))
        .then(path)
    )
    ssh = path == "ssh"
    n64 = pl.Int64()
    return frame.select(
        c(RECORD),
        c(LINE).alias("raw"),
        c("time.source"),
        source.alias("source.ip"),
        pl.when(notice.not_() | same_source).then(_port("id.orig_p")).alias("source.port"),
        dest.alias("destination.ip"),
        dest_port.alias("destination.port"),
        pl.when(path == "http").then(c("host")).alias("destination.fqdn"),
        pl.when((path == "http") & c("uri").str.starts_with("/"))
        .then(c("uri").str.slice(0, URLPATH_MAX))
        .alias("destination.urlpath"),
        transport.alias("protocol.transport"),
        application.alias("protocol.application"),
        c("classification.type"),
        c("classification.identifier"),
        pl.when(notice)
        .then(_without(c("msg"), dest))
        .when(path == "http")
        .then(
            c("classification.identifier").replace_strict(
                HTTP_DESCRIPTIONS, default=None, return_dtype=pl.String
            )
        )
        .alias("event_description.text"),
        extra_json(
            log=path,
            uid=c("uid"),
            conn_state=c("conn_state"),
            history=c("history"),
            duration=c("duration").cast(pl.Float64, strict=False),
            orig_bytes=as_int(c("orig_bytes"), n64),
            resp_bytes=as_int(c("resp_bytes"), n64),
            orig_pkts=as_int(c("orig_pkts"), n64),
            resp_pkts=as_int(c("resp_pkts"), n64),
            auth_attempts=pl.when(ssh).then(as_int(c("auth_attempts"), n64)),
            client=pl.when(ssh).then(c("client")),
            server=pl.when(ssh).then(c("server")),
            method=c("method"),
            status_code=as_int(c("status_code"), n64),
            user_agent=c("user_agent").str.slice(0, UA_MAX),
            n=pl.when(notice).then(as_int(c("n"), n64)),
            command=pl.when(path == "ftp").then(c("command")),
            reply_code=as_int(c("reply_code"), n64),
            last_reply=c("last_reply").str.slice(0, 3),
            result=pl.when(path == "rdp").then(c("result")),
            security_protocol=c("security_protocol"),
            request_type=c("request_type"),
            error_msg=pl.when(path == "kerberos").then(c("error_msg")),
        ).alias("extra"),
    )


def classify(frame: pl.DataFrame, ctx: ParseContext) -> ParseResult:
    """Records with their Zeek fields as text (null when unset) and ``_path`` -> the result."""
    frame = frame.with_columns(
        pl.lit(None, pl.String).alias(k) for k in WANTED if k not in frame.columns
    )
    frame = frame.with_columns(zeek_time(c("ts"), ctx.timezone).alias("time.source"))
    bad_time = frame.filter(c("time.source").is_null())
    frame = frame.filter(c("time.source").is_not_null())
    # only the cases of the logs present (a batch holds one log, mostly; 62 cases all
    # evaluated cost a batch of 20 records 8 ms, and every record a test for each)
    paths = set(frame[PATH].drop_nulls().unique())
    if "http" in paths:
        frame = frame.with_columns(
            logged_columns(c("uri"), c("user_agent"), c("referrer"), c("status_code"))
        )
    frame = frame.with_columns(_case(paths).alias("__case"))
    kind, identifier, reason = _verdicts(c("__case"), paths)
    frame = frame.with_columns(
        kind.alias("classification.type"),
        identifier.alias("classification.identifier"),
        reason.alias("__reason"),
    )
    skipped = frame.filter(c("classification.type").is_null())
    events = _events(frame.filter(c("classification.type").is_not_null()))
    sourceless = events["source.ip"].is_null()
    no_source = frame.filter(c("classification.type").is_not_null()).filter(sourceless)
    return ParseResult.build(
        events=events.filter(~sourceless),
        skipped=[skip(skipped, c("__reason"))],
        rejects=[
            reject(bad_time, "ts is not a Zeek time value"),
            reject(no_source, "evidence record without a source address"),
        ],
    )


# -- TSV -------------------------------------------------------------------------------------

HEX = {f"{i:02x}": chr(i) for i in range(256)}
DIRECTIVES = ("set_separator", "empty_field", "unset_field", "path", "fields")


@dataclass(slots=True)
class TsvState:
    """The headers in force, carried from batch to batch."""

    values: dict[str, str | None] = field(
        default_factory=lambda: {
            "separator": "\t",
            "set_separator": ",",
            "empty_field": "(empty)",
            "unset_field": "-",
            "path": None,
            "fields": None,
        }
    )


def _unescape(value: pl.Expr) -> pl.Expr:
    """``\\x09`` -> a tab (the ``#separator`` header's value)."""
    codes = value.str.extract_all(r"\\x[0-9A-Fa-f]{2}")
    text = codes.list.eval(
        pl.element().str.slice(2).str.to_lowercase().replace_strict(HEX, default="")
    ).list.join("")
    escaped = value.str.contains(r"^(?:\\x[0-9A-Fa-f]{2})+$")
    out = pl.when(escaped).then(text).otherwise(value)
    return pl.when(out != "").then(out)


def _headers(headers: pl.DataFrame, state: TsvState) -> pl.DataFrame:
    """The header lines, each with the headers in force after it (``__separator``, ...)."""
    line = c(LINE)
    frame = headers.with_columns(line.str.extract(r"^#([A-Za-z_]+)", 1).alias("__directive"))
    sep_value = _unescape(line.str.extract(r"^#separator[ \t](.*)$", 1))
    frame = frame.with_columns(
        pl.when(c("__directive") == "separator")
        .then(sep_value)
        .forward_fill()
        .fill_null(pl.lit(state.values["separator"], pl.String))
        .alias("__separator")
    )
    rest = line.str.strip_prefix(pl.lit("#") + c("__directive")).str.strip_prefix(c("__separator"))
    return frame.with_columns(
        pl.when(c("__directive") == name)
        .then(rest)
        .forward_fill()
        .fill_null(pl.lit(state.values[name], pl.String))
        .alias(f"__{name}")
        for name in DIRECTIVES
    )


KEYS = ["__separator", *(f"__{name}" for name in DIRECTIVES)]


def _in_force(data: pl.DataFrame, headers: pl.DataFrame, state: TsvState) -> pl.DataFrame:
    """Data lines with the headers in force at each (the last header line before it)."""
    table = headers.select(c(RECORD), c(RECORD).alias("__segment"), *KEYS)
    joined = data.sort(RECORD).join_asof(table, on=RECORD, strategy="backward")
    before = {"__separator": state.values["separator"]}
    before |= {f"__{name}": state.values[name] for name in DIRECTIVES}
    return joined.with_columns(
        c("__segment").fill_null(0),
        *(c(k).fill_null(pl.lit(v, pl.String)) for k, v in before.items()),
    )


def _split(group: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Data lines under one header: (records with named columns, records to reject)."""
    keys = group.row(0, named=True)
    sep: str = keys["__separator"]
    names = keys["__fields"].split(sep)
    index: dict[str, int] = {}
    for i, name in enumerate(names):  # the header's fields, not records
        index.setdefault(name, i)
    path = log_path(keys["__path"], infer_from_names(set(names)))
    fits = c(LINE).str.count_matches(sep, literal=True) == len(names) - 1
    bad = group.filter(~fits)
    good = group.filter(fits).with_columns(
        c(LINE).str.split_exact(sep, len(names) - 1).alias("__v")
    )
    unset, empty = keys["__unset_field"], keys["__empty_field"]
    columns = []
    for name in WANTED:  # a loop over columns
        if name not in index:
            continue
        v = c("__v").struct.field(f"field_{index[name]}")
        columns.append(
            pl.when(v == unset)
            .then(None)
            .when(v == empty)
            .then(pl.lit(""))
            .otherwise(v)
            .alias(name)
        )
    named = good.select(c(RECORD), c(LINE), pl.lit(path, pl.String).alias(PATH), *columns)
    return named, bad


class ZeekTsv(Parser):
    name = "zeek-tsv"
    title = "Zeek logs (TSV with #fields headers)"
    state_marker = b"\n#"  # headers

    def sniff(self, sample: list[str]) -> int:
        headers = sum(
            ln.startswith(("#separator", "#fields", "#path\t", "#types")) for ln in sample
        )
        return 95 if headers >= 2 else 0

    def new_state(self) -> TsvState:
        return TsvState()

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        assert isinstance(state, TsvState)
        is_header = c(LINE).str.starts_with("#")
        headers = _headers(records.filter(is_header), state)
        data = _in_force(records.filter(~is_header), headers, state)
        if headers.height:
            last = headers.row(headers.height - 1, named=True)
            state.values["separator"] = last["__separator"]
            state.values.update({name: last[f"__{name}"] for name in DIRECTIVES})
        orphans = data.filter(c("__fields").is_null())
        data = data.filter(c("__fields").is_not_null())
        named, bad = [], []
        for _, group in data.group_by("__segment", maintain_order=True):  # one per header
            good, wrong = _split(group)
            named.append(good)
            bad.append(wrong)
        empty = pl.DataFrame(schema={RECORD: pl.Int64, LINE: pl.String, PATH: pl.String})
        result = classify(pl.concat([empty, *named], how="diagonal_relaxed"), ctx)
        return ParseResult.build(
            events=result.events,
            skipped=[result.skipped, skip(headers, HEADER)],
            rejects=[
                result.rejects,
                reject(orphans, "data line before any #fields header"),
                *(reject(b, "number of values differs from the #fields header") for b in bad),
            ],
        )


# -- JSON ------------------------------------------------------------------------------------

SPEC = dict.fromkeys((*WANTED, PATH), "")
# a notice of a scan or of password guessing names no connection (no uid, no id.*): its note
ZEEK_KEYS = ("uid", "id.orig_h", PATH, "fuid", "peer", "port_num", "software_type", "note")


class ZeekJson(Parser):
    name = "zeek-json"
    title = "Zeek logs (JSON lines)"
    marks = ("ts",)  # the key of every record's time, never escaped

    def sniff(self, sample: list[str]) -> int:
        lines = [ln for ln in sample if ln.lstrip().startswith("{")]
        if not lines:
            return 0
        decoded = decode_json(pl.Series(lines, dtype=pl.String), SPEC)
        zeek = c("ts").is_not_null() & pl.any_horizontal([c(k).is_not_null() for k in ZEEK_KEYS])
        hits = int(decoded.fields.select(zeek.sum()).item())
        return 90 if hits * 2 >= len(sample) else 0

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        decoded = decode_json(records[LINE], SPEC)
        frame = pl.concat([records, decoded.fields], how="horizontal").with_columns(
            decoded.is_object.alias("__object")
        )
        not_object = frame.filter(~c("__object"))
        objects = frame.filter(c("__object"))
        no_ts = objects.filter(c("ts").is_null())
        zeek = objects.filter(c("ts").is_not_null())
        declared = c(PATH)
        zeek = zeek.with_columns(
            pl.when(declared.is_in(list(KNOWN)))
            .then(declared)
            .otherwise(pl.coalesce(_infer_expr(), declared))
            .alias(PATH)
        )
        result = classify(zeek, ctx)
        return ParseResult.build(
            events=result.events,
            skipped=[result.skipped],
            rejects=[
                result.rejects,
                reject(not_object, "not a JSON object"),
                reject(no_ts, "not a Zeek record (no ts)"),
            ],
        )


PARSERS: tuple[Parser, ...] = (ZeekTsv(), ZeekJson())
