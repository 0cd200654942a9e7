"""What the audit reports and proofs hand back.

Kept apart from ``reports.py`` and ``tree.py``, so that ``schemas.py`` builds its answers
from it without importing them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from hub.audit.integrity import Fault
from hub.audit.models import AuditCheckpoint, AuditEntry

ACKNOWLEDGEMENT_NOTE = "acknowledgement_note"
"""The key in an alert's ``detail`` that holds the officer's note on acknowledging it."""


class ReportKind(StrEnum):
    CHECKS_PER_MEMBER = "checks-per-member"
    OFF_HOURS = "off-hours"
    MOST_CHECKED_SUBJECTS = "most-checked-subjects"
    CHECKS_WITHOUT_FOLLOW_UP = "checks-without-follow-up"
    REFUSALS = "refusals"
    CHECKS_OVER_TIME = "checks-over-time"


@dataclass(frozen=True)
class Report:
    kind: ReportKind
    since: datetime
    until: datetime
    generated_at: datetime
    description: str
    rows: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InclusionProof:
    index: int
    entry: AuditEntry
    checkpoint: AuditCheckpoint
    proof: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    first: AuditCheckpoint
    second: AuditCheckpoint
    proof: list[bytes]


@dataclass(frozen=True)
class IntegrityView:
    """The log's integrity as the officer's overview shows it."""

    checkpoint: AuditCheckpoint | None
    faults: list[Fault]
    """Where the stored log no longer matches the latest checkpoint; empty when it does."""
    status: str
    """``ok`` or ``compromised``: the last verdict of a whole-log check or of a read that met
    an altered entry (``status.LogStatus``)."""
    checked_at: datetime | None
    checked_size: int | None
