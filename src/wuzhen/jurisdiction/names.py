"""Attribute domain names, host names and URLs to the country of their ccTLD.

A name's country-code top-level domain is *recorded*, never routed on by default: many ccTLDs
are sold worldwide (``.io``, ``.tv``, ``.co``), so a name under one says little about who is
responsible for it. :data:`WORLDWIDE_CCTLDS` marks the best-known of those, so an analyst sees
it at a glance.

Everything works on whole columns with Polars expressions (:func:`host_expr`,
:func:`tld_country_exprs`); :func:`host_of` and :func:`tld_country` wrap them for a Series, and
:func:`attribute_name` for one value. Nothing raises on bad text: a value without a usable host
gets a reason in the ``error`` column.

How a value becomes a country:

1. :func:`host_of` takes the host out of a URL (any ``scheme://``, user info, port, an IPv6
   literal in brackets), a ``host:port`` or a bare name; lower-cases it and drops one trailing
   dot.
2. :func:`tld_country` tells IP literals apart by their shape (a dotted quad, or hex digits and
   colons; the address parser judges the values, so ``999.1.1.1`` counts as an address here):
   they have no TLD. Other hosts are checked as names (labels of 1-63 letters, digits,
   hyphens or underscores, at most 253 characters, a top-level label that is not all digits).
3. The last label is the TLD. A two-letter TLD names the ISO 3166-1 country with that code,
   unless :data:`CCTLD_EXCEPTIONS` says otherwise (``.uk`` is GB, ``.eu`` is no country); an
   internationalized ccTLD (``xn--p1ai``, or ``рф`` as Unicode) is looked up in the same table.
"""

from __future__ import annotations

import encodings.idna
from dataclasses import dataclass
from typing import Final

import polars as pl

__all__ = [
    "CCTLD_EXCEPTIONS",
    "ERROR_EMPTY_LABEL",
    "ERROR_INVALID_CHARACTER",
    "ERROR_LABEL_TOO_LONG",
    "ERROR_NAME_TOO_LONG",
    "ERROR_NO_HOST",
    "ERROR_NUMERIC_TLD",
    "ISO_ALPHA2",
    "WORLDWIDE_CCTLDS",
    "NameAttribution",
    "attribute_name",
    "host_expr",
    "host_of",
    "tld_country",
    "tld_country_exprs",
]

#: The 249 officially assigned ISO 3166-1 alpha-2 codes. Exceptionally or transitionally
#: reserved codes (AC, EU, UK, SU, YU, ...) are not in it: see :data:`CCTLD_EXCEPTIONS`.
ISO_ALPHA2: Final[frozenset[str]] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 (a table that reads as one; a list literal takes 249 lines)
)

#: TLDs whose country is not simply the upper-cased TLD: ASCII ccTLDs that differ from the
#: ISO code, retired or non-country ones (``None``: no country), and the internationalized
#: ccTLDs delegated in the root zone, by their punycode (A-label) form, with the Unicode form
#: in the comment. Sources: the IANA root zone database and the Public Suffix List's IDN
#: ccTLD section.
CCTLD_EXCEPTIONS: Final[dict[str, str | None]] = {
    "uk": "GB",
    "gb": "GB",  # delegated, never used for new names; the ISO code anyway
    "ac": "SH",  # Ascension Island, part of Saint Helena, Ascension and Tristan da Cunha
    "eu": None,  # the European Union: not a country
    "su": None,  # the Soviet Union: legacy, still delegated
    "tp": None,  # East Timor before TL: retired
    "yu": None,  # Yugoslavia: retired
    "an": None,  # Netherlands Antilles: retired
    "zr": None,  # Zaire: retired
    "cs": None,  # Czechoslovakia (later Serbia and Montenegro): retired
    "xn--mgbaam7a8h": "AE",  # امارات
    "xn--y9a3aq": "AM",  # հայ
    "xn--54b7fta0cc": "BD",  # বাংলা
    "xn--90ae": "BG",  # бг  # noqa: RUF003 (Cyrillic on purpose)
    "xn--mgbcpq6gpa1a": "BH",  # البحرين
    "xn--90ais": "BY",  # бел
    "xn--fiqs8s": "CN",  # 中国
    "xn--fiqz9s": "CN",  # 中國
    "xn--lgbbat1ad8j": "DZ",  # الجزائر
    "xn--wgbh1c": "EG",  # مصر
    "xn--e1a4c": None,  # ею: the European Union
    "xn--qxa6a": None,  # ευ: the European Union
    "xn--node": "GE",  # გე
    "xn--qxam": "GR",  # ελ
    "xn--j6w193g": "HK",  # 香港
    "xn--4dbrk0ce": "IL",  # ישראל
    "xn--h2brj9c": "IN",  # भारत
    "xn--h2breg3eve": "IN",  # भारतम्
    "xn--h2brj9c8c": "IN",  # भारोत
    "xn--45brj9c": "IN",  # ভারত
    "xn--45br5cyl": "IN",  # ভাৰত
    "xn--2scrj9c": "IN",  # ಭಾರತ
    "xn--3hcrj9c": "IN",  # ଭାରତ
    "xn--fpcrj9c3d": "IN",  # భారత్
    "xn--gecrj9c": "IN",  # ભારત
    "xn--s9brj9c": "IN",  # ਭਾਰਤ
    "xn--rvc1e0am3e": "IN",  # ഭാരതം
    "xn--xkc2dl3a5ee0h": "IN",  # இந்தியா
    "xn--mgbbh1a71e": "IN",  # بھارت
    "xn--mgbbh1a": "IN",  # بارت
    "xn--mgbgu82a": "IN",  # ڀارت
    "xn--mgbtx2b": "IQ",  # عراق
    "xn--mgba3a4f16a": "IR",  # ایران
    "xn--mgbayh7gpa": "JO",  # الاردن
    "xn--3e0b707e": "KR",  # 한국
    "xn--80ao21a": "KZ",  # қаз
    "xn--q7ce6a": "LA",  # ລາວ
    "xn--fzc2c9e2c": "LK",  # ලංකා
    "xn--xkc2al3hye2a": "LK",  # இலங்கை
    "xn--mgbc0a9azcg": "MA",  # المغرب
    "xn--d1alf": "MK",  # мкд
    "xn--l1acc": "MN",  # мон
    "xn--mix891f": "MO",  # 澳門
    "xn--mgbah1a3hjkrd": "MR",  # موريتانيا
    "xn--mgbx4cd0ab": "MY",  # مليسيا
    "xn--mgb9awbf": "OM",  # عمان
    "xn--mgbai9azgqp6j": "PK",  # پاکستان
    "xn--ygbi2ammx": "PS",  # فلسطين
    "xn--wgbl6a": "QA",  # قطر
    "xn--90a3ac": "RS",  # срб  # noqa: RUF003
    "xn--p1ai": "RU",  # рф
    "xn--mgberp4a5d4ar": "SA",  # السعودية
    "xn--mgbpl2fh": "SD",  # سودان
    "xn--yfro4i67o": "SG",  # 新加坡
    "xn--clchc0ea0b2g2a9gcd": "SG",  # சிங்கப்பூர்
    "xn--ogbpf8fl": "SY",  # سورية
    "xn--o3cw4h": "TH",  # ไทย
    "xn--pgbs0dh": "TN",  # تونس
    "xn--kpry57d": "TW",  # 台灣
    "xn--kprw13d": "TW",  # 台湾
    "xn--j1amh": "UA",  # укр
}

