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
from hub.convenant.cache import Convenants, KeptConvenant
from hub.decisions import (
    PolicyFor,
    decision_ref,
    may_see,
    policy_for,
    policy_role,
    require_allowed,
)
from hub.errors import HubError, RateLimited
from hub.fastpath.statements import StatementConnections
from hub.flag.repository import LiveFlag
from hub.handles import HandleSealer
from hub.involvement import repository
from hub.involvement.limits import (
    CheckLimits,
    DayAsk,
    DayPlace,
    local_day,
    minute_of,
    seconds_until_local_midnight,
    seconds_until_next_minute,
)
from hub.involvement.repository import MinuteAsk
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
class _Admitted:
    """A check past its team and the per-minute limits, before the day's count."""

    index: int
    request: CheckRequest
    team: TeamRef


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
    convenants: Convenants | None = None
    """The convenants in force: a partner's flags show where they and both policies allow."""


def check_group(
    session: Session,
    requests: Sequence[CheckRequest],
    *,
    policy: Policy | PolicyFor,
    now: datetime,
    tools: CheckTools,
) -> list[Involvement | HubError]:
    """Several involvement checks in the caller's transaction.

    Each answer names the other teams involved with the request's subject, as far as the
    policy lets the requester see, or is the request's refusal; answers come in request
    order. Every check allowed or refused by rate limit or policy adds an audit entry,
    and the caller commits before answering (hub/fastpath/groups.py). A refusal without an
    audit record (a team the hub does not know) adds none. The checks past the per-minute
    limits are counted for the day in the same transaction.
    """
    teams = tools.teams.of(session, _actors(requests))
    group = _Group.admit(requests, teams, policy=policy, now=now, limits=tools.limits)
    group.convenants = tools.convenants
    if tools.limits.shared:
        minute = minute_of(now)
        group.within_minute(
            repository.count_checks_this_minute(session, group.minute_asks(), minute=minute)
        )
    group.decide(repository.count_checks_today(session, group.day_asks(), day=local_day(now)))
    live = repository.record_and_read_live(session, group.entries, **group.wanted())
    return group.answers(live, tools.handles)


async def check_group_in_one_statement(
    requests: Sequence[CheckRequest],
    *,
    policy: Policy | PolicyFor,
    now: datetime,
    tools: CheckTools,
    sessions: sessionmaker[Session],
    statements: StatementConnections,
) -> list[Involvement | HubError]:
    """:func:`check_group` on PostgreSQL, on the event loop: its day counts in one statement,
    then its entries and reads in one more, each committed by the time it returns
    (hub/involvement/repository.py). Teams not kept are read in a session of ``sessions``."""
    teams = await tools.teams.of_async(sessions, _actors(requests))
    group = _Group.admit(requests, teams, policy=policy, now=now, limits=tools.limits)
    group.convenants = tools.convenants
    async with statements.connection() as connection:
        if tools.limits.shared:  # the minute's counts, then the day's of those within them
            (
                in_minute,
                in_day,
            ) = await repository.count_minute_then_day_in_one_statement(
                connection,
                group.minute_asks_with_team_limits(),
                [ask.member_limit for ask in group.day_asks()],
                minute=minute_of(now),
                day=local_day(now),
            )
            group.within_minute(in_minute)
        else:
            in_day = await repository.count_checks_today_in_one_statement(
                connection, group.day_asks(), day=local_day(now)
            )
        group.decide(in_day)
        live = await repository.record_and_read_live_in_one_statement(
            connection, group.entries, **group.wanted()
        )
    return group.answers(live, tools.handles)


def _actors(requests: Sequence[CheckRequest]) -> list[Actor]:
    return [request.actor for request in requests]


