"""Netfilter packet logs: iptables / ip6tables ``LOG``, nftables ``log`` and ufw kernel lines.

Supported lines: the kernel's packet log (``nf_log_syslog``: ``<prefix>IN=eth0 OUT= MAC=...
SRC=... DST=... LEN=... TTL=... PROTO=TCP SPT=... DPT=... WINDOW=... RES=0x00 SYN URGP=0``,
IPv4 and IPv6, ``PROTO`` as a name or a number, ICMP / ICMPv6 ``TYPE``/``CODE``, bridged
``PHYSIN``/``PHYSOUT``) with any log prefix (ufw's ``[UFW BLOCK]``, ``IPTABLES-DROP: ``,
``[nftables] Dropped: ``, firewalld's ``FINAL_REJECT: ``...), carried by

- syslog lines of the program ``kernel`` (``/var/log/kern.log``, ``ufw.log``, ``syslog``,
  ``messages``): BSD, ISO 8601 (rsyslog, ``journalctl -o short-iso``) and RFC 5424 headers,
  with or without the kernel's ``[12345.678901]`` uptime stamp (see :mod:`._syslog`);
- ``dmesg`` lines: ``[12345.678901] ...`` (uptime only: ``time.source`` is null and the event
  is filed under its observation day), ``dmesg -T`` (``[Fri Jan  5 14:02:01 2024] ...``, read
  in the ingest's time zone), ``dmesg -x`` (``kern  :warn  : [...] ...``) and ``journalctl -k
  -o short-monotonic`` (``[12345.678901] host kernel: ...``).

Evidence (events): a packet that the log prefix says was blocked (it contains DROP, REJECT,
BLOCK, DENY or DENIED, in any case) arriving from outside (``IN`` set, ``OUT`` empty, or a
forwarded packet with both set) that is an attempt to reach a service: a TCP packet without
ACK or RST (SYN, and the FIN / NULL / XMAS scans), a UDP packet, an ICMP echo, timestamp or
address-mask request, an ICMPv6 echo request, or any other IP protocol.
``classification.type`` is ``scanner``; ufw's rate limit (``[UFW LIMIT BLOCK]``, a prefix
with both LIMIT and a block word) is ``brute-force``. ``classification.identifier`` is
``netfilter:block:<what>`` or ``netfilter:limit:<what>``, ``<what>`` being ``tcp/<port>``,
``udp/<port>``, ``icmp/<type>``, ``ipv6-icmp/<type>``, the transport name, or
``proto-<number>``.

Skipped (valid, not evidence), by reason: other programs' lines; kernel lines that are not
packet logs; ARP packet logs; allowed traffic (ALLOW, ACCEPT, PERMIT, PASS); ufw's AUDIT
packets (logged before any decision); prefixes that name no block action; outbound packets
from this host (``IN`` empty: the owner's own host is the source) and loopback packets;
broadcast and multicast destinations (local network chatter); TCP packets with ACK or RST
(replies and strays after a connection ended, backscatter); UDP replies from a DNS, NTP, QUIC
or DHCP server port; ICMP replies, errors and neighbour discovery.

Rejected: lines that are neither syslog nor dmesg lines, and packet logs without SRC, DST or
PROTO (cut lines).

MAC addresses are never kept: they identify hardware. ``extra`` holds the log prefix, the
interfaces, direction, TCP flags, TTL (hop limit for IPv6), IP length and ICMP type/code.
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
    as_int,
    extra_json,
    reject,
    sample_context,
    sample_records,
    skip,
)
from wuzhen.evidence.parsers._syslog import (
    JOURNAL_SKIP,
    PROBLEM,
    journal_markers,
    split_syslog,
    unread_reason,
)

DMESG = (
    r"^(?:[a-z]+ *:[a-z]+ *: )?"  # dmesg -x: facility and level
    r"\[(?:\s*\d+\.\d+|[A-Z][a-z]{2} (?P<cdate>[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}))\]"
    r"(?: (?P<khost>\S+) kernel:)? ?(?P<kmsg>.*)$"  # journalctl -o short-monotonic
)
UPTIME = r"^\[\s*\d+\.\d+\] ?"
PACKET = r"^(?P<prefix>.*?)\bIN=(?P<in>\S*) OUT=(?P<out>\S*)(?P<rest>.*)$"
EMBEDDED = r" \[SRC=.*$"  # the packet quoted by an ICMP error, after the outer header
TRANSPORT = {
    "TCP": "tcp",
    "UDP": "udp",
    "UDPLITE": "other",
    "ICMP": "icmp",
    "ICMPV6": "ipv6-icmp",
    "SCTP": "sctp",
    "GRE": "gre",
    "ESP": "esp",
    "AH": "ah",
    "1": "icmp",
    "6": "tcp",
    "17": "udp",
    "47": "gre",
    "50": "esp",
    "51": "ah",
    "58": "ipv6-icmp",
    "132": "sctp",
}
BLOCK = r"(?i)drop|reject|block|den(?:y|ied)"
LIMIT = r"(?i)limit"
ALLOW = r"(?i)allow|accept|permit|\bpass"
AUDIT = r"(?i)audit"
GROUP = r"^(?:(?:22[4-9]|23\d)\.\d+\.\d+\.\d+|\d+\.\d+\.\d+\.255|[fF][fF][0-9a-fA-F]{2}:.*)$"
ICMP_REQUESTS = {"icmp": [8, 13, 17], "ipv6-icmp": [128]}
UDP_SERVICE_PORTS = [53, 123, 443]
REASONS = {
    "kernel": "not a kernel message",
    "packet": "not a packet log line",
    "arp": "ARP packet log (local network, no IP source)",
    "allow": "allowed traffic",
    "audit": "audited packet (logged, not blocked)",
    "action": "packet log without a block action in its prefix",
    "outbound": "outbound packet from this host",
    "loopback": "loopback packet",
    "group": "broadcast or multicast packet (local network)",
    "tcp": "TCP packet outside a connection attempt (reply or stray)",
    "udp": "UDP reply from a service port (DNS, NTP, QUIC, DHCP)",
    "icmp": "ICMP message other than a request (reply, error, neighbour discovery)",
}


def _key(outer: pl.Expr, name: str) -> pl.Expr:
    return outer.str.extract(rf"(?:^| ){name}=(\S*)", 1)


def _kernel_lines(records: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    """Syslog or dmesg framing removed: ``kind``, ``prog``, ``msg``, ``time.source``, host."""
    parsed = split_syslog(records, ctx)
    d = records.select(pl.col(LINE).str.extract_groups(DMESG).alias("d"))["d"].struct.unnest()
    ctime = (
        d["cdate"]
        .str.replace_all(r"\s+", " ")
        .str.to_datetime("%b %d %H:%M:%S %Y", strict=False, time_unit="us")
        .dt.replace_time_zone(ctx.timezone, non_existent="null", ambiguous="earliest")
        .dt.convert_time_zone("UTC")
    )
    is_dmesg = ~parsed["syslog_ok"] & d["kmsg"].is_not_null()
    syslog = pl.col("syslog_ok")
    dmesg = pl.lit(is_dmesg)
    return parsed.select(
        RECORD,
        LINE,
        pl.when(syslog).then(pl.lit("syslog")).when(dmesg).then(pl.lit("dmesg")).alias("kind"),
        pl.when(syslog).then(pl.col("prog")).otherwise(pl.lit("kernel")).alias("prog"),
        pl.when(syslog)
        .then(pl.col("msg"))
        .otherwise(pl.lit(d["kmsg"]))
        .str.replace(UPTIME, "")
        .alias("msg"),
        pl.when(syslog).then(pl.col("time.source")).otherwise(pl.lit(ctime)).alias("time.source"),
        pl.when(syslog).then(pl.col("log_host")).otherwise(pl.lit(d["khost"])).alias("log_host"),
        PROBLEM,
    )


def _fields(lines: pl.DataFrame) -> pl.DataFrame:
    """The packet log's fields, as columns (null where the line is no packet log)."""
    p = lines.select(pl.col("msg").str.extract_groups(PACKET).alias("p"))["p"].struct.unnest()
    frame = pl.concat([lines, p], how="horizontal")
    outer = pl.col("rest").str.replace(EMBEDDED, "")
    proto = _key(outer, "PROTO").str.to_uppercase()
    transport = proto.replace_strict(TRANSPORT, default="other", return_dtype=pl.String)
    flags = outer.str.extract(r"\bRES=0x[0-9a-fA-F]+ ((?:[A-Z]{3} )*)URGP=", 1).str.strip_chars()
    return frame.with_columns(
        pl.col("prefix").str.strip_chars().alias("prefix"),
        _key(outer, "SRC").alias("src"),
        _key(outer, "DST").alias("dst"),
        proto.alias("proto"),
        pl.when(proto.is_not_null()).then(transport).alias("transport"),
        as_int(_key(outer, "SPT")).alias("spt"),
        as_int(_key(outer, "DPT")).alias("dpt"),
        as_int(_key(outer, "LEN")).alias("len"),
        as_int(pl.coalesce(_key(outer, "TTL"), _key(outer, "HOPLIMIT"))).alias("ttl"),
        as_int(_key(outer, "TYPE")).alias("icmp_type"),
        as_int(_key(outer, "CODE")).alias("icmp_code"),
        flags.alias("flags"),
        pl.col("rest").str.contains(r"(?:^| )ARP ").alias("arp"),
    )


