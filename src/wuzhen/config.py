"""Settings: what describes this deployment (paths, URLs, the default owner).

Compact policy (deadlines, markings, routing basis) is not here: those are rules, kept in the
relational store and changed only by ledgered acts.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """One object describing the deployment, read from ``WUZHEN_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="WUZHEN_", extra="ignore")

    data_dir: Path = Field(
        default=Path("wuzhen-data"),
        description="Directory holding the event store, the default database and built data.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the relational store; default SQLite in the data dir.",
    )
    default_owner: str | None = Field(
        default=None,
        description="ISO 3166 alpha-2 code of the member owning evidence ingested here.",
    )
    log_level: str = Field(default="WARNING", description="Python logging level name.")
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Address users reach this node at (links in e-mail).",
    )
    smtp_host: str | None = Field(default=None, description="SMTP server for notices and alerts.")
    smtp_port: int = Field(default=25, description="SMTP port.")
    smtp_user: str | None = Field(default=None, description="SMTP user, if the server needs one.")
    smtp_password: str | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=False, description="Use STARTTLS on the SMTP connection.")
    mail_from: str = Field(default="wuzhen@localhost", description="Sender of Wuzhen's e-mail.")

    @field_validator("default_owner")
    @classmethod
    def _upper_owner(cls, value: str | None) -> str | None:
        return value.upper() if value else value

    @property
    def resolved_database_url(self) -> str:
        """The database URL in use: the configured one, or SQLite inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'wuzhen.db').resolve()}"

    @property
    def store_dir(self) -> Path:
        """The event store's root (Parquet datasets)."""
        return self.data_dir / "store"

    @property
    def jurisdiction_dir(self) -> Path:
        """Where a rebuilt attribution snapshot is kept (it overrides the shipped one)."""
        return self.data_dir / "jurisdiction"
