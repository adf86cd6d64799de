"""Build an attribution snapshot from the files operators download, in their standard formats.

Registration (where a block's holder is registered):
  * the regional registries' delegated-extended statistics files
    (``registry|cc|type|start|value|date|status[|opaque-id]``, with a version line and
    summary lines; only ``allocated``/``assigned`` records name a holder);
  * start-end-country[-asn] CSV (``start,end,country,asn``; header optional).
Location (where a block is used) and ASN:
  * start-end-country[-asn] CSV;
  * ip2asn-style TSV (``range_start range_end as_number country_code as_description``).
AS names: ``asn<TAB>name`` TSV, or the descriptions of an ip2asn file.

Any file may be gzip-compressed. A later file wins over an earlier one where ranges overlap,
and a more specific range over the block that contains it.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from wuzhen.errors import InputError
from wuzhen.jurisdiction import _ipparse
from wuzhen.jurisdiction._segments import MAX64, Layer, build_table
from wuzhen.jurisdiction.snapshot import REGISTRIES, Snapshot
from wuzhen.jurisdiction.special import IPV4_SPECIAL, IPV6_SPECIAL, class_code

log = logging.getLogger(__name__)

RIR_NAMES = {
    "afrinic": "AFRINIC",
    "apnic": "APNIC",
    "arin": "ARIN",
    "lacnic": "LACNIC",
    "ripencc": "RIPE NCC",
}
#: Non-ISO spellings some sources use for an ISO code. Other non-ISO codes (EU, AP, ...) are
#: kept as they are: no state answers for them, so they stay unrouted.
COUNTRY_ALIASES = {"UK": "GB"}
DEFAULT_LICENCES = {
    "delegated": "CC BY 4.0 (statistics of the regional Internet registries: AFRINIC, APNIC, "
    "ARIN, LACNIC, RIPE NCC)",
    "ip2asn": "PDDL 1.0 (iptoasn.com)",
    "csv": "as stated by the data's provider",
    "asnames": "as stated by the data's provider",
}


@dataclass(frozen=True, slots=True)
class Ranges:
    """Parsed ranges of one source file: inclusive bounds, per family, with their values."""

    frame: pl.DataFrame  # start_hi, start_lo, end_hi, end_lo (u64), family (u8), cc, asn, rir
    asnames: pl.DataFrame | None = None  # asn (u32), name


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", errors="replace")


def sniff(text: str) -> str:
    """Which supported format a source file's text is in."""
    for line in text.splitlines()[:50]:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if "|" in stripped:
            return "delegated"
        if "\t" in stripped and len(stripped.split("\t")) >= 5:
            return "ip2asn"
        if re.match(r"^(AS)?\d+\t", stripped):
            return "asnames"
        if "," in stripped:
            return "csv"
    msg = "unrecognised range file: expected delegated-extended, CSV, ip2asn TSV or AS names"
    raise InputError(msg)


def _lines(text: str) -> pl.Series:
    return pl.Series("line", text.splitlines(), pl.String)


def _parse_bounds(
    start: pl.Series, end: pl.Series, origin: str
) -> tuple[_ipparse.Parsed, _ipparse.Parsed]:
    s = _ipparse.parse(start)
    e = _ipparse.parse(end)
    bad = (s.kind == 0) | (e.kind != s.kind)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        msg = f"{origin}: bad address range {start[first]!r}-{end[first]!r}"
        raise InputError(msg)
    return s, e


def _frame(
    s: _ipparse.Parsed,
    end_hi: npt.NDArray[np.uint64],
    end_lo: npt.NDArray[np.uint64],
    cc: pl.Series,
    asn: pl.Series | None = None,
    rir: pl.Series | None = None,
) -> pl.DataFrame:
    n = len(s)
    return pl.DataFrame(
        {
            "start_hi": s.hi,
            "start_lo": s.lo,
            "end_hi": end_hi,
            "end_lo": end_lo,
            "family": s.kind,
            "cc": _normalize_cc(cc),
            "asn": asn if asn is not None else pl.Series("asn", [None] * n, pl.UInt32),
            "rir": rir if rir is not None else pl.Series("rir", [None] * n, pl.String),
        }
    )


