"""What the audit reports and proofs hand back.

Kept apart from ``reports.py`` and ``tree.py``, so that ``schemas.py`` builds its answers
from it without importing them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from hub.audit.models import AuditCheckpoint, AuditEntry


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
