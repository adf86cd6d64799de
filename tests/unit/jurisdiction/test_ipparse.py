"""The vectorized address parser agrees with Python's ipaddress, and never raises."""

from __future__ import annotations

import ipaddress

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuzhen.jurisdiction import _ipparse


def _value(kind: int, hi: int, lo: int) -> str | None:
    if kind == 4:
        return str(ipaddress.IPv4Address(lo))
    if kind == 6:
        return str(ipaddress.IPv6Address((hi << 64) | lo))
    return None


def _parse_one(text: str | None, *, allow_prefix: bool = False) -> tuple[int, str | None, int, int]:
    p = _ipparse.parse(pa.array([text], pa.string()), allow_prefix=allow_prefix)
    k, h, lw = int(p.kind[0]), int(p.hi[0]), int(p.lo[0])
    return k, _value(k, h, lw), int(p.prefix[0]), int(p.error[0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8.8.8.8", "8.8.8.8"),
        (" 1.2.3.4\t", "1.2.3.4"),
        ("0.0.0.0", "0.0.0.0"),
        ("255.255.255.255", "255.255.255.255"),
        ("2001:db8::1", "2001:db8::1"),
        ("::", "::"),
        ("::1", "::1"),
        ("1::", "1::"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::ffff:1.2.3.4", "::ffff:102:304"),
        ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
        ("FE80::1%eth0", "fe80::1"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
    ],
)
def test_valid_addresses(text: str, expected: str) -> None:
    kind, value, _prefix, error = _parse_one(text)
    assert error == _ipparse.OK
    assert value == expected
    assert kind == (6 if ":" in expected else 4)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (None, _ipparse.ERR_EMPTY),
        ("", _ipparse.ERR_EMPTY),
        ("   ", _ipparse.ERR_EMPTY),
        ("01.2.3.4", _ipparse.ERR_LEADING_ZERO),
        ("256.1.1.1", _ipparse.ERR_OCTET),
        ("1.2.3", _ipparse.ERR_SYNTAX),
        ("1.2.3.4.5", _ipparse.ERR_SYNTAX),
        ("example.com", _ipparse.ERR_SYNTAX),
        ("1:::2", _ipparse.ERR_IPV6),
        ("1::2::3", _ipparse.ERR_IPV6),
        ("12345::", _ipparse.ERR_IPV6),
        ("1:2:3:4:5:6:7:8:9", _ipparse.ERR_IPV6),
        ("1:2:3:4:5:6:7:1.2.3.4", _ipparse.ERR_IPV6),
        (":1::", _ipparse.ERR_IPV6),
        ("1:", _ipparse.ERR_IPV6),
        ("10.0.0.0/8", _ipparse.ERR_SYNTAX),
    ],
)
def test_invalid_text_gives_a_reason(text: str | None, error: int) -> None:
    kind, value, _prefix, err = _parse_one(text)
    assert (kind, value, err) == (0, None, error)
    assert error in _ipparse.ERROR_REASONS


@pytest.mark.parametrize(
    ("text", "network", "prefix"),
    [
        ("10.0.0.0/8", "10.0.0.0", 8),
        ("1.2.3.4/24", "1.2.3.0", 24),  # host bits are cleared
        ("1.2.3.4/32", "1.2.3.4", 32),
        ("0.0.0.0/0", "0.0.0.0", 0),
        ("2001:db8::/32", "2001:db8::", 32),
        ("2001:db8:ffff:1::/48", "2001:db8:ffff::", 48),
        ("2001:db8::1/128", "2001:db8::1", 128),
        ("2001:db8::1/64", "2001:db8::", 64),
        ("2001:db8::1/65", "2001:db8::", 65),
        ("ffff::1/1", "8000::", 1),
    ],
)
def test_networks(text: str, network: str, prefix: int) -> None:
    _kind, value, plen, err = _parse_one(text, allow_prefix=True)
    assert (value, plen, err) == (network, prefix, _ipparse.OK)


@pytest.mark.parametrize("text", ["1.2.3.4/33", "::/129", "1.2.3.4/", "1.2.3.4/x", "1.2.3.4/08"])
def test_bad_prefix(text: str) -> None:
    assert _parse_one(text, allow_prefix=True)[3] == _ipparse.ERR_PREFIX


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_every_ipv4_round_trips(value: int) -> None:
    text = str(ipaddress.IPv4Address(value))
    assert _parse_one(text)[1] == text


@given(st.integers(min_value=0, max_value=2**128 - 1), st.booleans())
def test_every_ipv6_round_trips(value: int, exploded: bool) -> None:
    addr = ipaddress.IPv6Address(value)
    text = addr.exploded if exploded else str(addr)
    assert _parse_one(text)[1] == str(addr)


_ALPHABET = st.sampled_from(list("0123456789abcdefABCDEF:.%/ xz-"))


@given(st.text(_ALPHABET, max_size=48))
def test_agrees_with_ipaddress_on_any_text(text: str) -> None:
    _kind, value, _prefix, _error = _parse_one(text)
    try:
        expected = str(ipaddress.ip_address(text.strip(" \t")))
    except ValueError:
        expected = None
    if expected is not None and "%" in expected:
        expected = expected.split("%")[0]
    assert value == expected


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(max_size=60),
            st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
        ),
        max_size=50,
    )
)
def test_never_raises_on_a_column(values: list[str | None]) -> None:
    parsed = _ipparse.parse(pa.array(values, pa.string()), allow_prefix=True)
    assert len(parsed) == len(values)
    assert set(parsed.kind.tolist()) <= {0, 4, 6}


def test_sliced_and_chunked_columns() -> None:
    arr = pa.array(["junk", "1.1.1.1", "2.2.2.2", "::1"])
    p = _ipparse.parse(arr.slice(1, 2))
    assert [
        _value(int(k), int(h), int(lw)) for k, h, lw in zip(p.kind, p.hi, p.lo, strict=True)
    ] == ["1.1.1.1", "2.2.2.2"]
    chunked = pa.chunked_array([arr.slice(0, 2), arr.slice(2)])
    assert _ipparse.parse(chunked).kind.tolist() == [0, 4, 4, 6]
