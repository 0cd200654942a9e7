"""The live services keep to their OpenAPI documents, on cases schemathesis generates.

The hub and the pseudonymiser run as processes (tests/live.py). Every operation gets valid
data and data that breaks its schema, each case sent with a professional's token and a
privacy officer's. A case fails on any 5xx, a status the document does not list for the
operation, or a content type, body or header the document does not describe. Bounded:
``EXAMPLES`` cases per operation and mode, derandomised so that a run is repeatable, in
about a minute on two cores.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import auth
from tests.live import LiveServices
from testsupport.services import Service

pytestmark = pytest.mark.processes

EXAMPLES = 15
"""Cases per operation and mode: some 55 operations, two modes, about 1,600 cases in all."""
MINIMUM_CASES = 1_000
TIME_LIMIT_SECONDS = 150
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _run(service: Service, tokens: list[dict[str, str]]) -> tuple[int, list[str]]:
    """Every operation of ``service`` in both modes: the cases run, and the failures."""
    schema = schemathesis.openapi.from_url(f"{service.url}/api/v1/openapi.json")
    cases, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: Any) -> None:
                nonlocal cases
                cases += 1
                for token in tokens:
                    case.call_and_validate(base_url=service.url, headers=token, checks=CHECKS)

            try:
                call()
            except Unsatisfiable:
                pass  # nothing to break: an operation without parameters or body
            except (Exception, BaseExceptionGroup) as error:  # all reported together below
                failures.append(f"{operation.method.upper()} {operation.path} ({mode}):\n{error}")
    return cases, failures


@pytest.mark.slow
def test_the_services_answer_as_their_documents_say(live: LiveServices) -> None:
    tokens = [
        auth(live.idp, "anna", "pw-handhaving", "professional"),
        auth(live.idp, "fg", None, "privacy_officer"),
    ]
    started = time.monotonic()
    cases, failures = 0, []
    for service in (live.hub, live.pseudonymiser):
        run, failed = _run(service, tokens)
        cases, failures = cases + run, failures + failed
    assert not failures, "\n\n".join(failures)
    assert cases >= MINIMUM_CASES
    assert time.monotonic() - started < TIME_LIMIT_SECONDS
