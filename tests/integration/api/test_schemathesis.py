"""schemathesis against the OpenAPI document, in-process (#5): requests generated from the
document (valid ones, and invalid ones), sent with a member administrator's and the
secretariat's API keys, never get a server error. One node on SQLite (the other API tests
cover PostgreSQL). schemathesis's pytest plugin does not run under pytest 9 yet, so the test
drives its generation API with Hypothesis directly."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.conftest import open_compact
from tests.integration.api.conftest import Compact, build
from wuzhen.clock import FixedClock
from wuzhen.config import Settings

RUNS = (
    ("fr_admin", GenerationMode.POSITIVE, 10),
    ("fr_admin", GenerationMode.NEGATIVE, 6),
    ("secretariat", GenerationMode.POSITIVE, 6),
)


@pytest.fixture(scope="module")
def compact(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Compact]:
    tmp = tmp_path_factory.mktemp("schemathesis")
    node = open_compact(
        Settings(data_dir=tmp / "data", default_owner="FR"),
        FixedClock(datetime(2026, 11, 29, 12, tzinfo=UTC)),
    )
    try:
        yield asyncio.run(build(node, tmp))
    finally:
        node.close()


@pytest.mark.parametrize(("role", "mode", "examples"), RUNS)
def test_no_server_errors(compact: Compact, role: str, mode: GenerationMode, examples: int) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", compact.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    failures: list[str] = []
    calls = 0

    def fuzz(operation: schemathesis.APIOperation) -> None:
        headers = compact.headers(role)

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            nonlocal calls
            response = case.call(headers=headers)
            calls += 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query or ''} -> "
                    f"{response.status_code}: {response.text[:300]}"
                )

        try:
            run()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing in it can be made invalid

    for operation in operations:
        fuzz(operation)
    assert not failures, "\n".join(failures[:20])
    assert calls > examples * len(operations) // 2  # most operations were really called
