"""Retention runs and erasures as the admin and the privacy officer see them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from hub.flag.schemas import SubjectIn
from hub.retention.views import RetentionRun


class RetentionRunOut(BaseModel):
    expired_flags: int
    archived_flags: int
    purged_flags: int
    expired_requests: int
    removed_matches: int
    unlinked_audit_entries: int
    expiry_warnings: int
    deadline_warnings: int = 0
    batches: int = 0

    @classmethod
    def of(cls, run: RetentionRun) -> RetentionRunOut:
        return cls(
            expired_flags=run.expired_flags,
            archived_flags=run.archived_flags,
            purged_flags=run.purged_flags,
            expired_requests=run.expired_requests,
            removed_matches=run.removed_matches,
            unlinked_audit_entries=run.unlinked_audit_entries,
            expiry_warnings=run.expiry_warnings,
            deadline_warnings=run.deadline_warnings,
            batches=run.batches,
        )


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: SubjectIn
    reason: Literal["objection", "death", "unlawful"]


class ErasureOut(BaseModel):
    erased_flags: int
