"""Traffic Light Protocol 2.0 markings and their order.

The marking an event arrives with is a ceiling: the owner may restrict it (move towards RED),
never loosen it. ``tlp:white`` from TLP 1.0 maps to CLEAR.
"""

from __future__ import annotations

import enum

import polars as pl

from wuzhen.errors import InputError


class TLP(enum.StrEnum):
    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"

    @property
    def rank(self) -> int:
        """0 (CLEAR, least restrictive) to 4 (RED)."""
        return _ORDER.index(self)

    @classmethod
    def parse(cls, text: str) -> TLP:
        """Read a marking as written in feeds and tags (``tlp:amber+strict``, ``WHITE``...)."""
        key = text.strip().upper().removeprefix("TLP:").removeprefix("TLP-").strip()
        key = key.replace("_", "+").replace(" ", "")
        if key == "WHITE":
            return cls.CLEAR
        if key == "AMBERSTRICT":
            key = "AMBER+STRICT"
        try:
            return cls(key)
        except ValueError:
            msg = f"not a TLP marking: {text!r}"
            raise InputError(msg) from None

    def at_most(self, ceiling: TLP) -> bool:
        """True if this marking is at least as restrictive as ``ceiling`` (allowed under it)."""
        return self.rank >= ceiling.rank


_ORDER = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)
VALUES: tuple[str, ...] = tuple(t.value for t in _ORDER)
RANK = {t.value: i for i, t in enumerate(_ORDER)}
#: Markings under which an event stays with its owner: never routed, never shared.
OWNER_ONLY: tuple[str, ...] = (TLP.AMBER_STRICT.value, TLP.RED.value)


def stricter(a: TLP | None, b: TLP) -> TLP:
    """The more restrictive of two markings (``a`` may be none)."""
    return b if a is None or RANK[b.value] > RANK[a.value] else a


def marking(column: pl.Expr, restrict: TLP | None) -> pl.Expr:
    """The marking of each row, made at least as restrictive as ``restrict`` (never looser)."""
    if restrict is None:
        return column
    rank = column.replace_strict(RANK, default=None, return_dtype=pl.Int8)
    floor = pl.lit(RANK[restrict.value], pl.Int8)
    return pl.max_horizontal(rank, floor).replace_strict(
        {v: k for k, v in RANK.items()}, return_dtype=pl.String
    )


#: The OASIS TLP 2.0 extension and its marking-definitions, as published in
#: github.com/oasis-open/cti-stix-common-objects, extension-definition-specifications/tlp-2.0/
#: (the schema extension-definition--60a3c5c5-...json at commit 24f80135, and the examples
#: tlp-clear.json, tlp-amber.json, tlp-amber+strict.json): each marking-definition has that
#: id, ``created`` 2022-10-01T00:00:00.000Z, ``name`` TLP:<LEVEL> and the property extension
#: ``{"extension_type": "property-extension", "tlp_2_0": "<level>"}``.
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_MARKINGS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