def _normalize_cc(cc: pl.Series) -> pl.Series:
    cc = cc.str.strip_chars().str.to_uppercase()
    cc = cc.replace(COUNTRY_ALIASES)
    return pl.Series("cc", cc).replace({"": None, "NONE": None, "ZZ": None, "-": None})


def read_delegated(text: str, origin: str) -> Ranges:
    """A regional registry's delegated(-extended) statistics file."""
    parts = _lines(text).str.split("|")
    df = pl.DataFrame({"p": parts}).select(
        [pl.col("p").list.get(i, null_on_oob=True).alias(f"c{i}") for i in range(7)]
    )
    df = df.filter(
        pl.col("c2").is_in(["ipv4", "ipv6"])
        & pl.col("c6").is_in(["allocated", "assigned"])
        & (pl.col("c1") != "*")
    )
    if df.is_empty():
        return Ranges(
            _frame(
                _ipparse.parse(pa.array([], pa.string())),
                *_empty_ends(),
                pl.Series([], dtype=pl.String),
            )
        )
    value = df["c4"].cast(pl.UInt64, strict=False)
    if value.null_count():
        msg = f"{origin}: a record's value is not a number"
        raise InputError(msg)
    s = _ipparse.parse(df["c3"])
    if (s.kind == 0).any():
        first = int(np.flatnonzero(s.kind == 0)[0])
        msg = f"{origin}: bad start address {df['c3'][first]!r}"
        raise InputError(msg)
    v = value.to_numpy()
    is6 = s.kind == 6
    end_hi = s.hi.copy()
    end_lo = s.lo.copy()
    # IPv4: value is a count of addresses (not always a power of two)
    end_lo[~is6] = s.lo[~is6] + v[~is6] - np.uint64(1)
    # IPv6: value is a prefix length
    mhi, mlo = _host_masks(v[is6])
    end_hi[is6] = s.hi[is6] | mhi
    end_lo[is6] = s.lo[is6] | mlo
    rir = (
        df["c0"].str.to_lowercase().replace_strict(RIR_NAMES, default=None, return_dtype=pl.String)
    )
    return Ranges(_frame(s, end_hi, end_lo, df["c1"], rir=rir))


def _empty_ends() -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    return np.zeros(0, np.uint64), np.zeros(0, np.uint64)


