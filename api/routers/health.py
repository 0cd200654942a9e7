"""Liveness and readiness, and whether the audit log still matches its signed checkpoints."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import RuntimeDep
from api.problems import RETRY_AFTER_SECONDS
from hub.audit.status import log_status
from hub.db import read_within
from hub.health.schemas import HealthOut

router = APIRouter(tags=["health"])

DATABASE_WAIT_SECONDS = 0.5
"""How long ``/health`` waits for the database: a probe needs its answer within a second,
however the database is doing."""


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database is unavailable."}},
)
async def health(runtime: RuntimeDep) -> JSONResponse:
    """``ok``, or ``degraded`` (503) with the dependency that is down; the audit log's last
    verdict (read in the same round trip that shows the database answers); and whether the
    policy in force is ``stale`` because the file on disk is broken."""
    # async: the read's thread is not waited for beyond its bound (hub.db.read_within)
    audit_log = await read_within(runtime.sessions, DATABASE_WAIT_SECONDS, log_status)
    up = audit_log is not None
    in_force = runtime.policy.current()
    answer = HealthOut(
        status="ok" if up else "degraded",
        database="ok" if up else "unavailable",
        policy_version=in_force.version,
        audit_log=audit_log,
        policy="stale" if runtime.policy.error else "ok",
        policy_problem=runtime.policy.stale_reason,
        background_jobs=runtime.leadership.role if runtime.settings.background_jobs else "off",
    )
    if up:
        return JSONResponse(answer.model_dump(mode="json"))
    return JSONResponse(
        answer.model_dump(mode="json"),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
