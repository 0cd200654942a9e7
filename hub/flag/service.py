"""Registering, withdrawing and listing flags."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.audit import service as audit
from hub.audit.service import AuditRecord, Outcome
from hub.decisions import decision_ref, require_allowed
from hub.errors import Conflict, InvalidInput, NotFound
from hub.flag import repository
from hub.flag.models import Flag, FlagStatus
from hub.flag.schemas import ContactIn
from hub.match import service as match_service
from hub.organisation.models import Team
from hub.organisation.service import acting_team
from hub.pseudonym import Subject
from hub.runtime import Runtime
from policies import Action, Decision

REGISTER = "flag.register"
WITHDRAW = "flag.withdraw"
RENEW = "flag.renew"


@dataclass(frozen=True)
class RegisteredFlag:
    flag: Flag
    team: Team
    decision: Decision


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later, clamped to the month's last day."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def record_flag_event(
    session: Session,
    actor: Actor,
    flag: Flag,
    *,
    action: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Audit something that happened to an existing flag (withdrawn, renewed, expired, ...)."""
    audit.record(
        session,
        actor,
        AuditRecord(
            action=action,
            outcome=Outcome.ALLOWED,
            subject_key=flag.subject_key,
            purpose=flag.purpose,
            object_id=str(flag.id),
            reason=reason,
        ),
        at=now,
    )


def choose_expiry(expires_on: date | None, *, after: datetime, latest: datetime) -> datetime:
    """The requested expiry (end of that day), or the policy's latest when none is asked."""
    if expires_on is None:
        return latest
    expires_at = datetime.combine(expires_on, time(23, 59, 59), latest.tzinfo)
    if expires_at <= after or expires_at > latest:
        raise InvalidInput(
            f"expires_on must lie after {after.date().isoformat()} "
            f"and at most on {latest.date().isoformat()}"
        )
    return expires_at


def register_flag(
    session: Session,
    actor: Actor,
    *,
    runtime: Runtime,
    subject: Subject,
    purpose: str,
    legal_basis: str | None,
    expires_on: date | None,
    contact: ContactIn | None,
) -> RegisteredFlag:
    """Register that the actor's team is involved with ``subject``, if the policy allows."""
    now = runtime.clock.now()
    team = acting_team(session, actor)
    policy = runtime.policy.current()
    decision = require_allowed(
        policy,
        actor,
        action=Action.REGISTER,
        audit_action=REGISTER,
        domain=team.domain_code,
        purpose=purpose,
        subject_type=subject.subject_type,
        legal_basis=legal_basis,
        subject_key=subject.key,
        now=now,
    )
    expires_at = choose_expiry(
        expires_on,
        after=now,
        latest=add_months(now, policy.retention_months(team.domain_code)),
    )
    if repository.has_active(
        session, subject_key=subject.key, team_id=team.id, purpose=purpose, now=now
    ):
        raise Conflict(
            "your team already has an active flag on this subject for this purpose",
            audit=AuditRecord(
                action=REGISTER,
                outcome=Outcome.REFUSED,
                subject_key=subject.key,
                purpose=purpose,
                decision=decision_ref(decision),
                reason="duplicate active flag",
            ),
        )
    flag = Flag(
        id=uuid.uuid4(),
        subject_key=subject.key,
        identifier_kind=subject.kind.value,
        subject_type=subject.subject_type,
        team_id=team.id,
        domain_code=team.domain_code,
        purpose=purpose,
        legal_basis=decision.legal_basis or "",
        contact_name=contact.name if contact else actor.name,
        contact_email=contact.email if contact else team.contact_email,
        contact_phone=contact.phone if contact else team.contact_phone,
        registered_by=actor.sub,
        registered_at=now,
        expires_at=expires_at,
        status=FlagStatus.ACTIVE,
        rule_id=decision.rule_id or "",
        policy_version=decision.policy_version,
    )
    repository.add(session, flag)
    audit.record(
        session,
        actor,
        AuditRecord(
            action=REGISTER,
            outcome=Outcome.ALLOWED,
            subject_key=subject.key,
            purpose=purpose,
            object_id=str(flag.id),
            decision=decision_ref(decision),
        ),
        at=now,
    )
    match_service.on_flag_registered(
        session, actor, runtime=runtime, policy=policy, flag=flag, team=team
    )
    return RegisteredFlag(flag=flag, team=team, decision=decision)


def withdraw_flag(session: Session, actor: Actor, *, runtime: Runtime, flag_id: uuid.UUID) -> Flag:
    """Withdraw one of the actor's own team's flags; it leaves checks at once."""
    now = runtime.clock.now()
    team = acting_team(session, actor)
    flag = repository.get(session, flag_id)
    if flag is None or flag.team_id != team.id:
        # Another team's flag is as invisible as a missing one.
        raise NotFound(
            "no such flag in your team",
            audit=AuditRecord(
                action=WITHDRAW,
                outcome=Outcome.REFUSED,
                object_id=str(flag_id),
                reason="no such flag in the caller's team",
            ),
        )
    if flag.status != FlagStatus.ACTIVE:
        raise Conflict(
            f"the flag is already {flag.status}",
            audit=AuditRecord(
                action=WITHDRAW,
                outcome=Outcome.REFUSED,
                object_id=str(flag.id),
                reason=f"flag already {flag.status}",
            ),
        )
    flag.status = FlagStatus.WITHDRAWN
    flag.withdrawn_at = now
    session.flush()
    record_flag_event(session, actor, flag, action=WITHDRAW, now=now)
    return flag


def list_team_flags(
    session: Session,
    actor: Actor,
    *,
    status: FlagStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Team, Sequence[Flag]]:
    team = acting_team(session, actor)
    if limit < 1 or limit > 500 or offset < 0:
        raise InvalidInput("limit must be 1..500 and offset non-negative")
    flags = repository.list_for_team(
        session, team_id=team.id, status=status, limit=limit, offset=offset
    )
    return team, flags


def renew_flag(
    session: Session,
    actor: Actor,
    *,
    runtime: Runtime,
    flag_id: uuid.UUID,
    expires_on: date | None,
) -> Flag:
    """Extend a live flag of the actor's team, at most the policy's maximum from today."""
    now = runtime.clock.now()
    team = acting_team(session, actor)
    flag = repository.get(session, flag_id)
    if flag is None or flag.team_id != team.id:
        raise NotFound("no such flag in your team")
    if flag.status != FlagStatus.ACTIVE or flag.expires_at <= now:
        raise Conflict("only an active flag can be renewed; register a new one instead")
    expires_at = choose_expiry(
        expires_on,
        after=flag.expires_at,
        latest=add_months(now, runtime.policy.current().retention_months(flag.domain_code)),
    )
    flag.expires_at = expires_at
    flag.renewed_at = now
    session.flush()
    record_flag_event(
        session, actor, flag, action=RENEW, now=now, reason=f"expires {expires_at.date()}"
    )
    return flag
