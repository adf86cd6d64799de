"""Plain blocklists, dataplane.org, DShield block.txt and Bambenek lists: field mapping."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.unit.evidence.conformance import CTX, assert_accounted, parse_lines, records_of
from wuzhen.evidence.parsers._base import Parser, ParseResult
from wuzhen.evidence.parsers.blocklist import Bambenek, Blocklist, Dataplane, DShieldBlock

DATA = Path(__file__).resolve().parents[2] / "data" / "evidence"


def _parse(parser: Parser, lines: list[str], state: Any = None) -> ParseResult:
    records = records_of(lines)
    result = parser.parse(records, state if state is not None else parser.new_state(), CTX)
    assert_accounted(records, result)
    return result


def _rows(result: ParseResult) -> dict[int, dict[str, Any]]:
    return {r["evidence.record"]: r for r in result.events.to_dicts()}


def _reasons(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame["reason"].value_counts().iter_rows())


def _sample(name: str, file: str) -> ParseResult:
    parser = {"blocklist": Blocklist(), "dataplane": Dataplane()}.get(name) or {
        "dshield-block": DShieldBlock(),
        "bambenek": Bambenek(),
    }[name]
    records, result = parse_lines(parser, (DATA / name / file).read_text().splitlines())
    assert_accounted(records, result)
    return result


# -- the generic list ------------------------------------------------------------------------


def test_generic_list_entries() -> None:
    result = _sample("blocklist", "mixed.txt")
    rows = _rows(result)
    assert rows[4]["source.ip"] == "192.0.2.17"
    assert rows[5]["extra"] == '{"comment":"seen brute-forcing IMAP"}'
    assert rows[6]["source.network"] == "203.0.113.0/24"
    assert rows[6]["source.ip"] is None
    assert rows[7]["source.ip"] == "2001:db8::66"
    assert rows[8]["source.network"] == "2001:db8:1::/48"
    # domains: lower case, no trailing dot
    assert rows[9]["source.fqdn"] == "malware-drop.example.net"
    assert (rows[11]["source.url"], rows[11]["source.ip"], rows[11]["source.port"]) == (
        "http://203.0.113.77:8080/bins/mips",
        "203.0.113.77",
        8080,
    )
    assert (rows[12]["source.fqdn"], rows[12]["source.port"]) == ("cdn.example.com", None)
    # hosts-file lines name the domain in their second column
    assert rows[13]["source.fqdn"] == "tracker.example.info"
    assert rows[13]["source.ip"] is None
    assert rows[16]["extra"] == '{"comment":"listed 2026-11-27"}'
    assert rows[19]["source.fqdn"] == "ads.example.com"
    assert rows[19]["extra"] == '{"comment":"ads"}'
    assert set(result.events["classification.type"]) == {"blacklist"}
    assert set(result.events["classification.identifier"]) == {"blocklist"}
    assert _reasons(result.skipped) == {
        "comment line": 3,
        "hosts-file entry for a local name": 3,  # localhost, ip6-localhost, broadcasthost
    }
    assert result.rejects.select("evidence.record", "reason").rows() == [
        (15, "not an address, network, domain or URL")
    ]


def test_the_urlhaus_plain_text_url_list_is_a_list_of_urls() -> None:
    """abuse.ch's plain-text URL list: its banner is comments, each URL an event."""
    result = _sample("blocklist", "urlhaus_plain_text.txt")
    rows = _rows(result)
    assert (rows[9]["source.url"], rows[9]["source.ip"], rows[9]["source.port"]) == (
        "http://198.51.100.160:41619/Mozi.m",
        "198.51.100.160",
        41619,
    )
    assert rows[10]["source.fqdn"] == "files.example.com"
    assert (rows[11]["source.ip"], rows[11]["source.port"]) == ("2001:db8::7", 8080)
    assert _reasons(result.skipped) == {"comment line": 8}
    assert result.rejects.height == 0


@pytest.mark.parametrize(
    "line",
    ["not a record", "a" * 300, "example", "999", "-", "http://", "exa mple.com", ".com"],
)
def test_generic_list_rejects_what_is_no_entry(line: str) -> None:
    result = _parse(Blocklist(), [line])
    assert result.events.height == 0
    assert result.rejects.height == 1


def test_generic_list_sniff_wants_bare_entries() -> None:
    parser = Blocklist()
    assert parser.sniff(["192.0.2.1", "192.0.2.2 # x", "example.com"]) == 60
    # an access log starts with an address too, but goes on: not a list
    weblog = '192.0.2.1 - - [28/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 12'
    assert parser.sniff([weblog, weblog]) == 0
    assert parser.sniff(["# only comments", "; here"]) == 0


# -- dataplane.org ---------------------------------------------------------------------------


