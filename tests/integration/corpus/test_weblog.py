"""Web server logs of the shared corpus, through the whole pipeline: exact counts, each checked
by the independent command in the comment beside it (run from ``../shared/corpus``), and three
records per file field by field (two for ``apache-shellshock``, which holds two).

Files: ``syslog/elastic-examples_apache_logs`` (a real Apache combined log, detected as
``weblog``), ``syslog/loghub/Apache_2k.log`` (a real Apache 2.0 error log, ``apache-error``),
and fail2ban's filter test inputs ``syslog/fail2ban_testlogs/apache-*`` (Apache error logs,
``apache-error``), ``nginx-bad-request`` and ``nginx-botsearch`` (nginx access logs,
``weblog``; ``nginx-botsearch`` also holds six nginx error-log lines, which an access-log
reader rejects) and ``nginx-http-auth``, ``nginx-limit-req`` (nginx error logs,
``nginx-error``). fail2ban's ``# failJSON`` annotation lines are rejected (no log line is
a comment), and so are its synthetic journal lines (``host nginx[pid]: ...``, no time).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.corpus.helpers import check, ingest
from wuzhen.node import Node

pytestmark = pytest.mark.corpus

ELASTIC = "syslog/elastic-examples_apache_logs"
APACHE_2K = "syslog/loghub/Apache_2k.log"
TESTLOGS = "syslog/fail2ban_testlogs"
NOT_ACCESS = "not an access log line"
NOT_APACHE = "not an Apache error log line"
NOT_NGINX = "not an nginx error log line"


def _utc(
    year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


HTTP = {"protocol.transport": "tcp", "protocol.application": "http"}
SCANNER = {"classification.taxonomy": "information-gathering", "classification.type": "scanner"}
BRUTE = {"classification.taxonomy": "intrusion-attempts", "classification.type": "brute-force"}
EXPLOIT = {"classification.taxonomy": "intrusion-attempts", "classification.type": "exploit"}
UNROUTED = {"source.registration.cc": None, "route.member": None, "route.state": "unrouted"}


def _routed(cc: str, member: str | None = None) -> dict[str, Any]:
    return {
        "source.registration.cc": cc,
        "route.member": member or cc,
        "route.state": "routed",
    }


def test_elastic_apache_access_log(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / ELASTIC)
    assert f.format == "weblog"
    # grep -c '' syslog/elastic-examples_apache_logs                                      -> 10000
    assert f.records == 10000
    # awk '$9 ~ /^4/ {print tolower($7)}' FILE | sed 's/?.*//' | grep -cE 'wp-login\.php|
    #   /wp-admin|/xmlrpc\.php|phpmyadmin|/pma/|myadmin|/administrator/|/admin\.php|
    #   /manager/html|/solr/admin|/actuator|setup\.php|/cgi-bin/|/fckeditor/|
    #   /wp-content/plugins/|/wp-includes/'                                              -> 53
    # grep -ciE '\.\./|%2e%2e|\(\) \{|union.{1,10}select|jndi|sqlmap|nikto|/\.env|/\.git/' FILE
    #   -> 0 (no exploit, sensitive-file or scanner-UA request)
    # awk '$9 == 404' FILE | grep -c 'view.php.*MJ12bot' -> 4: the only other 404 scripts
    #   not on the app list are asked by a crawler following a broken link (not a sweep)
    assert f.events == 53
    assert f.duplicates == 0
    # 10000 - 53 -> 9947
    assert dict(f.skipped_reasons) == {"normal HTTP request": 9947}
    # grep -vcP '^\S+ \S+ \S+ \[[^]]+\] "(?:[^"\\]|\\.)*" \d{3} (?:\d+|-)' FILE          -> 0
    # (line 8899 ends in a user agent cut before its closing quote: read, skipped)
    assert f.rejects == 0
    # sed -n 379p FILE
    check(
        rows[379],
        {
            "time.source": _utc(2015, 5, 17, 13, 5, 28),
            "source.ip": "144.76.194.187",
            "source.port": None,
            "destination.ip": None,
            "destination.fqdn": None,
            "destination.urlpath": "/wp-login.php",
            **HTTP,
            **SCANNER,
            "classification.identifier": "http:app-probe",
            **_routed("DE"),
            "extra": '{"method":"GET","status":404,"bytes":292,"http_version":"HTTP/1.0"}',
        },
    )
    # sed -n 5087p FILE
    check(
        rows[5087],
        {
            "time.source": _utc(2015, 5, 19, 4, 5, 26),
            "source.ip": "183.91.14.219",
            "destination.urlpath": "/wp-admin/",
            **HTTP,
            **SCANNER,
            "classification.identifier": "http:app-probe",
            **_routed("VN"),
        },
    )
    # sed -n 7641p FILE: the Referer is kept as its host only
    check(
        rows[7641],
        {
            "time.source": _utc(2015, 5, 20, 1, 5, 51),
            "source.ip": "173.236.32.219",
            "destination.urlpath": "/wp-login.php?action=register",
            **SCANNER,
            "classification.identifier": "http:app-probe",
            **_routed("US"),
            "extra": '{"method":"GET","status":404,"bytes":296,"http_version":"HTTP/1.0",'
            '"user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.7; rv:22.0) '
            'Gecko/20100101 Firefox/22.0","referrer_host":"www.semicomplete.com"}',
        },
    )


def test_loghub_apache_error_log(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / APACHE_2K)
    assert f.format == "apache-error"
    # grep -c '' syslog/loghub/Apache_2k.log                                              -> 2000
    assert f.records == 2000
    # grep -c '\[client ' FILE (all "Directory index forbidden by rule")                   -> 32
    assert f.events == 32
    # grep -vc '\[client ' FILE (jk2_init, workerEnv.init, mod_jk notices and errors)     -> 1968
    assert dict(f.skipped_reasons) == {"server message without a client address": 1968}
    assert (f.rejects, f.duplicates) == (0, 0)
    common = {
        **HTTP,
        **SCANNER,
        "source.port": None,
        "destination.fqdn": None,
        "classification.identifier": "apache:directory-index-forbidden",
        "extra": '{"level":"error"}',
    }
    # grep -n '\[client ' FILE | head -3
    check(
        rows[132],
        {
            "time.source": _utc(2005, 12, 4, 5, 15, 9),
            "source.ip": "222.166.160.184",
            **common,
            **_routed("HK", "CN"),
        },
    )
    check(
        rows[580],
        {
            "time.source": _utc(2005, 12, 4, 7, 45, 45),
            "source.ip": "63.13.186.196",
            **common,
            **_routed("US"),
        },
    )
    check(
        rows[581],
        {
            "time.source": _utc(2005, 12, 4, 8, 54, 17),
            "source.ip": "147.31.138.75",
            **common,
            **_routed("US"),
        },
    )


def test_apache_auth(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / TESTLOGS / "apache-auth")
    assert f.format == "apache-error"
    # grep -c . syslog/fail2ban_testlogs/apache-auth                                       -> 113
    assert f.records == 113
    # grep -v '^#' FILE | grep -c '\[\(client\|remote\) '  -> 45;  minus the SNI lines    -> 42
    assert f.events == 42
    # grep -c 'via SNI' FILE                                                               -> 3
    assert dict(f.skipped_reasons) == {"TLS SNI host name mismatch (not evidence by itself)": 3}
    # grep -c '^#' FILE                                                                    -> 68
    assert dict(f.reject_reasons) == {NOT_APACHE: 68}
    # sed -n 3p FILE: the [client] quoted inside the message is not the source
    check(
        rows[3],
        {
            "source.ip": "192.168.33.1",
            **SCANNER,
            "classification.identifier": "apache:file-not-found",
            **UNROUTED,
        },
    )
    # sed -n 7p FILE
    check(
        rows[7],
        {
            "time.source": _utc(2013, 7, 11, 1, 21, 41),
            "source.ip": "194.228.20.113",
            "source.port": None,
            **HTTP,
            **BRUTE,
            "classification.identifier": "apache:auth-failure",
            **_routed("CZ"),
            "extra": '{"level":"error"}',
        },
    )
    # sed -n 25p FILE
    check(
        rows[25],
        {
            "time.source": _utc(2014, 9, 14, 21, 44, 43, 8606),
            "source.ip": "192.3.9.178",
            "source.port": 44271,
            **SCANNER,
            "classification.identifier": "apache:access-denied",
            **_routed("US"),
            "extra": '{"module":"authz_core","level":"error","code":"AH01630"}',
        },
    )
    # sed -n 151p FILE: ErrorLog syslog; the BSD header has no year (the ingest's is taken)
    check(
        rows[151],
        {
            "time.source": _utc(2026, 2, 15, 16, 23, 0),
            "source.ip": "192.0.2.1",
            "source.port": 58585,
            "destination.fqdn": "srv",
            "classification.identifier": "apache:access-denied",
            **UNROUTED,
        },
    )


def test_apache_botsearch(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / TESTLOGS / "apache-botsearch")
    assert f.format == "apache-error"
    # grep -c . syslog/fail2ban_testlogs/apache-botsearch                                  -> 38
    assert f.records == 38
    # grep -v '^#' FILE | grep -c '\[client '                                              -> 19
    assert f.events == 19
    assert f.skipped == 0
    # grep -c '^#' FILE                                                                    -> 19
    assert dict(f.reject_reasons) == {NOT_APACHE: 19}
    # sed -n 5p FILE
    check(
        rows[5],
        {
            "time.source": _utc(2013, 12, 23, 9, 49, 10),
            "source.ip": "115.249.248.145",
            **HTTP,
            **SCANNER,
            "classification.identifier": "apache:file-not-found",
            **_routed("IN"),
        },
    )
    # sed -n 14p FILE
    check(
        rows[14],
        {
            "time.source": _utc(2013, 12, 31, 9, 13, 47),
            "source.ip": "176.102.37.56",
            **SCANNER,
            "classification.identifier": "apache:script-not-found",
            **_routed("UA"),
        },
    )
    # sed -n 29p FILE
    check(
        rows[29],
        {
            "time.source": _utc(2013, 12, 23, 21, 21, 39),
            "source.ip": "183.60.244.49",
            "classification.identifier": "apache:file-not-found",
            **_routed("CN"),
        },
    )


def test_apache_noscript(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / TESTLOGS / "apache-noscript")
    assert f.format == "apache-error"
    # grep -c . syslog/fail2ban_testlogs/apache-noscript                                   -> 27
    assert f.records == 27
    # grep -v '^#' FILE | grep -c '\[client '                                              -> 13
    assert f.events == 13
    assert f.skipped == 0
    # grep -c '^#' FILE                                                                    -> 14
    assert dict(f.reject_reasons) == {NOT_APACHE: 14}
    # sed -n 2p FILE
    check(
        rows[2],
        {
            "time.source": _utc(2013, 6, 9, 7, 57, 47),
            "source.ip": "192.0.43.10",
            **SCANNER,
            "classification.identifier": "apache:script-not-found",
            **_routed("US"),
        },
    )
    # sed -n 18p FILE
    check(
        rows[18],
        {
            "time.source": _utc(2013, 12, 23, 7, 49, 1, 981912),
            "source.ip": "204.232.202.107",
            "source.port": 46301,
            "classification.identifier": "apache:script-not-found",
            **_routed("US"),
            "extra": '{"level":"error"}',
        },
    )
    # sed -n 20p FILE
    check(
        rows[20],
        {
            "time.source": _utc(2018, 3, 11, 8, 56, 20, 913548),
            "source.ip": "192.0.2.106",
            "source.port": 50900,
            "classification.identifier": "apache:script-not-found",
            **UNROUTED,
            "extra": '{"module":"proxy_fcgi","level":"error","code":"AH01071"}',
        },
    )


def test_apache_overflows(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / TESTLOGS / "apache-overflows")
    assert f.format == "apache-error"
    # grep -c . syslog/fail2ban_testlogs/apache-overflows                                  -> 28
    assert f.records == 28
    # grep -v '^#' FILE | grep -c '\[client '                                              -> 11
    assert f.events == 11
    assert f.skipped == 0
    # grep -c '^#' FILE                                                                    -> 17
    assert dict(f.reject_reasons) == {NOT_APACHE: 17}
    ids = [r["classification.identifier"] for r in rows.values()]
    # grep -cE 'Invalid URI in request [^G]|URI too long' FILE                             -> 4
    assert ids.count("apache:overflow-attempt") == 4
    # grep -v '^#' FILE | grep -cE 'URI in request GET .*\.\./|invalid URI path'           -> 4
    assert ids.count("apache:path-traversal") == 4
    # grep -cE 'Invalid method|erroneous characters' FILE                                  -> 3
    assert ids.count("apache:invalid-request") == 3
    # sed -n 3p FILE
    check(
        rows[3],
        {
            "time.source": _utc(2010, 3, 16, 15, 39, 29),
            "source.ip": "58.179.109.179",
            **HTTP,
            **EXPLOIT,
            "classification.identifier": "apache:overflow-attempt",
            **_routed("AU"),
        },
    )
    # sed -n 13p FILE
    check(
        rows[13],
        {
            "time.source": _utc(2010, 10, 27, 23, 16, 37),
            "source.ip": "187.117.240.164",
            **EXPLOIT,
            "classification.identifier": "apache:overflow-attempt",
            **_routed("BR"),
        },
    )
    # sed -n 23p FILE
    check(
        rows[23],
        {
            "time.source": _utc(2007, 11, 15, 3, 9, 59),
            "source.ip": "89.189.71.87",
            **SCANNER,
            "classification.identifier": "apache:invalid-request",
            **_routed("YE"),
        },
    )


def test_apache_shellshock(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / TESTLOGS / "apache-shellshock")
    assert f.format == "apache-error"
    # grep -c . syslog/fail2ban_testlogs/apache-shellshock                                 -> 4
    assert f.records == 4
    # grep -c 'function definition' FILE                                                   -> 2
    assert f.events == 2
    # grep -c '^#' FILE                                                                    -> 2
    assert (f.skipped, dict(f.reject_reasons)) == (0, {NOT_APACHE: 2})
    shellshock = {
        **HTTP,
        **EXPLOIT,
        "classification.identifier": "apache:shellshock",
        "extra": '{"module":"cgi","level":"error","code":"AH01215"}',
    }
    # sed -n 2p FILE; sed -n 4p FILE
    check(
        rows[2],
        {
            "time.source": _utc(2014, 9, 25, 9, 27, 18, 813902),
            "source.ip": "89.207.132.76",
            "source.port": 59635,
            **shellshock,
            **_routed("NL"),
        },
    )
    check(
        rows[4],
        {
            "time.source": _utc(2014, 9, 25, 9, 29, 56, 141832),
            "source.ip": "162.247.73.206",
            "source.port": 41273,
            **shellshock,
            **_routed("US"),
        },
    )


def test_nginx_bad_request(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / TESTLOGS / "nginx-bad-request")
    assert f.format == "weblog"
    # grep -c . syslog/fail2ban_testlogs/nginx-bad-request                                 -> 16
    assert f.records == 16
    # grep -c '" 400 ' FILE: empty, binary, HELP, batman, CONNECT, pma, cgi-bin requests   -> 8
    assert f.events == 8
    assert f.skipped == 0
    # grep -c '^#' FILE                                                                    -> 8
    assert dict(f.reject_reasons) == {NOT_ACCESS: 8}
    # sed -n 8p FILE: an RDP cookie sent to the web server
    check(
        rows[8],
        {
            "time.source": _utc(2015, 1, 20, 18, 53, 28),
            "source.ip": "12.34.56.78",
            "destination.urlpath": None,
            **HTTP,
            **SCANNER,
            "classification.identifier": "http:binary-request",
            **_routed("US"),
            "extra": '{"status":400,"bytes":47}',
        },
    )
    # sed -n 20p FILE
    check(
        rows[20],
        {
            "time.source": _utc(2015, 1, 20, 0, 17, 7),
            "source.ip": "7.8.9.10",
            "destination.urlpath": None,
            **SCANNER,
            "classification.identifier": "http:proxy-probe",
            **_routed("US"),
            "extra": '{"method":"CONNECT","status":400,"bytes":162,"http_version":"HTTP/1.1",'
            '"proxy_target":"123.123.123.123"}',
        },
    )
    # sed -n 23p FILE
    check(
        rows[23],
        {
            "time.source": _utc(2014, 12, 12, 21, 59, 2),
            "source.ip": "2.5.2.5",
            "destination.urlpath": "/cgi-bin/tools/tools.pl",
            **SCANNER,
            "classification.identifier": "http:app-probe",
            **_routed("FR"),
        },
    )


def test_nginx_botsearch(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / TESTLOGS / "nginx-botsearch")
    assert f.format == "weblog"
    # grep -c . syslog/fail2ban_testlogs/nginx-botsearch                                   -> 29
    assert f.records == 29
    # grep -cE '^[0-9.]+ - [^ ]+ \[' FILE (all 404s for setup.php / cgi-bin)               -> 8
    assert f.events == 8
    assert f.skipped == 0
    # grep -c '^#' FILE -> 15;  grep -cE '^([0-9]{4}/|host nginx)' FILE (error-log lines)  -> 6
    assert dict(f.reject_reasons) == {NOT_ACCESS: 21}
    # sed -n 2p FILE
    check(
        rows[2],
        {
            "time.source": _utc(2015, 1, 20, 18, 53, 28),
            "source.ip": "12.34.56.78",
            "destination.urlpath": "//phpMyAdmin-2.8.2.3/scripts/setup.php",
            **HTTP,
            **SCANNER,
            "classification.identifier": "http:app-probe",
            **_routed("US"),
            "extra": '{"method":"GET","status":404,"bytes":47,"http_version":"HTTP/1.1"}',
        },
    )
    # sed -n 20p FILE
    check(
        rows[20],
        {
            "time.source": _utc(2015, 1, 20, 0, 17, 7),
            "source.ip": "7.8.9.10",
            "destination.urlpath": "/cgi-bin/recent.cgi",
            "classification.identifier": "http:app-probe",
            **_routed("US"),
        },
    )
    # sed -n 23p FILE
    check(
        rows[23],
        {
            "time.source": _utc(2014, 12, 12, 21, 59, 2),
            "source.ip": "2.5.2.5",
            "destination.urlpath": "/cgi-bin/tools/tools.pl",
            "classification.identifier": "http:app-probe",
            **_routed("FR"),
        },
    )


def test_nginx_http_auth(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / TESTLOGS / "nginx-http-auth")
    assert f.format == "nginx-error"
    # grep -c . syslog/fail2ban_testlogs/nginx-http-auth                                   -> 40
    assert f.records == 40
    # grep -v '^#' FILE | grep -cE '^[0-9]{4}/'                                            -> 16
    # grep -E '^[0-9]{4}/' FILE | grep -cE 'upstream|SSL_read'                             -> 2
    assert f.events == 14
    assert dict(f.skipped_reasons) == {"error-log message not recognised as evidence": 2}
    # grep -c '^#' FILE -> 22;  grep -c '^host nginx' FILE                                  -> 2
    assert dict(f.reject_reasons) == {NOT_NGINX: 24}
    # sed -n 4p FILE
    check(
        rows[4],
        {
            "time.source": _utc(2012, 4, 9, 11, 53, 29),
            "source.ip": "192.0.43.10",
            "destination.fqdn": "www.myhost.com",
            "destination.urlpath": "/",
            **HTTP,
            **BRUTE,
            "classification.identifier": "nginx:auth-failure",
            **_routed("US"),
            "extra": '{"level":"error","method":"GET"}',
        },
    )
    # sed -n 14p FILE: a user name forged to look like context; the last client is the real one
    check(
        rows[14],
        {
            "time.source": _utc(2014, 4, 3, 22, 20, 40),
            "source.ip": "192.0.2.2",
            "destination.fqdn": None,
            **BRUTE,
            **UNROUTED,
        },
    )
    # sed -n 32p FILE
    check(
        rows[32],
        {
            "time.source": _utc(2020, 11, 25, 15, 47, 47),
            "source.ip": "80.191.166.166",
            "destination.urlpath": None,
            **SCANNER,
            "classification.identifier": "nginx:tls-probe",
            **_routed("IR"),
            "extra": '{"level":"crit"}',
        },
    )


def test_nginx_limit_req(corpus: Path, sqlite_node: Node) -> None:
    f, rows = ingest(sqlite_node, corpus / TESTLOGS / "nginx-limit-req")
    assert f.format == "nginx-error"
    # grep -c . syslog/fail2ban_testlogs/nginx-limit-req                                   -> 19
    assert f.records == 19
    # grep -E '^[0-9]{4}/' FILE | grep -c 'limiting'                                       -> 6
    assert f.events == 6
    # grep -c 'delaying request' FILE                                                      -> 2
    assert dict(f.skipped_reasons) == {"request delayed by a rate limit (within its burst)": 2}
    # grep -c '^#' FILE -> 10;  grep -c '^host nginx' FILE                                  -> 1
    assert dict(f.reject_reasons) == {NOT_NGINX: 11}
    dos = {"classification.taxonomy": "availability", "classification.type": "dos"}
    # sed -n 3p FILE
    check(
        rows[3],
        {
            "time.source": _utc(2015, 10, 29, 20, 1, 2),
            "source.ip": "1.2.3.4",
            "destination.fqdn": "example.com",
            "destination.urlpath": "/index.htm",
            **HTTP,
            **dos,
            "classification.identifier": "nginx:rate-limited",
            **_routed("AU"),
            "extra": '{"level":"error","method":"POST"}',
        },
    )
    # sed -n 9p FILE
    check(
        rows[9],
        {
            "time.source": _utc(2016, 9, 30, 8, 36, 6),
            "source.ip": "13.123.1.123",
            **dos,
            **_routed("GB"),
        },
    )
    # sed -n 24p FILE
    check(
        rows[24],
        {
            "time.source": _utc(2025, 8, 3, 13, 56, 22),
            "source.ip": "162.240.161.123",
            "destination.fqdn": "myserver.net",
            "destination.urlpath": "/.env",
            **dos,
            **_routed("US"),
        },
    )
