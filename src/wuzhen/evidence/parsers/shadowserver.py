"""Shadowserver report CSVs (the daily reports Shadowserver sends to network owners).

**Variants.** Every report type Shadowserver publishes as CSV with a header line whose first
column is ``timestamp``: the scans of accessible and vulnerable services (``scan_*``, ``scan6_*``),
the event reports (``event4_*``, ``event6_*``: honeypot brute force, darknet, DDoS, HTTP scans,
IP spoofers, sinkholes, Microsoft sinkholes, sinkhole DNS and HTTP referers), ``blocklist``,
``compromised_website``, ``device_id``, ``malware_url``, ``phish_url``,
``population_http_proxy``, ``sandbox_conn``/``_dns``/``_url`` and ``special``, in the column
layouts of 2017 to 2024 (columns Shadowserver adds later are kept in ``extra``).

**Report type.** A record does not carry its report's file name, so the type is read from the
header: ``REPORTS`` lists each type with the columns that characterise it, most specific first;
the first whose columns are all in the header is the type. Types that share a header are told
apart per row by a value (``when``): the tag (``smtp...`` in the telnet layout is
``scan_smtp_vulnerable``, ``...-closed`` proxies are ``population_http_proxy``, ``socks*``,
``radmin``, ``cisco-smart-install``), ``public_source`` ``MSDCU`` (Microsoft sinkholes), the
protocol (LDAP over UDP). An IPv6 source renames ``scan_``/``event4_`` to ``scan6_``/``event6_``.
``feed.name`` is the type, ``feed.provider`` ``Shadowserver``. The header line itself is a
structural line: skipped as "CSV header". It is remembered (``new_state``) for the next batches,
and a new header line (reports concatenated into one file) replaces it.

**Mapping.** Column -> field, whatever the type: ``timestamp`` -> ``time.source`` (UTC);
``src_ip``/``ip``/``http_referer_ip`` -> ``source.ip`` (a CIDR in ``ip``, or ``network``, ->
``source.network``); ``src_port``/``port`` -> ``source.port``; ``src_asn``/``asn`` ->
``source.asn`` and ``src_geo``/``geo`` -> ``source.geolocation.cc`` (what the report states;
attribution replaces them where it knows the address); ``host`` (URL and sandbox reports) ->
``source.fqdn``; ``url`` -> ``source.url`` (a path joined to ``http_host``); ``dst_ip``,
``dst_port``, ``http_host``/``dst_hostname`` -> ``destination.*``; ``http_url`` ->
``destination.urlpath``; ``protocol`` -> ``protocol.transport``; ``event_id`` ->
``evidence.ref``. ``hostname``/``src_hostname`` is the reverse DNS name of the address
(IntelMQ's ``source.reverse_dns``, which the registry has no field for): it stays in ``extra``.
The type gives ``classification.type``/``.identifier`` as IntelMQ's Shadowserver schema does
(the identifier may come from ``infection``, ``family``, ``tag`` or ``application``),
``protocol.application``, ``malware.name`` (lower case), ``event_description.text``. The other
columns go to ``extra`` as text, empty values and ``0`` in ``naics``/``sic``/``sector`` left
out; never copied: credentials and personal data (``username``, ``password``, e-mail addresses
and names in certificates, SIP identities, MAC addresses, cookies, POST data) and raw payloads
(``raw_*``, ``*_raw``: they stay in ``raw``).

**Unknown types** are read by their header with the same column mapping: ``infection`` gives
``infected-system`` with the infection as identifier; otherwise ``undetermined`` with the tag,
or ``shadowserver:unknown``, as identifier; ``feed.name`` is left to ``--feed``.

**Evidence / skipped / rejected.** Every report row is evidence (Shadowserver reports what it
observed about the network's hosts; the classification says how serious). Skipped: header
lines. Rejected: rows before any header; rows with a quoted field not closed on their line (a
quoted value spanning lines is not supported: its lines are rejected); rows with more fields
than the header (rows with fewer read the missing trailing columns as empty, as IntelMQ does);
rows without a readable ``timestamp``; rows naming no source (address, network, host or URL).

CSV is read by :mod:`._csvsplit`, a quote-aware splitter compiled with numba: one pass over
the batch's bytes finds every field, decoding each line once; the needed columns are cut out
as Arrow arrays and ``extra`` is written as JSON by compiled passes (no per-column regular
expressions).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    ParseContext,
    Parser,
    ParseResult,
    as_int,
    parse_time,
    reject,
    skip,
)
from wuzhen.evidence.parsers._csvsplit import split
from wuzhen.schema.fields import TRANSPORTS

PROVIDER = "Shadowserver"
HEADER = "CSV header"
UNKNOWN = "shadowserver:unknown"
UNTERMINATED = "CSV quoted field not closed on its line"
NO_SOURCE = "no source (address, network, host or URL)"
V = "vulnerable-system"
TAG = pl.col("tag")
HEADER_LINE = r'^\x{feff}?"?[A-Za-z_][A-Za-z0-9_]*"?(?:,"?[A-Za-z_][A-Za-z0-9_]*"?)+$'  # names only
HAS_TIMESTAMP = r'(?:^|[,"])timestamp(?:"|,|$)'


@dataclass(frozen=True, slots=True)
class Report:
    """A Shadowserver report type, recognised by its header columns (and ``when``, per row)."""

    name: str  # the report type, as in the report's file name: feed.name
    columns: tuple[str, ...]  # all in the header
    type: str  # classification.type
    identifier: str  # classification.identifier (fallback when ``identify`` gives none)
    application: str | None = None  # protocol.application
    transport: str | None = None  # protocol.transport when no ``protocol`` column says it
    when: pl.Expr | None = None  # rows of a shared header that are this type
    after: tuple[str, str] | None = None  # header order: the first column before the second
    identify: tuple[str, ...] = ()  # columns naming the identifier (first non-empty)
    malware: tuple[str, ...] = ()  # columns naming the malware (first non-empty)
    text: tuple[str, ...] = ()  # columns for event_description.text
    app_from: tuple[str, ...] = ()  # columns naming the application
    fqdn: tuple[str, ...] = ()  # columns for source.fqdn, instead of the host name columns


def _scan(name: str, columns: tuple[str, ...], identifier: str, app: str | None = None,
          **kw: Any) -> Report:  # fmt: skip
    """A scan of accessible services: ``vulnerable-system`` unless ``type`` says otherwise."""
    kind = kw.pop("type", V)
    return Report(name, ("ip", *columns), kind, identifier, app, **kw)


def _tag(prefix: str) -> pl.Expr:
    return TAG.str.starts_with(prefix).fill_null(False)


def _sinkhole(name: str, columns: tuple[str, ...], identifier: str, app: str | None = None,
              when: pl.Expr | None = None) -> Report:  # fmt: skip
    """A sinkhole report: an infected system, named by its infection."""
    return Report(name, ("src_ip", *columns), "infected-system", identifier, app, when=when,
                  identify=("infection", "family", "tag"),
                  malware=("infection", "family"))  # fmt: skip


MSDCU = (pl.col("public_source") == "MSDCU").fill_null(False)


def _named(column: str) -> pl.Expr:
    return (pl.col(column).str.strip_chars() != "").fill_null(False)


#: Most specific first: the first report whose columns are all in the header (and whose
#: ``when`` holds for the row) is the row's type. Classification after IntelMQ's Shadowserver
#: schema (The-Shadowserver-Foundation/report_schema, intelmq.json).
REPORTS: tuple[Report, ...] = (
    Report("event4_sinkhole_http_referer", ("http_referer_ip",), "infected-system",
           "sinkhole-http-referer", "http", identify=("infection",),
           malware=("infection", "family")),
    Report("event4_honeypot_brute_force", ("src_ip", "start_time", "client_version"),
           "brute-force", "honeypot-brute-force", identify=("application", "infection")),
    Report("event4_honeypot_ddos_amp", ("src_ip", "request", "bytes"), "ddos",
           "amplification-ddos-victim"),
    Report("event4_honeypot_http_scan", ("src_ip", "pattern", "http_url"), "scanner",
           "honeypot-http-scan", "http"),
    Report("event4_ip_spoofer", ("src_ip", "routedspoof"), "masquerade", "ip-spoofer"),
    Report("event4_sinkhole_dns", ("src_ip", "query_type", "query"), "other", "sinkholedns",
           "dns", malware=("infection", "family")),
    Report("event4_honeypot_ddos_target", ("src_ip", "dst_ip", "attack", "dst_network"), "ddos",
           "honeypot-ddos-target", after=("dst_ip", "src_ip"), malware=("family",)),
    Report("event4_ddos_participant", ("src_ip", "attack", "dst_network"), "ddos",
           "ddos-participant", when=(pl.col("infection") == "ddos-participant").fill_null(False)),
    Report("event4_honeypot_ddos", ("src_ip", "attack", "dst_network"), "ddos", "honeypot-ddos",
           malware=("family",)),
    _sinkhole("event4_microsoft_sinkhole_http", ("http_url", "http_host"),
              "microsoft-sinkhole-http", "http", MSDCU),
    _sinkhole("event4_sinkhole_http", ("http_url", "http_host"), "sinkhole-http", "http"),
    Report("event4_honeypot_darknet", ("src_ip", "count"), "other", "honeypot-darknet",
           identify=("tag", "infection"), malware=("infection", "family")),
    _sinkhole("event4_microsoft_sinkhole", ("infection",), "microsoft-sinkhole", when=MSDCU),
    # Every event report has the infection (and family) columns: a row is a sinkhole's only
    # when it names one (an unknown event report's rows are read as unknown).
    _sinkhole("event4_sinkhole", ("infection", "family"), "sinkhole",
              when=_named("infection") | _named("family")),
    _sinkhole("event4_sinkhole", ("infection",), "sinkhole", when=_named("infection")),
    Report("sandbox_conn", ("md5", "bytes_in"), "malware-distribution", "sandbox-conn"),
    Report("sandbox_dns", ("md5hash", "request"), "other", "sandbox-dns", "dns",
           malware=("family",), fqdn=("request",)),
    Report("sandbox_url", ("md5", "url", "user_agent"), "malware-distribution", "sandbox-url"),
    Report("malware_url", ("url", "sha256"), "malware-distribution", "malware-url"),
    Report("phish_url", ("url", "host", "source"), "phishing", "phish-url"),
    Report("compromised_website", ("category", "url", "http_host"), "system-compromise",
           "compromised-website", malware=("family",), text=("category",),
           fqdn=("http_host",), app_from=("application",)),
    Report("blocklist", ("reason", "source"), "blacklist", "blacklisted-ip", text=("reason",)),
    _scan("scan_exchange", ("servername", "url"), "exchange-server-webshell", "exchange",
          type="system-compromise", when=(TAG == "exchange;webshell").fill_null(False)),
    _scan("scan_exchange", ("servername", "url"), "vulnerable-exchange-server", "exchange"),
    _scan("scan_afp", ("afp_versions",), "accessible-afp", "afp"),
    _scan("scan_amqp", ("mechanisms",), "accessible-amqp", "amqp"),
    _scan("scan_couchdb", ("couchdb_version",), "open-couchdb", "couchdb"),
    _scan("scan_db2", ("db2_hostname",), "open-db2-discovery-service", "db2"),
    _scan("scan_ddos_middlebox", ("source_port",), "open-ddos-middlebox", app_from=("tag",)),
    _scan("scan_dns", ("dns_version",), "dns-open-resolver", "dns"),
    _scan("scan_docker", ("api_version", "kernel_version"), "open-docker", "docker"),
    _scan("scan_dvr_dhcpdiscover", ("video_input_channels",), "open-dvr-dhcpdiscover",
          app_from=("tag",)),
    _scan("scan_elasticsearch", ("lucene_version",), "open-elasticsearch", "elasticsearch"),
    _scan("scan_hadoop", ("clusterid",), "accessible-hadoop", "hadoop", transport="tcp"),
    _scan("scan_ipmi", ("ipmi_version",), "open-ipmi", "ipmi", transport="udp"),
    _scan("scan_ipp", ("ipp_version",), "open-ipp", "ipp"),
    _scan("scan_isakmp", ("initiator_spi",), "open-ike", "ipsec"),
    _scan("scan_kubernetes", ("git_tree_state",), "open-kubernetes", "kubernetes"),
    _scan("scan_ldap_udp", ("configuration_naming_context",), "open-ldap", "ldap",
          when=((pl.col("protocol") == "udp") | TAG.str.contains("udp")).fill_null(False)),
    _scan("scan_ldap_tcp", ("configuration_naming_context",), "open-ldap", "ldap"),
    _scan("scan_mdns", ("mdns_name",), "open-mdns", "mdns"),
    _scan("scan_memcached", ("pointer_size",), "open-memcached", "memcached"),
    _scan("scan_mongodb", ("gitversion",), "open-mongodb", "mongodb"),
    _scan("scan_mqtt", ("anonymous_access",), "open-mqtt", "mqtt"),
    _scan("scan_mqtt_anon", ("hex_code",), "open-mqtt-anon", "mqtt"),
    _scan("scan_mssql", ("named_pipe",), "open-mssql", "mssql"),
    _scan("scan_mysql", ("mysql_protocol_version",), "open-mysql", "mysql"),
    _scan("scan_nat_pmp", ("external_ip",), "open-natpmp", "natpmp"),
    _scan("scan_netbios", ("workgroup",), "open-netbios-nameservice", "netbios-nameservice"),
    _scan("scan_ntp", ("clk_wander",), "ntp-version", "ntp"),
    _scan("scan_ntpmonitor", ("packets",), "ntp-monitor", "ntp"),
    _scan("scan_portmapper", ("programs",), "open-portmapper", "portmapper"),
    _scan("scan_postgres", ("supported_protocols",), "open-postgres", "postgres"),
    _scan("scan_qotd", ("quote",), "open-qotd", "qotd"),
    _scan("scan_quic", ("version_field_1",), "open-quic", type="other"),
    _scan("scan_rdp", ("rdp_protocol",), "open-rdp", "rdp", transport="tcp"),
    _scan("scan_rdpeudp", ("sessionid",), "accessible-msrdpeudp"),
    _scan("scan_redis", ("git_sha1",), "open-redis", "redis"),
    _scan("scan_rsync", ("motd",), "accessible-rsync", "rsync"),
    _scan("scan_sip", ("sip_code",), "open-sip", "sip"),
    _scan("scan_slp", ("function_text",), "open-slp", "slp"),
    _scan("scan_smb", ("smb_version_string",), "open-smb", "smb", transport="tcp"),
    _scan("scan_snmp", ("sysdesc",), "open-snmp", "snmp"),
    _scan("scan_ssdp", ("search_target",), "open-ssdp", "ssdp"),
    _scan("scan_ssh", ("serverid_software",), "open-ssh", type="other"),
    _scan("scan_stun", ("magic_cookie",), "open-stun", "stun", type="other"),
    _scan("scan_synfulknock", ("urgent_pointer",), "open-synfulknock"),
    _scan("scan_tftp", ("errormessage",), "open-tftp", "tftp"),
    _scan("scan_ubiquiti", ("radioname",), "accessible-ubiquiti-discovery-service"),
    _scan("scan_xdmcp", ("reported_hostname",), "open-xdmcp", "xdmcp"),
    _scan("scan_ftp", ("auth_tls_response",), "accessible-ftp", "ftp"),
    _scan("scan_ssl", ("ssl_poodle", "freak_vulnerable"), "open-ssl", "https", type="other"),
    _scan("scan_ssl_freak", ("freak_vulnerable",), "ssl-freak", "https"),
    _scan("scan_ssl_poodle", ("ssl_poodle",), "ssl-poodle", "https"),
    _scan("scan_adb", ("model", "device"), "accessible-adb", "adb"),
    _scan("scan_ics", ("device_id", "raw_response"), "open-ics", app_from=("tag",)),
    _scan("scan_ws_discovery", ("error", "raw_response"), "open-ws-discovery", "ws-discovery"),
    _scan("scan_http_vulnerable", ("http", "build_date"), "vulnerable-http", "http"),
    _scan("population_http_proxy", ("proxy_authenticate", "via"), "accessible-http-proxy",
          "http", type="other", when=TAG.str.ends_with("-closed").fill_null(False)),
    _scan("scan_http_proxy", ("proxy_authenticate", "via"), "open-http-proxy", "http"),
    _scan("scan_cwmp", ("www_authenticate", "date"), "open-cwmp", "cwmp"),
    _scan("scan_http", ("www_authenticate", "http_date"), "accessible-http", "http",
          type="other"),
    _scan("scan_coap", ("response", "response_size", "version"), "accessible-coap", "coap"),
    _scan("scan_netis_router", ("response", "response_size"), "open-netis", transport="udp"),
    _scan("scan_ard", ("machine_name", "response_size"), "accessible-ard"),
    _scan("scan_chargen", ("size", "response_size"), "open-chargen", "chargen"),
    _scan("special", ("status", "detail"), "special", identify=("tag",), text=("detail",)),
    _scan("scan_vnc", ("product", "banner"), "open-vnc", "vnc", transport="tcp"),
    _scan("scan_smtp_vulnerable", ("banner",), "vulnerable-smtp", "smtp", when=_tag("smtp")),
    _scan("scan_telnet", ("banner",), "open-telnet", "telnet"),
    _scan("device_id", ("device_vendor", "device_type", "device_model"), "device-id",
          type="undetermined"),
    _scan("scan_radmin", ("version",), "accessible-radmin", when=_tag("radmin")),
    _scan("scan_cisco_smart_install", ("tag",), "accessible-cisco-smart-install",
          "cisco-smart-install", when=_tag("cisco-smart-install")),
    _scan("scan_socks", ("tag",), "open-socks", app_from=("tag",), when=_tag("socks")),
)  # fmt: skip

#: Report names that become their IPv6 twin when the source address is IPv6.
IPV6_PREFIXES = {"scan_": "scan6_", "event4_": "event6_"}
IPV6_SUFFIXED = ("device_id", "compromised_website")

#: field -> the header columns that may carry it, in order of preference (the first present).
ROLES: dict[str, tuple[str, ...]] = {
    "time.source": ("timestamp",),
    "source.ip": ("src_ip", "ip", "http_referer_ip"),
    "source.port": ("src_port", "port", "http_referer_port"),
    "source.asn": ("src_asn", "asn", "http_referer_asn"),
    "source.geolocation.cc": ("src_geo", "geo", "http_referer_geo"),
    "source.fqdn": ("host",),
    "source.network": ("network",),
    "destination.ip": ("dst_ip",),
    "destination.port": ("dst_port",),
    "destination.fqdn": ("http_host", "dst_hostname"),
    "destination.urlpath": ("http_url",),
    "protocol.transport": ("protocol",),
    "evidence.ref": ("event_id",),
}
#: Columns never copied to ``extra``: credentials, personal data, raw payloads.
DROP = frozenset(
    {
        "username", "usernames", "password", "email", "account", "sender", "subject",
        "subject_email_address", "issuer_email_address", "subject_given_name",
        "subject_surname", "issuer_given_name", "issuer_surname", "sip_from", "sip_to",
        "contact", "mac", "mac_address", "set_cookie", "cookie", "http_postdata",
    }
)  # fmt: skip
#: Columns where ``0`` means unknown (IntelMQ's ``invalidate_zero`` / ``validate_to_none``).
ZERO_IS_EMPTY = frozenset(
    f"{side}{name}"
    for side in ("", "src_", "dst_", "http_referer_")
    for name in ("naics", "sic", "sector")
)
#: A host name, not an address: letters, digits, ``-``, ``_``, dots, and at least one letter.
HOST_NAME = r"^[A-Za-z0-9_.-]*[A-Za-z][A-Za-z0-9_.-]*$"
TIME_FORMATS = ["%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
TIME_ZONED = ["%Y-%m-%d %H:%M:%S%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"]
URLPATH_MAX = 2048


# -- header layouts ------------------------------------------------------------------------


def header_names(line: str) -> tuple[str, ...] | None:
    """The column names of a header line, or None if ``line`` is not a report header."""
    text = line.lstrip("\ufeff").strip()
    names = tuple(n.strip().lower() for n in next(csv.reader([text]), []))
    if "timestamp" not in names or not all(n.replace("_", "a").isalnum() for n in names):
        return None
    return names


def _fits(report: Report, names: tuple[str, ...]) -> bool:
    if not set(report.columns) <= set(names):
        return False
    if report.when is not None and not set(report.when.meta.root_names()) <= set(names):
        return False
    if report.after is not None:
        first, second = report.after
        return names.index(first) < names.index(second)
    return True


def _present(names: tuple[str, ...], options: tuple[str, ...]) -> str | None:
    return next((n for n in options if n in names), None)


def _raw_payload(name: str) -> bool:
    return name.startswith("raw_") or name.endswith("_raw")


@dataclass(frozen=True, slots=True)
class Layout:
    """What a header means: candidate report types, the column of each field, extra's columns."""

    names: tuple[str, ...]
    candidates: tuple[int, ...]  # indices into REPORTS, in order; the last may be unconditional
    roles: dict[str, str]  # field -> header column
    needed: tuple[str, ...]  # columns read as text
    extra: tuple[str, ...]  # columns written to extra
    positions: dict[str, int] = field(default_factory=dict)  # column -> its first position

    @property
    def known(self) -> bool:
        return bool(self.candidates)


