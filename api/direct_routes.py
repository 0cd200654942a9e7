"""The busy routes served directly, as plain ASGI in front of FastAPI.

An involvement check or a registration costs the hub a few hundred microseconds of its own
work; FastAPI's dependency solving, Starlette's routing and its exception middleware cost
more than that per request (docs/benchmarks.md). These routes stay declared in FastAPI:
their OpenAPI, body model, roles and endpoint function are the ones there, and this layer
reads them from that declaration (``DirectRoute.declared``). It resolves the same
dependencies (the caller through ``api.deps.authenticate``, the roles through
``check_roles``, the body through its model) and calls the same endpoint, so each route has
one implementation; ``tests/api/test_direct_routes.py`` compares both paths.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, get_type_hints

import fastapi.routing
from fastapi import FastAPI, Response
from fastapi.dependencies.models import Dependant
from pydantic import BaseModel, ValidationError
from starlette.datastructures import State
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from api import problems
from api.bodies import BodyRefused
from api.busy import BusyWrites
from api.deps import (
    RoleCheck,
    authenticate,
    bearer_token,
    check_roles,
    get_busy_writes,
    get_runtime,
)
from hub.actor import Actor, Role
from hub.errors import HubError
from hub.runtime import Runtime

log = logging.getLogger("betrokken.api")

Endpoint = Callable[[Any, Actor, Runtime, BusyWrites], Awaitable[Response]]


@dataclass(frozen=True)
class DirectRoute:
    """A ``POST`` route declared in FastAPI, to be served without it."""

    path: str
    body: type[BaseModel]
    roles: frozenset[Role]
    endpoint: Endpoint

    @classmethod
    def declared(cls, app: FastAPI, path: str) -> DirectRoute:
        """The ``POST`` route at ``path`` as ``app`` declares it.

        The body model is the annotation of the endpoint's ``body`` parameter, the roles are
        those of its ``api.deps.require`` dependency. Raises, so the app does not start, when
        the route, its body or its role check is missing, or when the endpoint is not an
        ``async def`` taking the body, the caller, the runtime and the group commits: all
        this layer passes.
        """
        endpoint, dependant = _post_route(app, path)
        body = get_type_hints(endpoint).get("body")
        if not (isinstance(body, type) and issubclass(body, BaseModel)):
            raise TypeError(f"POST {path} has no 'body' parameter of a pydantic model")
        callers = [dep for dep in dependant.dependencies if _role_checks(dep)]
        checks = [check for dep in callers for check in _role_checks(dep)]
        if len(checks) != 1:
            raise TypeError(f"POST {path} needs exactly one role dependency (api.deps.require)")
        runtimes = [dep.name for dep in dependant.dependencies if dep.call is get_runtime]
        busy = [dep.name for dep in dependant.dependencies if dep.call is get_busy_writes]
        parameters = list(inspect.signature(endpoint).parameters)
        if (
            not inspect.iscoroutinefunction(endpoint)
            or len(runtimes) != 1
            or len(busy) != 1
            or parameters != ["body", callers[0].name, runtimes[0], busy[0]]
        ):
            raise TypeError(
                f"POST {path}: its endpoint must be async (body, caller, runtime, busy writes)"
            )
        return cls(path, body, checks[0].roles, endpoint)


def _post_route(app: FastAPI, path: str) -> tuple[Callable[..., Any], Dependant]:
    """The endpoint and the dependencies of ``app``'s ``POST`` route at ``path``."""
    # FastAPI 0.137 and later keep an included router as one entry of app.routes.
    walk: Callable[[list[BaseRoute]], Iterable[Any]]
    walk = getattr(fastapi.routing, "iter_route_contexts", iter)
    for route in walk(app.routes):
        dependant = getattr(route, "dependant", None)
        methods = getattr(route, "methods", None) or ()
        if getattr(route, "path", None) == path and "POST" in methods and dependant is not None:
            return route.endpoint, dependant
    raise LookupError(f"no route POST {path} to serve directly")


def _role_checks(dependant: Dependant) -> list[RoleCheck]:
    """The role checks among ``dependant`` and everything it depends on."""
    found = [dependant.call] if isinstance(dependant.call, RoleCheck) else []
    return found + [check for dep in dependant.dependencies for check in _role_checks(dep)]


class DirectRoutes:
    """Serves its routes' ``POST`` requests itself; everything else goes on to the app.

    Its bodies' size and content type are checked in front of it (``api/bodies.py``), as
    for every route.
    """

    def __init__(self, app: ASGIApp, *, state: State, routes: Sequence[DirectRoute]) -> None:
        self.app = app
        self._state = state
        self._routes = {route.path: route for route in routes}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._routes.get(scope["path"]) if scope["type"] == "http" else None
        if route is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        scope["route"] = route  # its template, for the metrics (api/observability.py)
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
                fsc_transaction_id=headers.get("fsc-transaction-id"),
                connector_run=headers.get("betrokken-connector-run"),
            )
            check_roles(actor, route.roles)
            raw = await _read_body(receive)
            try:
                body = route.body.model_validate_json(raw)
            except ValidationError as error:
                return problems.invalid_payload(path, _in_body(error))
            return await route.endpoint(body, actor, self._state.runtime, self._state.busy_writes)
        except HubError as error:
            return problems.hub_error(path, error)
        except BodyRefused:
            raise  # answered by RequestBodies, in front
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
    """The whole body; ``receive`` raises ``BodyRefused`` past the limit or at bad UTF-8."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _in_body(error: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors located as FastAPI locates them: under ``body``."""
    return [{"loc": ("body", *item["loc"]), "msg": item["msg"]} for item in error.errors()]
