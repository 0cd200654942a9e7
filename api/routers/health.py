"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import RuntimeDep
from hub.health.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
def health(runtime: RuntimeDep) -> HealthOut:
    with runtime.sessions() as session:
        session.execute(text("SELECT 1"))
    return HealthOut(status="ok", database="ok", policy_version=runtime.policy.current().version)
