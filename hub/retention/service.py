"""Retention: flags expire, move to the archive, and are deleted after the archive period.

Lookups and matching already ignore a flag from the moment it expires or is withdrawn;
the run makes that state explicit, archives, purges and expires overdue contact requests.
It works in batches (``retention_batch_size`` rows), each its own short transaction when
the jobs run it, so the checks never wait long on its locks; each batch reads its rows in
index order, and the purge reads only the flags whose archive period has passed.
Before that, a flag's owner is warned that it will expire, and told when it has: in the
inbox, and by webhook and e-mail where the team has them. Running it twice changes nothing
the second time, and tells nobody twice.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hub.actor import Actor, Role
from hub.audit import service as audit
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.contact_request.service import expire_overdue
from hub.decisions import PolicyFor, policy_for
from hub.errors import InvalidInput
from hub.flag import repository as flags
from hub.flag.models import Flag, FlagStatus
from hub.flag.repository import is_live, is_overdue
from hub.flag.service import add_months, flag_event
from hub.involvement.limits import local_day, minute_of
from hub.involvement.repository import forget_day_counts_before, forget_minute_counts_before
from hub.notification import repository as notifications
from hub.notification.service import new_notification
from hub.organisation import repository as organisations
from hub.pseudonym import Subject
from hub.retention import repository
from hub.retention.views import RetentionRun
from hub.transactions import transaction
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
RETENTION_COUNTS = (
    "expiry_warnings",
    "deadline_warnings",
    "expired_flags",
    "archived_flags",
    "purged_flags",
    "expired_requests",
    "removed_matches",
    "unlinked_audit_entries",
)


def expiry_notice(flag: Flag) -> dict[str, Any]:
    """What the owner is told about its flag's expiry: which flag, and how to renew it."""
    return {
        "flag": str(flag.id),
        "domain": flag.domain_code,
        "purpose": flag.purpose,
        "expires_at": flag.expires_at.isoformat(),
        "renew": f"POST /api/v1/flags/{flag.id}/renewal",
    }


Step = Callable[[Session, int], int]
"""One batch of a step: at most ``limit`` rows read and done in the session given; how
many were read. A step is done when a batch comes back short."""


