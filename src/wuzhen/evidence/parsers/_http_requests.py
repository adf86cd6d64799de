"""HTTP requests judged alike whichever sensor saw them: a web server's access log
(``weblog``), Zeek's ``http.log`` (``zeek``) and Suricata's EVE ``http`` records
(``suricata-eve``). One request is one verdict and one ``classification.identifier``
(``http:<name>``) in all three, so that members' figures compare whatever sensors they run.

A request is matched lower-cased, with ``+`` and percent escapes decoded (:func:`decoded`),
against :func:`request_rules` in order (the first that holds wins); the patterns below are
written in that decoded form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from wuzhen.evidence.parsers._base import as_int
from wuzhen.evidence.parsers._rules import Rule

# What is kept of a request: its path (destination.urlpath) and User-Agent (extra), cut.
URLPATH_MAX = 2048
UA_MAX = 512
# Percent escapes decoded before matching (lower case; ``%25`` first, so double encoding
# is undone too). A loop over this table, not over records.
PERCENT = [
    ("%25", "%"),
    ("%25", "%"),
    ("%%32%65", "%2e"),  # "%" then "2e" escaped (Apache, CVE-2021-42013)
    ("%%32%66", "%2f"),
    ("%c0%ae", "."),
    ("%c0%af", "/"),
    ("%2e", "."),
    ("%2f", "/"),
    ("%5c", "\\"),
    ("%27", "'"),
    ("%22", '"'),
    ("%20", " "),
    ("%09", " "),
    ("%0a", " "),
    ("%0d", " "),
    ("%3d", "="),
    ("%28", "("),
    ("%29", ")"),
    ("%3b", ";"),
    ("%7b", "{"),
    ("%7d", "}"),
    ("%24", "$"),
    ("%3a", ":"),
    ("%3c", "<"),
    ("%3e", ">"),
    ("%7c", "|"),
    ("%26", "&"),
    ("%60", "`"),
    ("%2c", ","),
    ("%40", "@"),
    ("%2b", "+"),
]

LOG4SHELL = r"\$\{\s*(?:jndi\s*:|\$\{|(?:lower|upper|env|sys|::-)[:-])"
SHELLSHOCK = r"\(\)\s*\{"
TRAVERSAL = (
    r"\.\.[/\\]|[/\\]\.\.(?:$|[?#\s])|/etc/(?:passwd|shadow)\b|\bwin\.ini\b|\bboot\.ini\b"
    r"|/proc/self/environ"
)
SQLI = (
    r"\bunion\b[\s(/*]+(?:all[\s(/*]+)?select\b"
    r"|'\s*(?:or|and)\s+'?\w+'?\s*(?:=|like\b)"
    r"|\bor\s+\d+\s*=\s*\d+"
    r"|\b(?:sleep|benchmark|pg_sleep)\s*\(\s*\d"  # a time, not a name (sleep(deluxe).mp3)
    r"|\b(?:extractvalue|updatexml|load_file|group_concat)\s*\("
    r"|\bwaitfor\s+delay\b|\binformation_schema\b|@@version\b|\binto\s+outfile\b"
)
# A command after a shell separator. A lone ``&`` separates a query's parameters
# (``?a=1&id=12``): it counts only before a space (``& id``), and a command word must not
# go on as a parameter's name (``&&id=``, ``;curl=1``).
COMMAND = (
    r"(?:[;|`]|\$\(|&&|&\s)\s*"
    r"(?:(?:wget|curl|chmod|/bin/(?:ba)?sh|busybox|id|uname)(?:[^=\w]|$)|rm\s+-|cd\s+/"
    r"|nc\s|ncat\s|tftp\s|sh\s|bash\s|echo\s|cat\s+/)"
)
# Paths only exploits ask for: name -> (pattern, description).
EXPLOIT_PATHS = {
    "phpunit-rce": (r"/phpunit/.*eval-stdin\.php", "PHPUnit remote code execution attempt"),
    "thinkphp-rce": (r"invokefunction|\\think\\app", "ThinkPHP remote code execution attempt"),
    "php-cgi-injection": (
        r"allow_url_include|auto_prepend_file",
        "PHP-CGI argument injection attempt",
    ),
    "iot-exploit": (
        r"/boaform/|/hnap1\b|/gponform/|(?:^|\s)/shell\?|/setup\.cgi\?|/goform/"
        r"|/tmunblock\.cgi|/picsdesc\.xml|/ctrlt/devicecontrol"
        r"|/cgi-bin/(?:luci|kerbynet|viewlog\.asp)|/device\.rsp|/mgmt/tm/util/bash",
        "router or camera exploit attempt",
    ),
    "weblogic-exploit": (
        r"/wls-wsat/|/_async/asyncresponseservice",
        "Oracle WebLogic exploit attempt",
    ),
    "iis-exploit": (r"/(?:root|cmd)\.exe\b|/_vti_bin/.*\.dll|/msadc/", "IIS exploit attempt"),
}
SENSITIVE = (
    r"/\.env\b|/\.git/|/\.svn/|/\.hg/|/\.aws/|/\.ssh/|/\.htpasswd|/\.ds_store|/\.npmrc"
    r"|/\.docker|/\.vscode/sftp\.json|wp-config\.php|/phpinfo\.php|/id_[rd]sa\b"
)
APPS = (
    r"/wp-login\.php|/wp-admin\b|/xmlrpc\.php|/phpmyadmin|/pma/|/myadmin|/mysqladmin"
    r"|/administrator/|/admin\.php|/manager/html|/solr/admin|/actuator\b|setup\.php"
    r"|/cgi-bin/|/fckeditor/|/wp-content/plugins/|/wp-includes/"
)
SCRIPT = r"\.(?:php\d?|aspx?|jsp|cgi|pl|cfm|sql|bak|old|swp|env)$"
# Self-declared crawlers follow broken links: their 404s are no sweep.
CRAWLER = r"\b\w*(?:bot|spider|crawler)\b|slurp"
SCANNER_UA = (
    r"sqlmap|nikto|nmap|masscan|zgrab|nuclei|dirbuster|gobuster|wpscan|feroxbuster|\bffuf\b"
    r"|wfuzz|acunetix|netsparker|openvas|nessus|w3af|whatweb|zmeu|morfeus|jorgee|l9explore"
    r"|l9tcpid|censysinspect"
)
LOGIN = "successful login (redirect after the login form)"
NORMAL = "normal HTTP request"


def decoded(expr: pl.Expr) -> pl.Expr:
    """Request text for matching: lower case, log escapes and percent escapes undone."""
    out = expr.str.to_lowercase().str.replace_all(r"\\x22|\\\x22", '"')
    out = out.str.replace_all("+", " ", literal=True)
    for code, char in PERCENT:
        out = out.str.replace_all(code, char, literal=True)
    return out


@dataclass(frozen=True, slots=True)
class Request:
    """Where a format keeps what the rules read of a request: each an expression over its
    columns (computed before the rules run: :func:`wuzhen.evidence.parsers._rules.apply_rules`
    tests columns, not expressions)."""

    text: pl.Expr  # the request line or URL, decoded
    path: pl.Expr  # the target without its query, decoded
    agent: pl.Expr  # the User-Agent, lower case ("" where none)
    referer: pl.Expr  # the Referer, lower case ("" where none)
    status: pl.Expr  # the response status, an integer (null where none)
    method: pl.Expr
    absolute: pl.Expr  # whether the target is an absolute URL (an open-proxy test)


# The columns a sensor's logged request is read into (:func:`logged_columns`).
_TEXT, _PATH, _AGENT, _REFERER, _STATUS = (
    "__http_text", "__http_path", "__http_agent", "__http_referer", "__http_status"
)  # fmt: skip


def logged_columns(
    uri: pl.Expr, agent: pl.Expr, referer: pl.Expr, status: pl.Expr
) -> list[pl.Expr]:
    """The columns :func:`logged_request` reads, from the parts of a request a sensor logs
    (Zeek's ``http.log``, Suricata's EVE ``http``): the URI decoded, its path without the
    query, the headers lower-cased, the status an integer."""
    return [
        decoded(uri).fill_null("").alias(_TEXT),
        decoded(uri.str.replace(r"[?#].*$", "")).fill_null("").alias(_PATH),
        agent.str.to_lowercase().fill_null("").alias(_AGENT),
        referer.str.to_lowercase().fill_null("").alias(_REFERER),
        as_int(status).alias(_STATUS),
    ]


def logged_request(method: pl.Expr) -> Request:
    """A sensor's logged request, in the columns of :func:`logged_columns`."""
    text = pl.col(_TEXT)
    return Request(
        text=text,
        path=pl.col(_PATH),
        agent=pl.col(_AGENT),
        referer=pl.col(_REFERER),
        status=pl.col(_STATUS),
        method=method,
        absolute=text.str.contains(r"^https?://"),
    )


