"""Liveness and readiness, and whether the audit log still matches its signed checkpoints."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import DbSession, RuntimeDep
from hub.audit.status import log_status
from hub.db import ping
from hub.health.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
def health(runtime: RuntimeDep, session: DbSession) -> HealthOut:
    ping(runtime.sessions)
    return HealthOut(
        status="ok",
        database="ok",
        policy_version=runtime.policy.current().version,
        audit_log=log_status(session),
    )
