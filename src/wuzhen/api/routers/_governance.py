"""What the governance routers share: the acting account, ids in paths, times in bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path

from wuzhen.api.deps import Caller
from wuzhen.api.reads import utc
from wuzhen.governance.acts import Actor

ID_PATTERN = r"^[0-9a-f]{16}$"
GovId = Annotated[str, Path(pattern=ID_PATTERN, description="The id (16 hex digits).")]


def actor_of(caller: Caller) -> Actor:
    """The account acting (a caller with no account is refused with 401)."""
    return Actor(caller.account_id, caller.role or "", caller.member)


def at_utc(value: datetime) -> datetime:
    """A time from a request body, in UTC (a time without a zone is UTC)."""
    found = utc(value)
    assert found is not None
    return found