def request_rules(req: Request, unparsed: Sequence[Rule] = ()) -> list[Rule]:
    """The rules, in order; ``unparsed``: rules on a request line as a client sent it (only
    a log of the raw line has them), tested after the attacks and logins and before the
    probes."""
    texts = [req.text, req.agent, req.referer]
    login_form = req.path.str.contains(r"/(?:wp-login|xmlrpc)\.php$")
    posted = req.method == "POST"
    return [
        Rule(
            "http:log4shell",
            pl.any_horizontal(e.str.contains(LOG4SHELL) for e in texts),
            type="exploit",
            description="log4shell (CVE-2021-44228) attempt",
        ),
        Rule(
            "http:shellshock",
            pl.any_horizontal(e.str.contains(SHELLSHOCK) for e in texts),
            type="exploit",
            description="shellshock (CVE-2014-6271) attempt",
        ),
        Rule(
            "http:path-traversal",
            req.text.str.contains(TRAVERSAL),
            type="exploit",
            description="path traversal or local file inclusion attempt",
        ),
        Rule(
            "http:sql-injection",
            req.text.str.contains(SQLI),
            type="exploit",
            description="SQL injection attempt",
        ),
        Rule(
            "http:command-injection",
            req.text.str.contains(COMMAND),
            type="exploit",
            description="shell command injection attempt",
        ),
        *[
            Rule(
                f"http:{name}",
                req.path.str.contains(rx) | req.text.str.contains(rx),
                type="exploit",
                description=description,
            )
            for name, (rx, description) in EXPLOIT_PATHS.items()
        ],
        Rule("successful-login", posted & login_form & req.status.is_between(300, 399), skip=LOGIN),
        Rule(
            "http:wp-login-brute-force",
            posted & req.path.str.contains(r"/wp-login\.php$"),
            type="brute-force",
            description="WordPress login attempt",
        ),
        Rule(
            "http:xmlrpc-brute-force",
            posted & req.path.str.contains(r"/xmlrpc\.php$"),
            type="brute-force",
            description="WordPress XML-RPC login attempt",
        ),
        *unparsed,
        Rule(
            "http:sensitive-file",
            req.path.str.contains(SENSITIVE),
            type="scanner",
            description="probe for secret or configuration files",
        ),
        Rule(
            "http:app-probe",
            req.status.is_between(400, 499) & req.path.str.contains(APPS),
            type="scanner",
            description="probe for an administration page or web application",
        ),
        Rule(
            "http:script-probe",
            (req.status == 404) & req.path.str.contains(SCRIPT) & ~req.agent.str.contains(CRAWLER),
            type="scanner",
            description="probe for a script the site does not have",
        ),
        Rule(
            "http:proxy-probe",
            (req.method == "CONNECT") | req.absolute,
            type="scanner",
            description="open proxy test",
        ),
        Rule(
            "http:scanner-ua",
            req.agent.str.contains(SCANNER_UA),
            type="scanner",
            description="request by a scanning tool",
        ),
    ]