@cache
def layout(names: tuple[str, ...]) -> Layout:
    """The layout of a header (computed once per distinct header)."""
    candidates: list[int] = []
    for i, report in enumerate(REPORTS):  # a loop over report types
        if _fits(report, names):
            candidates.append(i)
            if report.when is None:
                break
    event_layout = bool({"src_ip", "dst_ip", "http_referer_ip"} & set(names))
    roles: dict[str, str] = {}
    for target, options in ROLES.items():
        if target == "destination.fqdn" and not event_layout:
            options = ("dst_hostname",)
        found = _present(names, options)
        if found is not None:
            roles[target] = found
    # The referring page is the source of a sinkhole HTTP referer report (its address is
    # http_referer_ip); in the other sinkhole reports http_referer is a header the infected
    # host sent (kept in extra), never the source.
    url = _present(names, ("http_referer",) if "http_referer_ip" in names else ("url",))
    if url is not None:
        roles["source.url"] = url
    chosen = [REPORTS[i] for i in candidates]
    specific = {n for r in chosen for n in (*r.identify, *r.malware, *r.text, *r.fqdn, *r.app_from)}
    consumed = (set(roles.values()) | specific) - {"tag"}
    when_columns = {n for r in chosen if r.when is not None for n in r.when.meta.root_names()}
    wanted = set(roles.values()) | specific | when_columns
    if not chosen or chosen[-1].when is not None:  # some rows may be of an unknown type
        wanted |= {"tag", "infection"}
    if "source.url" in roles:
        wanted |= {"http_host", "application"}
    positions: dict[str, int] = {}
    for i, name in enumerate(names):  # a loop over the header's columns
        positions.setdefault(name, i)
    extra = tuple(
        n for n in positions if n not in consumed and n not in DROP and not _raw_payload(n)
    )
    needed = tuple(n for n in positions if n in wanted)
    return Layout(names, tuple(candidates), roles, needed, extra, positions)


