"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import RuntimeDep
from hub.db import ping

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str
    database: str
    policy_version: str


@router.get("/health", response_model=HealthOut)
def health(runtime: RuntimeDep) -> HealthOut:
    ping(runtime.sessions)
    return HealthOut(status="ok", database="ok", policy_version=runtime.policy.current().version)
