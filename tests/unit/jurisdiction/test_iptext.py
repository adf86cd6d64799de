"""Addresses in their canonical text (RFC 5952 for IPv6) agree with Python's ipaddress."""

from __future__ import annotations

import ipaddress

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuzhen.jurisdiction import _ipparse
from wuzhen.jurisdiction._iptext import canonical


def _canonical(values: list[str | None]) -> list[str | None]:
    series = pl.Series(values, dtype=pl.String)
    return canonical(series, _ipparse.parse(series)).to_list()


def _expected(address: ipaddress.IPv6Address) -> str:
    # RFC 5952 section 5: an IPv4-mapped address in mixed notation
    mapped = address.ipv4_mapped
    return f"::ffff:{mapped}" if mapped is not None else address.compressed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        (" 192.0.2.1\t", "192.0.2.1"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::FFFF:192.0.2.1", "::ffff:192.0.2.1"),
        ("::ffff:c000:201", "::ffff:192.0.2.1"),
        ("fe80::1%eth0", "fe80::1"),  # no zone: it names an interface of the sensor
        ("::", "::"),
        ("::1", "::1"),
        ("1::", "1::"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  # one zero group is not shortened
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),  # the longest run
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  # the first of equal runs
        ("::192.0.2.1", "::c000:201"),
        # what is no address is left as it was (it is rejected with its reason)
        ("1.2.3.04", "1.2.3.04"),
        ("not an address", "not an address"),
        (None, None),
    ],
)
def test_canonical_text(text: str | None, expected: str | None) -> None:
    assert _canonical([text]) == [expected]


@given(st.lists(st.ip_addresses(v=6), min_size=1, max_size=50))
def test_ipv6_as_python_writes_it(addresses: list[ipaddress.IPv6Address]) -> None:
    written = [a.exploded.upper() for a in addresses]
    assert _canonical(written) == [_expected(a) for a in addresses]


@given(st.lists(st.ip_addresses(v=4).map(str), min_size=1, max_size=50))
def test_ipv4_is_left_as_it_is(addresses: list[str]) -> None:
    assert _canonical(addresses) == addresses
