"""The OpenAPI document tells the truth about errors.

Each operation lists the problems it can answer with, all as ``application/problem+json``
of one shared schema, ``Problem`` (what ``api/problems.py`` renders). A route declares the
statuses that depend on its own rules (``errors(404, 409)``); those that follow from what
every route of a kind goes through are added here to the generated document:

- 413 on every operation: bodies over the limit are refused on every route (api/bodies.py);
- 415 on every operation of a method with a body (api/bodies.py);
- 401 and 403 on every operation that needs a token;
- 422 on every operation with parameters or a body.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from api.bodies import BODY_METHODS
from api.problems import PROBLEM_JSON

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Not allowed for this role or team, or refused by policy",
    404: "Not found",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type: send UTF-8 JSON",
    422: "Malformed request",
    429: "Too many requests",
    503: "Storage or audit log unavailable; nothing was done",
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class FieldError(BaseModel):
    location: list[str] = Field(
        description="Where: e.g. ['body', 'case_ref'] or ['query', 'limit']."
    )
    message: str = Field(description="What is wrong; never the value itself.")


class Problem(BaseModel):
    """An RFC 9457 problem with a stable ``code``."""

    type: str = Field(description="urn:betrokken:problem:<code>")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str = Field(description="The path of the request.")
    code: str = Field(description="Stable: program against this.")
    errors: list[FieldError] | None = Field(
        default=None, description="Only with 422: what is wrong, and where."
    )


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's own error statuses, for its decorator's ``responses``."""
    return {status: {"description": TITLES[status]} for status in statuses}


def document_problems(app: FastAPI) -> None:
    """Have ``app.openapi()`` list the problems of every operation (module docstring)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_problems(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with every error response a problem, and the ones every route has added."""
    for operations in spec.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            statuses = {413}
            if method.upper() in BODY_METHODS:
                statuses.add(415)
            if operation.get("security"):
                statuses |= {401, 403}
            if operation.get("parameters") or operation.get("requestBody"):
                statuses.add(422)
            for status in statuses:
                responses.setdefault(str(status), {})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400 and not _declares_own_body(response):
                    response["description"] = TITLES.get(int(status), "Error")
                    response["content"] = {PROBLEM_JSON: {"schema": _PROBLEM_REF}}
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    return spec


def _declares_own_body(response: dict[str, Any]) -> bool:
    """Whether a route declared a model of its own for this error (``/health``'s 503 is a
    health report, not a problem); FastAPI's default validation error is no such model."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    reference = schema.get("$ref", "")
    return bool(reference) and not reference.endswith("/HTTPValidationError")
