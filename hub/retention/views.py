"""What a retention run hands back.

Kept apart from the service, so that ``schemas.py`` builds its answers from it without
importing the service.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetentionRun:
    expired_flags: int
    archived_flags: int
    purged_flags: int
    expired_requests: int
    removed_matches: int
    unlinked_audit_entries: int
    expiry_warnings: int
    deadline_warnings: int = 0
    batches: int = 0  # each its own transaction when the jobs run it
