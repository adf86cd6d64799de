"""Web server logs: access logs (``weblog``), the Apache error log and the nginx error log.

**weblog** reads the Common Log Format and the Combined format (``%h %l %u %t "%r" %>s %b
"%{Referer}i" "%{User-agent}i"``) as Apache (2.2, 2.4) and nginx (``combined``, its default)
write them, with: the ``vhost_combined`` prefix (``example.com:80 1.2.3.4 - - [...]``), IPv4
and IPv6 clients (or host names, with ``HostnameLookups On``), ``-`` sizes, escaped quotes
(``\\"`` Apache, ``\\x22`` nginx), further fields after the user agent (nginx's
``"$http_x_forwarded_for"``), and a last field cut before its closing quote.

Evidence is decided per record from the request line, the status and the User-Agent / Referer
headers (the first rule that holds wins: ``_http_requests``, the rules Zeek's and Suricata's
HTTP records are judged by too); ``classification.identifier`` is ``http:<name>``, and
``event_description.text`` the rule's description:

- ``exploit``: ``log4shell`` (``${jndi:`` and its ``${lower:`` / ``${::-`` obfuscations, in
  the request, User-Agent or Referer), ``shellshock`` (``() {`` there), ``path-traversal``
  (``../``, ``..\\``, ``/etc/passwd``, ``win.ini``), ``sql-injection`` (``union select``,
  ``' or 1=1``, ``sleep(``, ``benchmark(``, ``information_schema``...), ``command-injection``
  (``;wget``, ``|sh``, ``$(id)``...), and paths only exploits use: ``phpunit-rce``
  (``/vendor/phpunit/.../eval-stdin.php``), ``thinkphp-rce``, ``php-cgi-injection``
  (``allow_url_include``), ``iot-exploit`` (``/boaform/``, ``/HNAP1``, ``/GponForm/``,
  ``/shell?``, ``/setup.cgi?``, ``/goform/``, ``/cgi-bin/luci``...), ``weblogic-exploit``
  (``/wls-wsat/``, ``/_async/``), ``iis-exploit`` (``root.exe``, ``cmd.exe``, ``/msadc/``).
  The request is matched lower-cased, with ``+`` and percent escapes decoded (``%25`` first,
  so double encoding such as ``%252e`` is seen through; overlong ``%c0%ae`` too).
- ``brute-force``: ``wp-login-brute-force`` (POST ``/wp-login.php``) and
  ``xmlrpc-brute-force`` (POST ``/xmlrpc.php``), unless answered by a redirect (3xx):
  WordPress redirects after a successful login, which is skipped.
- ``scanner``: request lines that are not HTTP (``empty-request``: ``"-"`` or ``""``;
  ``tls-handshake``: ``\\x16\\x03...``, TLS sent to a plain HTTP port; ``binary-request``:
  other binary; ``malformed-request``: not ``METHOD target [HTTP/x.y]``; ``unknown-method``:
  a method neither HTTP nor WebDAV defines), ``sensitive-file`` (``/.env``, ``/.git/``,
  ``/.aws/``, ``wp-config.php``, ``phpinfo.php``..., at any status), ``app-probe``
  (``/wp-login.php``, ``/wp-admin``, ``/wp-includes/``, ``/xmlrpc.php``, ``/phpmyadmin``,
  ``/pma/``, ``/administrator/``, ``/admin.php``, ``/cgi-bin/``, ``/manager/html``,
  ``/solr/admin``, ``/actuator``, ``setup.php``, ``/fckeditor/``..., only when answered 4xx:
  these paths serve legitimate users of the sites that have them), ``script-probe`` (a 404 for
  a ``.php``, ``.asp(x)``, ``.jsp``, ``.cgi``, ``.pl``, ``.cfm``, ``.sql``, ``.bak``, ``.old``,
  ``.swp`` or ``.env`` path, asked by a client that is not a self-declared crawler: what 404
  sweeps are made of), ``proxy-probe`` (``CONNECT``, or
  an absolute ``http://`` target), ``scanner-ua`` (sqlmap, Nikto, Nmap, masscan, zgrab,
  Nuclei, DirBuster, gobuster, WPScan, feroxbuster, ffuf, wfuzz, Acunetix, Netsparker,
  OpenVAS, Nessus, w3af, WhatWeb, ZmEu, Morfeus, Jorgee, LeakIX, CensysInspect).
  ``python-requests``, ``curl``, ``Go-http-client`` and the like are everyday clients, not
  scanner user agents.

Skipped: every other request, whatever its status (``normal HTTP request``; a single 404 is
a broken link more often than a probe), and successful WordPress logins. Rejected: lines not
in the access-log form, and lines whose time cannot be read.

Fields: ``source.ip`` (``source.fqdn`` for a host name) from ``%h``; ``destination.fqdn`` and
``destination.port`` from the vhost prefix; ``destination.urlpath`` the request target as
logged when it is a path (cut at 2,048 characters; ``CONNECT``'s authority and absolute URLs
go to ``extra.proxy_target``); ``time.source`` from ``%t``, in UTC; ``protocol.application``
``http``, ``protocol.transport`` ``tcp``; ``extra``: method, status, bytes, http_version,
user_agent (cut at 512 characters) and referrer_host (the Referer's host only). The ``%u``
user name and the ``%l`` ident are never kept.

**apache-error** reads the Apache error log, 2.2 (``[Sun Dec 04 04:47:44 2005] [error]
[client 1.2.3.4] msg``) and 2.4 (``[Sat Jul 20 21:34:49.453232 2013] [mod:level] [pid N:tid
T] [client 1.2.3.4:port] AHnnnnn: msg``, also ``[remote ...]`` and ``[client
[2001:db8::1]:port]``), in a file (local times: read in the ingest's time zone) or through
syslog (``ErrorLog syslog``: programs ``httpd``, ``apache2``, ``apache``). Evidence
(``apache:<name>``): ``shellshock``, ``path-traversal`` (AH10244 ``invalid URI path``, an
invalid URI with ``../``) and ``overflow-attempt`` (other invalid URIs, ``URI too long``) as
``exploit``; ``auth-failure`` (unknown user, password mismatch, wrong scheme, failed
authorization, digest errors) as ``brute-force``; ``invalid-request`` (invalid method, such as
TLS to a plain port; junk after the protocol; no host name), ``access-denied`` (``client
denied by server configuration``), ``directory-index-forbidden``, ``file-not-found`` and
``script-not-found`` as ``scanner``. Skipped: a missing favicon, robots.txt, touch icon or
sitemap (browsers and crawlers ask for them), TLS SNI host name mismatches, other messages with
a client, messages without one (server notices such as ``jk2_init() Found child``), other
programs' syslog lines. Rejected: lines in neither form.

**nginx-error** reads the nginx error log (``2015/01/21 10:56:10 [error] 2833#0: *16336 msg,
client: 1.2.3.4, server: name, request: "GET / HTTP/1.1", host: "..."``; local times), alone
or in syslog lines of the program ``nginx``. The client is taken from the last ``, client: ``
(the message may quote what the client sent). Evidence (``nginx:<name>``): ``auth-failure``
(unknown user, password mismatch, PAM failure) as ``brute-force``; ``file-not-found``,
``access-forbidden``, ``tls-probe`` (``SSL_do_handshake() failed``) and ``invalid-request``
(invalid method, request or host, plain HTTP to the HTTPS port, URI too long) as
``scanner``; ``rate-limited`` (``limiting requests`` / ``limiting connections``: the client
was refused for flooding) as ``dos``. Skipped: missing standard files, requests only delayed
by a rate limit, other messages with a client (upstream errors, no credentials sent yet),
messages without a client. Rejected: lines in neither form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    ParseContext,
    Parser,
    ParseResult,
    as_int,
    extra_json,
    parse_time,
    reject,
    sample_context,
    sample_records,
    skip,
)
from wuzhen.evidence.parsers._http_requests import (
    NORMAL,
    UA_MAX,
    URLPATH_MAX,
    Request,
    decoded,
    request_rules,
)
from wuzhen.evidence.parsers._rules import RULE, Rule, apply_rules, classification, description
from wuzhen.evidence.parsers._syslog import split_syslog

QUOTED = r'(?:[^"\\]|\\.)*'
ACCESS = (
    r"^(?:(?P<vhost>[^\s:\[\]]+):(?P<vport>\d{1,5}) )?"
    r"(?P<client>\S+) (?P<ident>\S+) (?:.*?) "
    r"\[(?P<time>\d{1,2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "
    rf'"(?P<request>{QUOTED})" (?P<status>\d{{3}}) (?P<bytes>\d+|-)'
    rf'(?: "(?P<referer>{QUOTED})"(?: "(?P<ua>{QUOTED})"?)?)?'
    r"(?:\s.*)?$"
)
REQUEST = r"^(?P<method>[A-Z][A-Z0-9_-]*) (?P<target>.+?)(?: (?P<version>HTTP/\d(?:\.\d)?))?$"
IS_IP = r"^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$"
METHODS = [
    *("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"),
    # WebDAV, CalDAV, Subversion
    *("PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH"),
    *("MKCALENDAR", "ACL", "BIND", "UNBIND", "REBIND", "CHECKOUT", "CHECKIN", "UPDATE"),
    *("VERSION-CONTROL", "LABEL", "MERGE", "MKWORKSPACE", "MKACTIVITY", "BASELINE-CONTROL"),
    "PRI",  # HTTP/2's connection preface, "PRI * HTTP/2.0" (RFC 9113 3.4)
]


request = pl.col("request")
method = pl.col("method")
ACCESS_RULES = request_rules(
    Request(
        text=pl.col("norm"),  # the decoded request line
        path=pl.col("path"),
        agent=pl.col("ua_l"),
        referer=pl.col("ref_l"),
        status=pl.col("status_n"),
        method=method,
        absolute=pl.col("target").str.contains(r"^(?i)https?://"),
    ),
    unparsed=[
        Rule(
            "http:empty-request",
            (request == "-") | (request == ""),
            type="scanner",
            description="empty request",
        ),
        Rule(
            "http:tls-handshake",
            request.str.starts_with(r"\x16\x03"),
            type="scanner",
            description="TLS handshake sent to a plain HTTP port",
        ),
        Rule(
            "http:binary-request",
            request.str.starts_with(r"\x"),
            type="scanner",
            description="binary request (another protocol sent to an HTTP port)",
        ),
        Rule(
            "http:malformed-request",
            method.is_null(),
            type="scanner",
            description="request that is not HTTP",
        ),
        Rule(
            "http:unknown-method",
            ~method.is_in(METHODS),
            type="scanner",
            description="request with a method HTTP does not define",
        ),
    ],
)
ACCESS_TYPE = classification(ACCESS_RULES)
ACCESS_DESCRIPTION = description(ACCESS_RULES)


def _share(sample: list[str], hits: Callable[[pl.DataFrame, ParseContext], int]) -> int:
    """Sniff score from the share of non-comment sample lines that are ours: ``hits`` counts
    them in the frame of those lines."""
    records = sample_records(sample)
    if records.height == 0:
        return 0
    found = hits(records, sample_context())
    return 0 if found == 0 else 40 + 55 * found // records.height


def _vhost_without_port() -> list[pl.Expr]:
    """``vhost`` and ``client`` of a line whose prefix is a virtual host without its port
    (``%v %h %l %u``: SUSE's ``vhost_combined``, Apache's ``vhost_common``), which ACCESS reads
    as ``%h %l %u`` with the vhost as the client: there the ``%l`` read is the client's
    address (an identd's answer never is)."""
    vhost_first = pl.col("vhost").is_null() & pl.col("ident").str.contains(IS_IP).fill_null(False)
    return [
        pl.when(vhost_first).then(pl.col("client")).otherwise(pl.col("vhost")).alias("vhost"),
        pl.when(vhost_first).then(pl.col("ident")).otherwise(pl.col("client")).alias("client"),
    ]


def _source(host: pl.Expr) -> list[pl.Expr]:
    """``source.ip`` (an IPv6 address with or without brackets), or ``source.fqdn`` for a host
    name (what is neither, a list of forwarded addresses say, is refused by the schema)."""
    host = host.str.replace(r"^\[([0-9A-Fa-f:.]+)\]$", "$1")
    is_ip = host.str.contains(IS_IP)
    return [
        pl.when(is_ip).then(host).alias("source.ip"),
        pl.when(~is_ip).then(host).alias("source.fqdn"),
    ]


#: Every web log event is HTTP over TCP.
HTTP = [pl.lit("tcp").alias("protocol.transport"), pl.lit("http").alias("protocol.application")]


def _urlpath() -> pl.Expr:
    """The request target when it is a path (not ``CONNECT``'s authority or an absolute URL)."""
    target = pl.col("target")
    return pl.when(target.str.starts_with("/")).then(target.str.slice(0, URLPATH_MAX))


def _text(col: str) -> pl.Expr:
    """A quoted header as text: null for ``-`` and empty values."""
    c = pl.col(col)
    return pl.when(c.is_in(["-", ""])).then(None).otherwise(c)


class WebLog(Parser):
    name = "weblog"
    title = "Apache / nginx access log (common, combined, vhost_combined)"
    marks = ('] "',)  # between the time and the request

    def sniff(self, sample: list[str]) -> int:
        return _share(sample, lambda lines, _ctx: int(lines[LINE].str.contains(ACCESS).sum()))

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        g = records.select(pl.col(LINE).str.extract_groups(ACCESS).alias("g"))
        parsed = pl.concat([records, g["g"].struct.unnest()], how="horizontal").with_columns(
            parse_time(pl.col("time"), ["%d/%b/%Y:%H:%M:%S %z"]).alias("time.source"),
            *_vhost_without_port(),
        )
        not_log = parsed.filter(pl.col("request").is_null())
        bad_time = parsed.filter(pl.col("request").is_not_null() & pl.col("time.source").is_null())
        ok = parsed.filter(pl.col("time.source").is_not_null() & pl.col("request").is_not_null())
        req = ok.select(pl.col("request").str.extract_groups(REQUEST).alias("q"))
        ok = pl.concat([ok, req["q"].struct.unnest()], how="horizontal").with_columns(
            decoded(pl.col("request")).alias("norm"),
            decoded(pl.col("target").str.replace(r"[?#].*$", "")).alias("path"),
            pl.col("ua").str.to_lowercase().fill_null("").alias("ua_l"),
            pl.col("referer").str.to_lowercase().fill_null("").alias("ref_l"),
            as_int(pl.col("status")).alias("status_n"),
        )
        applied = apply_rules(ok, ACCESS_RULES, "request", unmatched_skip=NORMAL)
        events = applied.events.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            pl.col("time.source"),
            *_source(pl.col("client")),
            pl.col("vhost").alias("destination.fqdn"),
            as_int(pl.col("vport")).alias("destination.port"),
            _urlpath().alias("destination.urlpath"),
            *HTTP,
            ACCESS_TYPE.alias("classification.type"),
            pl.col(RULE).alias("classification.identifier"),
            ACCESS_DESCRIPTION.alias("event_description.text"),
            extra_json(
                method=pl.col("method"),
                status=pl.col("status_n"),
                bytes=as_int(pl.col("bytes"), pl.Int64()),
                http_version=pl.col("version"),
                proxy_target=pl.when(
                    ~pl.col("target").str.starts_with("/") & (pl.col("target") != "*")
                ).then(pl.col("target").str.slice(0, URLPATH_MAX)),
                user_agent=_text("ua").str.slice(0, UA_MAX),
                referrer_host=_text("referer").str.extract(r"^[A-Za-z][\w+.-]*://([^/?#:@\s]+)", 1),
            ).alias("extra"),
        )
        return ParseResult.build(
            events=events,
            skipped=[applied.skipped],
            rejects=[
                applied.rejects,
                reject(not_log, "not an access log line"),
                reject(bad_time, "access log line with an unreadable time"),
            ],
        )