#: ccTLDs sold worldwide and chiefly used by registrants outside their country, so that a name
#: under one says nothing about its country. A judgement, kept short on purpose: only TLDs whose
#: registries market them as generic (``.io``, ``.tv``, ``.co``, ``.me``, ``.ai``, ...) or gave
#: them away to anyone (the former Freenom TLDs ``.tk``, ``.ml``, ``.ga``, ``.cf``, ``.gq``).
WORLDWIDE_CCTLDS: Final[frozenset[str]] = frozenset(
    """
    ac ai am bz cc cf co cx fm ga gg gq gs im io la ly me ml ms nu pw sh so tc tk to tv vc vg ws
    """.split()  # noqa: SIM905
)

ERROR_NO_HOST: Final = "no host in value"
ERROR_NAME_TOO_LONG: Final = "invalid host name: longer than 253 characters"
ERROR_INVALID_CHARACTER: Final = "invalid host name: character not allowed"
ERROR_EMPTY_LABEL: Final = "invalid host name: empty label"
ERROR_LABEL_TOO_LONG: Final = "invalid host name: label longer than 63 characters"
ERROR_NUMERIC_TLD: Final = "invalid host name: numeric top-level label"


def _tld_countries() -> dict[str, str]:
    """TLD (lower-case; punycode and Unicode forms) -> ISO alpha-2, for every TLD that has one."""
    table = {code.lower(): code for code in ISO_ALPHA2}
    for tld, cc in CCTLD_EXCEPTIONS.items():
        if cc is None:
            table.pop(tld, None)
            continue
        table[tld] = cc
        if tld.startswith("xn--"):
            table[tld.encode("ascii").decode("idna")] = cc
    return table


_TLD_CC: Final[dict[str, str]] = _tld_countries()

# Patterns are matched against lower-cased text by Polars' (Rust) regex engine. Classes are
# spelled [0-9] because \d matches every Unicode digit there.
_SCHEME = r"^(?:[a-zA-Z][a-zA-Z0-9+.\-]*:)?//"
_AUTHORITY = r"^([^/?#\\]*)"
_USERINFO = r"(?s)^.*@"
# An IPv6 literal in brackets (whatever follows), or a host with one colon (then a port);
# anything else (no colon; several colons: a bare IPv6 address) is left as it is.
_HOST_IN_AUTHORITY = r"(?s)^\[([^\]]*:[^\]]*)\].*$|^([^:]*):[^:]*$"
_NON_EMPTY_WITHOUT_TRAILING_DOT = r"(?s)^(.+?)\.?$"
_IDEOGRAPHIC_DOTS = "[\u3002\uff0e\uff61]"  # full stops that IDNA reads as "."
_IPV4 = r"^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$"
_IPV6 = r"^[0-9a-f]*:[0-9a-f]*:[0-9a-f.:]*(?:%[^\s%]+)?$"
_BAD_CHARACTER = r"[^\p{L}\p{M}\p{N}_.\-]"
_EMPTY_LABEL = r"^\.|\.\.|\.$"
_LONG_LABEL = r"[^.]{64}"
_NUMERIC_TLD = r"(?:^|\.)[0-9]+$"
_LAST_LABEL = r"([^.]+)$"


