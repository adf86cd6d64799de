"""Alembic environment: runs against the connection Wuzhen hands over (or a URL)."""

from __future__ import annotations

from typing import Literal

from alembic import context

from wuzhen.db.base import Base, UTCDateTime
from wuzhen.db.models import import_all

import_all()


def render_item(type_: str, obj: object, autogen_context: object) -> str | Literal[False]:
    """Render Wuzhen's column types as plain SQLAlchemy types in migration scripts."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


target_metadata = Base.metadata
config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            context.configure(
                connection=conn,
                target_metadata=target_metadata,
                render_as_batch=True,
                render_item=render_item,
            )
            context.run_migrations()
        return
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        render_item=render_item,
    )
    context.run_migrations()


run()
