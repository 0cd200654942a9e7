"""The verdict on the log as a whole, for ``/health``: kept in one row, shared by every process.

Written by the whole-log check (``log_check.py``: the job and ``betrokken audit check``)
and by any officer's read that meets an altered entry (through
``alerts.raise_integrity_alert``), so a hub process that never ran a check still reports
what another one found.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from hub.audit import repository
from hub.audit.integrity import MAX_LISTED_FAULTS, Fault
from hub.audit.models import AuditIntegrity


class LogStatus(StrEnum):
    OK = "ok"
    COMPROMISED = "compromised"


def log_status(session: Session) -> LogStatus:
    """The last verdict: a check's, or that of a read that met an altered entry since."""
    state = repository.integrity_state(session)
    return LogStatus(state.status) if state is not None else LogStatus.OK


def _locked_state(session: Session) -> AuditIntegrity:
    state = repository.integrity_state(session, lock=True)
    if state is None:
        raise LookupError("the audit_integrity row is missing: run the migrations")
    return state


def mark_compromised(session: Session, faults: list[Fault], *, now: datetime) -> None:
    """Record that the log was found altered, in the caller's transaction."""
    state = _locked_state(session)
    known = json.loads(state.faults) if state.status == LogStatus.COMPROMISED else []
    merged = list(dict.fromkeys([*(Fault.from_dict(item) for item in known), *faults]))
    state.status = LogStatus.COMPROMISED.value
    state.faults = _faults_json(merged)
    state.updated_at = now
    session.flush()


def mark_checked(
    session: Session, *, faults: list[Fault], size: int, started_at: datetime, now: datetime
) -> None:
    """Record a whole-log check that began at ``started_at``.

    A clean check does not clear what a read found after the check began: the check's
    snapshot may be older than the change.
    """
    state = _locked_state(session)
    found_since = state.status == LogStatus.COMPROMISED and state.updated_at > started_at
    state.checked_at = now
    state.checked_size = size
    if faults or not found_since:
        state.status = (LogStatus.COMPROMISED if faults else LogStatus.OK).value
        state.faults = _faults_json(faults)
        state.updated_at = now
    session.flush()


def _faults_json(faults: list[Fault]) -> str:
    listed = [fault.to_dict() for fault in faults[:MAX_LISTED_FAULTS]]
    return json.dumps(listed, separators=(",", ":"))
