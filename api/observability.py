"""Metrics, traces and log context for every request, and the ``/metrics`` endpoint.

``Observe`` is the outermost layer of the hub and the pseudonymiser, so it sees every
answer: FastAPI's, the direct routes' (``api/direct_routes.py``) and the body checks'. Per
request it costs a few microseconds (docs/benchmarks.md): two clock reads, the request id,
one cached pair of metric children, and a span only when tracing is on.

The route label is the route's template, read after routing from the scope (Starlette puts
the matched route there; the direct routes put theirs), never the raw path: flag ids and
handles must not become labels. docs/observability.md lists the metrics and the rules.
"""

from __future__ import annotations

import hmac
import logging
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from ipaddress import ip_address, ip_network
from typing import Any

import anyio.to_thread
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import problems
from api.deps import request_id_from
from hub.errors import Forbidden
from hub.logs import REQUEST_ID
from hub.metrics import HTTP_DURATION, HTTP_REQUESTS, UNMATCHED_ROUTE, exposition

log = logging.getLogger("betrokken.http")

METRICS_PATH = "/metrics"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_PROPAGATOR = TraceContextTextMapPropagator()


class _MetricsRoute:
    """What ``scope["route"]`` holds for ``/metrics``: its template."""

    path = METRICS_PATH


def route_template(scope: Scope) -> str:
    """The template of the route that answered (``/api/v1/flags/{flag_id}``)."""
    # FastAPI 0.137 and later put the included router's own route (its path without the
    # prefixes it was included under) in "route", the route as served in this context.
    route = scope.get("fastapi", {}).get("effective_route_context") or scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if template is None:
        # Starlette's plain routes (FastAPI's /api/v1/openapi.json) leave only the endpoint.
        template = _endpoint_path(scope.get("app"), scope.get("endpoint"))
        if template is None:
            return UNMATCHED_ROUTE
    return f"{scope.get('root_path', '')}{template}"


_ENDPOINT_PATHS: weakref.WeakKeyDictionary[Any, dict[Any, str]] = weakref.WeakKeyDictionary()


def _endpoint_path(app: Any, endpoint: Any) -> str | None:
    """The path of ``app``'s top-level route whose endpoint is ``endpoint``."""
    if app is None or endpoint is None:
        return None
    paths = _ENDPOINT_PATHS.get(app)
    if paths is None:
        routes = getattr(app, "routes", ())
        paths = {route.endpoint: route.path for route in routes if hasattr(route, "endpoint")}
        _ENDPOINT_PATHS[app] = paths
    return paths.get(endpoint)


class Observe:
    """Counts, times, traces and names every HTTP request (plain ASGI, as ``VersionHeader``)."""

    def __init__(
        self, app: ASGIApp, *, tracer: Tracer | None = None, log_requests: bool = False
    ) -> None:
        self.app = app
        self.tracer = tracer
        self.log_requests = log_requests
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # unless an answer starts: the server then answers 500 itself
        headers = _trace_headers(scope)
        request_id = REQUEST_ID.set(request_id_from(headers.get("x-request-id")))

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        # The caller's trace (a malformed traceparent is none: a new trace), continued by
        # the server span, or without tracing still the trace the logs and audit name.
        parent = _PROPAGATOR.extract(headers) if "traceparent" in headers else None
        span = attached = None
        if self.tracer is not None:
            span = self.tracer.start_span(
                scope["method"],
                context=parent,
                kind=SpanKind.SERVER,
                attributes={"http.request.method": scope["method"]},
            )
            attached = otel_context.attach(trace.set_span_in_context(span, parent))
        elif parent is not None:
            attached = otel_context.attach(parent)
        try:
            await self.app(scope, receive, send_observed)
        finally:
            elapsed = time.perf_counter() - start
            route = route_template(scope)
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            self._record(route, method, status, elapsed)
            if span is not None:
                _end_span(span, route, method, status)
            if self.log_requests or status >= 500:
                log.log(
                    logging.WARNING if status >= 500 else logging.INFO,
                    "%s %s %d",
                    method,
                    route,
                    status,
                    extra={"route": route, "status": status, "duration_ms": elapsed * 1000},
                )
            if attached is not None:
                otel_context.detach(attached)
            REQUEST_ID.reset(request_id)

    def _record(self, route: str, method: str, status: int, elapsed: float) -> None:
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = (
                HTTP_REQUESTS.labels(route, method, str(status)),
                HTTP_DURATION.labels(route, method),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(elapsed)


def _trace_headers(scope: Scope) -> dict[str, str]:
    """``traceparent``, ``tracestate`` and ``x-request-id``, the first of each."""
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        if name in (b"traceparent", b"tracestate", b"x-request-id"):
            found.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return found


def _end_span(span: Any, route: str, method: str, status: int) -> None:
    span.update_name(f"{method} {route}")
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))
    span.end()


class MetricsEndpoint:
    """``GET /metrics`` in Prometheus' text format, for the networks and the token allowed.

    The exposition holds no identifier, but volumes per route and organisation policy are
    nobody else's business: a request from outside ``networks`` without
    ``Authorization: Bearer <token>`` is refused with 403.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        networks: Sequence[str],
        token: str | None,
        collectors: Callable[[], Iterable[Collector]] = tuple,
    ) -> None:
        self.app = app
        self._networks = [ip_network(network, strict=False) for network in networks]
        self._token = token.encode() if token else None
        self._collectors = collectors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != METRICS_PATH:
            await self.app(scope, receive, send)
            return
        scope["route"] = _MetricsRoute
        if not self.allowed(scope):
            refusal = Forbidden("metrics are served to the configured networks or with the token")
            await problems.hub_error(METRICS_PATH, refusal)(scope, receive, send)
            return
        body = await anyio.to_thread.run_sync(exposition, list(self._collectors()))
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", CONTENT_TYPE_LATEST.encode("latin-1"))],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def allowed(self, scope: Scope) -> bool:
        if self._token is not None:
            for name, value in scope["headers"]:
                if name == b"authorization":
                    scheme, _, given = value.partition(b" ")
                    if scheme.lower() == b"bearer" and hmac.compare_digest(given, self._token):
                        return True
        client = scope.get("client")
        if not client:
            return False
        try:
            address = ip_address(client[0])
        except ValueError:  # e.g. the test client's "testclient"
            return False
        return any(address in network for network in self._networks)
