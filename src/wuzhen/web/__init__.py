"""The web UI: server-rendered pages over the same services as the API, with local assets.

The API's app includes :data:`wuzhen.web.routes.router` and mounts :func:`static_app` at
``/static``; the pages read the node from ``app.state.node``. Nothing is fetched from the
Internet: styles, scripts and charts (inline SVG drawn on the server) are all served from here.
"""

from __future__ import annotations

from pathlib import Path

from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"


def static_app() -> StaticFiles:
    """The UI's static files, to mount at ``/static`` (name ``static``)."""
    return StaticFiles(directory=STATIC_DIR)


__all__ = ["STATIC_DIR", "static_app"]