# -- the Apache error log ------------------------------------------------------------------

ERROR_FILE = (
    r"^\[(?:[A-Z][a-z]{2} )?(?P<etime>[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4})\] "
    r"(?P<body>\[.*)$"
)
ERROR_BODY = (
    r"^\[(?:(?P<module>[\w-]*):)?(?P<level>[a-z]+\d?)\](?: \[pid (?P<pid>\d+)[^\]]*\])?"
    r"(?: (?:[^\[\]]*?: )?\[(?:client|remote) (?P<client>\[[0-9A-Fa-f:.]+\](?::\d+)?|[^\]\s]+)\])?"
    r" ?(?:(?P<code>AH\d{5}): )?(?P<text>.*)$"
)
APACHE_PROGRAMS = r"^(?:httpd|apache2?)(?:/.*)?$"
CLIENT = (
    r"^(?:\[(?P<ip6>[0-9A-Fa-f:.]+)\](?::(?P<p6>\d+))?|(?P<ip4>\d{1,3}(?:\.\d{1,3}){3})"
    r"(?::(?P<p4>\d+))?|(?P<other>.+))$"
)
STANDARD_FILES = (
    r"^File does not exist: .*/(?:favicon\.ico|robots\.txt|apple-touch-icon[^/,]*\.png"
    r"|sitemap\.xml|ads\.txt|security\.txt|browserconfig\.xml|crossdomain\.xml)(?:,|$)"
)
AUTH = (
    r"^(?:Digest: )?user .*not found"
    r"|^user .*: (?:authentication|authorization) failure for"
    r"|^(?:Digest: )?user .*: password mismatch"
    r"|^client used wrong authentication scheme"
    r"|^Authorization of user .* failed"
    r"|^Digest: "
    r"|^(?:realm mismatch|unknown algorithm|invalid nonce|invalid qop|invalid digest)"
)
t = pl.col("text")
ERROR_RULES: list[Rule] = [
    Rule("no-client", pl.col("client").is_null(), skip="server message without a client address"),
    Rule(
        "apache:shellshock",
        t.str.contains(r"ignoring function definition attempt|error importing function definit"),
        type="exploit",
    ),
    Rule(
        "apache:path-traversal",
        t.str.starts_with("invalid URI path")
        | (t.str.starts_with("Invalid URI in request") & t.str.contains(r"(?i)\.\./|%2e")),
        type="exploit",
    ),
    Rule(
        "apache:overflow-attempt",
        t.str.starts_with("Invalid URI in request") | t.str.contains("URI too long", literal=True),
        type="exploit",
    ),
    Rule(
        "apache:invalid-request",
        t.str.starts_with("Invalid method in request")
        | t.str.contains("erroneous characters after protocol string", literal=True)
        | t.str.starts_with("Invalid protocol in request")
        | t.str.contains("request without hostname", literal=True),
        type="scanner",
    ),
    Rule(
        "standard-file",
        t.str.contains(STANDARD_FILES),
        skip="browser or crawler request for a standard file",
    ),
    Rule("apache:file-not-found", t.str.starts_with("File does not exist:"), type="scanner"),
    Rule(
        "apache:script-not-found",
        t.str.contains(r"script(?: '[^']*')? not found or unable to stat|Primary script unknown"),
        type="scanner",
    ),
    Rule(
        "apache:directory-index-forbidden",
        t.str.starts_with("Directory index forbidden by rule")
        | t.str.contains(r"^Cannot serve directory .*No matching DirectoryIndex"),
        type="scanner",
    ),
    Rule(
        "apache:access-denied",
        t.str.starts_with("client denied by server configuration"),
        type="scanner",
    ),
    Rule("apache:auth-failure", t.str.contains(AUTH), type="brute-force"),
    Rule(
        "sni",
        t.str.contains("provided via SNI", literal=True),
        skip="TLS SNI host name mismatch (not evidence by itself)",
    ),
]
ERROR_TYPE = classification(ERROR_RULES)
#: An Apache error log line: in its file form, or in syslog from an Apache program.
APACHE = (pl.col("kind") == "file") | (
    (pl.col("kind") == "syslog") & pl.col("prog").str.contains(APACHE_PROGRAMS)
)