# -- records to events ----------------------------------------------------------------------

REPORT = "__report"


def _report_index(lay: Layout) -> pl.Expr:
    """The index in ``REPORTS`` of each row's type (null: unknown)."""
    expr: pl.Expr = pl.lit(None, pl.Int16)
    for i in reversed(lay.candidates):  # a loop over the header's candidate types
        report = REPORTS[i]
        hit = pl.lit(True) if report.when is None else report.when
        expr = pl.when(hit).then(pl.lit(i, pl.Int16)).otherwise(expr)
    return expr


def _first(lay: Layout, columns: tuple[str, ...]) -> pl.Expr:
    """The first non-empty of ``columns`` (those the header has)."""
    present = [pl.col(n) for n in columns if n in lay.needed]
    return pl.coalesce(present) if present else pl.lit(None, pl.String)


def _role(lay: Layout, role: str) -> pl.Expr:
    return _first(lay, (lay.roles[role],)) if role in lay.roles else pl.lit(None, pl.String)


def _port(expr: pl.Expr) -> pl.Expr:
    value = as_int(expr)
    return pl.when(value.is_between(0, 65535)).then(value)


def _host(name: pl.Expr) -> pl.Expr:
    """A host name (an address is not one)."""
    name = name.str.strip_chars()
    return pl.when(name.str.contains(HOST_NAME)).then(name)


