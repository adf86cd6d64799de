"""The REST API (FastAPI) under ``/api/v1``: one router per area, each translating HTTP to a
service call (the app: :func:`wuzhen.api.app.create_app`). See ``docs/user/api.md``.

Importing this package loads no web stack: the command line reads its request models and
read helpers from here without paying for the app."""
