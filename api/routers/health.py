"""Liveness and readiness, and whether the audit log still matches its signed checkpoints."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import DbSession, RuntimeDep
from hub.audit.status import LogStatus, log_status
from hub.db import ping

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str
    database: str
    policy_version: str
    audit_log: LogStatus = Field(
        description="'compromised' once a check or an officer's read found the log altered."
    )


@router.get("/health", response_model=HealthOut)
def health(runtime: RuntimeDep, session: DbSession) -> HealthOut:
    ping(runtime.sessions)
    return HealthOut(
        status="ok",
        database="ok",
        policy_version=runtime.policy.current().version,
        audit_log=log_status(session),
    )