def _apache_lines(records: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    """Error-log lines in file or syslog form: ``kind``, ``body``, ``time.source``, host."""
    f = records.select(pl.col(LINE).str.extract_groups(ERROR_FILE).alias("f"))["f"]
    frame = pl.concat(
        [split_syslog(records, ctx), f.struct.unnest().rename({"body": "fbody"})],
        how="horizontal",
    ).with_columns(
        parse_time(
            pl.col("etime").str.replace_all(r"\s+", " "), ["%b %d %H:%M:%S%.f %Y"], ctx.timezone
        ).alias("ftime")
    )
    is_file = pl.col("fbody").is_not_null() & pl.col("ftime").is_not_null()
    return frame.select(
        RECORD,
        LINE,
        pl.when(is_file)
        .then(pl.lit("file"))
        .when(pl.col("syslog_ok"))
        .then(pl.lit("syslog"))
        .alias("kind"),
        pl.when(is_file).then(pl.col("fbody")).otherwise(pl.col("msg")).alias("body"),
        pl.when(is_file)
        .then(pl.col("ftime"))
        .otherwise(pl.col("time.source"))
        .alias("time.source"),
        pl.when(is_file).then(None).otherwise(pl.col("prog")).alias("prog"),
        pl.when(is_file).then(None).otherwise(pl.col("log_host")).alias("log_host"),
    )


def _apache_hits(records: pl.DataFrame, ctx: ParseContext) -> int:
    lines = _apache_lines(records, ctx).filter(APACHE)
    return lines.filter(pl.col("body").str.contains(ERROR_BODY)).height


class ApacheError(Parser):
    name = "apache-error"
    yearless = True  # BSD syslog headers
    title = "Apache error log (2.2, 2.4; file or syslog)"
    marks = ("] [", "httpd", "apache")  # the file's time and body, or the program

    def sniff(self, sample: list[str]) -> int:
        return _share(sample, _apache_hits)

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        lines = _apache_lines(records, ctx)
        unreadable = lines.filter(pl.col("kind").is_null())
        other = lines.filter(
            (pl.col("kind") == "syslog") & ~pl.col("prog").str.contains(APACHE_PROGRAMS)
        )
        ours = lines.filter(APACHE)
        b = ours.select(pl.col("body").str.extract_groups(ERROR_BODY).alias("b"))["b"]
        ours = pl.concat([ours, b.struct.unnest()], how="horizontal")
        not_error = ours.filter(pl.col("text").is_null())
        ours = ours.filter(pl.col("text").is_not_null())
        applied = apply_rules(
            ours, ERROR_RULES, "text", unmatched_skip="error-log message not recognised as evidence"
        )
        ev = applied.events
        c = ev.select(pl.col("client").str.extract_groups(CLIENT).alias("c"))["c"].struct.unnest()
        ev = pl.concat([ev, c], how="horizontal")
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            pl.col("time.source"),
            *_source(pl.coalesce("ip6", "ip4", "other")),
            as_int(pl.coalesce("p6", "p4")).alias("source.port"),
            pl.col("log_host").alias("destination.fqdn"),
            *HTTP,
            ERROR_TYPE.alias("classification.type"),
            pl.col(RULE).alias("classification.identifier"),
            extra_json(
                module=pl.when(pl.col("module") != "").then(pl.col("module")),
                level=pl.col("level"),
                code=pl.col("code"),
            ).alias("extra"),
        )
        return ParseResult.build(
            events=events,
            skipped=[applied.skipped, skip(other, "not an Apache message")],
            rejects=[
                applied.rejects,
                reject(unreadable, "not an Apache error log line"),
                reject(not_error, "not an Apache error log line"),
            ],
        )