def _host_masks(
    prefix: npt.NDArray[np.uint64],
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """Host-bit masks (hi, lo halves) for IPv6 prefix lengths."""
    p = prefix.astype(np.int64)
    if ((p < 0) | (p > 128)).any():
        msg = "IPv6 prefix length outside 0-128"
        raise InputError(msg)
    hi_bits = np.clip(64 - p, 0, 64)  # host bits in the high half
    lo_bits = np.clip(128 - p, 0, 64)

    def ones(bits: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
        out = np.where(
            bits >= 64,
            MAX64,
            (np.uint64(1) << np.minimum(bits, 63).astype(np.uint64)) - np.uint64(1),
        )
        return out.astype(np.uint64)

    return ones(hi_bits), ones(lo_bits)


def read_range_csv(text: str, origin: str) -> Ranges:
    """``start,end,country[,asn]`` with an optional header line."""
    df = pl.DataFrame({"line": _lines(text)}).filter(
        (pl.col("line").str.strip_chars() != "") & ~pl.col("line").str.starts_with("#")
    )
    parts = df["line"].str.split(",")
    cols = pl.DataFrame({"p": parts}).select(
        [
            pl.col("p").list.get(i, null_on_oob=True).str.strip_chars().alias(n)
            for i, n in enumerate(("start", "end", "cc", "asn"))
        ]
    )
    if cols.height and cols["start"][0].lower() == "start":
        cols = cols.slice(1)
    s, e = _parse_bounds(cols["start"], cols["end"], origin)
    asn = _asn_series(cols["asn"].fill_null(""))
    return Ranges(_frame(s, e.hi, e.lo, cols["cc"].fill_null(""), asn=asn))


def _asn_series(raw: pl.Series) -> pl.Series:
    asn = raw.str.strip_chars().str.strip_prefix("AS").cast(pl.UInt32, strict=False)
    return pl.Series("asn", asn).replace({0: None})


def read_ip2asn(text: str, origin: str) -> Ranges:
    """ip2asn TSV: ``range_start range_end as_number country_code as_description``."""
    parts = _lines(text).filter(_lines(text).str.strip_chars() != "").str.split("\t")
    cols = pl.DataFrame({"p": parts}).select(
        [
            pl.col("p").list.get(i, null_on_oob=True).alias(n)
            for i, n in enumerate(("start", "end", "asn", "cc", "name"))
        ]
    )
    s, e = _parse_bounds(cols["start"], cols["end"], origin)
    asn = _asn_series(cols["asn"].fill_null(""))
    names = (
        pl.DataFrame({"asn": asn, "name": cols["name"]})
        .drop_nulls()
        .filter(pl.col("name") != "Not routed")
        .unique("asn", keep="last")
    )
    return Ranges(_frame(s, e.hi, e.lo, cols["cc"].fill_null(""), asn=asn), asnames=names)


def read_asnames(text: str, origin: str) -> pl.DataFrame:
    """``asn<TAB>name`` lines (an ``AS`` prefix on the number is accepted)."""
    parts = _lines(text).filter(_lines(text).str.strip_chars() != "").str.splitn("\t", 2)
    df = parts.struct.unnest()
    df.columns = ["asn", "name"]
    asn = df["asn"].str.strip_prefix("AS").cast(pl.UInt32, strict=False)
    if asn.null_count():
        msg = f"{origin}: a line does not start with an AS number"
        raise InputError(msg)
    return pl.DataFrame({"asn": asn, "name": df["name"].fill_null("")})


READERS: dict[str, Callable[[str, str], Ranges]] = {
    "delegated": read_delegated,
    "csv": read_range_csv,
    "ip2asn": read_ip2asn,
}


@dataclass(frozen=True, slots=True)
class Source:
    """One input file and the role it plays."""

    path: Path
    role: str  # "registration", "location" or "asnames"
    licence: str | None = None


def _file_meta(src: Source, fmt: str, text: str, records: int) -> dict[str, Any]:
    date = None
    m = re.search(r"(20\d{2})-?(\d{2})-?(\d{2})", src.path.name)
    if fmt == "delegated":
        head = next((ln for ln in text.splitlines() if ln and not ln.startswith("#")), "")
        fields = head.split("|")
        if len(fields) > 5 and re.fullmatch(r"\d{8}", fields[5]):
            d = fields[5]
            date = f"{d[:4]}-{d[4:6]}-{d[6:]}"
    if date is None and m:
        date = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return {
        "role": src.role,
        "file": src.path.name,
        "format": fmt,
        "sha256": hashlib.sha256(src.path.read_bytes()).hexdigest(),
        "records": records,
        "date": date,
        "licence": src.licence or DEFAULT_LICENCES[fmt],
    }


def build_snapshot(sources: Sequence[Source]) -> Snapshot:
    """Read every source and build the segment tables and AS name list."""
    reg_frames: list[pl.DataFrame] = []
    loc_frames: list[pl.DataFrame] = []
    name_frames: list[pl.DataFrame] = []
    files: list[dict[str, Any]] = []
    for src in sources:
        text = read_text(src.path)
        fmt = sniff(text)
        origin = str(src.path)
        if src.role == "asnames":
            if fmt == "ip2asn":
                names = read_ip2asn(text, origin).asnames
                assert names is not None
            elif fmt == "asnames":
                names = read_asnames(text, origin)
            else:
                msg = f"{origin}: AS names must be an asn<TAB>name or ip2asn file, not {fmt}"
                raise InputError(msg)
            name_frames.append(names)
            files.append(_file_meta(src, fmt, text, names.height))
            continue
        if fmt not in READERS:
            msg = f"{origin}: a {src.role} source must be delegated, CSV or ip2asn, not {fmt}"
            raise InputError(msg)
        if src.role == "registration" and fmt == "ip2asn":
            msg = f"{origin}: ip2asn data says where blocks are used, not who holds them"
            raise InputError(msg)
        ranges = READERS[fmt](text, origin)
        (reg_frames if src.role == "registration" else loc_frames).append(ranges.frame)
        if ranges.asnames is not None:
            name_frames.append(ranges.asnames)
        files.append(_file_meta(src, fmt, text, ranges.frame.height))
        log.info("read %s: %s ranges (%s)", src.path, ranges.frame.height, fmt)

    reg = pl.concat(reg_frames) if reg_frames else None
    loc = pl.concat(loc_frames) if loc_frames else None
    codes = sorted(
        {c for f in (reg, loc) if f is not None for c in f["cc"].drop_nulls().unique().to_list()}
    )
    countries = ("", *codes)
    code_of = {c: i for i, c in enumerate(countries)}

    tables = {}
    for family, special in ((4, IPV4_SPECIAL), (6, IPV6_SPECIAL)):
        layers = []
        if reg is not None:
            layers.append(_layer(reg, family, code_of, {"reg": "cc", "rir": "rir"}))
        if loc is not None:
            layers.append(_layer(loc, family, code_of, {"loc": "cc", "asn": "asn"}))
        layers.append(_special_layer(special))
        tables[family] = build_table(family, layers)

    names = (
        pl.concat(name_frames).unique("asn", keep="last").sort("asn")
        if name_frames
        else pl.DataFrame({"asn": [], "name": []}, schema={"asn": pl.UInt32, "name": pl.String})
    )
    meta = {
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": files,
        "notice": attribution_notice(files),
        "segments": {"ipv4": len(tables[4]), "ipv6": len(tables[6])},
    }
    return Snapshot(
        v4=tables[4],
        v6=tables[6],
        countries=countries,
        asn_numbers=names["asn"].to_numpy().astype(np.uint32),
        asn_names=pa.array(names["name"].to_list(), pa.string()),
        meta=meta,
    )


def attribution_notice(files: Sequence[dict[str, Any]]) -> str:
    """The notice exports enriched with this snapshot must carry."""
    parts = sorted({f"{f['file']}: {f['licence']}" for f in files})
    return "Address attribution contains data from: " + "; ".join(parts)


def _layer(
    frame: pl.DataFrame, family: int, code_of: dict[str, int], mapping: dict[str, str]
) -> Layer:
    f = frame.filter(pl.col("family") == family)
    values: dict[str, npt.NDArray[Any]] = {}
    for field, column in mapping.items():
        if field in ("reg", "loc"):
            values[field] = _codes(f[column], code_of)
        elif field == "rir":
            values[field] = _codes(f[column], {r: i for i, r in enumerate(REGISTRIES)}).astype(
                np.uint8
            )
        else:
            values[field] = f[column].fill_null(0).to_numpy().astype(np.uint32)
    return Layer(
        f["start_hi"].to_numpy(),
        f["start_lo"].to_numpy(),
        f["end_hi"].to_numpy(),
        f["end_lo"].to_numpy(),
        values,
    )


def _codes(column: pl.Series, code_of: dict[str, int]) -> npt.NDArray[np.uint16]:
    return column.replace_strict(code_of, default=0, return_dtype=pl.UInt16).fill_null(0).to_numpy()


def _special_layer(entries: Sequence[tuple[str, str]]) -> Layer:
    p = _ipparse.parse(pa.array([cidr for cidr, _ in entries]), allow_prefix=True)
    mhi, mlo = _host_masks(
        np.where(p.kind == 4, p.prefix.astype(np.int64) + 96, p.prefix.astype(np.int64)).astype(
            np.uint64
        )
    )
    codes = np.array([class_code(name) for _, name in entries], np.uint8)
    return Layer(p.hi, p.lo, p.hi | mhi, p.lo | mlo, {"special": codes})
