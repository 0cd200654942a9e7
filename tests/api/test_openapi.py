"""The OpenAPI documents tell the truth: errors as problems, pseudonyms and times as they are
checked. (tests/api/test_schemathesis.py holds the live services to the documents.)"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from api.pseudonymiser.app import create_pseudonymiser_app
from hub.pseudonym import decode_pseudonym
from hub.settings import Settings
from tests.helpers import auth, opaque_pseudonym

PROBLEM = "application/problem+json"
PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance", "code", "errors"}
HEALTH_REPORT = ("/api/v1/health", "503")
"""The one error that is no problem: a degraded hub's health report (what is down)."""


@pytest.fixture(params=["hub", "pseudonymiser"])
def spec(request: pytest.FixtureRequest, client: TestClient, settings: Settings) -> Any:
    if request.param == "hub":
        return client.get("/api/v1/openapi.json").json()
    with TestClient(create_pseudonymiser_app(settings)) as pseudonymiser:
        return pseudonymiser.get("/api/v1/openapi.json").json()


def _operations(spec: Any) -> Iterator[tuple[str, str, Any]]:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def test_every_error_is_a_problem_of_one_shared_schema(spec: Any) -> None:
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == PROBLEM_FIELDS
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for method, path, operation in _operations(spec):
        responses = operation["responses"]
        for status, response in responses.items():
            if (path, status) == HEALTH_REPORT:
                continue
            if int(status) >= 400:
                assert response["content"] == {
                    PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (method, path, status)
        expected = {"413"}
        if method in ("post", "put", "patch", "delete"):
            expected.add("415")
        if operation.get("security"):
            expected |= {"401", "403"}
        if operation.get("parameters") or operation.get("requestBody"):
            expected.add("422")
        assert expected <= set(responses), (method, path)
    path, status = HEALTH_REPORT
    health = spec["paths"][path]["get"]["responses"].get(status)
    if health is not None:  # the hub's (the pseudonymiser's health has no database to lose)
        assert health["content"] == {
            "application/json": {"schema": {"$ref": "#/components/schemas/HealthOut"}}
        }


def test_every_schema_has_a_name_of_its_own(spec: Any) -> None:
    """Two models of one name get module-qualified names (``hub__x__schemas__Out``) in the
    document, which clients then see; each model's name is unique instead."""
    assert [name for name in spec["components"]["schemas"] if "__" in name] == []


def test_the_pseudonym_has_its_canonical_pattern(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["SubjectIn"]
    pattern = re.compile(schema["properties"]["pseudonym"]["pattern"])
    for n in range(200):
        raw = bytes([n]) * 64
        text = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        assert pattern.fullmatch(text)
        for tail in "AQgwBRhx":
            other = text[:-1] + tail
            canonical = True
            try:
                decode_pseudonym(other)
            except Exception:
                canonical = False
            assert bool(pattern.fullmatch(other)) == canonical


def test_times_must_carry_their_zone(client: TestClient, idp: DevIdentityProvider) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    officer = auth(idp, "fg", None, "privacy_officer")
    timed = [
        path
        for _, path, operation in _operations(spec)
        for parameter in operation.get("parameters", [])
        if parameter["name"] in ("from", "to")
    ]
    assert set(timed) >= {
        "/api/v1/audit/entries",
        "/api/v1/audit/reports/{kind}",
        "/api/v1/audit/otlp",
    }
    for path in timed:
        concrete = path.replace("{kind}", "checks-per-member")
        for name in ("from", "to"):
            naive = client.get(concrete, params={name: "2026-11-23T09:00:00"}, headers=officer)
            assert naive.status_code == 422, (path, naive.text)
            assert naive.json()["errors"][0]["location"] == ["query", name]
            zoned = client.get(
                concrete, params={name: "2026-11-23T09:00:00+01:00"}, headers=officer
            )
            assert zoned.status_code == 200, (path, zoned.text)
    for _, _, operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in ("from", "to"):
                assert "offset" in parameter["schema"]["description"]
    subject = {"kind": "bsn", "pseudonym": opaque_pseudonym("zoned")}
    naive = {"subject": subject, "from": "2026-11-23T09:00:00"}
    answer = client.post("/api/v1/audit/searches", json=naive, headers=officer)
    assert answer.status_code == 422