def _feed_name(name: str, v6: pl.Expr) -> pl.Expr:
    """The report type, or its IPv6 twin for rows with an IPv6 source."""
    prefixed = (t + name[len(p) :] for p, t in IPV6_PREFIXES.items() if name.startswith(p))
    twin = next(prefixed, name + "6" if name in IPV6_SUFFIXED else None)
    return pl.lit(name) if twin is None else pl.when(v6).then(pl.lit(twin)).otherwise(pl.lit(name))


def _url(lay: Layout) -> pl.Expr:
    url = _role(lay, "source.url")
    absolute = url.str.contains(r"^[A-Za-z][A-Za-z0-9+.-]*://")
    if "http_host" not in lay.needed:
        return pl.when(absolute).then(url)
    app = _first(lay, ("application",)).str.to_lowercase()
    scheme = pl.when(app.is_in(["http", "https"])).then(app).otherwise(pl.lit("http"))
    joined = scheme + pl.lit("://") + pl.col("http_host") + url
    return pl.when(absolute).then(url).when(url.str.starts_with("/")).then(joined)


def _urlpath(lay: Layout) -> pl.Expr:
    path = _role(lay, "destination.urlpath")
    path = path.str.replace(r"^[A-Z]+ ", "").str.replace(r" HTTP/[0-9.]+$", "")
    return pl.when(path.str.starts_with("/")).then(path.str.slice(0, URLPATH_MAX))


