"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import RuntimeDep
from api.problems import RETRY_AFTER_SECONDS
from hub.db import answers_within

router = APIRouter(tags=["health"])

DATABASE_WAIT_SECONDS = 0.5
"""How long ``/health`` waits for the database: a probe needs its answer within a second,
however the database is doing."""


class HealthOut(BaseModel):
    status: str
    database: str
    policy_version: str


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database is unavailable."}},
)
async def health(runtime: RuntimeDep) -> JSONResponse:
    """``ok``, or ``degraded`` (503) with the dependency that is down."""
    # async: the ping's thread is not waited for beyond its bound (hub.db.answers_within)
    up = await answers_within(runtime.sessions, DATABASE_WAIT_SECONDS)
    answer = HealthOut(
        status="ok" if up else "degraded",
        database="ok" if up else "unavailable",
        policy_version=runtime.policy.current().version,
    )
    if up:
        return JSONResponse(answer.model_dump())
    return JSONResponse(
        answer.model_dump(), status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )
