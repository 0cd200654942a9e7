"""Retention: flags expire, move to the archive, and are deleted after the archive period.

Lookups and matching already ignore a flag from the moment it expires or is withdrawn;
the run makes that state explicit, archives, purges and expires overdue contact requests.
Running it twice changes nothing the second time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hub.actor import Actor, Role
from hub.audit import repository as audit_entries
from hub.audit import service as audit
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.contact_request.service import expire_overdue
from hub.errors import InvalidInput
from hub.flag import repository as flags
from hub.flag.models import FlagStatus
from hub.flag.service import add_months, record_flag_event
from hub.involvement.limits import local_day
from hub.involvement.repository import forget_day_counts_before
from hub.pseudonym import Subject
from hub.retention import repository
from hub.retention.views import RetentionRun
from policies import Policy

RETENTION_ACTOR = Actor(
    sub="system:retention",
    name="Retention schedule",
    organisation="system",
    team=None,
    roles=frozenset({Role.ADMIN}),
)
ERASURE_REASONS = ("objection", "death", "unlawful")


def run_retention(
    session: Session,
    actor: Actor = RETENTION_ACTOR,
    *,
    policy: Policy,
    now: datetime,
    audit_subject_link_years: int,
) -> RetentionRun:
    """Expire, archive and purge flags, expire overdue requests, unlink old audit entries
    from their subjects (after ``audit_subject_link_years``) and forget the check counts
    of the days before today."""
    expired = 0
    for flag in flags.active_overdue(session, now=now):
        flag.status = FlagStatus.EXPIRED
        flag.archived_at = now
        record_flag_event(session, actor, flag, action=Action.FLAG_EXPIRE, now=now)
        expired += 1
    archived = 0
    for flag in flags.withdrawn_unarchived(session):
        flag.archived_at = now
        record_flag_event(session, actor, flag, action=Action.FLAG_ARCHIVE, now=now)
        archived += 1
    session.flush()
    purge = [
        flag
        for flag in flags.archived(session)
        if flag.archived_at is not None
        and add_months(flag.archived_at, 12 * policy.archive_years(flag.domain_code)) <= now
    ]
    for flag in purge:
        record_flag_event(session, actor, flag, action=Action.FLAG_PURGE, now=now)
    repository.delete_flags(session, [flag.id for flag in purge])
    requests = expire_overdue(session, actor, now=now)
    matches = repository.delete_empty_matches(session)
    unlinked = audit_entries.unlink_subjects_before(
        session, add_months(now, -12 * audit_subject_link_years)
    )
    forget_day_counts_before(session, local_day(now))
    return RetentionRun(
        expired_flags=expired,
        archived_flags=archived,
        purged_flags=len(purge),
        expired_requests=requests,
        removed_matches=matches,
        unlinked_audit_entries=unlinked,
    )


def erase_subject(
    session: Session, actor: Actor, *, subject: Subject, reason: str, now: datetime
) -> int:
    """AVG art. 17: remove every flag of the officer's organisation on one subject at once.

    Each organisation is controller of its own flags; another municipality's or chain
    partner's flags are for its own privacy officer to erase.
    """
    if reason not in ERASURE_REASONS:
        raise InvalidInput(f"reason must be one of {', '.join(ERASURE_REASONS)}")
    doomed = flags.of_subject(session, subject_key=subject.key, organisation=actor.organisation)
    repository.delete_flags(session, [flag.id for flag, _ in doomed])
    repository.delete_empty_matches(session)
    audit.record(
        session,
        actor,
        AuditRecord(
            action=Action.SUBJECT_ERASE,
            outcome=Outcome.ALLOWED,
            subject_key=subject.key,
            reason=f"{reason}: {len(doomed)} flags erased",
        ),
        at=now,
    )
    return len(doomed)