def _typed(lay: Layout, report: Report | None, v6: pl.Expr) -> dict[str, pl.Expr]:
    """The fields the report type decides (``None``: an unknown type, read by its header)."""
    if report is None:
        infection = _first(lay, ("infection",))
        return {
            "classification.type": pl.when(infection.is_not_null())
            .then(pl.lit("infected-system"))
            .otherwise(pl.lit("undetermined")),
            "classification.identifier": pl.coalesce(
                infection, _first(lay, ("tag",)), pl.lit(UNKNOWN)
            ),
            "malware.name": infection,
            "feed.name": pl.lit(None, pl.String),
        }
    return {
        "classification.type": pl.lit(report.type),
        "classification.identifier": pl.coalesce(
            _first(lay, report.identify), pl.lit(report.identifier)
        ),
        "malware.name": _first(lay, report.malware),
        "protocol.application": pl.coalesce(
            pl.lit(report.application, pl.String), _first(lay, report.app_from)
        ),
        "source.fqdn": _first(lay, report.fqdn),
        "event_description.text": _first(lay, report.text),
        "protocol.transport": pl.lit(report.transport, pl.String),
        "feed.name": _feed_name(report.name, v6),
    }


def _events(frame: pl.DataFrame, lay: Layout, report: Report | None) -> pl.DataFrame:
    """Rows (their columns as text) of one report type -> events."""
    ip = _role(lay, "source.ip").str.strip_chars()
    v6 = ip.str.contains(":", literal=True).fill_null(False)
    if not frame.select(v6.any()).item():
        v6 = pl.lit(False)  # no IPv6 source: the name needs no per-row choice
    typed = _typed(lay, report, v6)
    null = pl.lit(None, pl.String)
    cidr = ip.str.contains("/", literal=True)
    asn = as_int(_role(lay, "source.asn"), pl.Int64())
    geo = _role(lay, "source.geolocation.cc").str.to_uppercase()
    fqdn = pl.coalesce(typed.get("source.fqdn", null), _role(lay, "source.fqdn"))
    transport = _role(lay, "protocol.transport").str.to_lowercase()
    return (  # lazily: an eager select would compute ``ip``, ``asn``... once per use
        frame.lazy()
        .select(
            pl.col(RECORD),
            pl.col(LINE).alias("raw"),
            pl.col("time.source"),
            pl.when(~cidr).then(ip).alias("source.ip"),
            pl.coalesce(_role(lay, "source.network"), pl.when(cidr).then(ip)).alias(
                "source.network"
            ),
            _port(_role(lay, "source.port")).alias("source.port"),
            pl.when(asn.is_between(1, 4294967295)).then(asn).alias("source.asn"),
            pl.when(geo.str.contains("^[A-Z0-9]{2}$")).then(geo).alias("source.geolocation.cc"),
            _host(fqdn).alias("source.fqdn"),
            _url(lay).alias("source.url"),
            _role(lay, "destination.ip").str.strip_chars().alias("destination.ip"),
            _port(_role(lay, "destination.port")).alias("destination.port"),
            _host(_role(lay, "destination.fqdn")).alias("destination.fqdn"),
            _urlpath(lay).alias("destination.urlpath"),
            pl.coalesce(
                pl.when(transport.is_in(TRANSPORTS)).then(transport),
                typed.get("protocol.transport", null),
            ).alias("protocol.transport"),
            typed.get("protocol.application", null)
            .str.to_lowercase()
            .alias("protocol.application"),
            typed["classification.type"].alias("classification.type"),
            typed["classification.identifier"].alias("classification.identifier"),
            typed["malware.name"].str.to_lowercase().alias("malware.name"),
            typed.get("event_description.text", null).alias("event_description.text"),
            _role(lay, "evidence.ref").alias("evidence.ref"),
            typed["feed.name"].alias("feed.name"),
            pl.lit(PROVIDER).alias("feed.provider"),
            pl.col("__extra").alias("extra"),
        )
        .collect()
    )


