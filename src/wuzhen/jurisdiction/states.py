"""The registry of states: who may be a member, and which country codes each answers for.

The package ships ``data/states.csv``: the 193 member states of the United Nations and its 2
observer states (Holy See ``VA``, State of Palestine ``PS``), one row each, with columns

``iso2,iso3,m49,name,region,subregion,status,answers_for``

- ``iso2``, ``iso3``: ISO 3166-1 alpha-2 and alpha-3 codes; ``m49``: the UN M49 numeric code,
  three digits zero-padded (for these states it equals the ISO 3166-1 numeric code);
- ``name``: the English short name the UN uses ("Türkiye", "Côte d'Ivoire");
- ``region``, ``subregion``: the UN M49 region (Africa, Americas, Asia, Europe, Oceania) and
  sub-region ("Sub-Saharan Africa", "Latin America and the Caribbean", "Western Europe", ...);
  M49 intermediate regions are not used;
- ``status``: ``member`` or ``observer``;
- ``answers_for``: the ISO alpha-2 codes the state answers for, space separated, its own code
  first. A territory's code is listed only where the state is internationally recognised as
  answering for it, and every one is listed explicitly, never derived:

  ====  ===========================================================
  US    PR GU VI AS MP UM
  GB    GG JE IM GI BM KY VG FK MS TC AI SH PN GS
  FR    GF GP MQ RE YT PM BL MF WF PF NC TF
  NL    AW CW SX BQ
  DK    GL FO
  NO    SJ BV
  AU    CX CC NF HM
  NZ    TK
  FI    AX
  CN    HK MO
  ====  ===========================================================

  Deliberately answered by no state, so events attributed to them are reported *unrouted*:
  ``TW``, ``EH`` (Western Sahara), ``AQ`` (Antarctica), ``IO`` (Chagos: claimed by the
  United Kingdom and by Mauritius, whose claim the UN General Assembly and the ICJ's 2019
  advisory opinion support), ``CK`` and ``NU`` (self-governing in
  free association with New Zealand, which does not answer for them), ``XK`` (user-assigned,
  not ISO) and every other code that is not an ISO 3166-1 country code (``EU``, ``AP``, ...).
  ``UK`` is not a code here either: callers normalise it to ``GB`` before asking.

Codes are compared upper-case. The registry is checked when built: a code used by two states,
or a country code answered for by two states, raises :class:`~wuzhen.errors.DataError`. The
compact may later change jurisdiction lists by resolution; this file is the starting point.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from wuzhen.errors import DataError, InputError
from wuzhen.i18n import _

PACKAGED_STATES = Path(__file__).parent / "data" / "states.csv"
COLUMNS: tuple[str, ...] = (
    "iso2",
    "iso3",
    "m49",
    "name",
    "region",
    "subregion",
    "status",
    "answers_for",
)
STATUSES: tuple[str, ...] = ("member", "observer")

_ISO2 = re.compile(r"[A-Z]{2}")
_ISO3 = re.compile(r"[A-Z]{3}")
_M49 = re.compile(r"[0-9]{3}")


@dataclass(frozen=True, slots=True)
class State:
    """One state of the registry."""

    iso2: str
    iso3: str
    m49: str
    name: str
    region: str
    subregion: str
    status: str  # "member" | "observer"
    answers_for: tuple[str, ...]  # its own iso2 first


def _check_state(state: State) -> None:
    """Raise DataError if one state's own fields are malformed."""
    problems: list[str] = []
    if not _ISO2.fullmatch(state.iso2):
        problems.append(f"iso2 {state.iso2!r} is not two upper-case letters")
    if not _ISO3.fullmatch(state.iso3):
        problems.append(f"iso3 {state.iso3!r} is not three upper-case letters")
    if not _M49.fullmatch(state.m49):
        problems.append(f"m49 {state.m49!r} is not three digits")
    if not state.name:
        problems.append("name is empty")
    if state.status not in STATUSES:
        problems.append(f"status {state.status!r} is not one of {', '.join(STATUSES)}")
    if not state.answers_for or state.answers_for[0] != state.iso2:
        problems.append("answers_for does not start with the state's own iso2")
    problems.extend(
        f"answers_for code {cc!r} is not two upper-case letters"
        for cc in state.answers_for
        if not _ISO2.fullmatch(cc)
    )
    if problems:
        msg = f"state {state.iso2!r}: " + "; ".join(problems)
        raise DataError(msg)


