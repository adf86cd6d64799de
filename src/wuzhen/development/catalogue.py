"""The indicators Wuzhen knows: built in (with the codes they are published under) or defined
by the node's operator.

Built-in indicators map to the codes of the World Bank's World Development Indicators (WDI)
and of the UN SDG Global Database, so their downloads import as they are. An operator-defined
indicator (``wuzhen indicators define``) imports from the plain long CSV only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen.development.tables import IndicatorDefinition
from wuzhen.errors import InputError, NotFoundError
from wuzhen.i18n import _

Unit = Literal["percent", "count", "per-100", "number"]
UNITS: tuple[Unit, ...] = ("percent", "count", "per-100", "number")
CODE = re.compile(r"^[a-z][a-z0-9-]{1,47}$")


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    name: str  # English source text; shown through gettext
    unit: Unit
    wdi: tuple[str, ...] = ()  # World Bank WDI indicator codes
    sdg: tuple[str, ...] = ()  # UN SDG Global Database series codes
    sdg_indicator: str = ""  # e.g. 17.8.1
    builtin: bool = True

    def check(self, value: float) -> str | None:
        """Why ``value`` cannot be a value of this indicator (None: it can)."""
        if not math.isfinite(value):
            return "not a finite number"
        if self.unit == "percent" and not 0 <= value <= 100:
            return "a percentage must be between 0 and 100"
        if self.unit in ("count", "per-100") and value < 0:
            return "must not be negative"
        return None


BUILTIN: tuple[Indicator, ...] = (
    Indicator(
        "internet-users-pct",
        "Individuals using the Internet, percent of population",
        "percent",
        wdi=("IT.NET.USER.ZS",),
        sdg=("IT_USE_ii99",),
        sdg_indicator="17.8.1",
    ),
    Indicator("internet-users", "Internet users", "count"),
    Indicator(
        "fixed-broadband-per-100",
        "Fixed broadband subscriptions per 100 inhabitants",
        "per-100",
        wdi=("IT.NET.BBND.P2",),
        sdg=("IT_NET_BBND",),
        sdg_indicator="17.6.1",
    ),
    Indicator(
        "mobile-broadband-per-100",
        "Active mobile broadband subscriptions per 100 inhabitants",
        "per-100",
    ),
    Indicator(
        "mobile-coverage-2g",
        "Population covered by a mobile network, at least 2G, percent",
        "percent",
        sdg=("IT_MOB_2GNTWK",),
        sdg_indicator="9.c.1",
    ),
    Indicator(
        "mobile-coverage-3g",
        "Population covered by a mobile network, at least 3G, percent",
        "percent",
        sdg=("IT_MOB_3GNTWK",),
        sdg_indicator="9.c.1",
    ),
    Indicator(
        "mobile-coverage-4g",
        "Population covered by a mobile network, at least 4G, percent",
        "percent",
        sdg=("IT_MOB_4GNTWK",),
        sdg_indicator="9.c.1",
    ),
    Indicator(
        "mobile-coverage-5g",
        "Population covered by a mobile network, at least 5G, percent",
        "percent",
        sdg=("IT_MOB_5GNTWK",),
        sdg_indicator="9.c.1",
    ),
    Indicator("websites", "Websites", "count"),
    Indicator(
        "villages-with-internet-pct",
        "Administrative villages with Internet access, percent",
        "percent",
    ),
)
BY_CODE = {i.code: i for i in BUILTIN}
#: The indicator the transparency report divides origins by (per million Internet users).
INTERNET_USERS = "internet-users"


def indicators(session: Session) -> list[Indicator]:
    """Every indicator: the built-in ones, then the operator's (by code)."""
    defined = session.scalars(select(IndicatorDefinition).order_by(IndicatorDefinition.code))
    return [
        *BUILTIN,
        *(Indicator(d.code, d.name, d.unit, builtin=False) for d in defined),  # type: ignore[arg-type]
    ]


def indicator(session: Session, code: str) -> Indicator:
    found = BY_CODE.get(code)
    if found is not None:
        return found
    row = session.get(IndicatorDefinition, code)
    if row is None:
        raise NotFoundError(_("No indicator {code}.").format(code=code))
    return Indicator(row.code, row.name, row.unit, builtin=False)  # type: ignore[arg-type]


def by_source_code(kind: Literal["wdi", "sdg"]) -> dict[str, Indicator]:
    """Built-in indicators by the code a source publishes them under."""
    return {code: i for i in BUILTIN for code in getattr(i, kind)}


def check_definition(code: str, name: str, unit: str) -> None:
    if not CODE.match(code):
        raise InputError(
            _("An indicator code is 2-48 lower-case letters, digits and hyphens: {code}").format(
                code=code
            )
        )
    if code in BY_CODE:
        raise InputError(_("{code} is a built-in indicator.").format(code=code))
    if not 3 <= len(name.strip()) <= 200:
        raise InputError(_("An indicator needs a name (3 to 200 characters)."))
    if unit not in UNITS:
        raise InputError(_("The unit must be one of: {units}").format(units=", ".join(UNITS)))
