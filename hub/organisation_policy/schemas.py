"""An organisation's policy versions as the administration API takes and shows them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from hub.organisation.models import OrganisationPolicy
from hub.organisation_policy.service import MAX_POLICY_CHARS


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, max_length=MAX_POLICY_CHARS, description="The policy file (YAML)."
    )
    active_from: dt.date | None = Field(
        default=None,
        description="The day it takes effect once approved (midnight, Europe/Amsterdam); "
        "default: as soon as it is approved.",
    )


class PolicyOut(BaseModel):
    version: str
    status: str
    active_from: dt.datetime
    uploaded_by: str
    uploaded_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    text: str | None = None

    @classmethod
    def of(cls, row: OrganisationPolicy, *, with_text: bool = False) -> PolicyOut:
        return cls(
            version=row.version,
            status=row.status,
            active_from=row.active_from,
            uploaded_by=row.uploaded_by,
            uploaded_at=row.uploaded_at,
            decided_by=row.decided_by,
            decided_at=row.decided_at,
            text=row.text if with_text else None,
        )


class PolicyListOut(BaseModel):
    items: list[PolicyOut]


class PolicyDiffOut(BaseModel):
    old: str
    new: str
    text: str
