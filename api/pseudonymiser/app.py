"""The pseudonymiser: evaluates blinded elements with its secret key and never sees an input.

It stores nothing about a request. It counts evaluations per caller and epoch (numbers
only) and rate-limits each caller, as RFC 9497 §7.2.3 advises against offline guessing
turned online.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI

from api import bodies, openapi, problems
from api.auth.validation import build_token_validator, claim_mapping
from api.deps import get_actor, require
from api.middleware import (
    PSEUDONYMISER_CSP,
    install_cors,
    install_version_header,
    security_headers,
)
from api.observability import MetricsEndpoint, Observe
from api.pseudonymiser.keystore import EpochKey, OprfKeyStore
from api.pseudonymiser.schemas import EvaluationIn, EvaluationOut, KeyOut, KeysOut, StatisticsOut
from crypto import oprf
from crypto.identifiers import poprf_info
from hub import telemetry
from hub.actor import Actor, Role
from hub.errors import HubError, NotFound, RateLimited
from hub.metrics import PSEUDONYMISER_BATCH_SIZE, PSEUDONYMISER_EVALUATIONS
from hub.ratelimit import RateLimiter
from hub.settings import Settings

log = logging.getLogger("betrokken.pseudonymiser")


Caller = Annotated[Actor, Depends(get_actor)]


class InvalidElement(HubError):
    status = 400
    code = "invalid_element"
    title = "Not a valid blinded element"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidElement("elements are base64url encoded") from None


class Pseudonymiser:
    """The service's state: keys per epoch, a rate limiter and counters."""

    def __init__(self, settings: Settings) -> None:
        store = OprfKeyStore(settings.keys_dir / "oprf")
        if not settings.is_production:
            store.init(settings.pseudonym_epoch)
        self.keys: dict[str, EpochKey] = store.load_all()
        self.current_epoch = store.current_epoch()
        self.limiter = RateLimiter(
            per_minute=settings.pseudonymiser_rate_per_minute, burst=settings.pseudonymiser_burst
        )
        self.counts: Counter[str] = Counter()

    def evaluate(self, caller: str, request: EvaluationIn) -> EvaluationOut:
        epoch = request.epoch or self.current_epoch
        key = self.keys.get(epoch)
        if key is None:
            raise NotFound("no key for that epoch")
        wait = self.limiter.take(caller, len(request.blinded_elements))
        if wait:
            raise RateLimited("too many evaluations; slow down", headers={"Retry-After": str(wait)})
        blinded = [unb64(element) for element in request.blinded_elements]
        try:
            evaluated, proof = oprf.blind_evaluate_batch(
                key.secret,
                blinded,
                mode=oprf.Mode.POPRF,
                info=poprf_info(request.kind, epoch),
            )
        except oprf.OprfError as error:
            raise InvalidElement(str(error)) from None
        assert proof is not None
        self.counts[f"{epoch}:{request.kind.value}"] += len(blinded)
        PSEUDONYMISER_EVALUATIONS.labels(request.kind.value, epoch).inc(len(blinded))
        PSEUDONYMISER_BATCH_SIZE.observe(len(blinded))
        log.info("evaluated %d elements for one caller, epoch %s", len(blinded), epoch)
        return EvaluationOut(
            kind=request.kind,
            epoch=epoch,
            evaluated_elements=[b64(e) for e in evaluated],
            proof=b64(proof),
        )


def create_pseudonymiser_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    service = Pseudonymiser(settings)
    app = FastAPI(
        title="Betrokken pseudonymiser",
        version="1.0.0",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.pseudonymiser = service
    app.state.token_validator = build_token_validator(settings)
    app.state.claim_mapping = claim_mapping(settings)
    problems.install(app)
    bodies.install(app)
    app.add_middleware(bodies.RequestBodies, max_bytes=settings.max_body_bytes)
    install_cors(app, settings.cors_origins)  # the web app pseudonymises in the browser
    # Inside the version header, as on the hub: /metrics (evaluations, batch sizes, requests).
    app.add_middleware(
        MetricsEndpoint,
        networks=settings.metrics_networks,
        token=settings.metrics_token.get_secret_value() if settings.metrics_token else None,
    )
    # Added after the others, so outside them: on the body refusals and the CORS preflights too.
    install_version_header(app, headers=security_headers(PSEUDONYMISER_CSP))
    # Outermost: every answer counted, timed and traced (api/observability.py).
    tracing = telemetry.tracer_provider(settings, service="betrokken-pseudonymiser")
    app.add_middleware(
        Observe,
        tracer=tracing.get_tracer(telemetry.TRACER_NAME) if tracing else None,
        log_requests=settings.log_requests,
    )
    router = APIRouter(prefix="/api/v1")

    @router.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/keys", response_model=KeysOut)
    def keys() -> KeysOut:
        """Public keys per epoch: clients verify every evaluation's proof against them."""
        return KeysOut(
            current_epoch=service.current_epoch,
            keys=[KeyOut(epoch=k.epoch, public_key=b64(k.public)) for k in service.keys.values()],
        )

    @router.post(
        "/evaluations", response_model=EvaluationOut, responses=openapi.errors(400, 404, 429)
    )
    def evaluations(body: EvaluationIn, actor: Caller) -> EvaluationOut:
        """Evaluate a batch of blinded elements (POPRF, info = kind|epoch) with one proof."""
        return service.evaluate(actor.sub, body)

    @router.get("/statistics", response_model=StatisticsOut)
    def statistics(
        _: Annotated[Actor, Depends(require(Role.ADMIN, Role.PRIVACY_OFFICER))],
    ) -> StatisticsOut:
        return StatisticsOut(evaluations=dict(service.counts))

    app.include_router(router)
    openapi.document_problems(app)
    return app