def _skip_reason() -> pl.Expr:
    """Why a packet log that names its addresses is not evidence (null: it is evidence)."""
    prefix = pl.col("prefix")
    blocked = prefix.str.contains(BLOCK)
    transport = pl.col("transport")
    flags = pl.col("flags").fill_null("")
    checks: list[tuple[str, pl.Expr]] = [
        ("allow", ~blocked & prefix.str.contains(ALLOW)),
        ("audit", ~blocked & prefix.str.contains(AUDIT)),
        ("action", ~blocked),
        ("outbound", pl.col("in") == ""),
        ("loopback", pl.col("in") == "lo"),
        ("group", pl.col("dst").str.contains(GROUP)),
        ("tcp", (transport == "tcp") & flags.str.contains(r"\b(?:ACK|RST)\b")),
        (
            "udp",
            (transport == "udp")
            & (
                (pl.col("spt").is_in(UDP_SERVICE_PORTS) & (pl.col("dpt") >= 1024))
                | ((pl.col("spt") == 67) & (pl.col("dpt") == 68))
                | ((pl.col("spt") == 547) & (pl.col("dpt") == 546))
            ),
        ),
        (
            "icmp",
            pl.when(transport == "icmp")
            .then(~pl.col("icmp_type").is_in(ICMP_REQUESTS["icmp"]).fill_null(True))
            .when(transport == "ipv6-icmp")
            .then(~pl.col("icmp_type").is_in(ICMP_REQUESTS["ipv6-icmp"]).fill_null(True))
            .otherwise(False),
        ),
    ]
    reason: pl.Expr = pl.lit(None, pl.String)
    for name, cond in reversed(checks):
        reason = pl.when(cond.fill_null(False)).then(pl.lit(REASONS[name])).otherwise(reason)
    return reason