class StateRegistry:
    """The states, looked up by their codes, and who answers for each country code."""

    def __init__(self, states: Sequence[State]) -> None:
        by_code: dict[str, State] = {}
        answering: dict[str, State] = {}
        for state in states:
            _check_state(state)
            for code in (state.iso2, state.iso3, state.m49):
                other = by_code.get(code)
                if other is not None:
                    msg = f"code {code!r} is used by both {other.iso2} and {state.iso2}"
                    raise DataError(msg)
                by_code[code] = state
            for cc in state.answers_for:
                other = answering.get(cc)
                if other is not None:
                    msg = (
                        f"country code {cc!r} is answered for by both {other.iso2} and {state.iso2}"
                    )
                    raise DataError(msg)
                answering[cc] = state
        self._states = tuple(states)
        self._by_code = by_code
        self._answering = answering
        ccs = sorted(answering)
        self._answer_keys: npt.NDArray[np.str_] = np.array(ccs, dtype="<U2")
        self._answer_values: npt.NDArray[np.str_] = np.array(
            [answering[cc].iso2 for cc in ccs], dtype="<U2"
        )

    @property
    def states(self) -> tuple[State, ...]:
        return self._states

    def __len__(self) -> int:
        return len(self._states)

    def get(self, code: str) -> State | None:
        """The state with this iso2, iso3 or M49 code (any case; M49 "4" or "004")."""
        key = code.strip().upper()
        if key.isdigit():
            key = key.zfill(3)
        return self._by_code.get(key)

    def iso2(self, code: str, label: str) -> str:
        """The alpha-2 code of the state ``code`` names (as :meth:`get`): an unknown one is
        an error naming ``label`` (an option, a field), not a filter that matches nothing."""
        state = self.get(code)
        if state is None:
            msg = _(
                "{label} {code}: no state has this code; members are states by their "
                "ISO 3166 code (the United Kingdom is GB)"
            ).format(label=label, code=code)
            raise InputError(msg)
        return state.iso2

    def answering(self, cc: str | None) -> State | None:
        """The state that answers for country code ``cc``; None if no state does."""
        if cc is None:
            return None
        return self._answering.get(cc.strip().upper())

    def answering_table(self) -> pl.DataFrame:
        """One row per answered country code: ``cc`` and ``state`` (its iso2), sorted by cc."""
        return pl.DataFrame(
            {
                "cc": self._answer_keys.tolist(),
                "state": self._answer_values.tolist(),
            },
            schema={"cc": pl.String, "state": pl.String},
        )

    def answering_array(self, codes: Sequence[str]) -> npt.NDArray[np.str_]:
        """For each country code, the iso2 of the state answering for it, or "" (dtype <U2)."""
        result = np.full(len(codes), "", dtype="<U2")
        if len(codes) == 0 or self._answer_keys.size == 0:
            return result
        # Keep the codes' own width: truncating "GBR" to "<U2" would match "GB".
        wanted = np.char.upper(np.char.strip(np.asarray(codes, dtype=np.str_)))
        pos = np.searchsorted(self._answer_keys, wanted)
        pos = np.minimum(pos, self._answer_keys.size - 1)
        hit = self._answer_keys[pos] == wanted
        result[hit] = self._answer_values[pos[hit]]
        return result


def _read(path: Path) -> StateRegistry:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None or tuple(header) != COLUMNS:
                msg = f"{path}: header is {header!r}, expected {','.join(COLUMNS)}"
                raise DataError(msg)
            states: list[State] = []
            for row in reader:
                if len(row) != len(COLUMNS):
                    msg = (
                        f"{path}, line {reader.line_num}: {len(row)} fields, "
                        f"expected {len(COLUMNS)}"
                    )
                    raise DataError(msg)
                iso2, iso3, m49, name, region, subregion, status, answers_for = row
                states.append(
                    State(
                        iso2=iso2,
                        iso3=iso3,
                        m49=m49,
                        name=name,
                        region=region,
                        subregion=subregion,
                        status=status,
                        answers_for=tuple(answers_for.split()),
                    )
                )
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        msg = f"cannot read the registry of states {path}: {err}"
        raise DataError(msg) from err
    return StateRegistry(states)


@lru_cache(maxsize=1)
def _packaged() -> StateRegistry:
    return _read(PACKAGED_STATES)


def load_states(path: Path | None = None) -> StateRegistry:
    """The registry from ``path``, or the packaged one (read once, then cached)."""
    if path is None:
        return _packaged()
    return _read(path)