def _typed_events(frame: pl.DataFrame, lay: Layout) -> pl.DataFrame:
    """Events of rows whose type the header fixes, or per type found row by row."""
    if len(lay.candidates) == 1 and REPORTS[lay.candidates[0]].when is None:
        return _events(frame, lay, REPORTS[lay.candidates[0]])
    typed = frame.with_columns(_report_index(lay).alias(REPORT))
    parts = [
        _events(part, lay, None if i is None else REPORTS[i])
        for (i,), part in typed.partition_by(REPORT, as_dict=True).items()  # per type
    ]
    return pl.concat(parts) if parts else _events(typed, lay, None)


# -- parsing ---------------------------------------------------------------------------------


def _read(records: pl.DataFrame, lay: Layout) -> tuple[pl.DataFrame, npt.NDArray[np.int32]]:
    """The records with their needed columns (text) and ``__extra``; and each one's field count."""
    fields = split(
        records[LINE],
        len(lay.names),
        {n: lay.positions[n] for n in lay.needed},
        {n: lay.positions[n] for n in lay.extra},
        ZERO_IS_EMPTY,
    )
    return records.with_columns(*fields.columns, fields.objects.alias("__extra")), fields.counts


def _times(frame: pl.DataFrame) -> pl.Series:
    """``timestamp`` as UTC: ``YYYY-MM-DD HH:MM:SS``, else ISO 8601 forms (tried on the rest)."""
    text = pl.col("timestamp").str.strip_chars()
    times = frame.select(
        text.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")
        .dt.replace_time_zone("UTC")
        .alias("time.source")
    ).to_series()
    missing = times.is_null() & frame["timestamp"].is_not_null()
    if missing.any():
        rest = frame.filter(missing).select(
            pl.coalesce(parse_time(text, TIME_FORMATS), parse_time(text, TIME_ZONED))
        )
        times = times.scatter(missing.arg_true(), rest.to_series())
    return times