def _identifier() -> pl.Expr:
    action = (
        pl.when(pl.col("prefix").str.contains(LIMIT))
        .then(pl.lit("limit"))
        .otherwise(pl.lit("block"))
    )
    transport = pl.col("transport")
    what = (
        pl.when(pl.col("dpt").is_not_null() & transport.is_in(["tcp", "udp", "sctp"]))
        .then(transport + "/" + pl.col("dpt").cast(pl.String))
        .when(transport.is_in(["icmp", "ipv6-icmp"]) & pl.col("icmp_type").is_not_null())
        .then(transport + "/" + pl.col("icmp_type").cast(pl.String))
        .when((transport == "other") & pl.col("proto").str.contains(r"^\d+$"))
        .then("proto-" + pl.col("proto"))
        .otherwise(transport)
    )
    return pl.concat_str(pl.lit("netfilter:"), action, pl.lit(":"), what)


class Netfilter(Parser):
    name = "netfilter"
    yearless = True  # BSD syslog headers
    title = "Netfilter packet logs: iptables, nftables, ufw (syslog / dmesg)"
    marks = ("SRC=", " kernel: ", "] ")  # a packet line; a kernel line (syslog or dmesg)

    def sniff(self, sample: list[str]) -> int:
        frame = sample_records(sample)
        if frame.height == 0:
            return 0
        lines = _kernel_lines(frame, sample_context())
        kernel = lines.filter(pl.col("kind").is_not_null() & (pl.col("prog") == "kernel"))
        packets = kernel.filter(pl.col("msg").str.contains(r"\bIN=\S* OUT=\S* .*\bSRC=")).height
        if packets:
            return 60 + 35 * packets // frame.height
        # A kernel log (kern.log, dmesg) is where packet logs go, often after hundreds of
        # boot messages: claimed, with less certainty, when nearly all its lines are kernel's.
        return 35 if kernel.height * 5 >= frame.height * 4 else 0

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        lines = _kernel_lines(records, ctx)
        markers, unreadable = journal_markers(lines.filter(pl.col("kind").is_null()))
        lines = lines.filter(pl.col("kind").is_not_null())
        other = lines.filter(pl.col("prog") != "kernel")
        kernel = _fields(lines.filter(pl.col("prog") == "kernel"))
        not_packet = kernel.filter(pl.col("rest").is_null())
        packets = kernel.filter(pl.col("rest").is_not_null())
        arp = packets.filter(pl.col("src").is_null() & pl.col("arp"))
        packets = packets.filter(~(pl.col("src").is_null() & pl.col("arp")))
        complete = pl.all_horizontal(pl.col("src", "dst", "proto").is_not_null())
        cut = packets.filter(~complete)
        packets = packets.filter(complete).with_columns(_skip_reason().alias("reason"))
        not_evidence = packets.filter(pl.col("reason").is_not_null())
        ev = packets.filter(pl.col("reason").is_null())
        limit = pl.col("prefix").str.contains(LIMIT)
        events = ev.select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            pl.col("time.source"),
            pl.col("src").alias("source.ip"),
            pl.col("spt").alias("source.port"),
            pl.col("dst").alias("destination.ip"),
            pl.col("dpt").alias("destination.port"),
            pl.col("log_host").alias("destination.fqdn"),
            pl.col("transport").alias("protocol.transport"),
            pl.when(limit)
            .then(pl.lit("brute-force"))
            .otherwise(pl.lit("scanner"))
            .alias("classification.type"),
            _identifier().alias("classification.identifier"),
            extra_json(
                prefix=pl.when(pl.col("prefix") != "").then(pl.col("prefix")),
                direction=pl.when(pl.col("out") == "")
                .then(pl.lit("inbound"))
                .otherwise(pl.lit("forward")),
                interface_in=pl.col("in"),
                interface_out=pl.when(pl.col("out") != "").then(pl.col("out")),
                tcp_flags=pl.when(pl.col("flags") != "").then(pl.col("flags")),
                ttl=pl.col("ttl"),
                length=pl.col("len"),
                icmp_type=pl.when(pl.col("transport").is_in(["icmp", "ipv6-icmp"])).then(
                    pl.col("icmp_type")
                ),
                icmp_code=pl.when(pl.col("transport").is_in(["icmp", "ipv6-icmp"])).then(
                    pl.col("icmp_code")
                ),
            ).alias("extra"),
        )
        return ParseResult.build(
            events=events,
            skipped=[
                skip(other, REASONS["kernel"]),
                skip(not_packet, REASONS["packet"]),
                skip(arp, REASONS["arp"]),
                skip(not_evidence, pl.col("reason")),
                skip(markers, JOURNAL_SKIP),
            ],
            rejects=[
                reject(unreadable, unread_reason("not a syslog or kernel log line")),
                reject(cut, "packet log line without SRC, DST or PROTO"),
            ],
        )


PARSERS: tuple[Parser, ...] = (Netfilter(),)
