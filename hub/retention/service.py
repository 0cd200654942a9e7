"""Retention: flags expire, move to the archive, and are deleted after the archive period.

Lookups and matching already ignore a flag from the moment it expires or is withdrawn;
the run makes that state explicit, archives, purges and expires overdue contact requests.
Before that, a flag's owner is warned that it will expire, and told when it has: in the
inbox, and by webhook and e-mail where the team has them. Running it twice changes nothing
the second time, and tells nobody twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hub.actor import Actor, Role
from hub.audit import repository as audit_entries
from hub.audit import service as audit
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.contact_request.service import expire_overdue
from hub.decisions import PolicyFor, policy_for
from hub.errors import InvalidInput
from hub.flag import repository as flags
from hub.flag.models import Flag, FlagStatus
from hub.flag.service import add_months, record_flag_event
from hub.involvement.limits import local_day, minute_of
from hub.involvement.repository import forget_day_counts_before, forget_minute_counts_before
from hub.notification.service import notify
from hub.organisation import repository as organisations
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
FLAG_EXPIRING = "flag.expiring"  # the notification kinds the owner's inbox shows
FLAG_EXPIRED = "flag.expired"
FLAG_DEADLINE = "flag.deadline"  # a due date of the flag is near (or passed unwarned)


def expiry_notice(flag: Flag) -> dict[str, Any]:
    """What the owner is told about its flag's expiry: which flag, and how to renew it."""
    return {
        "flag": str(flag.id),
        "domain": flag.domain_code,
        "purpose": flag.purpose,
        "expires_at": flag.expires_at.isoformat(),
        "renew": f"POST /api/v1/flags/{flag.id}/renewal",
    }


def warn_of_expiry(session: Session, *, now: datetime, warning_days: int) -> int:
    """Tell each owner, once, that a live flag expires within ``warning_days``.

    The flag remembers the warning (``expiry_warned_at``); a renewal forgets it, so the
    new expiry is warned of in its turn.
    """
    due = flags.expiring_unwarned(session, now=now, until=now + timedelta(days=warning_days))
    teams = organisations.teams_by_id(session, {flag.team_id for flag in due})
    for flag in due:
        flag.expiry_warned_at = now
        notify(
            session,
            team=teams[flag.team_id],
            kind=FLAG_EXPIRING,
            payload=expiry_notice(flag),
            now=now,
        )
    session.flush()
    return len(due)


def warn_of_deadlines(session: Session, *, now: datetime, warning_days: int) -> int:
    """Tell each owner, once per due date, that a live flag's due date is near.

    The notice names the flag, the code and the moment; like an expiry warning, it goes
    to the inbox (and by webhook and e-mail where the team has them).
    """
    due = flags.deadlines_due_unwarned(session, now=now, until=now + timedelta(days=warning_days))
    teams = organisations.teams_by_id(session, {flag.team_id for _, flag in due})
    for deadline, flag in due:
        deadline.warned_at = now
        notify(
            session,
            team=teams[flag.team_id],
            kind=FLAG_DEADLINE,
            payload={
                "flag": str(flag.id),
                "domain": flag.domain_code,
                "purpose": flag.purpose,
                "deadline": deadline.code,
                "due_at": deadline.due_at.isoformat(),
            },
            now=now,
        )
    session.flush()
    return len(due)


def run_retention(
    session: Session,
    actor: Actor = RETENTION_ACTOR,
    *,
    policy: Policy | PolicyFor,
    now: datetime,
    audit_subject_link_years: int,
    expiry_warning_days: int,
    deadline_warning_days: int = 7,
) -> RetentionRun:
    """Warn owners of flags about to expire (``expiry_warning_days`` ahead) and of their
    flags' due dates (``deadline_warning_days`` ahead), expire,
    archive and purge flags, expire overdue requests, unlink old audit entries from their
    subjects (after ``audit_subject_link_years``) and forget the check counts of the days
    before today.

    Each flag is kept in the archive as long as the policy of its team's organisation says
    (``policy`` names it per organisation slug; one ``Policy`` governs all).
    """
    warned = warn_of_expiry(session, now=now, warning_days=expiry_warning_days)
    deadline_warnings = warn_of_deadlines(session, now=now, warning_days=deadline_warning_days)
    overdue = flags.active_overdue(session, now=now)
    teams = organisations.teams_by_id(session, {flag.team_id for flag in overdue})
    expired = 0
    for flag in overdue:
        flag.status = FlagStatus.EXPIRED
        flag.archived_at = now
        record_flag_event(session, actor, flag, action=Action.FLAG_EXPIRE, now=now)
        notify(
            session,
            team=teams[flag.team_id],
            kind=FLAG_EXPIRED,
            payload=expiry_notice(flag),
            now=now,
        )
        expired += 1
    archived = 0
    for flag in flags.withdrawn_unarchived(session):
        flag.archived_at = now
        record_flag_event(session, actor, flag, action=Action.FLAG_ARCHIVE, now=now)
        archived += 1
    session.flush()
    archived_flags = flags.archived(session)
    owners = organisations.organisation_slugs_of_teams(
        session, {flag.team_id for flag in archived_flags}
    )
    purge = [
        flag
        for flag in archived_flags
        if flag.archived_at is not None
        and add_months(
            flag.archived_at,
            12 * policy_for(policy, owners.get(flag.team_id, "")).archive_years(flag.domain_code),
        )
        <= now
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
    forget_minute_counts_before(session, minute_of(now))
    return RetentionRun(
        expired_flags=expired,
        archived_flags=archived,
        purged_flags=len(purge),
        expired_requests=requests,
        removed_matches=matches,
        unlinked_audit_entries=unlinked,
        expiry_warnings=warned,
        deadline_warnings=deadline_warnings,
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