# -- the nginx error log -------------------------------------------------------------------

NGINX = (
    r"^(?P<ntime>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) \[(?P<level>[a-z]+)\] \d+#\d+: "
    r"(?:\*\d+ )?(?P<text>.*)$"
)
# nginx appends the context (client, server, request, host) after the message; the message
# may quote what the client sent, so the context is found from the last ", client: ".
NGINX_CONTEXT = (
    r"^(?P<message>.*), client: (?P<client>[^,\s]+)(?:, server: (?P<server>[^,]*))?"
    rf'(?:, request: "(?P<request>{QUOTED})")?(?P<more>.*)$'
)
NGINX_STANDARD_FILES = (
    r'"[^"]*/(?:favicon\.ico|robots\.txt|apple-touch-icon[^/"]*\.png|sitemap\.xml|ads\.txt'
    r'|security\.txt|browserconfig\.xml|crossdomain\.xml)"'
)
n = pl.col("message")
NGINX_RULES: list[Rule] = [
    Rule("no-client", pl.col("client").is_null(), skip="server message without a client address"),
    Rule(
        "nginx:auth-failure",
        n.str.contains(r'^user ".*" was not found in "|^user ".*": password mismatch')
        | n.str.contains(r"^PAM: user .* - not authenticated"),
        type="brute-force",
    ),
    Rule(
        "standard-file",
        n.str.contains(NGINX_STANDARD_FILES) & n.str.contains("No such file", literal=True),
        skip="browser or crawler request for a standard file",
    ),
    Rule(
        "nginx:file-not-found",
        n.str.contains(r'^open\(\) ".*" failed \(2: |^".*" is not found \(2: '),
        type="scanner",
    ),
    Rule(
        "nginx:access-forbidden",
        n.str.starts_with("access forbidden by rule")
        | n.str.contains(r'^directory index of ".*" is forbidden'),
        type="scanner",
    ),
    Rule(
        "nginx:rate-limited",
        n.str.starts_with("limiting requests") | n.str.starts_with("limiting connections"),
        type="dos",
    ),
    Rule(
        "delayed",
        n.str.starts_with("delaying request"),
        skip="request delayed by a rate limit (within its burst)",
    ),
    Rule(
        "nginx:tls-probe",
        n.str.starts_with("SSL_do_handshake() failed"),
        type="scanner",
    ),
    Rule(
        "nginx:invalid-request",
        n.str.contains(
            r"^client sent (?:invalid (?:method|request|host header)|plain HTTP request to "
            r"HTTPS port|too long URI)|^invalid host in request line"
        ),
        type="scanner",
    ),
]
NGINX_TYPE = classification(NGINX_RULES)


