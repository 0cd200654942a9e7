"""The involvement check (betrokkenheidsvraag)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.audit import service as audit
from hub.audit.service import AuditRecord, Outcome
from hub.decisions import decision_ref, may_see, require_allowed
from hub.errors import RateLimited
from hub.flag import repository as flags
from hub.organisation.service import acting_team
from hub.pseudonym import Subject
from hub.runtime import Runtime
from policies import Action, Decision

CHECK = "involvement.check"


@dataclass(frozen=True)
class InvolvedTeam:
    domain: str
    team: str
    team_name: str
    since: date
    handle: str


@dataclass(frozen=True)
class Involvement:
    check_id: uuid.UUID
    own_team_involved: bool
    involved: list[InvolvedTeam]
    decision: Decision


def check_involvement(
    session: Session,
    actor: Actor,
    *,
    runtime: Runtime,
    subject: Subject,
    purpose: str,
    case_ref: str,
) -> Involvement:
    """Which other teams are involved with ``subject``, as far as the policy lets us see."""
    now = runtime.clock.now()
    team = acting_team(session, actor)
    policy = runtime.policy.current()
    wait = runtime.check_limits.wait_seconds(
        member=actor.sub,
        member_limit=policy.rate_limit(actor.role.value if actor.role else ""),
        team=team.slug,
        team_limit=policy.team_rate_limit,
    )
    if wait:
        raise RateLimited(
            "too many involvement checks; try again later",
            headers={"Retry-After": str(wait)},
            audit=AuditRecord(
                action=CHECK,
                outcome=Outcome.REFUSED,
                subject_key=subject.key,
                purpose=purpose,
                case_ref=case_ref,
                reason="rate limit reached",
            ),
        )
    decision = require_allowed(
        policy,
        actor,
        action=Action.CHECK,
        audit_action=CHECK,
        domain=team.domain_code,
        purpose=purpose,
        subject_type=subject.subject_type,
        subject_key=subject.key,
        case_ref=case_ref,
        now=now,
    )
    visible: dict[str, bool] = {}
    own_team_involved = False
    involved: list[InvolvedTeam] = []
    shown_teams: set[uuid.UUID] = set()
    for flag, owner in flags.active_on_subject(
        session, subject_key=subject.key, organisation_id=team.organisation_id, now=now
    ):
        if owner.id == team.id:
            own_team_involved = True
            continue
        if owner.id in shown_teams:
            continue  # one line per team, with its earliest flag
        if flag.domain_code not in visible:
            visible[flag.domain_code] = may_see(
                policy,
                viewer_domain=team.domain_code,
                role=actor.role.value if actor.role else "",
                purpose=purpose,
                subject_type=subject.subject_type,
                target_domain=flag.domain_code,
                on=now.date(),
            )
        if visible[flag.domain_code]:
            shown_teams.add(owner.id)
            involved.append(
                InvolvedTeam(
                    domain=flag.domain_code,
                    team=owner.slug,
                    team_name=owner.name,
                    since=flag.registered_at.date(),
                    handle=runtime.handles.seal(flag.id, member=actor.sub, now=now),
                )
            )
    check_id = audit.record(
        session,
        actor,
        AuditRecord(
            action=CHECK,
            outcome=Outcome.ALLOWED,
            subject_key=subject.key,
            purpose=purpose,
            case_ref=case_ref,
            decision=decision_ref(decision),
        ),
        at=now,
    )
    return Involvement(
        check_id=check_id,
        own_team_involved=own_team_involved,
        involved=involved,
        decision=decision,
    )
