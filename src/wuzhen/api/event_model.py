"""The event as the API serves it, generated from the field registry (never written by hand).

Every field is nullable in responses: a field the caller may not see is null (see
:mod:`wuzhen.visibility`). The JSON field names are the registry's dotted names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, create_model
from pydantic import Field as PydanticField

from wuzhen.api.models import Page
from wuzhen.schema import FIELDS, Field, Kind

_TYPES: dict[Kind, Any] = {
    Kind.STRING: str,
    Kind.JSON: str,  # JSON text, as stored
    Kind.INT32: int,
    Kind.INT64: int,
    Kind.TIMESTAMP: datetime,
}


def attribute_name(name: str) -> str:
    """The Python attribute for a dotted field name (``source.ip`` -> ``source_ip``)."""
    return name.replace(".", "_")


def _definition(f: Field) -> tuple[Any, Any]:
    kind: Any = Literal[f.values] if f.values else _TYPES[f.kind]
    description = f.description
    if f.kind is Kind.JSON:
        description += " (JSON text)"
    return (
        kind | None,
        PydanticField(
            default=None,
            alias=f.name,
            description=description,
            pattern=f"^(?:{f.pattern})$" if f.pattern and not f.values else None,
            ge=f.minimum,
            le=f.maximum,
        ),
    )


EventPublic: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "EventPublic",
    __config__=ConfigDict(populate_by_name=True, title="EventPublic"),
    __doc__="One event; fields the caller may not see are null.",
    **{attribute_name(f.name): _definition(f) for f in FIELDS},
)


class EventPage(Page[EventPublic]):
    """A page of events, newest first."""
