"""Liveness and readiness as a probe sees them."""

from __future__ import annotations

from pydantic import BaseModel


class HealthOut(BaseModel):
    status: str
    database: str
    policy_version: str
