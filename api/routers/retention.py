"""Retention runs (admin) and erasure of one subject (privacy officer, AVG art. 17)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Admin, DbSession, Now, PrivacyOfficer, RuntimeDep
from api.openapi import errors
from hub.background import retention_job
from hub.retention import service
from hub.retention.schemas import ErasureIn, ErasureOut, RetentionRunOut

router = APIRouter(tags=["retention"], responses=errors(503))


@router.post("/retention-runs", response_model=RetentionRunOut)
def run_retention(actor: Admin, runtime: RuntimeDep) -> RetentionRunOut:
    """Warn of near expiries, expire, archive and purge flags and expire overdue requests
    now (idempotent), in batches as the scheduled job does (each its own transaction)."""
    return RetentionRunOut.of(retention_job(runtime, actor))


@router.post("/erasures", response_model=ErasureOut)
def erase_subject(
    body: ErasureIn, session: DbSession, actor: PrivacyOfficer, runtime: RuntimeDep, now: Now
) -> ErasureOut:
    """Remove your organisation's flags on one subject (objection, death or unlawful)."""
    subject = runtime.keyer.subject(body.subject.kind, body.subject.pseudonym)
    erased = service.erase_subject(session, actor, subject=subject, reason=body.reason, now=now)
    return ErasureOut(erased_flags=erased)