@dataclass
class _Group:
    """A group's decisions and audit entries before the flags are read, then its answers.

    :meth:`admit` refuses what needs no database (an unknown team, the per-minute limits);
    the rest is counted for the day, and :meth:`decide` refuses what is past a daily limit
    or refused by the policy, and allows the others.
    """

    now: datetime
    policy: Policy | PolicyFor
    outcomes: list[Involvement | HubError | None]
    entries_per_check: list[list[dict[str, Any]]]
    admitted: list[_Admitted]
    allowed: list[_Allowed]
    convenants: Convenants | None = None

    @classmethod
    def admit(
        cls,
        requests: Sequence[CheckRequest],
        teams: dict[str, tuple[TeamRef, str]],
        *,
        policy: Policy | PolicyFor,
        now: datetime,
        limits: CheckLimits,
    ) -> _Group:
        """Refuse each check whose team is unknown or past a per-minute limit."""
        group = cls(now, policy, [None] * len(requests), [[] for _ in requests], [], [])
        for index, request in enumerate(requests):
            try:
                team = acting_team_among(teams.get(request.actor.team or ""), request.actor)
                _take_rate_limit(
                    limits, policy_for(policy, request.actor.organisation), request, team
                )
            except HubError as refusal:
                group._refuse(index, request, refusal)
                continue
            group.admitted.append(_Admitted(index, request, team))
        return group

    def day_asks(self) -> list[DayAsk]:
        """What the admitted checks ask of the day's counts, in order."""
        return [
            DayAsk(
                member=check.request.actor.sub,
                member_limit=self.policy_of(check.request.actor)
                .rate_limit(policy_role(check.request.actor))
                .per_day,
                team=check.team.slug,
            )
            for check in self.admitted
        ]

    def minute_asks(self) -> list[DayAsk]:
        """What the admitted checks ask of this minute's counts (the shared per-minute
        limits), in order."""
        return [
            DayAsk(
                member=check.request.actor.sub,
                member_limit=self.policy_of(check.request.actor)
                .rate_limit(policy_role(check.request.actor))
                .per_minute,
                team=check.team.slug,
            )
            for check in self.admitted
        ]

    def minute_asks_with_team_limits(self) -> list[MinuteAsk]:
        """:meth:`minute_asks` with each team's per-minute limit, for the one statement that
        counts the minute and then the day (``hub/involvement/repository.py``)."""
        return [
            MinuteAsk(ask, self.policy_of(check.request.actor).team_rate_limit.per_minute)
            for ask, check in zip(self.minute_asks(), self.admitted, strict=True)
        ]

    def within_minute(self, places: Sequence[DayPlace]) -> None:
        """Refuse each admitted check past its member's or team's per-minute limit, as the
        process's token buckets would in :meth:`admit`; keep the others admitted."""
        kept = []
        for check, place in zip(self.admitted, places, strict=True):
            policy = self.policy_of(check.request.actor)
            reached = place.limit_reached(
                member_limit=policy.rate_limit(policy_role(check.request.actor)).per_minute,
                team_limit=policy.team_rate_limit.per_minute,
            )
            if reached is None:
                kept.append(check)
                continue
            refusal = _rate_limited(
                check.request,
                "too many involvement checks; try again later",
                seconds_until_next_minute(self.now),
                "rate limit reached",
            )
            self._refuse(check.index, check.request, refusal)
        self.admitted = kept

    def decide(self, places: Sequence[DayPlace]) -> None:
        """Refuse each admitted check past a daily limit or refused by the policy; allow
        the others. ``places`` are the admitted checks' places in the day's counts."""
        for check, place in zip(self.admitted, places, strict=True):
            request, team = check.request, check.team
            try:
                policy = self.policy_of(request.actor)
                _require_within_day(policy, request, place, now=self.now)
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
                    now=self.now,
                )
            except HubError as refusal:
                self._refuse(check.index, request, refusal)
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
                at=self.now,
            )
            self.entries_per_check[check.index].append(entry)
            self.allowed.append(_Allowed(check.index, entry_id, request, team, decision))

    def policy_of(self, actor: Actor) -> Policy:
        """The policy of the actor's organisation."""
        return policy_for(self.policy, actor.organisation)

    def _refuse(self, index: int, request: CheckRequest, refusal: HubError) -> None:
        self.outcomes[index] = refusal
        self.entries_per_check[index] += audit.refusal_rows(request.actor, refusal, at=self.now)

    @property
    def entries(self) -> list[dict[str, Any]]:
        """The group's audit entries, in request order."""
        return [entry for entries in self.entries_per_check for entry in entries]

    def partners(self, check: _Allowed) -> dict[uuid.UUID, tuple[str, list[KeptConvenant]]]:
        """The organisations whose flags this check may show under a convenant in force."""
        if self.convenants is None:
            return {}
        return self.convenants.partners_of(
            check.team.organisation_id, purpose=check.request.purpose, on=local_day(self.now)
        )

    def wanted(self) -> dict[str, Any]:
        """What to read: the allowed checks' subjects in their organisations (and those of
        their partners under a convenant), live now."""
        organisations = {check.team.organisation_id for check in self.allowed}
        for check in self.allowed:
            organisations |= self.partners(check).keys()
        return {
            "subject_keys": {check.request.subject.key for check in self.allowed},
            "organisation_ids": organisations,
            "now": self.now,
        }

    def answers(
        self, live: dict[tuple[bytes, uuid.UUID], list[LiveFlag]], handles: HandleSealer
    ) -> list[Involvement | HubError]:
        """Each check's answer from the live flags read for the group, or its refusal."""
        for check in self.allowed:
            own, involved = _visible_teams(
                handles,
                self.policy_of(check.request.actor),
                check,
                live.get((check.request.subject.key, check.team.organisation_id), []),
                now=self.now,
            )
            for partner, (slug, convenants) in self.partners(check).items():
                involved += _partner_teams(
                    handles,
                    self.policy_of(check.request.actor),
                    policy_for(self.policy, slug),
                    check,
                    live.get((check.request.subject.key, partner), []),
                    organisation=slug,
                    domains=frozenset().union(*(each.domains for each in convenants)),
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
        member_limit=policy.rate_limit(policy_role(actor)),
        team=team.slug,
        team_limit=policy.team_rate_limit,
    )
    if wait:
        raise _rate_limited(
            request, "too many involvement checks; try again later", wait, "rate limit reached"
        )