def _nginx_lines(records: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    """nginx error lines, alone or in syslog lines of the program ``nginx``."""
    s = split_syslog(records, ctx)
    body = (
        pl.when(pl.col("syslog_ok") & (pl.col("prog") == "nginx"))
        .then(pl.col("msg"))
        .otherwise(pl.col(LINE))
    )
    g = s.select(body.str.extract_groups(NGINX).alias("g"))["g"].struct.unnest()
    frame = pl.concat([s.drop("time.source"), g], how="horizontal")
    return frame.with_columns(
        parse_time(pl.col("ntime"), ["%Y/%m/%d %H:%M:%S"], ctx.timezone).alias("time.source"),
        pl.when(pl.col("syslog_ok") & (pl.col("prog") == "nginx"))
        .then(pl.col("log_host"))
        .alias("log_host"),
    )


def _nginx_hits(records: pl.DataFrame, ctx: ParseContext) -> int:
    return _nginx_lines(records, ctx).filter(pl.col("time.source").is_not_null()).height


class NginxError(Parser):
    name = "nginx-error"
    title = "nginx error log (file or syslog)"
    marks = ("#",)  # between the process and thread numbers ("1234#0: ")

    def sniff(self, sample: list[str]) -> int:
        return _share(sample, _nginx_hits)

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        lines = _nginx_lines(records, ctx)
        unreadable = lines.filter(pl.col("time.source").is_null())
        lines = lines.filter(pl.col("time.source").is_not_null())
        c = lines.select(pl.col("text").str.extract_groups(NGINX_CONTEXT).alias("c"))["c"]
        lines = pl.concat([lines, c.struct.unnest()], how="horizontal")
        applied = apply_rules(
            lines,
            NGINX_RULES,
            "message",
            unmatched_skip="error-log message not recognised as evidence",
        )
        ev = applied.events
        q = ev.select(pl.col("request").str.extract_groups(REQUEST).alias("q"))["q"]
        ev = pl.concat([ev, q.struct.unnest()], how="horizontal")
        server = pl.col("server").str.strip_chars()
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            pl.col("time.source"),
            *_source(pl.col("client")),
            pl.when((server != "") & ~server.str.contains(r"[:\s_]"))
            .then(server)
            .otherwise(pl.col("log_host"))
            .alias("destination.fqdn"),
            _urlpath().alias("destination.urlpath"),
            *HTTP,
            NGINX_TYPE.alias("classification.type"),
            pl.col(RULE).alias("classification.identifier"),
            extra_json(level=pl.col("level"), method=pl.col("method")).alias("extra"),
        )
        return ParseResult.build(
            events=events,
            skipped=[applied.skipped],
            rejects=[applied.rejects, reject(unreadable, "not an nginx error log line")],
        )


PARSERS: tuple[Parser, ...] = (WebLog(), ApacheError(), NginxError())
