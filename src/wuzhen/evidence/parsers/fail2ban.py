"""fail2ban's own log (``/var/log/fail2ban.log``), in the layouts fail2ban writes it.

Supported layouts: fail2ban 0.10 to 1.x (``2021-11-25 08:27:05,435 fail2ban.filter
[18937]: INFO    [sshd] Found 203.0.113.5 - 2021-11-25 08:27:05``), 0.9
(``fail2ban.actions[123]: NOTICE [sshd] Ban ...``), 0.8 (``fail2ban.actions: WARNING [ssh] Ban
...``, ``fail2ban.server : INFO ...``), the same messages through syslog (``Jan 16 17:11:25 host
fail2ban.actions[6605]: NOTICE ...``, ``... fail2ban-server[11524]: fail2ban.actions [11524]:
NOTICE ...``), a syslog or journal line holding fail2ban's whole line (systemd with ``logtarget =
STDOUT``: ``... fail2ban-server[123]: 2021-11-25 08:27:19,123 fail2ban.actions [123]: NOTICE
...``, read at fail2ban's own time) and the short journal form (``host fail2ban[15699]: [jail]
Ban ...``, which carries no time). fail2ban writes local time without a zone: it is read in
the ingest's time zone (``--timezone``).

Evidence: ``[JAIL] Found ADDR`` (a failure fail2ban's filter matched; its own `` - TIME`` is the
event's time when present) and ``[JAIL] Ban ADDR``. ``classification.identifier`` is
``fail2ban:<jail>:found`` or ``fail2ban:<jail>:ban``; ``classification.type`` and
``protocol.application`` follow from the jail's name (:data:`JAIL_TYPES`, :data:`JAIL_APPS`):
ssh jails and login jails are ``brute-force``, bot and probe jails ``scanner``, exploit jails
(shellshock, overflows, ...) ``exploit``, mail relay and RBL jails ``spam``, request-rate jails
``dos``, ``recidive`` (repeat offenders banned again) ``blacklist``; a jail name that says
nothing is ``undetermined``. The jail is kept in ``extra.jail``.

Skipped: ``Unban`` (a ban lifted), ``Restore Ban`` (a ban re-applied from fail2ban's database
at restart: its ``Ban`` was logged before), ``Increase Ban`` and ``already banned`` (repeats
for an address already banned), the observer's ``Found ADDR, bad - ...`` re-counts, ``Ignore``
(addresses on the ignore list), service messages (start, stop, jail and log file set-up,
options, errors), and other programs' syslog lines. Rejected: lines in none of these layouts,
and ``Found``/``Ban`` messages whose address is not an address.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    ParseContext,
    Parser,
    ParseResult,
    extra_json,
    parse_time,
    reject,
    sample_context,
    skip,
)
from wuzhen.evidence.parsers._rules import RULE, Rule, apply_rules
from wuzhen.evidence.parsers._syslog import (
    JOURNAL_SKIP,
    PROBLEM,
    journal_markers,
    split_syslog,
    unread_reason,
)

NATIVE = (
    r"^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:[,.](?P<frac>\d+))? +"
    r"(?P<logger>fail2ban[\w.-]*) *(?:\[\d+\])? *: +(?P<body>.*)$"
)
JOURNAL = r"^(?P<log_host>\S+) (?P<prog>fail2ban[\w.-]*)(?:\[\d+\])?: (?P<body>.*)$"
BODY = (
    r"^(?:fail2ban\.[\w.-]+ *(?:\[\d+\])? *: +)?"
    r"(?:(?:[A-Z]{3,10}|Level \d+) +)?(?P<msg>.*)$"
)
TIME_FORMATS = ["%Y-%m-%d %H:%M:%S%.f"]
ADDR = r"(?P<host>[0-9A-Fa-f:.]*[0-9A-Fa-f])"
JAIL = r"^\[(?P<jail>[^\]]+)\] "

#: classification.type by jail name (lower case), first match wins; else "undetermined".
JAIL_TYPES: tuple[tuple[str, str], ...] = (
    (r"recidive", "blacklist"),
    (r"shellshock|overflow|modsec|php-url-fopen|suhosin|exploit|sqli|traversal", "exploit"),
    (
        r"bot|noscript|nohome|scan|probe|portsentry|bad-?request|fakegoogle|named-refused"
        r"|^nsd|404",
        "scanner",
    ),
    (r"spam|rbl", "spam"),
    (r"ssh|dropbear|sasl|auth|login|(?:^|-)pam(?:$|-)|passw", "brute-force"),
    (r"postfix|postscreen|sendmail|exim|qmail|assp", "spam"),
    (r"limit-?req|ddos|flood|(?:^|-)dos(?:$|-)", "dos"),
    (r"squid|3proxy|proxy", "unauthorized-use-of-resources"),
    (
        r"ftp|dovecot|courier|cyrus|imap|pop3|sieve|perdition|asterisk|freeswitch|sip|mysql"
        r"|mongodb|mssql|postgres|webmin|roundcube|horde|squirrelmail|wordpress|wp-|drupal"
        r"|joomla|phpmyadmin|nextcloud|owncloud|gitlab|grafana|guacamole|bitwarden|vaultwarden"
        r"|monit|openhab|sogo|tine20|groupoffice|openwebmail|kerio|ejabberd|prosody|murmur"
        r"|haproxy|traefik|slapd|ldap|vnc|rdp|screensharing|proxmox|directadmin|centreon"
        r"|nagios|zoneminder|froxlor|stunnel|xinetd|selinux|counter-strike",
        "brute-force",
    ),
)
#: (protocol.application, protocol.transport) by jail name, first match wins; else unknown.
JAIL_APPS: tuple[tuple[str, str, str | None], ...] = (
    (r"ssh|dropbear", "ssh", "tcp"),
    (r"postfix|postscreen|sendmail|exim|qmail|smtp|assp", "smtp", "tcp"),
    (r"dovecot|courier|cyrus|imap|pop3|sieve|perdition", "imap", "tcp"),
    (r"ftp", "ftp", "tcp"),
    (r"asterisk|freeswitch|sip", "sip", None),
    (r"mysql", "mysql", "tcp"),
    (r"mongodb", "mongodb", "tcp"),
    (r"named|^nsd", "dns", None),
    (
        r"apache|nginx|lighttpd|php|suhosin|http|web|wordpress|wp-|drupal|joomla|roundcube"
        r"|horde|squirrelmail|phpmyadmin|nextcloud|owncloud|gitlab|grafana|guacamole"
        r"|bitwarden|openhab|sogo|traefik|haproxy|tine20|groupoffice|openwebmail|shellshock"
        r"|botsearch|badbots|noscript|nohome|limit-req|modsec",
        "http",
        "tcp",
    ),
)

m = pl.col("msg")
RULES: list[Rule] = [
    Rule(
        "observer-found",
        m.str.contains(r"^\[[^\]]+\] Found \S+, bad - "),
        skip="observer re-count of an address already found (not a new failure)",
    ),
    Rule(
        "found",
        m.str.contains(r"^\[[^\]]+\] Found "),
        rf"{JAIL}Found {ADDR}(?: - (?P<when>\d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}}:\d{{2}}))?\s*$",
    ),
    Rule(
        "restore-ban",
        m.str.contains(r"^\[[^\]]+\] Restore Ban "),
        skip="ban restored at restart (its Ban was logged before)",
    ),
    Rule("ban", m.str.contains(r"^\[[^\]]+\] Ban "), rf"{JAIL}Ban {ADDR}\s*$"),
    Rule(
        "repeat",
        m.str.contains(r"^\[[^\]]+\] Increase Ban ") | m.str.contains(r" already banned\s*$"),
        skip="repeat for an address already banned",
    ),
    Rule("unban", m.str.contains(r"^\[[^\]]+\] Unban "), skip="ban lifted (not evidence)"),
    Rule(
        "ignore",
        m.str.contains(r"^\[[^\]]+\] Ignore "),
        skip="address ignored by fail2ban (ignore list or ban expired)",
    ),
]


def _jail_table(jail: pl.Expr, table: tuple[tuple[str, Any], ...], default: Any) -> pl.Expr:
    name = jail.str.to_lowercase()
    expr = pl.lit(default, pl.String)
    for pattern, value in reversed(table):
        expr = pl.when(name.str.contains(pattern)).then(pl.lit(value, pl.String)).otherwise(expr)
    return expr


def _jail_type(jail: pl.Expr) -> pl.Expr:
    return _jail_table(jail, JAIL_TYPES, "undetermined")


def _jail_app(jail: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    apps = tuple((p, a) for p, a, _ in JAIL_APPS)
    transports = tuple((p, t) for p, _, t in JAIL_APPS)
    return _jail_table(jail, apps, None), _jail_table(jail, transports, None)


def _native(lines: pl.Series, ctx: ParseContext) -> tuple[pl.Series, pl.Series]:
    """The body and the time of each of ``lines`` in fail2ban's own layout (:data:`NATIVE`),
    both null where a line is not."""
    native = lines.to_frame("l").select(pl.col("l").str.extract_groups(NATIVE).alias("n"))
    time = parse_time(
        pl.col("ts") + pl.lit(".") + pl.col("frac").fill_null("0"), TIME_FORMATS, ctx.timezone
    )
    read = native.unnest("n").select(pl.col("body"), time.alias("t"))
    read = read.select(
        pl.when(pl.col("t").is_not_null()).then(pl.col("body")).alias("body"),
        pl.when(pl.col("body").is_not_null()).then(pl.col("t")).alias("t"),
    )
    return read["body"], read["t"]


def _headers(records: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    """Add ``layout`` (native, syslog, journal, other syslog, or null), ``time.source``,
    ``log_host`` and ``body`` (the part after the logger name: level and message).

    A syslog or journal line may carry a whole line of fail2ban's own layout (fail2ban under
    systemd with ``logtarget = STDOUT``: ``... fail2ban-server[123]: 2026-11-25 08:27:19,123
    fail2ban.actions [123]: NOTICE [sshd] Ban ADDRESS``): its body is then that line's, and
    its time fail2ban's own."""
    journal = records.select(pl.col(LINE).str.extract_groups(JOURNAL).alias("j")).unnest("j")
    syslog = split_syslog(records, ctx)
    n_body, n_time = _native(records[LINE], ctx)
    n_ok = n_body.is_not_null()
    s_ok = syslog["syslog_ok"] & ~n_ok
    s_f2b = s_ok & syslog["prog"].str.starts_with("fail2ban")
    j_ok = journal["body"].is_not_null() & ~n_ok & ~s_ok
    layout = (
        pl.when(n_ok)
        .then(pl.lit("native"))
        .when(s_f2b)
        .then(pl.lit("syslog"))
        .when(s_ok)
        .then(pl.lit("other"))
        .when(j_ok)
        .then(pl.lit("journal"))
    )
    outer = pl.when(s_f2b).then(syslog["msg"]).when(j_ok).then(journal["body"])
    inner_body, inner_time = _native(records.select(outer.alias("o"))["o"], ctx)
    return records.with_columns(
        layout.alias("layout"),
        syslog[PROBLEM],
        pl.when(n_ok)
        .then(n_time)
        .when(inner_body.is_not_null())
        .then(inner_time)
        .when(s_ok)
        .then(syslog["time.source"])
        .alias("time.source"),
        pl.when(s_ok)
        .then(syslog["log_host"])
        .when(j_ok)
        .then(journal["log_host"])
        .alias("log_host"),
        pl.when(n_ok)
        .then(n_body)
        .when(inner_body.is_not_null())
        .then(inner_body)
        .when(s_ok)
        .then(syslog["msg"])
        .when(j_ok)
        .then(journal["body"])
        .alias("body"),
    )


