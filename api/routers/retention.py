"""Retention runs (admin) and erasure of one subject (privacy officer, AVG art. 17)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from api.deps import Admin, CurrentPolicy, DbSession, Now, PrivacyOfficer, RuntimeDep
from hub.flag.schemas import SubjectIn
from hub.retention import service

router = APIRouter(tags=["retention"])


class RetentionRunOut(BaseModel):
    expired_flags: int
    archived_flags: int
    purged_flags: int
    expired_requests: int
    removed_matches: int
    unlinked_audit_entries: int


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: SubjectIn
    reason: Literal["objection", "death", "unlawful"]


class ErasureOut(BaseModel):
    erased_flags: int


@router.post("/retention-runs", response_model=RetentionRunOut)
def run_retention(
    session: DbSession, actor: Admin, runtime: RuntimeDep, policy: CurrentPolicy, now: Now
) -> RetentionRunOut:
    """Expire, archive and purge flags and expire overdue requests now (idempotent)."""
    run = service.run_retention(
        session,
        actor,
        policy=policy,
        now=now,
        audit_subject_link_years=runtime.settings.audit_subject_link_years,
    )
    return RetentionRunOut(**run.__dict__)


@router.post("/erasures", response_model=ErasureOut)
def erase_subject(
    body: ErasureIn, session: DbSession, actor: PrivacyOfficer, runtime: RuntimeDep, now: Now
) -> ErasureOut:
    """Remove your organisation's flags on one subject (objection, death or unlawful)."""
    subject = runtime.keyer.subject(body.subject.kind, body.subject.pseudonym)
    erased = service.erase_subject(session, actor, subject=subject, reason=body.reason, now=now)
    return ErasureOut(erased_flags=erased)