def host_expr(value: pl.Expr) -> pl.Expr:
    """The lower-cased host in each value (URL, ``host:port``, name, address), or null.

    An IPv6 literal loses its brackets; one trailing dot is dropped. A value with several
    colons and no brackets is taken as a bare IPv6 address, with no port.
    """
    text = value.cast(pl.String, strict=False).str.strip_chars()
    return (
        text.str.replace(_SCHEME, "")
        .str.extract(_AUTHORITY, 1)
        .str.replace(_USERINFO, "")
        .str.replace(_HOST_IN_AUTHORITY, "${1}${2}")
        .str.replace_all(_IDEOGRAPHIC_DOTS, ".")
        .str.to_lowercase()
        .str.extract(_NON_EMPTY_WITHOUT_TRAILING_DOT, 1)
    )


def tld_country_exprs(host: pl.Expr) -> list[pl.Expr]:
    """Columns ``tld``, ``tld.cc``, ``tld.worldwide``, ``host.is_ip``, ``error`` for hosts.

    Hosts are expected as :func:`host_expr` returns them; any other text is judged as it is,
    lower-cased.
    """
    h = host.cast(pl.String, strict=False).str.to_lowercase()
    is_ip = (h.str.contains(_IPV4) | h.str.contains(_IPV6)).fill_null(value=False)
    error = (
        pl.when(h.is_null() | (h.str.len_bytes() == 0))
        .then(pl.lit(ERROR_NO_HOST))
        .when(is_ip)
        .then(pl.lit(None, dtype=pl.String))
        .when(h.str.len_chars() > 253)
        .then(pl.lit(ERROR_NAME_TOO_LONG))
        .when(h.str.contains(_BAD_CHARACTER))
        .then(pl.lit(ERROR_INVALID_CHARACTER))
        .when(h.str.contains(_EMPTY_LABEL))
        .then(pl.lit(ERROR_EMPTY_LABEL))
        .when(h.str.contains(_LONG_LABEL))
        .then(pl.lit(ERROR_LABEL_TOO_LONG))
        .when(h.str.contains(_NUMERIC_TLD))
        .then(pl.lit(ERROR_NUMERIC_TLD))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    tld = (
        pl.when(error.is_null() & ~is_ip)
        .then(h.str.extract(_LAST_LABEL, 1))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return [
        tld.alias("tld"),
        tld.replace_strict(_TLD_CC, default=None, return_dtype=pl.String).alias("tld.cc"),
        tld.is_in(sorted(WORLDWIDE_CCTLDS)).fill_null(value=False).alias("tld.worldwide"),
        is_ip.alias("host.is_ip"),
        error.alias("error"),
    ]


def host_of(values: pl.Series) -> pl.Series:
    """The host of each value, as :func:`host_expr` finds it; a Series named ``host``."""
    frame = values.alias("value").to_frame().lazy()
    return frame.select(host_expr(pl.col("value")).alias("host")).collect().to_series()


def tld_country(hosts: pl.Series) -> pl.DataFrame:
    """TLD, its country, the worldwide flag, the IP flag and an error reason for each host.

    The result has one row per host, in order: ``tld`` (String), ``tld.cc`` (String),
    ``tld.worldwide`` (Boolean), ``host.is_ip`` (Boolean), ``error`` (String).
    """
    frame = hosts.alias("host").to_frame().lazy()
    return frame.select(tld_country_exprs(pl.col("host"))).collect()


@dataclass(frozen=True, slots=True)
class NameAttribution:
    """What is known of one name: its host, TLD and the TLD's country."""

    value: str
    host: str | None
    tld: str | None
    tld_cc: str | None
    worldwide: bool
    is_ip: bool
    error: str | None


def _idna_country(tld: str) -> str | None:
    """The country of a Unicode TLD that only matches after IDNA's own normalization."""
    try:
        a_label = encodings.idna.ToASCII(tld).decode("ascii")
    except UnicodeError:
        return None
    return _TLD_CC.get(a_label.lower())


def attribute_name(value: str) -> NameAttribution:
    """Attribute one value, by the same column code the pipeline runs."""
    host = host_of(pl.Series("value", [value], dtype=pl.String))
    row = tld_country(host).row(0, named=True)
    tld: str | None = row["tld"]
    tld_cc: str | None = row["tld.cc"]
    if tld_cc is None and tld is not None and not tld.isascii():
        tld_cc = _idna_country(tld)
    return NameAttribution(
        value=value,
        host=host[0],
        tld=tld,
        tld_cc=tld_cc,
        worldwide=bool(row["tld.worldwide"]),
        is_ip=bool(row["host.is_ip"]),
        error=row["error"],
    )
