"""The involvement check (betrokkenheidsvraag)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.audit import service as audit
from hub.audit.service import AuditRecord, Outcome
from hub.decisions import decision_ref, may_see, require_allowed
from hub.errors import HubError, RateLimited
from hub.flag.repository import LiveFlag
from hub.lookup import repository
from hub.lookup.views import InvolvedTeam, Involvement
from hub.organisation.repository import TeamRef
from hub.organisation.service import acting_team_among
from hub.pseudonym import Subject
from policies import Action, Decision, Policy

if TYPE_CHECKING:
    from hub.runtime import Runtime

CHECK = "involvement.check"


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


def check_group(
    session: Session, requests: Sequence[CheckRequest], runtime: Runtime
) -> list[Involvement | HubError]:
    """Several involvement checks in the caller's transaction.

    Each answer names the other teams involved with the request's subject, as far as the
    policy lets the requester see, or is the request's refusal; answers come in request
    order. Every check allowed or refused by rate limit or policy adds an audit entry,
    and the caller commits before answering (hub/groups.py). A refusal without an audit
    record (a team the hub does not know) adds none.
    """
    group = _Group.decide(runtime, requests, runtime.teams.of(session, _actors(requests)))
    live = repository.record_and_read_live(session, group.entries, **group.wanted())
    return group.answers(runtime, live)


async def check_group_in_one_statement(
    requests: Sequence[CheckRequest], runtime: Runtime
) -> list[Involvement | HubError]:
    """:func:`check_group` on PostgreSQL, on the event loop: its entries and reads in one
    statement, committed by the time it returns (hub/lookup/repository.py)."""
    assert runtime.statements is not None
    teams = await runtime.teams.of_async(runtime.sessions, _actors(requests))
    group = _Group.decide(runtime, requests, teams)
    async with runtime.statements.connection() as connection:
        live = await repository.record_and_read_live_in_one_statement(
            connection, group.entries, **group.wanted()
        )
    return group.answers(runtime, live)


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
        runtime: Runtime,
        requests: Sequence[CheckRequest],
        teams: dict[str, tuple[TeamRef, str]],
    ) -> _Group:
        """Refuse or allow each check (team, rate limit, policy) and make its audit entry."""
        group = cls(runtime.clock.now(), runtime.policy.current(), [None] * len(requests), [], [])
        now, policy = group.now, group.policy
        for index, request in enumerate(requests):
            try:
                team = acting_team_among(teams.get(request.actor.team or ""), request.actor)
                _take_rate_limit(runtime, policy, request, team)
                decision = require_allowed(
                    policy,
                    request.actor,
                    action=Action.CHECK,
                    audit_action=CHECK,
                    domain=team.domain_code,
                    purpose=request.purpose,
                    subject_type=request.subject.subject_type,
                    subject_key=request.subject.key,
                    case_ref=request.case_ref,
                    now=now,
                )
            except HubError as refusal:
                group.outcomes[index] = refusal
                if refusal.audit is not None:
                    group.entries.append(audit.new_entry(request.actor, refusal.audit, at=now)[1])
                continue
            entry_id, entry = audit.new_entry(
                request.actor,
                AuditRecord(
                    action=CHECK,
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
        self, runtime: Runtime, live: dict[tuple[bytes, uuid.UUID], list[LiveFlag]]
    ) -> list[Involvement | HubError]:
        """Each check's answer from the live flags read for the group, or its refusal."""
        for check in self.allowed:
            own, involved = _visible_teams(
                runtime,
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
    runtime: Runtime, policy: Policy, request: CheckRequest, team: TeamRef
) -> None:
    actor = request.actor
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
                subject_key=request.subject.key,
                purpose=request.purpose,
                case_ref=request.case_ref,
                reason="rate limit reached",
            ),
        )


def _visible_teams(
    runtime: Runtime, policy: Policy, check: _Allowed, live: list[LiveFlag], *, now: datetime
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
                    handle=runtime.handles.seal(flag.flag_id, member=actor.sub, now=now),
                )
            )
    return own_team_involved, involved