class Fail2ban(Parser):
    name = "fail2ban"
    yearless = True  # BSD syslog headers
    title = "fail2ban log (fail2ban.log, syslog, journal)"
    marks = ("fail2ban",)  # its logger or program

    def sniff(self, sample: list[str]) -> int:
        frame = pl.DataFrame({LINE: sample}, schema={LINE: pl.String}).filter(
            ~pl.col(LINE).str.starts_with("#") & (pl.col(LINE).str.strip_chars() != "")
        )
        if frame.height == 0:
            return 0
        frame = frame.with_row_index(RECORD).with_columns(pl.col(RECORD).cast(pl.Int64))
        layout = _headers(frame, sample_context())["layout"]
        hits = int(layout.is_in(["native", "syslog", "journal"]).sum())
        if hits == 0:
            return 0
        return min(95, 40 + 55 * hits // frame.height)

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        frame = _headers(records, ctx)
        layout = pl.col("layout")
        markers, unreadable = journal_markers(frame.filter(layout.is_null()))
        other = frame.filter(layout == "other")
        lines = frame.filter(layout.is_in(["native", "syslog", "journal"])).with_columns(
            pl.col("body").str.extract(BODY, 1).alias("msg")
        )
        applied = apply_rules(lines, RULES, "msg", unmatched_skip="fail2ban service message")
        ev = applied.events
        found = pl.col(RULE) == "found"
        when = parse_time(pl.col("when"), ["%Y-%m-%d %H:%M:%S"], ctx.timezone)
        app, transport = _jail_app(pl.col("jail"))
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            pl.when(found)
            .then(pl.coalesce(when, pl.col("time.source")))
            .otherwise(pl.col("time.source"))
            .alias("time.source"),
            pl.col("host").alias("source.ip"),
            pl.col("log_host").alias("destination.fqdn"),
            transport.alias("protocol.transport"),
            app.alias("protocol.application"),
            _jail_type(pl.col("jail")).alias("classification.type"),
            (pl.lit("fail2ban:") + pl.col("jail") + pl.lit(":") + pl.col(RULE)).alias(
                "classification.identifier"
            ),
            pl.col("msg").alias("event_description.text"),
            extra_json(jail=pl.col("jail")).alias("extra"),
        )
        return ParseResult.build(
            events=events,
            skipped=[
                applied.skipped,
                skip(other, "not a fail2ban message"),
                skip(markers, JOURNAL_SKIP),
            ],
            rejects=[applied.rejects, reject(unreadable, unread_reason("not a fail2ban log line"))],
        )


PARSERS: tuple[Parser, ...] = (Fail2ban(),)