class _Retention:
    """The steps of one run. Each batch reads only rows still in the state its step moves
    them out of, so whatever committed is never done again: the state lives in the rows
    (``status``, ``archived_at``, ``expiry_warned_at``, ``warned_at``, a deleted row, an
    audit entry without its salt). What the run keeps itself (where the warnings and the
    unlinking got to, which teams' archives are left) only saves reading rows again."""

    def __init__(
        self,
        actor: Actor,
        *,
        policy: Policy | PolicyFor,
        now: datetime,
        audit_subject_link_years: int,
        expiry_warning_days: int,
        deadline_warning_days: int,
    ) -> None:
        self.actor = actor
        self.policy = policy
        self.now = now
        self.link_cutoff = add_months(now, -12 * audit_subject_link_years)
        self.expiry_warning_until = now + timedelta(days=expiry_warning_days)
        self.deadline_warning_until = now + timedelta(days=deadline_warning_days)
        self.done = dict.fromkeys(RETENTION_COUNTS, 0)  # the RetentionRun's counts
        self._warned_since = now
        self._unlinked_since: datetime | None = None
        self._purge_plan: list[tuple[uuid.UUID, dict[str, datetime]]] | None = None

    def steps(self) -> list[Step]:
        """The steps in their order."""
        return [
            self.warn_of_expiry,
            self.warn_of_deadlines,
            self.expire,
            self.archive,
            self.purge,
            self.expire_requests,
            self.unlink_audit_entries,
        ]

    def warn_of_expiry(self, session: Session, limit: int) -> int:
        """Tell each owner, once, that a live flag expires within the warning days.

        The flag remembers the warning (``expiry_warned_at``); a renewal forgets it, so the
        new expiry is warned of in its turn.
        """
        due = repository.expiring_unwarned(
            session,
            now=self.now,
            since=self._warned_since,
            until=self.expiry_warning_until,
            limit=limit,
        )
        if not due:
            return 0
        self._warned_since = due[-1].expires_at
        warned = repository.mark_flags(
            session,
            [flag.id for flag in due],
            still=[
                is_live(self.now),
                Flag.expires_at.between(self.now, self.expiry_warning_until),
                Flag.expiry_warned_at.is_(None),
            ],
            expiry_warned_at=self.now,
        )
        self._tell_owners(
            session,
            [(flag, FLAG_EXPIRING, expiry_notice(flag)) for flag in due if flag.id in warned],
        )
        self.done["expiry_warnings"] += len(warned)
        return len(due)

    def warn_of_deadlines(self, session: Session, limit: int) -> int:
        """Tell each owner, once per due date, that a live flag's due date is near.

        The notice names the flag, the code and the moment; like an expiry warning, it goes
        to the inbox (and by webhook and e-mail where the team has them).
        """
        due = repository.deadlines_due_unwarned(
            session, now=self.now, until=self.deadline_warning_until, limit=limit
        )
        for deadline, _ in due:
            deadline.warned_at = self.now
        self._tell_owners(
            session,
            [
                (
                    flag,
                    FLAG_DEADLINE,
                    {
                        "flag": str(flag.id),
                        "domain": flag.domain_code,
                        "purpose": flag.purpose,
                        "deadline": deadline.code,
                        "due_at": deadline.due_at.isoformat(),
                    },
                )
                for deadline, flag in due
            ],
        )
        session.flush()
        self.done["deadline_warnings"] += len(due)
        return len(due)

    def expire(self, session: Session, limit: int) -> int:
        """Mark active flags whose expiry passed, move them to the archive, audit it and
        tell their owners: one statement each for the batch."""
        overdue = repository.active_overdue(session, now=self.now, limit=limit)
        if not overdue:
            return 0
        expired = repository.mark_flags(
            session,
            [flag.id for flag in overdue],
            still=[is_overdue(self.now)],
            status=FlagStatus.EXPIRED,
            archived_at=self.now,
        )
        self._audit(
            session, Action.FLAG_EXPIRE, [_of(flag) for flag in overdue if flag.id in expired]
        )
        self._tell_owners(
            session,
            [(flag, FLAG_EXPIRED, expiry_notice(flag)) for flag in overdue if flag.id in expired],
        )
        self.done["expired_flags"] += len(expired)
        return len(overdue)

    def archive(self, session: Session, limit: int) -> int:
        """Move withdrawn flags to the archive, and audit it."""
        withdrawn = repository.withdrawn_unarchived(session, limit=limit)
        archived = repository.mark_flags(
            session,
            [flag.id for flag in withdrawn],
            still=[Flag.status == FlagStatus.WITHDRAWN, Flag.archived_at.is_(None)],
            archived_at=self.now,
        )
        self._audit(
            session, Action.FLAG_ARCHIVE, [_of(flag) for flag in withdrawn if flag.id in archived]
        )
        self.done["archived_flags"] += len(archived)
        return len(withdrawn)

    def purge(self, session: Session, limit: int) -> int:
        """Delete archived flags whose archive period has passed, with the matches they
        leave empty; the audit entries say which went.

        The period is the policy's for the owner's organisation and the flag's domain: a
        cutoff per (team, domain), read team by team in index order. A team whose archive
        has nothing more to purge is not read again in this run.
        """
        if self._purge_plan is None:
            self._purge_plan = self._plan_purge(session)
        doomed: list[tuple[uuid.UUID, bytes, str]] = []
        while self._purge_plan and len(doomed) < limit:
            team_id, cutoffs = self._purge_plan[0]
            wanted = limit - len(doomed)
            found = repository.archived_before(
                session, team_id=team_id, cutoffs=cutoffs, limit=wanted
            )
            if len(found) < wanted:
                self._purge_plan.pop(0)
            doomed.extend(found)
        if doomed:  # one audit statement and one delete per table for the whole batch
            self._audit(session, Action.FLAG_PURGE, doomed)
            self.done["removed_matches"] += repository.delete_flags(
                session, [flag_id for flag_id, _, _ in doomed]
            )
        self.done["purged_flags"] += len(doomed)
        return len(doomed)

    def _plan_purge(self, session: Session) -> list[tuple[uuid.UUID, dict[str, datetime]]]:
        """Each team with its cutoff per domain: flags archived at or before it are due."""
        domains = repository.domain_codes(session)
        plan = []
        for team_id, organisation in repository.teams_with_organisations(session):
            policy = policy_for(self.policy, organisation)
            cutoffs = {}
            for domain in domains:
                try:
                    years = policy.archive_years(domain)
                except KeyError:  # a domain the policy does not know keeps its flags
                    continue
                cutoffs[domain] = add_months(self.now, -12 * years)
            plan.append((team_id, cutoffs))
        return plan

    def expire_requests(self, session: Session, limit: int) -> int:
        expired = expire_overdue(session, self.actor, now=self.now, limit=limit)
        self.done["expired_requests"] += expired
        return expired

    def unlink_audit_entries(self, session: Session, limit: int) -> int:
        """Unlink audit entries older than the link period from their subjects."""
        linked = repository.linked_audit_entries(
            session, since=self._unlinked_since, before=self.link_cutoff, limit=limit
        )
        if linked:
            repository.unlink_audit_entries(session, [seq for seq, _ in linked])
            self._unlinked_since = linked[-1][1]
        self.done["unlinked_audit_entries"] += len(linked)
        return len(linked)

    def forget_counts(self, session: Session) -> None:
        """Forget the check counts of the days (and minutes) before this one."""
        forget_day_counts_before(session, local_day(self.now))
        forget_minute_counts_before(session, minute_of(self.now))

    def _tell_owners(
        self, session: Session, notices: Sequence[tuple[Flag, str, dict[str, Any]]]
    ) -> None:
        """Each flag's owner team gets its notice (kind, payload): one statement a batch."""
        teams = organisations.teams_by_id(session, {flag.team_id for flag, _, _ in notices})
        notifications.add(
            session,
            *(
                new_notification(team=teams[flag.team_id], kind=kind, payload=payload, now=self.now)
                for flag, kind, payload in notices
            ),
        )

    def _audit(
        self, session: Session, action: Action, flags: Sequence[tuple[uuid.UUID, bytes, str]]
    ) -> None:
        if flags:
            audit.write(
                session,
                [
                    audit.new_entry(
                        self.actor,
                        flag_event(action, flag_id=flag_id, subject_key=key, purpose=purpose),
                        at=self.now,
                    )[1]
                    for flag_id, key, purpose in flags
                ],
            )


