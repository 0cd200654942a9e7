"""The involvement check (betrokkenheidsvraag)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hub.actor import Actor
from hub.audit import service as audit
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.decisions import decision_ref, may_see, require_allowed
from hub.errors import HubError, RateLimited
from hub.fastpath.statements import StatementConnections
from hub.flag.repository import LiveFlag
from hub.handles import HandleSealer
from hub.involvement import repository
from hub.involvement.limits import CheckLimits
from hub.involvement.views import InvolvedTeam, Involvement
from hub.organisation.cache import ActingTeams
from hub.organisation.repository import TeamRef
from hub.organisation.service import acting_team_among
from hub.pseudonym import Subject
from policies import Action as PolicyAction
from policies import Decision, Policy


@dataclass(frozen=True)
class CheckRequest:
    actor: Actor
    subject: Subject
    purpose: str
    case_ref: str


@dataclass(frozen=True)
class _Allowed:
    index: int
    entry_id: uuid.UUID
    request: CheckRequest
    team: TeamRef
    decision: Decision


@dataclass(frozen=True)
class CheckTools:
    """What a group of checks uses besides its transaction, the same for every group."""

    teams: ActingTeams
    limits: CheckLimits
    handles: HandleSealer


def check_group(
    session: Session,
    requests: Sequence[CheckRequest],
    *,
    policy: Policy,
    now: datetime,
    tools: CheckTools,
) -> list[Involvement | HubError]:
    """Several involvement checks in the caller's transaction.

    Each answer names the other teams involved with the request's subject, as far as the
    policy lets the requester see, or is the request's refusal; answers come in request
    order. Every check allowed or refused by rate limit or policy adds an audit entry,
    and the caller commits before answering (hub/fastpath/groups.py). A refusal without an
    audit record (a team the hub does not know) adds none.
    """
    teams = tools.teams.of(session, _actors(requests))
    group = _Group.decide(requests, teams, policy=policy, now=now, limits=tools.limits)
    live = repository.record_and_read_live(session, group.entries, **group.wanted())
    return group.answers(live, tools.handles)


async def check_group_in_one_statement(
    requests: Sequence[CheckRequest],
    *,
    policy: Policy,
    now: datetime,
    tools: CheckTools,
    sessions: sessionmaker[Session],
    statements: StatementConnections,
) -> list[Involvement | HubError]:
    """:func:`check_group` on PostgreSQL, on the event loop: its entries and reads in one
    statement, committed by the time it returns (hub/involvement/repository.py). Teams not
    kept are read in a session of ``sessions``."""
    teams = await tools.teams.of_async(sessions, _actors(requests))
    group = _Group.decide(requests, teams, policy=policy, now=now, limits=tools.limits)
    async with statements.connection() as connection:
        live = await repository.record_and_read_live_in_one_statement(
            connection, group.entries, **group.wanted()
        )
    return group.answers(live, tools.handles)


def _actors(requests: Sequence[CheckRequest]) -> list[Actor]:
    return [request.actor for request in requests]


@dataclass
class _Group:
    """A group's decisions and audit entries before the flags are read, then its answers."""

    now: datetime
    policy: Policy
    outcomes: list[Involvement | HubError | None]
    entries: list[dict[str, Any]]
    allowed: list[_Allowed]

    @classmethod
    def decide(
        cls,
        requests: Sequence[CheckRequest],
        teams: dict[str, tuple[TeamRef, str]],
        *,
        policy: Policy,
        now: datetime,
        limits: CheckLimits,
    ) -> _Group:
        """Refuse or allow each check (team, rate limit, policy) and make its audit entry."""
        group = cls(now, policy, [None] * len(requests), [], [])
        for index, request in enumerate(requests):
            try:
                team = acting_team_among(teams.get(request.actor.team or ""), request.actor)
                _take_rate_limit(limits, policy, request, team)
                decision = require_allowed(
                    policy,
                    request.actor,
                    action=PolicyAction.CHECK,
                    audit_action=Action.CHECK,
                    domain=team.domain_code,
                    purpose=request.purpose,
                    subject_type=request.subject.subject_type,
                    subject_key=request.subject.key,
                    case_ref=request.case_ref,
                    now=now,
                )
            except HubError as refusal:
                group.outcomes[index] = refusal
                group.entries += audit.refusal_rows(request.actor, refusal, at=now)
                continue
            entry_id, entry = audit.new_entry(
                request.actor,
                AuditRecord(
                    action=Action.CHECK,
                    outcome=Outcome.ALLOWED,
                    subject_key=request.subject.key,
                    purpose=request.purpose,
                    case_ref=request.case_ref,
                    decision=decision_ref(decision),
                ),
                at=now,
            )
            group.entries.append(entry)
            group.allowed.append(_Allowed(index, entry_id, request, team, decision))
        return group

    def wanted(self) -> dict[str, Any]:
        """What to read: the allowed checks' subjects in their organisations, live now."""
        return {
            "subject_keys": {check.request.subject.key for check in self.allowed},
            "organisation_ids": {check.team.organisation_id for check in self.allowed},
            "now": self.now,
        }

    def answers(
        self, live: dict[tuple[bytes, uuid.UUID], list[LiveFlag]], handles: HandleSealer
    ) -> list[Involvement | HubError]:
        """Each check's answer from the live flags read for the group, or its refusal."""
        for check in self.allowed:
            own, involved = _visible_teams(
                handles,
                self.policy,
                check,
                live.get((check.request.subject.key, check.team.organisation_id), []),
                now=self.now,
            )
            self.outcomes[check.index] = Involvement(
                check_id=check.entry_id,
                own_team_involved=own,
                involved=involved,
                decision=check.decision,
            )
        answered = [outcome for outcome in self.outcomes if outcome is not None]
        assert len(answered) == len(self.outcomes)
        return answered


def _take_rate_limit(
    limits: CheckLimits, policy: Policy, request: CheckRequest, team: TeamRef
) -> None:
    actor = request.actor
    wait = limits.wait_seconds(
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
                action=Action.CHECK,
                outcome=Outcome.REFUSED,
                subject_key=request.subject.key,
                purpose=request.purpose,
                case_ref=request.case_ref,
                reason="rate limit reached",
            ),
        )


def _visible_teams(
    handles: HandleSealer, policy: Policy, check: _Allowed, live: list[LiveFlag], *, now: datetime
) -> tuple[bool, list[InvolvedTeam]]:
    """Whether the own team is involved, and the other teams the policy lets the actor see."""
    actor, team = check.request.actor, check.team
    visible: dict[str, bool] = {}
    own_team_involved = False
    involved: list[InvolvedTeam] = []
    shown_teams: set[uuid.UUID] = set()
    for flag in live:
        if flag.team_id == team.id:
            own_team_involved = True
            continue
        if flag.team_id in shown_teams:
            continue  # one line per team, with its earliest flag
        if flag.domain_code not in visible:
            visible[flag.domain_code] = may_see(
                policy,
                viewer_domain=team.domain_code,
                role=actor.role.value if actor.role else "",
                purpose=check.request.purpose,
                subject_type=check.request.subject.subject_type,
                target_domain=flag.domain_code,
                on=now.date(),
            )
        if visible[flag.domain_code]:
            shown_teams.add(flag.team_id)
            involved.append(
                InvolvedTeam(
                    domain=flag.domain_code,
                    team=flag.team_slug,
                    team_name=flag.team_name,
                    since=flag.registered_at.date(),
                    handle=handles.seal(flag.flag_id, member=actor.sub, now=now),
                )
            )
    return own_team_involved, involved
