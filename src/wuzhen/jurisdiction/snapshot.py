"""The attribution snapshot: segment tables for IPv4 and IPv6, AS names, and their sources.

One compressed ``.npz`` file (no pickles). The package ships a default built from public
extracts; ``wuzhen jurisdiction build`` writes a new one into the data directory, which then
takes precedence. Files are replaced atomically (write a temporary file, then rename).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from wuzhen.atomic import atomic_output
from wuzhen.errors import DataError
from wuzhen.jurisdiction._segments import FIELDS, SegmentTable
from wuzhen.jurisdiction.special import SPECIAL_CLASSES

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
REGISTRIES: tuple[str, ...] = ("", "AFRINIC", "APNIC", "ARIN", "LACNIC", "RIPE NCC")
PACKAGED_SNAPSHOT = Path(__file__).parent / "data" / "snapshot.npz"
SNAPSHOT_NAME = "snapshot.npz"


@dataclass(frozen=True)
class Snapshot:
    """Everything attribution needs, loaded into memory."""

    v4: SegmentTable
    v6: SegmentTable
    countries: tuple[str, ...]  # index 0 is "no country"
    asn_numbers: npt.NDArray[np.uint32]  # sorted
    asn_names: pa.StringArray  # aligned with asn_numbers
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def countries_array(self) -> pa.StringArray:
        return pa.array([c or None for c in self.countries], pa.string())

    @cached_property
    def names(self) -> dict[str, pl.Series]:
        """Country codes and AS names as Polars columns with one null appended (the value of
        a missing index), to gather from: built once, not for every batch."""
        return {
            "countries": pl.Series([*(c or None for c in self.countries), None], dtype=pl.String),
            "asn_names": pl.Series(self.asn_names).extend_constant(None, 1),
        }

    @cached_property
    def combined(self) -> dict[str, npt.NDArray[Any]]:
        """Every segment field over IPv4 then IPv6 segments, and a final all-empty row.

        Lookups turn an address into one row index here (IPv6 rows offset by the IPv4 count;
        the last row for addresses that are not valid), so each field is one gather. The
        ``asname`` field is each segment's position in the AS name list (-1: no name).
        """
        out = {
            name: np.concatenate(
                [
                    self.v4.fields[name],
                    self.v6.fields[name],
                    np.zeros(1, self.v4.fields[name].dtype),
                ]
            )
            for name in FIELDS
        }
        out["asname"] = self._name_positions(out["asn"]).astype(np.int32)
        return out

    def _name_positions(self, asns: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.int64]:
        """Each AS number's position in the AS name list (-1: no name; 0 is no AS)."""
        numbers = asns.astype(np.int64)
        pos = np.searchsorted(self.asn_numbers, numbers).astype(np.int64)
        pos = np.minimum(pos, max(len(self.asn_numbers) - 1, 0))
        found = (
            (numbers > 0) & (self.asn_numbers[pos] == numbers)
            if len(self.asn_numbers)
            else numbers < 0
        )
        return np.where(found, pos, -1)

    def as_name(self, asn: int) -> str | None:
        i = int(np.searchsorted(self.asn_numbers, asn))
        if i < len(self.asn_numbers) and int(self.asn_numbers[i]) == asn:
            return str(self.asn_names[i].as_py())
        return None

    def as_names(self, asns: pl.Series) -> pl.Series:
        """:meth:`as_name` of each AS number of ``asns`` (null where it has none)."""
        pos = self._name_positions(asns.cast(pl.Int64).fill_null(0).to_numpy())
        index = pl.Series(np.where(pos < 0, len(self.asn_numbers), pos))  # the last: null
        return self.names["asn_names"].gather(index).alias(asns.name)

    def registered_ipv4(self) -> dict[str, int]:
        """IPv4 addresses registered to each country (special-purpose space excluded)."""
        t = self.v4
        sizes = np.diff(t.start_lo, append=np.uint64(1 << 32)).astype(np.int64)
        public = t.fields["special"] == 0
        totals = np.bincount(
            t.fields["reg"][public].astype(np.int64),
            weights=sizes[public],
            minlength=len(self.countries),
        )
        return {c: int(n) for c, n in zip(self.countries, totals, strict=True) if c and n}

    def save(self, path: Path) -> None:
        """Write atomically: a reader sees the old file or the new one, never half."""
        arrays: dict[str, npt.NDArray[Any]] = {
            "format_version": np.array([FORMAT_VERSION], np.uint32),
            "countries": np.array(self.countries, dtype="<U3"),
            "special_classes": np.array(SPECIAL_CLASSES, dtype="<U16"),
            "registries": np.array(REGISTRIES, dtype="<U10"),
            "asn_numbers": self.asn_numbers,
            "meta_json": np.frombuffer(json.dumps(self.meta, sort_keys=True).encode(), np.uint8),
        }
        names = self.asn_names
        arrays["asn_names_offsets"] = np.frombuffer(
            names.buffers()[1], np.int32, count=len(names) + 1, offset=names.offset * 4
        ).copy()
        arrays["asn_names_data"] = np.frombuffer(names.buffers()[2], np.uint8).copy()
        for tag, table in (("v4", self.v4), ("v6", self.v6)):
            if table.family == 4:
                # IPv4 starts fit 32 bits; deltas compress far better than absolute values
                arrays[f"{tag}_start_delta"] = np.diff(table.start_lo, prepend=np.uint64(0)).astype(
                    np.uint32
                )
            else:
                arrays[f"{tag}_start_hi"] = table.start_hi
                arrays[f"{tag}_start_lo"] = table.start_lo
            for name in FIELDS:
                arrays[f"{tag}_{name}"] = table.fields[name]
        with atomic_output(path) as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> Snapshot:
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except (OSError, ValueError, KeyError) as err:
            msg = f"cannot read attribution snapshot {path}: {err}"
            raise DataError(msg) from err
        if int(data.get("format_version", np.zeros(1))[0]) != FORMAT_VERSION:
            msg = f"attribution snapshot {path} has an unsupported format; rebuild it"
            raise DataError(msg)
        tables = {}
        for tag, family in (("v4", 4), ("v6", 6)):
            fields = {name: data[f"{tag}_{name}"] for name in FIELDS}
            if family == 4:
                lo = np.cumsum(data["v4_start_delta"].astype(np.uint64), dtype=np.uint64)
                hi = np.zeros_like(lo)
            else:
                hi, lo = data["v6_start_hi"], data["v6_start_lo"]
            tables[tag] = SegmentTable.create(family, hi, lo, fields)
        offsets = pa.py_buffer(data["asn_names_offsets"].astype(np.int32).tobytes())
        names = pa.StringArray.from_buffers(
            len(data["asn_numbers"]), offsets, pa.py_buffer(data["asn_names_data"].tobytes())
        )
        meta = json.loads(data["meta_json"].tobytes().decode())
        return cls(
            v4=tables["v4"],
            v6=tables["v6"],
            countries=tuple(str(c) for c in data["countries"]),
            asn_numbers=data["asn_numbers"].astype(np.uint32),
            asn_names=names,
            meta=meta,
            path=path,
        )


def snapshot_path(data_dir: Path | None) -> Path:
    """The snapshot in use: a rebuilt one in the data directory, else the packaged default."""
    if data_dir is not None:
        built = data_dir / "jurisdiction" / SNAPSHOT_NAME
        if built.exists():
            return built
    return PACKAGED_SNAPSHOT


@lru_cache(maxsize=4)
def _load_cached(path: Path, mtime_ns: int) -> Snapshot:
    log.debug("loading attribution snapshot %s (mtime %s)", path, mtime_ns)
    return Snapshot.load(path)


def load_snapshot(data_dir: Path | None = None) -> Snapshot:
    """Load (once per file version) the snapshot in use for ``data_dir``."""
    path = snapshot_path(data_dir)
    if not path.exists():
        msg = f"no attribution snapshot at {path}; run `wuzhen jurisdiction build`"
        raise DataError(msg)
    return _load_cached(path, path.stat().st_mtime_ns)