def _parse_part(records: pl.DataFrame, names: tuple[str, ...] | None) -> ParseResult:
    """Records under one header (``names``; None: no header yet)."""
    if records.height == 0:
        return ParseResult.build()
    if names is None:
        return ParseResult.build(rejects=[reject(records, "CSV row before any header line")])
    lay = layout(names)
    frame, counts = _read(records, lay)
    rejects: list[pl.DataFrame] = []
    if counts.min() < 0 or counts.max() > len(names):  # the filters copy: only when needed
        frame = frame.with_columns(pl.Series("__count", counts))
        rejects.append(reject(frame.filter(pl.col("__count") < 0), UNTERMINATED))
        wide = frame.filter(pl.col("__count") > len(names))
        rejects.append(reject(wide, "CSV row has more fields than its header"))
        frame = frame.filter(pl.col("__count").is_between(0, len(names)))
    frame = frame.with_columns(_times(frame))
    if frame["time.source"].null_count():
        rejects.append(
            reject(
                frame.filter(pl.col("time.source").is_null()), "timestamp missing or not readable"
            )
        )
        frame = frame.filter(pl.col("time.source").is_not_null())
    events = _typed_events(frame, lay)
    sourceless = events.select(
        pl.all_horizontal(
            pl.col(f).is_null()
            for f in ("source.ip", "source.network", "source.fqdn", "source.url")
        )
    ).to_series()
    if sourceless.any():
        no_source = events.filter(sourceless).select(RECORD, "raw")
        rejects.append(no_source.with_columns(pl.lit(NO_SOURCE).alias("reason")))
        events = events.filter(~sourceless)
    return ParseResult.build(events=events, rejects=rejects)


