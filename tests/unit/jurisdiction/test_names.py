"""Attribution of names, hosts and URLs to the country of their ccTLD."""

# Names in Cyrillic and full-width Latin letters are what these tests are about.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import doctest
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wuzhen.jurisdiction.names import (
    CCTLD_EXCEPTIONS,
    ERROR_EMPTY_LABEL,
    ERROR_INVALID_CHARACTER,
    ERROR_LABEL_TOO_LONG,
    ERROR_NAME_TOO_LONG,
    ERROR_NO_HOST,
    ERROR_NUMERIC_TLD,
    ISO_ALPHA2,
    WORLDWIDE_CCTLDS,
    NameAttribution,
    attribute_name,
    host_of,
    tld_country,
)

COLUMNS = {
    "tld": pl.String,
    "tld.cc": pl.String,
    "tld.worldwide": pl.Boolean,
    "host.is_ip": pl.Boolean,
    "error": pl.String,
}


def attribute(values: list[str | None]) -> pl.DataFrame:
    """host, then the tld columns, for each value."""
    hosts = host_of(pl.Series("value", values, dtype=pl.String))
    return pl.concat([hosts.to_frame(), tld_country(hosts)], how="horizontal")


@pytest.mark.parametrize(
    ("value", "host", "tld", "cc"),
    [
        ("example.cn", "example.cn", "cn", "CN"),
        ("https://a.ru/x", "a.ru", "ru", "RU"),
        ("www.bbc.co.uk", "www.bbc.co.uk", "uk", "GB"),
        ("example.eu", "example.eu", "eu", None),
        ("example.com", "example.com", "com", None),
        ("http://user:pw@host.example.de:8080/path?q", "host.example.de", "de", "DE"),
        ("HTTPS://WWW.Example.FR./", "www.example.fr", "fr", "FR"),
        ("//cdn.example.jp/lib.js", "cdn.example.jp", "jp", "JP"),
        ("example.br:443", "example.br", "br", "BR"),
        ("mailto:someone@example.ch", "example.ch", "ch", "CH"),
        ("http://a.example:80@evil.kz/", "evil.kz", "kz", "KZ"),
        ("  example.pl  ", "example.pl", "pl", "PL"),
        ("nic.ac", "nic.ac", "ac", "SH"),
        ("old.su", "old.su", "su", None),
        ("old.yu", "old.yu", "yu", None),
        ("xx.zz", "xx.zz", "zz", None),  # two letters, but no assigned ISO code
        ("xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd.xn--p1ai", "xn--p1ai", "RU"),
        ("пример.рф", "пример.рф", "рф", "RU"),
        ("ПРИМЕР.РФ", "пример.рф", "рф", "RU"),
        ("http://例子.中国/", "例子.中国", "中国", "CN"),
        ("例子。香港", "例子.香港", "香港", "HK"),  # an ideographic full stop separates labels
        ("xn--fiqz9s", "xn--fiqz9s", "xn--fiqz9s", "CN"),
        ("example.xn--e1a4c", "example.xn--e1a4c", "xn--e1a4c", None),  # .ею is the EU
        ("example.xn--p1acf", "example.xn--p1acf", "xn--p1acf", None),  # .рус is generic
        ("_dmarc.example.nl", "_dmarc.example.nl", "nl", "NL"),
    ],
)
def test_names_are_attributed_to_their_cctld_country(
    value: str, host: str, tld: str, cc: str | None
) -> None:
    row = attribute([value]).row(0, named=True)
    assert row["host"] == host
    assert row["tld"] == tld
    assert row["tld.cc"] == cc
    assert row["host.is_ip"] is False
    assert row["error"] is None


@pytest.mark.parametrize(
    ("value", "worldwide", "cc"),
    [("example.io", True, "IO"), ("x.tv", True, "TV"), ("x.co", True, "CO"), ("x.it", False, "IT")],
)
def test_worldwide_cctlds_are_flagged_but_keep_their_country(
    value: str, worldwide: bool, cc: str
) -> None:
    row = attribute([value]).row(0, named=True)
    assert row["tld.worldwide"] is worldwide
    assert row["tld.cc"] == cc


