"""The hub's FastAPI application: ``/api/v1``, problem+json errors, an ``API-Version`` header."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, nullcontext

from fastapi import APIRouter, FastAPI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Receive, Scope, Send

from api import bodies, openapi, problems
from api.auth.dev_login import AuthorizationCodes
from api.auth.validation import build_token_validator, claim_mapping
from api.busy import BusyWrites, busy_writes
from api.direct_routes import DirectRoute, DirectRoutes
from api.middleware import (
    API_VERSION,
    Header,
    VersionHeader,
    content_security_policy,
    security_headers,
)
from api.observability import MetricsEndpoint, Observe
from api.routers import (
    admin,
    audit,
    contact_requests,
    dev_idp,
    docs,
    flags,
    health,
    involvement,
    matches,
    me,
    notifications,
    policy,
    retention,
    web,
)
from hub import telemetry
from hub.audit import repository as audit_repository
from hub.background import jobs_running
from hub.metrics import AuditLag, PolicyVersions
from hub.runtime import Runtime, build_runtime
from hub.settings import DEFAULT_MAX_BODY_BYTES, Settings

API_PREFIX = "/api/v1"


class HubApp(FastAPI):
    """FastAPI with the busy routes, the body checks, the ``API-Version`` header and the
    security headers in front.

    FastAPI's own layers (telemetry, error pages, body limits) cost a direct route more than
    a tenth of its CPU; a direct route answers its own errors (``api/direct_routes.py``).
    """

    direct_routes: Sequence[DirectRoute] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    response_headers: Sequence[Header] = ()
    form_paths: frozenset[str] = frozenset()
    observe: Callable[[ASGIApp], ASGIApp] = staticmethod(lambda app: app)
    """Wraps the front in the metrics, traces and log context (``api/observability.py``)."""
    _front: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._front is None:
            app: ASGIApp = super().__call__
            if self.direct_routes:
                app = DirectRoutes(app, state=self.state, routes=self.direct_routes)
            self._front = self.observe(
                VersionHeader(
                    bodies.RequestBodies(
                        app, max_bytes=self.max_body_bytes, form_paths=self.form_paths
                    ),
                    headers=self.response_headers,
                )
            )
        await self._front(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    direct: bool = True,
    busy: BusyWrites | None = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """Build the hub app; everything it needs is loaded and checked here, before serving.

    ``direct`` serves the busy routes without FastAPI's per-request machinery
    (``api/direct_routes.py``); off, FastAPI serves them as it serves the rest. ``busy``
    replaces the group commits (``api/busy.py``) for tests that watch them.
    ``tracer_provider`` replaces the one the settings ask for (``hub/telemetry.py``).
    """
    settings = settings or (runtime.settings if runtime else Settings())
    runtime = runtime or build_runtime(settings)
    hub_runtime = runtime
    tracing = tracer_provider or telemetry.tracer_provider(settings, service="betrokken-hub")
    tracer = tracing.get_tracer(telemetry.TRACER_NAME) if tracing else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Production runs them in `betrokken jobs` instead: here they hold the GIL of a
        # process that serves (docs/operations.md).
        jobs = jobs_running(hub_runtime, tracer=tracer) if settings.background_jobs else None
        with jobs or nullcontext():
            yield
        if hub_runtime.statements is not None:
            await hub_runtime.statements.close()
        if tracing is not None and tracer_provider is None:
            tracing.shutdown()  # its own provider: send what is batched

    app = HubApp(
        lifespan=lifespan,
        title="Betrokken hub",
        version=API_VERSION,
        description="Is another team involved with this person, address or business?",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # api/routers/docs.py: Swagger UI from local files
        redoc_url=None,
    )
    app.max_body_bytes = settings.max_body_bytes
    app.response_headers = security_headers(content_security_policy(settings))
    app.state.runtime = runtime
    app.state.settings = settings
    app.state.busy_writes = busy or busy_writes(runtime)
    app.state.claim_mapping = claim_mapping(settings)
    app.state.token_validator = build_token_validator(settings)
    problems.install(app)
    bodies.install(app)

    v1 = APIRouter(prefix=API_PREFIX)
    v1.include_router(health.router)
    v1.include_router(me.router)
    v1.include_router(flags.router)
    v1.include_router(flags.batches)
    v1.include_router(involvement.router)
    v1.include_router(matches.router)
    v1.include_router(contact_requests.router)
    v1.include_router(notifications.router)
    v1.include_router(retention.router)
    v1.include_router(audit.router)
    v1.include_router(admin.router)
    v1.include_router(policy.router)
    app.include_router(v1)
    openapi.document_problems(app)
    if settings.oidc_issuer is None:  # the embedded default's own provider, never in production
        app.include_router(dev_idp.router)
        app.state.dev_codes = AuthorizationCodes()
        app.form_paths = dev_idp.FORM_PATHS
    app.include_router(docs.router)
    app.include_router(web.router)
    if direct:
        app.direct_routes = _direct_routes(app)
    app.observe = observing(settings, tracer=tracer, collectors=lambda: _collectors(hub_runtime))
    return app


def observing(
    settings: Settings,
    *,
    tracer: Tracer | None,
    collectors: Callable[[], Iterable[Collector]] = tuple,
) -> Callable[[ASGIApp], ASGIApp]:
    """The layers around an app: ``Observe`` outermost, ``/metrics`` inside it."""

    def wrap(app: ASGIApp) -> ASGIApp:
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        metrics = MetricsEndpoint(
            app, networks=settings.metrics_networks, token=token, collectors=collectors
        )
        return Observe(metrics, tracer=tracer, log_requests=settings.log_requests)

    return wrap


def _collectors(runtime: Runtime) -> list[Collector]:
    """What ``/metrics`` reads when scraped: the audit sequencing lag, the policies in force."""
    return [
        AuditLag(runtime.sessions, audit_repository.sequencing_lag, runtime.clock.now),
        PolicyVersions(lambda: runtime.policies.in_force(runtime.clock.now())),
    ]


def _direct_routes(app: FastAPI) -> list[DirectRoute]:
    """The busiest routes, served with the body model, roles and endpoint FastAPI declares."""
    return [
        DirectRoute.declared(app, f"{API_PREFIX}/involvement-checks"),
        DirectRoute.declared(app, f"{API_PREFIX}/flags"),
        DirectRoute.declared(app, f"{API_PREFIX}/contact-requests"),
    ]