def test_dataplane_rows() -> None:
    result = _sample("dataplane", "sshpwauth.txt")
    rows = _rows(result)
    na = rows[16]
    assert (na["source.ip"], na["source.asn"], na["source.as_name"]) == ("192.0.2.183", None, None)
    assert na["time.source"] == datetime(2026, 11, 22, 4, 26, 48, tzinfo=UTC)
    assert na["classification.type"] == "brute-force"
    assert na["classification.identifier"] == "dataplane:sshpwauth"
    assert (na["protocol.application"], na["protocol.transport"]) == ("ssh", "tcp")
    assert (na["feed.name"], na["feed.provider"]) == ("sshpwauth", "DataPlane.org")
    assert rows[17]["source.as_name"] == "CHINANET-BACKBONE No.31,Jin-ro"
    assert rows[17]["source.asn"] == 4134
    # an AS name holding "|" is read whole (fields counted from both ends)
    assert rows[18]["source.as_name"] == "EXAMPLE-NET | Example | Hosting"
    assert rows[18]["source.ip"] == "198.51.100.4"
    assert rows[19]["source.ip"] == "2001:db8::10"
    assert _reasons(result.rejects) == {
        "not a dataplane record (ASN | ASname | ipaddr | [firstseen |] lastseen | category)": 2
    }
    assert sorted(result.rejects["evidence.record"]) == [20, 21]  # cut row, unreadable time


def test_dataplane_categories_and_proto41() -> None:
    result = _sample("dataplane", "mixed.txt")
    rows = _rows(result)
    proto41 = rows[4]
    assert proto41["source.ip"] == "192.0.2.1"
    assert proto41["time.source"] == datetime(2026, 11, 28, 5, 0, 18, tzinfo=UTC)
    assert proto41["extra"] == '{"first_seen":"2026-11-20T05:00:18Z"}'
    assert proto41["classification.type"] == "potentially-unwanted-accessible"
    kinds = {
        r["classification.identifier"]: (r["classification.type"], r["protocol.application"])
        for r in rows.values()
    }
    assert kinds == {
        "dataplane:proto41": ("potentially-unwanted-accessible", "6to4"),
        "dataplane:telnetlogin": ("brute-force", "telnet"),
        "dataplane:vncrfb": ("scanner", "vnc"),
        "dataplane:dnsrd": ("scanner", "dns"),
        "dataplane:sipquery": ("scanner", "sip"),
        "dataplane:smtpgreet": ("scanner", "smtp"),
        "dataplane:newreport": ("undetermined", None),  # a report this parser does not know
    }
    # a proto41 row without its firstseen column
    assert result.rejects["evidence.record"].to_list() == [11]


def test_dataplane_is_stateless_and_order_free() -> None:
    """Rows of both shapes interleaved, in any order: each mapped on its own."""
    lines = (DATA / "dataplane" / "mixed.txt").read_text().splitlines()[3:]
    forward = _rows(_parse(Dataplane(), lines))
    backward = _rows(_parse(Dataplane(), lines[::-1]))
    n = len(lines)
    assert {k: v["source.ip"] for k, v in forward.items()} == {
        n + 1 - k: v["source.ip"] for k, v in backward.items()
    }


# -- DShield block.txt -----------------------------------------------------------------------


def test_dshield_block() -> None:
    result = _sample("dshield-block", "block.txt")
    rows = _rows(result)
    updated = datetime(2026, 11, 28, 15, 33, 38, tzinfo=UTC)
    first = rows[23]
    assert first["source.network"] == "192.0.2.0/24"
    assert first["time.source"] == updated
    assert first["source.registration.cc"] == "JP"
    assert first["extra"] == '{"attacks":788,"network_name":"Example Net"}'  # no e-mail
    assert (first["classification.type"], first["classification.identifier"]) == (
        "scanner",
        "dshield-block",
    )
    assert rows[24]["source.registration.cc"] is None
    assert rows[24]["extra"] == '{"attacks":585}'
    assert rows[25]["source.network"] == "203.0.113.0/24"  # a row without the e-mail column
    assert _reasons(result.skipped) == {"comment line": 23, "column header": 1}
    assert result.rejects["evidence.record"].to_list() == [26]


def test_dshield_updated_time_carries_to_later_batches() -> None:
    lines = (DATA / "dshield-block" / "block.txt").read_text().splitlines()
    parser = DShieldBlock()
    state = parser.new_state()
    _parse(parser, lines[:20], state)
    later = records_of(lines).filter(pl.col("evidence.record") > 20)
    result = parser.parse(later, state, CTX)
    assert_accounted(later, result)
    assert set(result.events["time.source"]) == {datetime(2026, 11, 28, 15, 33, 38, tzinfo=UTC)}


# -- Bambenek --------------------------------------------------------------------------------


def test_bambenek_lists() -> None:
    ips = _rows(_sample("bambenek", "c2-ipmasterlist.txt"))
    assert ips[10]["source.ip"] == "192.0.2.190"
    assert ips[10]["malware.name"] == "shiotob/urlzone/bebloh"
    assert ips[10]["time.source"] == datetime(2026, 11, 28, 18, 2, tzinfo=UTC)
    assert ips[11]["malware.name"] == "matsnu"
    domains = _rows(_sample("bambenek", "c2-dommasterlist.txt"))
    assert domains[8]["source.fqdn"] == "qxvnkmbwkfrc.example.com"
    assert domains[8]["source.ip"] is None
    assert domains[8]["malware.name"] == "cryptolocker - flashback"
    assert domains[9]["malware.name"] == "matsnu"
    assert {r["classification.type"] for r in domains.values()} == {"c2-server"}
