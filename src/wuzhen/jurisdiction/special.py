"""Special-purpose address blocks: a class instead of a country.

From the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and successors), the
IPv4 multicast and reserved space, and the IPv6 space IANA has not allocated for global unicast.
Blocks that IANA marks globally reachable and that have a real holder (AS112, AMT) are not
listed: they are attributed like any other address. A later, more specific entry wins over an
earlier one that contains it.

IPv4-mapped IPv6 addresses (``::ffff:0:0/96``) are not a class here: attribution looks up the
IPv4 address they carry.
"""

from __future__ import annotations

SPECIAL_CLASSES: tuple[str, ...] = (
    "",  # 0: not special
    "this-network",
    "private",
    "shared",
    "loopback",
    "link-local",
    "ietf-protocol",
    "documentation",
    "6to4-relay",
    "benchmarking",
    "multicast",
    "reserved",
    "broadcast",
    "unspecified",
    "nat64",
    "discard",
    "teredo",
    "orchid",
    "6to4",
    "srv6",
    "unique-local",
)

IPV4_SPECIAL: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "this-network"),  # RFC 791
    ("10.0.0.0/8", "private"),  # RFC 1918
    ("100.64.0.0/10", "shared"),  # RFC 6598, carrier-grade NAT
    ("127.0.0.0/8", "loopback"),  # RFC 1122
    ("169.254.0.0/16", "link-local"),  # RFC 3927
    ("172.16.0.0/12", "private"),  # RFC 1918
    ("192.0.0.0/24", "ietf-protocol"),  # RFC 6890
    ("192.0.2.0/24", "documentation"),  # RFC 5737 TEST-NET-1
    ("192.88.99.0/24", "6to4-relay"),  # RFC 7526, deprecated anycast
    ("192.168.0.0/16", "private"),  # RFC 1918
    ("198.18.0.0/15", "benchmarking"),  # RFC 2544
    ("198.51.100.0/24", "documentation"),  # RFC 5737 TEST-NET-2
    ("203.0.113.0/24", "documentation"),  # RFC 5737 TEST-NET-3
    ("224.0.0.0/4", "multicast"),  # RFC 5771
    ("240.0.0.0/4", "reserved"),  # RFC 1112
    ("255.255.255.255/32", "broadcast"),  # RFC 919
)

IPV6_SPECIAL: tuple[tuple[str, str], ...] = (
    # Outside 2000::/3 nothing is allocated for global unicast (IANA IPv6 Address Space).
    ("::/3", "reserved"),
    ("4000::/2", "reserved"),
    ("8000::/1", "reserved"),
    ("::/128", "unspecified"),  # RFC 4291
    ("::1/128", "loopback"),  # RFC 4291
    ("64:ff9b::/96", "nat64"),  # RFC 6052
    ("64:ff9b:1::/48", "nat64"),  # RFC 8215, local-use translation
    ("100::/64", "discard"),  # RFC 6666
    ("2001::/32", "teredo"),  # RFC 4380
    ("2001:2::/48", "benchmarking"),  # RFC 5180
    ("2001:10::/28", "orchid"),  # RFC 4843, deprecated
    ("2001:20::/28", "orchid"),  # RFC 7343, ORCHIDv2
    ("2001:db8::/32", "documentation"),  # RFC 3849
    ("2002::/16", "6to4"),  # RFC 3056
    ("3fff::/20", "documentation"),  # RFC 9637
    ("5f00::/16", "srv6"),  # RFC 9602, segment routing SIDs
    ("fc00::/7", "unique-local"),  # RFC 4193
    ("fe80::/10", "link-local"),  # RFC 4291
    ("ff00::/8", "multicast"),  # RFC 4291
)


def class_code(name: str) -> int:
    """The small integer stored per segment for a class name."""
    return SPECIAL_CLASSES.index(name)
