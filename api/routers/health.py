"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import RuntimeDep
from api.openapi import errors
from hub.db import ping
from hub.health.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut, responses=errors(503))
def health(runtime: RuntimeDep) -> HealthOut:
    ping(runtime.sessions)
    return HealthOut(status="ok", database="ok", policy_version=runtime.policy.current().version)