@pytest.mark.parametrize(
    ("value", "host"),
    [
        ("http://[2001:db8::1]:80/", "2001:db8::1"),
        ("[2001:DB8::1]", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("ssh://root@[fe80::1%25eth0]:22", "fe80::1%25eth0"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("8.8.8.8", "8.8.8.8"),
        ("http://8.8.8.8:8080/x", "8.8.8.8"),
    ],
)
def test_ip_literals_have_no_tld(value: str, host: str) -> None:
    row = attribute([value]).row(0, named=True)
    assert row["host"] == host
    assert row["host.is_ip"] is True
    assert row["tld"] is None
    assert row["tld.cc"] is None
    assert row["tld.worldwide"] is False
    assert row["error"] is None


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("", ERROR_NO_HOST),
        (None, ERROR_NO_HOST),
        ("   ", ERROR_NO_HOST),
        ("http:///path", ERROR_NO_HOST),
        ("/just/a/path", ERROR_NO_HOST),
        ("bad..host", ERROR_EMPTY_LABEL),
        (".example.com", ERROR_EMPTY_LABEL),
        ("example.com..", ERROR_EMPTY_LABEL),
        ("bad host.com", ERROR_INVALID_CHARACTER),
        ("http://[garbage]:80/", ERROR_INVALID_CHARACTER),
        ("exa$mple.com", ERROR_INVALID_CHARACTER),
        ("a" * 64 + ".com", ERROR_LABEL_TOO_LONG),
        (".".join(["a" * 63] * 4) + ".com", ERROR_NAME_TOO_LONG),
        ("1.2.3", ERROR_NUMERIC_TLD),
        ("example.123", ERROR_NUMERIC_TLD),
    ],
)
def test_values_without_a_usable_host_get_a_reason(value: str | None, error: str) -> None:
    row = attribute([value]).row(0, named=True)
    assert row["error"] == error
    assert row["error"].startswith(("no host", "invalid host name"))
    assert row["tld"] is None
    assert row["tld.cc"] is None
    assert row["host.is_ip"] is False


def test_longest_valid_label_and_name_are_accepted() -> None:
    label = "a" * 63
    name = ".".join([label, label, label, "b" * 57, "com"])
    assert len(name) == 253
    frame = attribute([label + ".com", name])
    assert frame["error"].to_list() == [None, None]
    assert frame["tld"].to_list() == ["com", "com"]


def test_tld_country_returns_the_documented_columns_even_when_empty() -> None:
    frame = tld_country(pl.Series("anything", [], dtype=pl.String))
    assert dict(frame.schema) == COLUMNS
    assert frame.height == 0


def test_tld_country_accepts_a_column_of_nulls_only() -> None:
    frame = tld_country(host_of(pl.Series([None, None])))
    assert frame["error"].to_list() == [ERROR_NO_HOST, ERROR_NO_HOST]
    assert frame["host.is_ip"].to_list() == [False, False]


def test_a_large_mixed_column_is_attributed_in_one_pass() -> None:
    base: list[str | None] = [
        "https://www.example.cn/a",
        "8.8.8.8",
        "пример.рф",
        "http://[2001:db8::1]:80/",
        "bad..host",
        "example.io",
        None,
        "user@mail.example.de",
        "example.com",
        "",
    ]
    values = base * 1000
    frame = tld_country(host_of(pl.Series("value", values, dtype=pl.String)))
    assert frame.height == 10_000
    counts = dict(frame.group_by("tld.cc").len().iter_rows())
    assert counts == {"CN": 1000, "RU": 1000, "IO": 1000, "DE": 1000, None: 6000}
    assert frame["host.is_ip"].sum() == 2000
    assert frame["tld.worldwide"].sum() == 1000
    assert frame["error"].null_count() == 7000


def test_attribute_name_gives_one_value_the_same_answer_as_the_column() -> None:
    assert attribute_name("http://user:pw@host.example.de:8080/path?q") == NameAttribution(
        value="http://user:pw@host.example.de:8080/path?q",
        host="host.example.de",
        tld="de",
        tld_cc="DE",
        worldwide=False,
        is_ip=False,
        error=None,
    )
    assert attribute_name("example.io").worldwide is True
    assert attribute_name("[2001:db8::1]").is_ip is True
    assert attribute_name("пример.рф").tld_cc == "RU"
    assert attribute_name("").error == ERROR_NO_HOST
    assert attribute_name("bad..host").error == ERROR_EMPTY_LABEL


def test_only_the_single_value_path_normalizes_unicode_tlds_by_idna() -> None:
    # Full-width letters: IDNA's nameprep folds them to "cn"; the column path does not.
    value = "例子.ＣＮ"
    assert tld_country(host_of(pl.Series([value])))["tld.cc"].to_list() == [None]
    assert attribute_name(value).tld_cc == "CN"
    assert attribute_name("example.ｃｏｍ").tld_cc is None


