"""The REST API (FastAPI) under ``/api/v1``: one router per area, each translating HTTP to a
service call. See ``docs/user/api.md``."""

from __future__ import annotations

from wuzhen.api.app import create_app

__all__ = ["create_app"]
