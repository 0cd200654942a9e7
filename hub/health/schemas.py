"""Liveness and readiness as a probe sees them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hub.audit.status import LogStatus


class HealthOut(BaseModel):
    status: str
    database: str
    policy_version: str
    audit_log: LogStatus | None = Field(
        description="'compromised' once a check or an officer's read found the log altered; "
        "null while the database does not answer."
    )