@dataclass(slots=True)
class State:
    """The header in force, carried from batch to batch."""

    names: tuple[str, ...] | None = None


def _is_header() -> pl.Expr:
    line = pl.col(LINE)
    return line.str.contains(HEADER_LINE) & line.str.contains(HAS_TIMESTAMP)


class Shadowserver(Parser):
    name = "shadowserver"
    title = "Shadowserver reports (CSV, every report type)"
    state_marker = b"timestamp"  # in every header line

    def sniff(self, sample: list[str]) -> int:
        lines = [ln for ln in sample if ln.strip()]
        if not lines:
            return 0
        names = header_names(lines[0])
        if names is None or not pl.Series([lines[0]]).str.contains(HEADER_LINE).item():
            return 0
        if layout(names).known:
            return 95
        shadow = {"ip", "src_ip"} & set(names) and {"asn", "src_asn", "geo", "tag"} & set(names)
        return 60 if shadow else 0

    def new_state(self) -> State:
        return State()

    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        assert isinstance(state, State)
        is_header = records.select(_is_header()).to_series()
        headers = records.filter(is_header)
        data = records.filter(~is_header) if headers.height else records
        parts: list[ParseResult] = []
        if headers.height == 0:
            parts.append(_parse_part(data, state.names))
        else:
            # Header lines are few: each one's names are read in Python (not records).
            header_names_ = [state.names, *(header_names(h) for h in headers[LINE])]
            bounds = headers[RECORD].to_numpy()
            segment = np.searchsorted(bounds, data[RECORD].to_numpy(), side="right")
            data = data.with_columns(pl.Series("__segment", segment))
            for (k,), part in data.partition_by("__segment", as_dict=True).items():
                parts.append(_parse_part(part.drop("__segment"), header_names_[int(k)]))
            state.names = header_names_[-1]
        events = [p.events for p in parts]
        if len(events) > 1:
            events = [pl.concat(events, how="diagonal_relaxed")]
        return ParseResult.build(
            events=events[0] if events else None,
            skipped=[skip(headers, HEADER)],
            rejects=[p.rejects for p in parts],
        )


PARSERS: tuple[Parser, ...] = (Shadowserver(),)