def _require_within_day(
    policy: Policy, request: CheckRequest, place: DayPlace, *, now: datetime
) -> None:
    reached = place.limit_reached(
        member_limit=policy.rate_limit(policy_role(request.actor)).per_day,
        team_limit=policy.team_rate_limit.per_day,
    )
    if reached is not None:
        whose = "your" if reached == "member" else "your team's"
        raise _rate_limited(
            request,
            f"{whose} daily limit of involvement checks is reached; try again after midnight",
            seconds_until_local_midnight(now),
            "daily limit reached",
        )


def _rate_limited(request: CheckRequest, detail: str, wait: int, reason: str) -> RateLimited:
    return RateLimited(
        detail,
        headers={"Retry-After": str(wait)},
        audit=AuditRecord(
            action=Action.CHECK,
            outcome=Outcome.REFUSED,
            subject_key=request.subject.key,
            purpose=request.purpose,
            case_ref=request.case_ref,
            reason=reason,
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
                role=policy_role(actor),
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


def _partner_teams(
    handles: HandleSealer,
    policy: Policy,
    partner_policy: Policy,
    check: _Allowed,
    live: list[LiveFlag],
    *,
    organisation: str,
    domains: frozenset[str],
    now: datetime,
) -> list[InvolvedTeam]:
    """A convenant partner's teams involved: in the convenant's domains, and only where the
    checker's policy lets it see the domain and the partner's policy lets it be seen."""
    actor, team = check.request.actor, check.team
    shown: dict[uuid.UUID, InvolvedTeam] = {}
    visible: dict[str, bool] = {}
    for flag in live:
        if flag.domain_code not in domains or flag.team_id in shown:
            continue
        if flag.domain_code not in visible:
            visible[flag.domain_code] = all(
                may_see(
                    each,
                    viewer_domain=team.domain_code,
                    role=policy_role(actor),
                    purpose=check.request.purpose,
                    subject_type=check.request.subject.subject_type,
                    target_domain=flag.domain_code,
                    on=now.date(),
                )
                for each in (policy, partner_policy)
            )
        if visible[flag.domain_code]:
            shown[flag.team_id] = InvolvedTeam(
                domain=flag.domain_code,
                team=flag.team_slug,
                team_name=flag.team_name,
                since=flag.registered_at.date(),
                handle=handles.seal(flag.flag_id, member=actor.sub, now=now),
                organisation=organisation,
            )
    return list(shown.values())
