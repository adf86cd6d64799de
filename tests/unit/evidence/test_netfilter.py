"""Netfilter packet logs (iptables, nftables, ufw): mapping, classification, skips, rejects."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.unit.evidence.conformance import CTX, assert_accounted, records_of
from wuzhen.evidence import parsers
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.evidence.parsers._base import ParseContext, ParseResult
from wuzhen.node import Node

PARSER = parsers.get("netfilter")
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "evidence" / "netfilter"
MAC = "MAC=52:54:00:3a:91:0c:fe:54:00:17:c2:8e:08:00"
SYN = (
    f"IN=eth0 OUT= {MAC} SRC=185.220.101.45 DST=203.0.113.10 LEN=40 TOS=0x00 PREC=0x00 "
    "TTL=244 ID=54321 PROTO=TCP SPT=54321 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0 "
)


def parse(lines: list[str], ctx: ParseContext = CTX) -> ParseResult:
    records = records_of(lines)
    result = PARSER.parse(records, None, ctx)
    assert_accounted(records, result)
    return result


def event(line: str, ctx: ParseContext = CTX) -> dict[str, Any]:
    result = parse([line], ctx)
    assert result.events.height == 1, (result.skipped, result.rejects)
    row: dict[str, Any] = result.events.row(0, named=True)
    return row


def skip_reason(line: str) -> str:
    result = parse([line])
    assert result.skipped.height == 1, (result.events, result.rejects)
    reason: str = result.skipped["reason"][0]
    return reason


def kernel(body: str, header: str = "Nov 28 06:25:11 web1 kernel: [1843551.285318] ") -> str:
    return header + body


def test_ufw_block_maps_every_field() -> None:
    row = event(kernel("[UFW BLOCK] " + SYN))
    assert row["time.source"] == datetime(2026, 11, 28, 6, 25, 11, tzinfo=UTC)
    assert row["source.ip"] == "185.220.101.45"
    assert row["source.port"] == 54321
    assert row["destination.ip"] == "203.0.113.10"
    assert row["destination.port"] == 22
    assert row["destination.fqdn"] == "web1"
    assert row["protocol.transport"] == "tcp"
    assert row["classification.type"] == "scanner"
    assert row["classification.identifier"] == "netfilter:block:tcp/22"
    assert json.loads(row["extra"]) == {
        "prefix": "[UFW BLOCK]",
        "direction": "inbound",
        "interface_in": "eth0",
        "tcp_flags": "SYN",
        "ttl": 244,
        "length": 40,
    }


def test_mac_addresses_are_never_kept() -> None:
    row = event(kernel("[UFW BLOCK] " + SYN))
    assert "52:54:00" not in json.dumps(row, default=str).replace(row["raw"], "")
    assert "MAC" not in row["extra"]


def test_ufw_limit_is_brute_force() -> None:
    row = event(kernel("[UFW LIMIT BLOCK] " + SYN))
    assert row["classification.type"] == "brute-force"
    assert row["classification.identifier"] == "netfilter:limit:tcp/22"


@pytest.mark.parametrize(
    "prefix",
    ["IPTABLES-DROP: ", "DROP ", "[nftables] Dropped: ", "FINAL_REJECT: ", "Inbound DENIED: "],
)
def test_any_prefix_naming_a_block_is_evidence(prefix: str) -> None:
    row = event(kernel(prefix + SYN, "2026-11-20T03:14:07+00:00 gw kernel: "))
    assert row["classification.identifier"] == "netfilter:block:tcp/22"
    assert json.loads(row["extra"])["prefix"] == prefix.strip()


def test_iso_header_with_offset_is_converted_to_utc() -> None:
    row = event(kernel("DROP " + SYN, "2026-11-21T09:02:44.250+0100 fw01 kernel: "))
    assert row["time.source"] == datetime(2026, 11, 21, 8, 2, 44, 250000, tzinfo=UTC)


def test_rfc5424_header() -> None:
    row = event(kernel("DROP " + SYN, "<4>1 2026-11-20T03:14:28.118Z gw kernel - - - "))
    assert row["time.source"] == datetime(2026, 11, 20, 3, 14, 28, 118000, tzinfo=UTC)
    assert row["destination.fqdn"] == "gw"


def test_bsd_header_takes_the_year_before_for_a_future_date() -> None:
    january = ParseContext(now=datetime(2027, 1, 2, tzinfo=UTC))
    row = event(kernel("[UFW BLOCK] " + SYN, "Dec 31 23:59:59 web1 kernel: "), january)
    assert row["time.source"] == datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_dmesg_uptime_has_no_source_time() -> None:
    row = event("[1843551.285318] [UFW BLOCK] " + SYN)
    assert row["time.source"] is None
    assert row["destination.fqdn"] is None
    assert row["source.ip"] == "185.220.101.45"


def test_dmesg_human_time_is_read_in_the_ingest_time_zone() -> None:
    berlin = ParseContext(now=CTX.now, timezone="Europe/Berlin")
    row = event("[Sat Nov 28 06:25:12 2026] [UFW BLOCK] " + SYN, berlin)
    assert row["time.source"] == datetime(2026, 11, 28, 5, 25, 12, tzinfo=UTC)


def test_dmesg_decoded_and_short_monotonic_forms() -> None:
    rows = parse(
        [
            "kern  :warn  : [1843553.117801] [UFW BLOCK] " + SYN,
            "[1843554.361990] web1 kernel: [UFW BLOCK] " + SYN,
        ]
    ).events.sort("evidence.record")
    assert rows["source.ip"].to_list() == ["185.220.101.45", "185.220.101.45"]
    assert rows["destination.fqdn"].to_list() == [None, "web1"]


def test_ipv6_and_icmpv6_echo() -> None:
    row = event(
        kernel(
            "[nftables] Dropped: IN=enp1s0 OUT= SRC=2a06:4880:9000::57 DST=2001:db8:a0::10 "
            "LEN=64 TC=0 HOPLIMIT=52 FLOWLBL=0 PROTO=ICMPv6 TYPE=128 CODE=0 ID=34021 SEQ=1 "
        )
    )
    assert row["source.ip"] == "2a06:4880:9000::57"
    assert row["destination.ip"] == "2001:db8:a0::10"
    assert row["protocol.transport"] == "ipv6-icmp"
    assert row["source.port"] is None
    assert row["classification.identifier"] == "netfilter:block:ipv6-icmp/128"
    extra = json.loads(row["extra"])
    assert (extra["ttl"], extra["icmp_type"], extra["icmp_code"]) == (52, 128, 0)


def test_icmp_echo_request() -> None:
    row = event(
        kernel(
            "[UFW BLOCK] IN=eth0 OUT= SRC=162.142.125.217 DST=203.0.113.10 LEN=28 TOS=0x00 "
            "PREC=0x00 TTL=41 ID=27431 PROTO=ICMP TYPE=8 CODE=0 ID=33187 SEQ=0 "
        )
    )
    assert row["protocol.transport"] == "icmp"
    assert row["classification.identifier"] == "netfilter:block:icmp/8"


@pytest.mark.parametrize(
    ("proto", "transport", "identifier"),
    [
        ("47", "gre", "netfilter:block:gre"),
        ("50", "esp", "netfilter:block:esp"),
        ("103", "other", "netfilter:block:proto-103"),
        ("6 SPT=1 DPT=23 WINDOW=0 RES=0x00 SYN URGP=0", "tcp", "netfilter:block:tcp/23"),
        ("17 SPT=4000 DPT=161 LEN=20", "udp", "netfilter:block:udp/161"),
    ],
)
def test_numeric_protocols(proto: str, transport: str, identifier: str) -> None:
    row = event(
        kernel(
            f"DROP IN=eth0 OUT= SRC=103.99.0.122 DST=198.51.100.7 LEN=68 TOS=0x00 PREC=0x00 "
            f"TTL=49 ID=4421 PROTO={proto} "
        )
    )
    assert row["protocol.transport"] == transport
    assert row["classification.identifier"] == identifier


@pytest.mark.parametrize("flags", ["FIN", "", "FIN PSH URG", "SYN"])
def test_scans_without_ack_are_evidence(flags: str) -> None:
    line = kernel(
        "DROP IN=eth0 OUT= SRC=80.82.77.139 DST=198.51.100.7 LEN=40 TOS=0x00 PREC=0x00 TTL=245 "
        f"ID=1 PROTO=TCP SPT=58214 DPT=8080 WINDOW=1024 RES=0x00 {flags} URGP=0 ".replace("  ", " ")
    )
    assert event(line)["classification.identifier"] == "netfilter:block:tcp/8080"


def test_forwarded_block_is_evidence_with_its_direction() -> None:
    row = event(kernel("FWD-DROP: " + SYN.replace("OUT= ", "OUT=eth1 ")))
    extra = json.loads(row["extra"])
    assert (extra["direction"], extra["interface_out"]) == ("forward", "eth1")


def test_icmp_error_reads_the_outer_header_not_the_quoted_packet() -> None:
    line = kernel(
        "DROP IN=eth0 OUT= SRC=192.0.2.200 DST=198.51.100.7 LEN=56 TOS=0x00 PREC=0x00 TTL=58 "
        "ID=0 PROTO=ICMP TYPE=3 CODE=3 [SRC=198.51.100.7 DST=192.0.2.200 LEN=28 TOS=0x00 "
        "PREC=0x00 TTL=64 ID=17121 PROTO=UDP SPT=33434 DPT=53 LEN=8 ] "
    )
    assert skip_reason(line).startswith("ICMP message other than a request")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (kernel("[UFW ALLOW] " + SYN), "allowed traffic"),
        (kernel("IPTABLES-ACCEPT: " + SYN), "allowed traffic"),
        (kernel("[UFW AUDIT] " + SYN), "audited packet (logged, not blocked)"),
        (kernel(SYN), "packet log without a block action in its prefix"),
        (kernel("NEW-CONN: " + SYN), "packet log without a block action in its prefix"),
        (
            kernel("[UFW BLOCK] " + SYN.replace("IN=eth0 OUT= ", "IN= OUT=eth0 ")),
            "outbound packet from this host",
        ),
        (kernel("DROP " + SYN.replace("IN=eth0", "IN=lo")), "loopback packet"),
        (
            kernel("[UFW BLOCK] " + SYN.replace("DST=203.0.113.10", "DST=224.0.0.251")),
            "broadcast or multicast packet (local network)",
        ),
        (
            kernel("[UFW BLOCK] " + SYN.replace("DST=203.0.113.10", "DST=192.168.1.255")),
            "broadcast or multicast packet (local network)",
        ),
        (
            kernel("[UFW BLOCK] " + SYN.replace("DST=203.0.113.10", "DST=ff02::1:ff00:10")),
            "broadcast or multicast packet (local network)",
        ),
        (
            kernel("[UFW BLOCK] " + SYN.replace(" SYN ", " ACK FIN ")),
            "TCP packet outside a connection attempt (reply or stray)",
        ),
        (
            kernel("[UFW BLOCK] " + SYN.replace(" SYN ", " RST ")),
            "TCP packet outside a connection attempt (reply or stray)",
        ),
        (
            kernel(
                "[UFW BLOCK] IN=eth0 OUT= SRC=8.8.8.8 DST=203.0.113.10 LEN=90 TOS=0x00 "
                "PREC=0x00 TTL=119 ID=0 PROTO=UDP SPT=53 DPT=40811 LEN=70 "
            ),
            "UDP reply from a service port (DNS, NTP, QUIC, DHCP)",
        ),
        (
            kernel(
                "[nftables] Dropped: IN=enp1s0 OUT= ARP HTYPE=1 PTYPE=0x0800 OPCODE=1 "
                "MACSRC=fe:54:00:17:c2:8e IPSRC=192.0.2.1 MACDST=00:00:00:00:00:00 "
                "IPDST=192.0.2.10 "
            ),
            "ARP packet log (local network, no IP source)",
        ),
        (kernel("e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps"), "not a packet log line"),
        ("[1843560.004211] usb 1-1: new high-speed USB device", "not a packet log line"),
        ("Nov 28 06:25:22 web1 systemd[1]: Started ufw.service.", "not a kernel message"),
    ],
)
def test_skip_reasons(line: str, reason: str) -> None:
    assert skip_reason(line) == reason


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP", "not a syslog or kernel log line"),
        ("garbage", "not a syslog or kernel log line"),
        (
            kernel("DROP IN=eth0 OUT= MAC=00:11 SRC=45.155.205.233 DST=198.51.10"),
            "packet log line without SRC, DST or PROTO",
        ),
    ],
)
def test_rejects(line: str, reason: str) -> None:
    result = parse([line])
    assert result.rejects.select("raw", "reason").row(0) == (line, reason)


def test_sniff_prefers_packet_logs_and_ignores_other_syslog() -> None:
    packets = [kernel("[UFW BLOCK] " + SYN)] * 3
    auth = ["Nov 28 06:25:22 web1 sshd[811]: Failed password for root from 1.2.3.4 port 22 ssh2"]
    assert PARSER.sniff(packets) >= 90
    assert PARSER.sniff(auth) == 0
    assert parsers.detect(packets).name == "netfilter"
    assert parsers.detect([*packets, *auth]).name == "netfilter"
    assert PARSER.sniff(['1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1']) == 0


def test_a_kernel_log_that_starts_with_boot_messages_is_detected() -> None:
    # Tester's report: kern.log holds hundreds of boot messages before the first packet log;
    # its first 50 lines held no SRC=, and the file was "format not recognised".
    boot = [
        f"May 14 12:59:{i:02d} gw kernel: [    0.{i:06d}] ACPI: PCI Interrupt Link [LNK{i}]"
        for i in range(50)
    ]
    dmesg = [f"[    0.{i:06d}] ACPI: PCI Interrupt Link [LNK{i}] enabled" for i in range(50)]
    assert parsers.detect(boot).name == "netfilter"
    assert parsers.detect(dmesg).name == "netfilter"
    # a system log mostly of other programs is not a kernel log
    assert PARSER.sniff([*boot[:10], *[boot[0].replace("kernel:", "cron[1]:")] * 40]) == 0


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.log")), ids=lambda p: p.name)
def test_samples_hold_every_outcome_kind(path: Path) -> None:
    result = parse(path.read_text(encoding="utf-8").splitlines())
    assert result.events.height > 0
    assert result.skipped.height > 0


def test_sample_through_the_pipeline_is_attributed(sqlite_node: Node) -> None:
    report = sqlite_node.pipeline.ingest(
        [SAMPLES / "ufw-ubuntu-syslog.log"], IngestOptions(owner="CN")
    )
    f = report.files[0]
    assert (f.format, f.records, f.events, f.skipped, f.rejects) == ("netfilter", 12, 4, 8, 0)
    events = sqlite_node.store.scan("events").collect().sort("evidence.record")
    first = events.row(0, named=True)
    assert first["classification.taxonomy"] == "information-gathering"
    assert first["source.registration.cc"] == "DE"  # 185.220.101.45
    assert first["route.member"] == "DE"
    assert events.filter(pl.col("classification.type") == "brute-force").height == 1