def test_tables_are_consistent() -> None:
    assert len(ISO_ALPHA2) == 249
    assert all(len(code) == 2 and code.isupper() for code in ISO_ALPHA2)
    for reserved in ("AC", "EU", "UK", "SU", "TP", "YU"):
        assert reserved not in ISO_ALPHA2
    assert all(cc is None or cc in ISO_ALPHA2 for cc in CCTLD_EXCEPTIONS.values())
    for tld in CCTLD_EXCEPTIONS:
        assert tld == tld.lower()
        assert tld.isascii()
        if tld.startswith("xn--"):
            assert tld.encode("ascii").decode("idna").encode("idna").decode("ascii") == tld
    # Every worldwide TLD is a ccTLD with a country.
    frame = tld_country(pl.Series([f"x.{tld}" for tld in sorted(WORLDWIDE_CCTLDS)]))
    assert frame["tld.cc"].null_count() == 0
    assert frame["tld.worldwide"].all()
    assert "it" not in WORLDWIDE_CCTLDS


@pytest.mark.parametrize(
    ("unicode_tld", "cc"),
    [
        ("中國", "CN"),
        ("台灣", "TW"),
        ("台湾", "TW"),
        ("한국", "KR"),
        ("ไทย", "TH"),
        ("भारत", "IN"),
        ("السعودية", "SA"),
        ("امارات", "AE"),
        ("مصر", "EG"),
        ("укр", "UA"),
        ("срб", "RS"),
        ("ελ", "GR"),
        ("新加坡", "SG"),
        ("ישראל", "IL"),
        ("ею", None),
        ("рус", None),
    ],
)
def test_unicode_idn_cctlds_map_in_the_column_path(unicode_tld: str, cc: str | None) -> None:
    frame = tld_country(host_of(pl.Series([f"example.{unicode_tld}"])))
    assert frame["tld"].to_list() == [unicode_tld]
    assert frame["tld.cc"].to_list() == [cc]


# Text that exercises the URL syntax more often than uniform random text does.
url_text = st.text(alphabet=st.sampled_from(list(":/@[]?#.%\\ -_xn0129aZé。рф\n")), max_size=40)
any_text = st.one_of(st.none(), st.text(max_size=80), url_text)


@settings(deadline=None, max_examples=200)
@given(st.lists(any_text, max_size=30))
def test_no_text_makes_attribution_raise(values: list[str | None]) -> None:
    hosts = host_of(pl.Series("value", values, dtype=pl.String))
    assert hosts.len() == len(values)
    assert hosts.dtype == pl.String
    frame = tld_country(hosts)
    assert frame.height == len(values)
    assert dict(frame.schema) == COLUMNS
    for host, row in zip(hosts, frame.iter_rows(named=True), strict=True):
        if host is None:
            assert row["error"] == ERROR_NO_HOST
        if row["tld.cc"] is not None or row["host.is_ip"]:
            assert row["error"] is None
        if row["host.is_ip"] or row["error"] is not None:
            assert row["tld"] is None
        if row["tld.worldwide"]:
            assert row["tld.cc"] is not None


label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=20)


@settings(deadline=None, max_examples=100)
@given(
    labels=st.lists(label, min_size=1, max_size=4),
    cc=st.sampled_from(sorted(ISO_ALPHA2)),
    scheme=st.sampled_from(["", "http://", "https://", "ftp://", "//"]),
    userinfo=st.sampled_from(["", "user@", "user:secret@"]),
    port=st.sampled_from(["", ":80", ":8443"]),
    path=st.sampled_from(["", "/", "/a/b?c=d#e", "?q", "#f"]),
)
def test_the_host_of_a_built_url_is_found_and_attributed(
    labels: list[str], cc: str, scheme: str, userinfo: str, port: str, path: str
) -> None:
    host = ".".join([*labels, cc.lower()])
    url = f"{scheme}{userinfo}{host.upper()}{port}{path}"
    row = attribute([url]).row(0, named=True)
    assert row["host"] == host
    assert row["tld"] == cc.lower()
    assert row["tld.cc"] == cc
    assert row["error"] is None


def test_the_user_guide_examples_run() -> None:
    guide = Path(__file__).parents[3] / "docs" / "user" / "names.md"
    parser = doctest.DocTestParser()
    test = parser.get_doctest(guide.read_text(encoding="utf-8"), {}, guide.name, str(guide), 0)
    assert test.examples, "the guide has no examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test, out=lambda _text: None)
    assert result.failed == 0
