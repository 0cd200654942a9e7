"""SQL for retention: the next batch of each step's rows, read in index order, and the
set-based writes that move a batch on (deleting flags with what hangs on them, and the
matches their deletion left empty).

Each read selects only rows still in the state the step moves them out of, so a batch that
committed is never read again: an interrupted run, run again, carries on where it stopped.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, case, delete, select, update
from sqlalchemy.orm import Session

from hub.audit import repository as audit_repository
from hub.audit.models import AuditEntry
from hub.contact_request.models import ContactRequest
from hub.flag.models import Flag, FlagDeadline, FlagStatus
from hub.flag.repository import is_live, is_overdue
from hub.match.models import Match, MatchMember
from hub.organisation.models import Domain, Organisation, Team


def expiring_unwarned(
    session: Session, *, now: datetime, since: datetime, until: datetime, limit: int
) -> Sequence[Flag]:
    """Live flags expiring from ``since`` to ``until`` whose owner was not warned, soonest
    first (``ix_flags_active_expires_at``); ``since`` moves on with the run."""
    statement = (
        select(Flag)
        .where(is_live(now), Flag.expires_at.between(since, until), Flag.expiry_warned_at.is_(None))
        .order_by(Flag.expires_at)
        .limit(limit)
    )
    return session.scalars(statement).all()


def deadlines_due_unwarned(
    session: Session, *, now: datetime, until: datetime, limit: int
) -> Sequence[tuple[FlagDeadline, Flag]]:
    """Due dates of live flags at or before ``until`` whose owner was not yet warned
    (passed ones included: a warning missed while the hub was down still goes out)."""
    statement = (
        select(FlagDeadline, Flag)
        .join(Flag, Flag.id == FlagDeadline.flag_id)
        .where(is_live(now), FlagDeadline.due_at <= until, FlagDeadline.warned_at.is_(None))
        .order_by(FlagDeadline.due_at, FlagDeadline.flag_id, FlagDeadline.code)
        .limit(limit)
    )
    return [(deadline, flag) for deadline, flag in session.execute(statement)]


def active_overdue(session: Session, *, now: datetime, limit: int) -> Sequence[Flag]:
    """Active flags whose expiry passed, longest overdue first (``ix_flags_active_expires_at``)."""
    statement = select(Flag).where(is_overdue(now)).order_by(Flag.expires_at).limit(limit)
    return session.scalars(statement).all()


def withdrawn_unarchived(session: Session, *, limit: int) -> Sequence[Flag]:
    """Withdrawn flags not yet in the archive (``ix_flags_withdrawn_unarchived``)."""
    statement = (
        select(Flag)
        .where(Flag.status == FlagStatus.WITHDRAWN, Flag.archived_at.is_(None))
        .order_by(Flag.withdrawn_at)
        .limit(limit)
    )
    return session.scalars(statement).all()


def mark_flags(
    session: Session,
    flag_ids: Collection[uuid.UUID],
    *,
    still: Sequence[ColumnElement[bool]],
    **values: object,
) -> set[uuid.UUID]:
    """Set ``values`` on those of the flags that are ``still`` as the batch read them, in
    one statement; their ids. A renewal or withdrawal that committed in between is kept
    (PostgreSQL checks ``still`` again on the row it waited for)."""
    if not flag_ids:
        return set()
    marked = session.scalars(
        update(Flag)
        .where(Flag.id.in_(list(flag_ids)), *still)
        .values(**values)
        .returning(Flag.id)
        .execution_options(synchronize_session=False)
    )
    return set(marked)


def teams_with_organisations(session: Session) -> list[tuple[uuid.UUID, str]]:
    """Every team's id and its organisation's slug, in a stable order."""
    statement = (
        select(Team.id, Organisation.slug)
        .join(Organisation, Organisation.id == Team.organisation_id)
        .order_by(Team.id)
    )
    return [(team_id, slug) for team_id, slug in session.execute(statement)]


def domain_codes(session: Session) -> list[str]:
    return list(session.scalars(select(Domain.code).order_by(Domain.code)))


def archived_before(
    session: Session, *, team_id: uuid.UUID, cutoffs: Mapping[str, datetime], limit: int
) -> Sequence[tuple[uuid.UUID, bytes, str]]:
    """(id, subject key, purpose) of the team's archived flags whose archive period has
    passed: archived before their domain's cutoff (``ix_flags_team_archived_at`` bounds
    the range by the latest cutoff; the domain's own is checked on those rows)."""
    if not cutoffs:
        return []
    cutoff = case(
        *((Flag.domain_code == domain, moment) for domain, moment in cutoffs.items()),
        else_=None,
    )
    statement = (
        select(Flag.id, Flag.subject_key, Flag.purpose)
        .where(
            Flag.team_id == team_id,
            Flag.archived_at < max(cutoffs.values()),
            Flag.archived_at < cutoff,
        )
        .order_by(Flag.archived_at)
        .limit(limit)
    )
    return [(flag_id, key, purpose) for flag_id, key, purpose in session.execute(statement)]


def delete_flags(session: Session, flag_ids: Sequence[uuid.UUID]) -> int:
    """Delete flags with whatever hangs on them (match memberships, contact requests, due
    dates), and the matches that were left without members; how many matches went."""
    if not flag_ids:
        return 0
    ids = list(flag_ids)
    touched = set(session.scalars(select(MatchMember.match_id).where(MatchMember.flag_id.in_(ids))))
    session.execute(delete(MatchMember).where(MatchMember.flag_id.in_(ids)))
    session.execute(delete(ContactRequest).where(ContactRequest.flag_id.in_(ids)))
    session.execute(delete(FlagDeadline).where(FlagDeadline.flag_id.in_(ids)))
    session.execute(delete(Flag).where(Flag.id.in_(ids)))
    removed = delete_empty_matches(session, touched)
    session.flush()
    return removed


def delete_empty_matches(session: Session, match_ids: Collection[uuid.UUID]) -> int:
    """Delete those of ``match_ids`` that have no member left."""
    if not match_ids:
        return 0
    empty = select(Match.id).where(
        Match.id.in_(list(match_ids)),
        ~select(MatchMember.id).where(MatchMember.match_id == Match.id).exists(),
    )
    ids = list(session.scalars(empty))
    if ids:
        session.execute(delete(Match).where(Match.id.in_(ids)))
    return len(ids)


def linked_audit_entries(
    session: Session, *, since: datetime | None, before: datetime, limit: int
) -> Sequence[tuple[int, datetime]]:
    """(seq, at) of entries written before ``before`` that still carry a subject link,
    oldest first (``ix_audit_entries_at``), from ``since`` on (the run's last batch)."""
    statement = select(AuditEntry.seq, AuditEntry.at).where(
        AuditEntry.at < before, AuditEntry.subject_salt.is_not(None)
    )
    if since is not None:
        statement = statement.where(AuditEntry.at >= since)
    rows = session.execute(statement.order_by(AuditEntry.at).limit(limit))
    return [(seq, at) for seq, at in rows]


def unlink_audit_entries(session: Session, seqs: Collection[int]) -> None:
    """Erase the subject key and salt of these entries; the leaves stay. The teams' first
    follow-ups on those subjects are recomputed from the entries that keep theirs."""
    if seqs:
        touched = audit_repository.follow_up_keys(session, list(seqs))
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.seq.in_(list(seqs)))
            .values(subject_key=None, subject_salt=None)
            .execution_options(synchronize_session=False)
        )
        audit_repository.refresh_first_follow_ups(session, touched)
