"""``/attribution``: what is known of addresses, blocks, host names or URLs (public)."""

from __future__ import annotations

from typing import Annotated

import polars as pl
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from wuzhen.api.deps import NodeDep
from wuzhen.api.models import ERRORS
from wuzhen.jurisdiction import attribute_values

router = APIRouter(prefix="/attribution", tags=["attribution"], responses=ERRORS)
MAX_VALUES = 100


class AttributionPublic(BaseModel):
    """One value's attribution (see docs/user/attribution.md); dotted names as in events."""

    model_config = ConfigDict(populate_by_name=True)

    value: str
    type: str | None = Field(description="ipv4, ipv6, network, fqdn, url or invalid")
    registration_cc: str | None = Field(alias="source.registration.cc")
    geolocation_cc: str | None = Field(alias="source.geolocation.cc")
    asn: int | None = Field(alias="source.asn")
    as_name: str | None = Field(alias="source.as_name")
    registry: str | None = Field(alias="source.registry")
    special_purpose: str | None = Field(alias="source.special_purpose")
    state: str | None = Field(description="The member state answering for the address.")
    spans_jurisdictions: bool | None = Field(alias="source.spans_jurisdictions")
    registration_ccs: list[str] | None = Field(alias="source.registration.ccs")
    fqdn: str | None = Field(alias="source.fqdn")
    tld: str | None = Field(alias="source.tld")
    tld_cc: str | None = Field(alias="source.tld.cc")
    tld_worldwide: bool | None = Field(alias="source.tld.worldwide")
    error: str | None


class AttributionList(BaseModel):
    items: list[AttributionPublic]


@router.get("", response_model=AttributionList, summary="Attribute values to jurisdictions")
def attribute(
    node: NodeDep,
    value: Annotated[
        list[Annotated[str, Field(max_length=2048)]],
        Query(min_length=1, max_length=MAX_VALUES, description="Repeat for several values."),
    ],
) -> AttributionList:
    frame = attribute_values(
        pl.Series("value", value, dtype=pl.String),
        node.attributor.snapshot,
        node.attributor.states,
    )
    return AttributionList(items=[AttributionPublic.model_validate(r) for r in frame.to_dicts()])
