"""The one exception root of Wuzhen, and the few cases a caller must catch.

WuzhenError
├── ConfigError        settings that cannot work (bad URL, default secret in production)
├── InputError         input a user gave that cannot be used (unknown format, bad value)
├── NotFoundError      a thing asked for by id or name does not exist
├── AuthError          the caller is not signed in, or gave wrong credentials
├── ForbiddenError     the caller may not do this (the visibility and role rules)
├── ConflictError      the thing is not in a state that allows this
├── StoreError         a store cannot be read or written as required (lock held, corrupt)
└── DataError          shipped or built data is missing or inconsistent (snapshot, registry)

Domain code raises these; one place (the CLI's entry point, later the API's error handler)
turns them into messages and exit codes or HTTP responses.
"""

from __future__ import annotations


class WuzhenError(Exception):
    """Root of every error Wuzhen raises on purpose."""


class ConfigError(WuzhenError):
    """The settings cannot work."""


class InputError(WuzhenError):
    """Input given by a user cannot be used."""


class NotFoundError(WuzhenError):
    """A thing asked for does not exist."""


class AuthError(WuzhenError):
    """The caller is not authenticated, or its credentials are wrong."""


class ForbiddenError(WuzhenError):
    """The caller may not do this."""


class ConflictError(WuzhenError):
    """The thing is not in a state that allows this."""


class StoreError(WuzhenError):
    """A store cannot be read or written as required."""


class DataError(WuzhenError):
    """Shipped or built reference data is missing or inconsistent."""
