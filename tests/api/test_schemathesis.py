"""The API against its own OpenAPI document, fuzzed by Schemathesis with each role's token.

For every operation and role, Schemathesis generates requests the document calls valid and
requests it calls invalid, sends them to the app in-process (ASGI) and checks each answer:
no 5xx, a documented status code and content type, a body and headers that match the
declared schemas (errors included), and invalid input refused with a 4xx. The examples are
bounded and derandomised so the run is short and the same on every machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from segmint.api import create_app
from segmint.api.auth import Role

from .conftest import bearer

pytestmark = pytest.mark.slow

EXAMPLES = 25
"""Requests per operation, role and mode (valid / invalid input)."""

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def api(mart_path: Path, tokens: dict[Role, str]) -> Iterator[OpenApiSchema]:
    """A new app's OpenAPI document, loaded from the app itself. Schemathesis starts the app
    at the first request and stops it after each test (which closes its mart), so every test
    gets an app of its own."""
    app = create_app(mart=mart_path)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # Each test sends a role's real token in the Authorization header the document declares
    # (security scheme `bearer`), so the header is not generated: a generated invalid one
    # would be replaced by the real token, and a request called invalid would then be valid.
    schema.config.generation.update(with_security_parameters=False)
    yield schema
    shutdown_lifespans()


@pytest.mark.parametrize("role", list(Role))
def test_the_api_keeps_to_its_openapi_document(
    api: OpenApiSchema, tokens: dict[Role, str], role: Role
) -> None:
    headers = bearer(tokens[role])
    failures: list[str] = []
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == 12
    for operation in operations:
        has_input = any(True for _ in operation.iter_parameters())
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if has_input else [])
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def call(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                call()
            except (Exception, FailureGroup) as exc:  # report every operation, not the first
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert failures == [], "\n\n".join(failures)
