"""The busy routes served directly, as plain ASGI in front of FastAPI.

An involvement check or a registration costs the hub a few hundred microseconds of its own
work; FastAPI's dependency solving, Starlette's routing and its exception middleware cost
more than that per request (docs/benchmarks.md). These routes stay declared in FastAPI:
their OpenAPI, body model, roles and endpoint function are the ones there. This layer
resolves the same dependencies (the caller through ``api.deps.authenticate``, the roles
through ``check_roles``, the body through its model) and calls the same endpoint, so each
route has one implementation; ``tests/api/test_direct_routes.py`` compares both paths.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import State
from starlette.types import ASGIApp, Receive, Scope, Send

from api import problems
from api.busy import BusyWrites
from api.deps import authenticate, bearer_token, check_roles
from hub.actor import Actor, Role
from hub.errors import HubError
from hub.runtime import Runtime

log = logging.getLogger("betrokken.api")

MAX_BODY = 64 * 1024
"""Bytes a busy route's body may have; a flag or a check needs well under one KiB."""

Endpoint = Callable[[Any, Actor, Runtime, BusyWrites], Awaitable[Response]]


@dataclass(frozen=True)
class DirectRoute:
    """A ``POST`` route declared in FastAPI, to be served without it."""

    path: str
    body: type[BaseModel]
    roles: frozenset[Role]
    endpoint: Endpoint


class PayloadTooLarge(HubError):
    status = 413
    code = "payload_too_large"
    title = "Payload too large"


class DirectRoutes:
    """Serves its routes' ``POST`` requests itself; everything else goes on to the app."""

    def __init__(self, app: ASGIApp, *, state: State, routes: Sequence[DirectRoute]) -> None:
        self.app = app
        self._state = state
        self._routes = {route.path: route for route in routes}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._routes.get(scope["path"]) if scope["type"] == "http" else None
        if route is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        response = await self._answer(route, scope, receive)
        await response(scope, receive, send)

    async def _answer(self, route: DirectRoute, scope: Scope, receive: Receive) -> Response:
        path: str = scope["path"]
        headers = _headers(scope)
        try:
            actor = await authenticate(
                self._state.token_validator,
                self._state.claim_mapping,
                token=bearer_token(headers.get("authorization")),
                acting_team=headers.get("betrokken-team"),
                request_id=headers.get("x-request-id"),
                traceparent=headers.get("traceparent"),
            )
            check_roles(actor, route.roles)
            raw = await _read_body(receive)
            if not _is_json(headers.get("content-type", "")):
                # As FastAPI's strict content type: a body not declared JSON is not read as JSON.
                wrong_type = {"loc": ("body",), "msg": "send the body as application/json"}
                return problems.invalid_payload(path, [wrong_type])
            try:
                body = route.body.model_validate_json(raw)
            except ValidationError as error:
                return problems.invalid_payload(path, _in_body(error))
            return await route.endpoint(body, actor, self._state.runtime, self._state.busy_writes)
        except HubError as error:
            return problems.hub_error(path, error)
        except Exception:
            log.exception("unhandled error on POST %s", path)
            return problems.internal_error(path)


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name; the first of a repeated one counts."""
    found: dict[str, str] = {}
    for name, value in reversed(scope["headers"]):
        found[name.decode("latin-1")] = value.decode("latin-1")
    return found


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise PayloadTooLarge(f"the body may have at most {MAX_BODY} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _is_json(content_type: str) -> bool:
    kind, _, subtype = content_type.partition(";")[0].strip().lower().partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def _in_body(error: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors located as FastAPI locates them: under ``body``."""
    return [{"loc": ("body", *item["loc"]), "msg": item["msg"]} for item in error.errors()]