def _of(flag: Flag) -> tuple[uuid.UUID, bytes, str]:
    return flag.id, flag.subject_key, flag.purpose


def run_retention(
    sessions: sessionmaker[Session],
    actor: Actor = RETENTION_ACTOR,
    *,
    policy: Policy | PolicyFor,
    now: datetime,
    audit_subject_link_years: int,
    expiry_warning_days: int,
    deadline_warning_days: int = 7,
    batch_size: int = 1000,
    max_batches: int | None = None,
    pause_seconds: float = 0.0,
    stopping: threading.Event | None = None,
) -> RetentionRun:
    """Warn owners of flags about to expire (``expiry_warning_days`` ahead) and of their
    flags' due dates (``deadline_warning_days`` ahead), expire, archive and purge flags
    (with the matches they leave empty), expire overdue requests, unlink old audit entries
    from their subjects (after ``audit_subject_link_years``) and forget the check counts
    of the days before today.

    Each batch of at most ``batch_size`` rows is its own short transaction, so the checks
    never wait long on its locks. Stopped anywhere (after ``max_batches``, or the process
    killed, or ``stopping`` set: the process stops), a later run finishes the work and tells
    nobody twice. ``pause_seconds`` between batches leaves the busy paths the CPU and the
    disk that a run would take.

    Each flag is kept in the archive as long as the policy of its team's organisation says
    (``policy`` names it per organisation slug; one ``Policy`` governs all).
    """
    retention = _Retention(
        actor,
        policy=policy,
        now=now,
        audit_subject_link_years=audit_subject_link_years,
        expiry_warning_days=expiry_warning_days,
        deadline_warning_days=deadline_warning_days,
    )
    batches = 0

    def room() -> bool:
        if stopping is not None and stopping.is_set():
            return False
        return max_batches is None or batches < max_batches

    for step in retention.steps():
        while room():
            with transaction(sessions) as session:
                read = step(session, batch_size)
            batches += 1
            if read < batch_size:
                break
            if pause_seconds:
                if stopping is not None:
                    stopping.wait(pause_seconds)
                else:
                    time.sleep(pause_seconds)
    if room():
        with transaction(sessions) as session:
            retention.forget_counts(session)
        batches += 1
    return RetentionRun(**retention.done, batches=batches)


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
