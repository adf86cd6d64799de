"""Spamhaus DROP / EDROP / ASN-DROP (text, JSON lines) and the CERT feed: field mapping."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from tests.unit.evidence.conformance import CTX, assert_accounted, parse_lines, records_of
from wuzhen.evidence.parsers._base import Parser, ParseResult
from wuzhen.evidence.parsers.spamhaus import SpamhausCert, SpamhausDrop, SpamhausDropJson

DATA = Path(__file__).resolve().parents[2] / "data" / "evidence"


def _sample(parser: Parser, file: str) -> ParseResult:
    records, result = parse_lines(parser, (DATA / parser.name / file).read_text().splitlines())
    assert_accounted(records, result)
    return result


def _rows(result: ParseResult) -> dict[int, dict[str, Any]]:
    return {r["evidence.record"]: r for r in result.events.to_dicts()}


def _reasons(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame["reason"].value_counts().iter_rows())


def test_drop() -> None:
    result = _sample(SpamhausDrop(), "drop.txt")
    rows = _rows(result)
    modified = datetime(2026, 11, 28, 4, 39, 22, tzinfo=UTC)
    assert rows[5]["source.network"] == "192.0.2.0/24"
    assert rows[5]["evidence.ref"] == "SBL256894"
    assert rows[5]["time.source"] == modified
    assert rows[5]["classification.type"] == "blacklist"
    assert rows[5]["classification.identifier"] == "spamhaus-drop"
    assert rows[5]["feed.provider"] == "Spamhaus"
    assert rows[7]["source.network"] == "203.0.113.0/24"  # a line without its SBL id
    assert rows[7]["evidence.ref"] is None
    assert _reasons(result.skipped) == {"comment line": 5}
    assert result.rejects["evidence.record"].to_list() == [8]  # 203.0.113.300 ; SBL1


def test_edrop_and_v6_from_their_headers() -> None:
    edrop = _sample(SpamhausDrop(), "edrop.txt")
    assert set(edrop.events["classification.identifier"]) == {"spamhaus-edrop"}
    assert set(edrop.events["evidence.ref"]) == {"SBL600001", "SBL600002"}
    v6 = _sample(SpamhausDrop(), "dropv6.txt")
    assert set(v6.events["classification.identifier"]) == {"spamhaus-drop"}
    assert v6.events["source.network"].to_list() == ["2001:db8:100::/40", "2001:db8:200::/40"]


def test_asndrop_text() -> None:
    result = _sample(SpamhausDrop(), "asndrop.txt")
    rows = _rows(result)
    assert rows[5]["source.asn"] == 64496
    assert rows[5]["source.registration.cc"] == "AE"
    assert rows[5]["source.as_name"] == "XCONNECT24 - Xconnect24 Inc., US"
    assert rows[5]["source.network"] is None
    assert rows[5]["classification.identifier"] == "spamhaus-asndrop"
    assert rows[5]["time.source"] == datetime(2022, 11, 28, 4, 39, 22, tzinfo=UTC)
    assert rows[6]["source.registration.cc"] is None  # "AS64497 ; | Orb-bit Design Group"
    assert result.rejects["evidence.record"].to_list() == [7]


def test_header_carries_to_later_batches() -> None:
    lines = (DATA / "spamhaus-drop" / "edrop.txt").read_text().splitlines()
    parser = SpamhausDrop()
    state = parser.new_state()
    first = records_of(lines).filter(pl.col("evidence.record") <= 5)
    assert_accounted(first, parser.parse(first, state, CTX))
    later = records_of(lines).filter(pl.col("evidence.record") > 5)
    result = parser.parse(later, state, CTX)
    assert_accounted(later, result)
    assert result.events.select("classification.identifier", "time.source").rows() == [
        ("spamhaus-edrop", datetime(2026, 11, 28, 5, 0, tzinfo=UTC))
    ]


def test_bare_cidr_list_is_not_sniffed_as_drop() -> None:
    """Nothing in a bare CIDR list says Spamhaus: the plain blocklist parser reads it."""
    assert SpamhausDrop().sniff(["192.0.2.0/24 ", "198.51.100.0/22 "]) == 0
    assert SpamhausDrop().sniff(["192.0.2.0/24 ; SBL1", "198.51.100.0/22 ; SBL2"]) == 90


def test_drop_json() -> None:
    asn = _rows(_sample(SpamhausDropJson(), "asndrop.json"))
    assert asn[1]["source.asn"] == 64496
    assert asn[1]["source.registration.cc"] == "US"
    assert asn[1]["source.as_name"] == "XNNET"
    assert asn[1]["extra"] == '{"rir":"arin","domain":"xn.example"}'
    assert asn[3]["source.registration.cc"] == "IN"  # "in" upper-cased
    nets = _sample(SpamhausDropJson(), "drop_v4.json")
    assert nets.events.select("source.network", "evidence.ref").rows() == [
        ("192.0.2.0/24", "SBL256894"),
        ("198.51.100.0/22", "SBL532286"),
        ("2001:db8:100::/40", "SBL301771"),
    ]
    assert set(nets.events["classification.identifier"]) == {"spamhaus-drop"}
    assert _reasons(nets.skipped) == {"list metadata": 1}


def test_drop_json_rejects() -> None:
    result = _sample(SpamhausDropJson(), "asndrop.json")
    assert result.rejects.select("evidence.record", "reason").sort("evidence.record").rows() == [
        (4, "neither a DROP network nor an ASN-DROP entry"),
        (5, "not JSON"),
    ]


def test_cert_bots() -> None:
    result = _sample(SpamhausCert(), "cert.txt")
    rows = _rows(result)
    asprox = rows[4]
    assert asprox["time.source"] == datetime(
        2025, 11, 28, 8, 53, 20, tzinfo=UTC
    )  # date -d @1764320000
    assert (asprox["classification.type"], asprox["malware.name"]) == ("infected-system", "asprox")
    assert (asprox["source.asn"], asprox["source.geolocation.cc"]) == (64496, "AT")
    assert (asprox["destination.port"], asprox["protocol.transport"]) == (25, "tcp")
    patcher = rows[5]
    assert patcher["destination.fqdn"] == "sinkhole.example.dk"
    assert (patcher["destination.ip"], patcher["source.port"]) == ("198.51.100.19", 1036)
    assert rows[6]["destination.fqdn"] is None  # the "domain" is an address
    assert rows[6]["destination.ip"] == "198.51.100.109"
    mirai = rows[7]
    assert mirai["malware.name"] == "mirai"
    assert (mirai["destination.ip"], mirai["destination.port"], mirai["protocol.transport"]) == (
        None,
        None,
        None,
    )
    assert rows[8]["classification.type"] == "vulnerable-system"
    assert rows[8]["protocol.application"] == "smtp"
    assert rows[9]["classification.type"] == "brute-force"
    assert rows[10]["classification.type"] == "scanner"
    spam = rows[11]
    assert spam["classification.type"] == "spam"
    assert spam["malware.name"] == "darkmailer2"
    assert "source.url" not in spam  # the spammed URL is not served by the source
    assert spam["extra"] == (
        '{"spam_url":"http://spam.example.com/","spam_ip":"198.51.100.57","malware_version":"1660"}'
    )
    assert spam["source.port"] is None
    assert rows[12]["classification.type"] == "unauthorized-use-of-resources"
    assert rows[12]["destination.fqdn"] is None  # "192.168.255.154:8080" names no host
    assert rows[13]["source.asn"] is None  # "?"
    assert rows[13]["classification.identifier"] == "spamhaus-cert:iotscan"
    assert sorted(result.rejects["evidence.record"]) == [14, 15]  # no address; too few fields
