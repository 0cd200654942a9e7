"""Liveness and readiness as a probe sees them."""

from __future__ import annotations

from typing import Literal

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
    policy: Literal["ok", "stale"] = Field(
        default="ok",
        description="'stale' while the policy file on disk is broken: the hub keeps serving "
        "policy_version, the last good one (a restart would refuse the broken file).",
    )
    policy_problem: str | None = Field(
        default=None, description="Why the policy is stale: file name, line and problem."
    )
    background_jobs: Literal["leader", "standby", "off"] = Field(
        default="off",
        description="'leader' if this process runs the background jobs (the audit sequencer "
        "among them), 'standby' while another process holds their lock, 'off' if disabled.",
    )
