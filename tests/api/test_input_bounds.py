"""Every integer a caller sends is bounded: a huge one is a 422, never a driver's 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from api.pseudonymiser.app import create_pseudonymiser_app
from hub.fields import MAX_POSITION
from hub.settings import Settings
from tests.helpers import auth, opaque_pseudonym

PROBLEM = "application/problem+json"
HUGE = 2**63  # one past PostgreSQL's bigint and SQLite's integers

OFFICER_QUERIES = [
    ("/api/v1/audit/alerts", {"offset": HUGE}),
    ("/api/v1/audit/entries", {"after": HUGE}),
    ("/api/v1/audit/entries", {"limit": HUGE}),
    ("/api/v1/audit/otlp", {"after": HUGE}),
    ("/api/v1/audit/otlp", {"limit": HUGE}),
    ("/api/v1/audit/reports/checks-per-member", {"limit": HUGE}),
    ("/api/v1/audit/proofs/inclusion", {"index": HUGE}),
    ("/api/v1/audit/proofs/inclusion", {"index": 0, "size": HUGE}),
    ("/api/v1/audit/proofs/consistency", {"first": HUGE}),
    ("/api/v1/audit/proofs/consistency", {"first": 0, "second": HUGE}),
]
MEMBER_QUERIES = [
    ("/api/v1/flags", {"offset": HUGE}),
    ("/api/v1/flags", {"limit": HUGE}),
    ("/api/v1/contact-requests", {"offset": HUGE}),
    ("/api/v1/contact-requests", {"limit": HUGE}),
    ("/api/v1/notifications", {"offset": HUGE}),
    ("/api/v1/notifications", {"limit": HUGE}),
]


def _officer(idp: DevIdentityProvider) -> dict[str, str]:
    return auth(idp, "fg", None, "privacy_officer")


def _assert_invalid(answer: Any) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["code"] == "invalid_payload"


def test_huge_integers_in_queries_are_422(client: TestClient, idp: DevIdentityProvider) -> None:
    for path, params in OFFICER_QUERIES:
        _assert_invalid(client.get(path, params=params, headers=_officer(idp)))
    for path, params in MEMBER_QUERIES:
        _assert_invalid(client.get(path, params=params, headers=auth(idp, "anna", "pw-handhaving")))


def test_huge_integers_in_bodies_are_422(client: TestClient, idp: DevIdentityProvider) -> None:
    subject = {"kind": "bsn", "pseudonym": opaque_pseudonym("bounds")}
    for field in ("after", "limit"):
        answer = client.post(
            "/api/v1/audit/searches", json={"subject": subject, field: HUGE}, headers=_officer(idp)
        )
        _assert_invalid(answer)


def test_the_largest_allowed_positions_reach_the_database(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    """MAX_POSITION itself is served: an empty page, or a refusal of the position, never a
    5xx."""
    for path, params in OFFICER_QUERIES:
        if "limit" not in params:
            at_most = {name: MAX_POSITION for name in params}
            answer = client.get(path, params=at_most, headers=_officer(idp))
            assert answer.status_code in (200, 400, 404), (path, answer.text)
    for path, _ in MEMBER_QUERIES:
        answer = client.get(
            path, params={"offset": MAX_POSITION}, headers=auth(idp, "anna", "pw-handhaving")
        )
        assert answer.status_code == 200 and answer.json()["items"] == []
    subject = {"kind": "bsn", "pseudonym": opaque_pseudonym("bounds")}
    answer = client.post(
        "/api/v1/audit/searches",
        json={"subject": subject, "after": MAX_POSITION},
        headers=_officer(idp),
    )
    assert answer.status_code == 200 and answer.json()["items"] == []


def _integer_schemas(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema of type integer inside ``node``, with where it was found."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            yield where, node
        for key, value in node.items():
            yield from _integer_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _integer_schemas(value, f"{where}/{index}")


def _input_schemas(spec: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """The schemas of every parameter and request body, and of what their refs name."""
    components = spec.get("components", {}).get("schemas", {})
    seen: set[str] = set()

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"].rsplit("/", 1)[-1]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    pending: list[str] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                yield f"{method} {path} {parameter['name']}", parameter["schema"]
            body = operation.get("requestBody")
            if body:
                yield f"{method} {path} body", body
                pending += refs(body)
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            yield name, components[name]
            pending += refs(components[name])


@pytest.mark.parametrize("service", ["hub", "pseudonymiser"])
def test_every_integer_input_has_a_maximum(
    service: str, client: TestClient, settings: Settings
) -> None:
    if service == "hub":
        spec = client.get("/api/v1/openapi.json").json()
    else:
        with TestClient(create_pseudonymiser_app(settings)) as pseudonymiser:
            spec = pseudonymiser.get("/api/v1/openapi.json").json()
    found = [
        (where, schema)
        for name, node in _input_schemas(spec)
        for where, schema in _integer_schemas(node, name)
    ]
    assert service == "pseudonymiser" or len(found) >= 15
    unbounded = [where for where, schema in found if "maximum" not in schema]
    assert unbounded == []
