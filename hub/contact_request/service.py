"""Contact requests: pending → accepted / declined / expired / withdrawn, each step audited.

Only the member who saw a flag (through the handle of their own involvement check) can ask
for contact. The flag's owner or a team lead of the owner team decides. On acceptance both
sides get each other's contact details, and nothing about the case.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hub.actor import Actor, Role
from hub.audit import service as audit
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.contact_request import repository
from hub.contact_request.models import ContactRequest, DeclineReason, RequestStatus
from hub.contact_request.views import RequestView
from hub.convenant.cache import Convenants
from hub.decisions import PolicyFor, decision_ref, policy_for, require_allowed
from hub.errors import Conflict, Forbidden, HubError, InvalidInput, NotFound
from hub.fastpath.rows import insert_in_one_statement
from hub.fastpath.statements import StatementConnections
from hub.flag import repository as flags
from hub.flag.models import Flag
from hub.flag.views import OwnFlag
from hub.handles import HandleSealer
from hub.involvement.limits import local_day
from hub.notification import repository as notification_repository
from hub.notification.models import Notification
from hub.notification.service import new_notification, notify
from hub.organisation import repository as organisations
from hub.organisation.cache import ActingTeams
from hub.organisation.models import Team
from hub.organisation.repository import TeamRef
from hub.organisation.service import acting_team_among
from hub.references import ReferenceSealer
from policies import Action as PolicyAction
from policies import Decision, Policy

DEFAULT_EXPIRY_DAYS = 14


def _owner_contact(flag: Flag, owner: Team) -> dict[str, Any]:
    return {
        "team": owner.slug,
        "team_name": owner.name,
        "name": flag.contact_name,
        "email": flag.contact_email,
        "phone": flag.contact_phone,
    }


def _requester_contact(request: ContactRequest, requester: Team) -> dict[str, Any]:
    return {
        "team": requester.slug,
        "team_name": requester.name,
        "name": request.requester_name,
        "email": request.requester_email,
        "phone": request.requester_phone,
    }


def _record(
    session: Session,
    actor: Actor,
    request: ContactRequest,
    flag: Flag,
    *,
    action: Action,
    now: datetime,
) -> None:
    audit.record(session, actor, _step_record(request, flag, action=action), at=now)


def _step_record(request: ContactRequest, flag: Flag, *, action: Action) -> AuditRecord:
    return AuditRecord(
        action=action,
        outcome=Outcome.ALLOWED,
        subject_key=flag.subject_key,
        purpose=request.purpose,
        object_id=str(request.id),
        reason=request.decline_reason,
    )


def _team(session: Session, team_id: uuid.UUID) -> Team:
    team = organisations.get_team_by_id(session, team_id)
    assert team is not None  # a foreign key
    return team


@dataclass(frozen=True)
class ContactAsk:
    """One request for contact as the route hands it on: who asks, on which handle, why."""

    actor: Actor
    handle: str
    purpose: str
    email: str | None = None
    phone: str | None = None
    case_ref: str | None = None


@dataclass(frozen=True)
class _Asked:
    """An ask that passed its checks: what its rows are made of."""

    ask: ContactAsk
    team: TeamRef
    flag: Flag
    owner: Team
    decision: Decision


def request_contact_group(
    session: Session,
    asks: Sequence[ContactAsk],
    *,
    policy: Policy | PolicyFor,
    teams: ActingTeams,
    handles: HandleSealer,
    now: datetime,
    references: ReferenceSealer,
    convenants: Convenants | None = None,
) -> list[RequestView | HubError]:
    """Several contact requests in the caller's transaction, as if made one after another.

    Each gets its request, or its refusal, audited in the same transaction; a refusal is
    decided before anything of its ask is written, so it leaves nothing else behind. The group
    reads the acting teams, the flags behind the handles, their teams and the pending
    requests between them at once, decides each ask in Python, and writes every request,
    notification and audit entry in one statement per table. The caller commits before
    answering (hub/fastpath/groups.py).

    A flag of another organisation may be asked about only under a convenant in force
    between the two that covers the purpose and the flag's domain, and only where the
    owner's organisation's policy allows the contact too.

    ``case_ref``, the requester's own case reference, is shown to the owner only if the
    requester gives it; the request keeps it sealed, the audit entry holds it as a check's
    entry holds the check's (so the privacy officer finds a case's requests by it).
    """
    group = _Asks.open(asks, teams.of(session, _actors(asks)), handles, now=now)
    live = flags.live_by_ids(session, group.flag_ids(), now=now)
    parties = teams.rows(session, group.team_ids(live))
    pending = repository.pending_pairs(session, pairs=group.pairs())
    organisations_of = organisations.organisation_slugs_of_teams(
        session, group.foreign_owners(live, parties)
    )
    rows, entries = group.decide(
        live,
        parties,
        pending,
        organisations_of,
        policy=policy,
        convenants=convenants,
        references=references,
    )
    repository.add(session, *(row for row in rows if isinstance(row, ContactRequest)))
    notification_repository.add(session, *(row for row in rows if isinstance(row, Notification)))
    audit.write(session, entries)  # the allowed and the refused, in one statement
    return group.answers()


async def request_contact_group_in_one_statement(
    asks: Sequence[ContactAsk],
    *,
    policy: Policy | PolicyFor,
    teams: ActingTeams,
    handles: HandleSealer,
    now: datetime,
    references: ReferenceSealer,
    convenants: Convenants | None,
    sessions: sessionmaker[Session],
    statements: StatementConnections,
) -> list[RequestView | HubError]:
    """:func:`request_contact_group` on PostgreSQL, on the event loop: the reads on an
    autocommit connection, then every request, notice and audit entry in one statement,
    committed when it returns (``hub/fastpath/rows.py``). Teams not kept are read in a
    session of ``sessions``."""
    group = _Asks.open(asks, await teams.of_async(sessions, _actors(asks)), handles, now=now)
    async with statements.connection() as connection:
        live = await flags.live_by_ids_async(connection, group.flag_ids(), now=now)
        parties = await teams.rows_async(sessions, group.team_ids(live))
        pending = await repository.pending_pairs_async(connection, pairs=group.pairs())
        organisations_of = await organisations.organisation_slugs_of_teams_async(
            connection, group.foreign_owners(live, parties)
        )
        rows, entries = group.decide(
            live,
            parties,
            pending,
            organisations_of,
            policy=policy,
            convenants=convenants,
            references=references,
        )
        await insert_in_one_statement(connection, rows, entries)
    return group.answers()


def _actors(asks: Sequence[ContactAsk]) -> list[Actor]:
    return [ask.actor for ask in asks]


@dataclass
class _Asks:
    """A group's asks as they are decided: refused, or written, in order."""

    asks: Sequence[ContactAsk]
    now: datetime
    outcomes: list[RequestView | HubError | None]
    opened: list[tuple[int, ContactAsk, TeamRef, uuid.UUID]]

    @classmethod
    def open(
        cls,
        asks: Sequence[ContactAsk],
        acting: dict[str, tuple[TeamRef, str]],
        handles: HandleSealer,
        *,
        now: datetime,
    ) -> _Asks:
        """Refuse each ask whose team is unknown or whose handle does not open."""
        group = cls(asks, now, [None] * len(asks), [])
        for index, ask in enumerate(asks):
            try:
                team = acting_team_among(acting.get(ask.actor.team or ""), ask.actor)
                handle = handles.open(ask.handle, member=ask.actor.sub, now=now)
            except HubError as refusal:
                group.outcomes[index] = refusal
                continue
            group.opened.append((index, ask, team, handle.flag_id))
        return group

    def flag_ids(self) -> set[uuid.UUID]:
        return {flag_id for _, _, _, flag_id in self.opened}

    def team_ids(self, live: dict[uuid.UUID, Flag]) -> set[uuid.UUID]:
        """The owners of the live flags and the asking teams."""
        return {flag.team_id for flag in live.values()} | {team.id for _, _, team, _ in self.opened}

    def pairs(self) -> set[tuple[uuid.UUID, uuid.UUID]]:
        return {(flag_id, team.id) for _, _, team, flag_id in self.opened}

    def foreign_owners(
        self, live: dict[uuid.UUID, Flag], parties: dict[uuid.UUID, Team]
    ) -> set[uuid.UUID]:
        """Owner teams of another organisation than the asker's: their policy counts too."""
        return {
            live[flag_id].team_id
            for _, _, team, flag_id in self.opened
            if flag_id in live
            and parties[live[flag_id].team_id].organisation_id != team.organisation_id
        }

    def decide(
        self,
        live: dict[uuid.UUID, Flag],
        parties: dict[uuid.UUID, Team],
        pending: set[tuple[uuid.UUID, uuid.UUID]],
        organisations_of: dict[uuid.UUID, str],
        *,
        policy: Policy | PolicyFor,
        convenants: Convenants | None,
        references: ReferenceSealer,
    ) -> tuple[list[ContactRequest | Notification], list[dict[str, Any]]]:
        """Decide each opened ask in order; the rows to write and every audit entry."""
        asked: list[tuple[int, _Asked]] = []
        for index, ask, team, flag_id in self.opened:
            try:
                decided = _decide(
                    ask,
                    team,
                    live.get(flag_id),
                    parties,
                    pending,
                    organisations_of,
                    policy=policy,
                    now=self.now,
                    convenants=convenants,
                )
            except HubError as refusal:
                self.outcomes[index] = refusal
                continue
            pending.add((decided.flag.id, team.id))  # a second ask in the group is a conflict
            asked.append((index, decided))
        written, rows, entries = _write_requests(
            [each for _, each in asked], parties, now=self.now, references=references
        )
        for (index, _), view in zip(asked, written, strict=True):
            self.outcomes[index] = view
        entries += [
            row
            for ask, outcome in zip(self.asks, self.outcomes, strict=True)
            if isinstance(outcome, HubError)
            for row in audit.refusal_rows(ask.actor, outcome, at=self.now)
        ]
        return rows, entries

    def answers(self) -> list[RequestView | HubError]:
        answered = [outcome for outcome in self.outcomes if outcome is not None]
        assert len(answered) == len(self.asks)  # each ask refused or written
        return answered


def _decide(
    ask: ContactAsk,
    team: TeamRef,
    flag: Flag | None,
    teams: dict[uuid.UUID, Team],
    pending: set[tuple[uuid.UUID, uuid.UUID]],
    organisations_of: dict[uuid.UUID, str],
    *,
    policy: Policy | PolicyFor,
    now: datetime,
    convenants: Convenants | None,
) -> _Asked:
    """The checks of one ask, in the order one request alone made them; raises its refusal."""
    if flag is None:
        raise NotFound("the flag behind this handle is no longer active")
    if flag.team_id == team.id:
        raise InvalidInput("that flag belongs to your own team")
    owner = teams[flag.team_id]
    if not owner.active:  # a deactivated team's flags are not shown, nor asked about
        raise NotFound("the flag behind this handle is no longer active")
    actor = ask.actor
    if owner.organisation_id != team.organisation_id:
        _require_convenant(
            actor,
            team,
            owner,
            organisations_of[owner.id],
            flag,
            ask.purpose,
            convenants=convenants,
            policy_for=None if isinstance(policy, Policy) else policy,
            now=now,
        )
    decision = require_allowed(
        policy_for(policy, actor.organisation),
        actor,
        action=PolicyAction.CONTACT,
        audit_action=Action.CONTACT_REQUEST_CREATE,
        domain=team.domain_code,
        purpose=ask.purpose,
        subject_type=flag.subject_type,
        target_domain=flag.domain_code,
        subject_key=flag.subject_key,
        now=now,
    )
    if (flag.id, team.id) in pending:
        raise Conflict("your team already has a pending request on this flag")
    return _Asked(ask, team, flag, owner, decision)


def _write_requests(
    asked: Sequence[_Asked],
    teams: dict[uuid.UUID, Team],
    *,
    now: datetime,
    references: ReferenceSealer,
) -> tuple[list[RequestView], list[ContactRequest | Notification], list[dict[str, Any]]]:
    """The views of the requests; the requests and their notices to write (requests first);
    their audit entries' rows, for the caller to write with the group's refusals."""
    requests: list[ContactRequest] = []
    notifications: list[Notification] = []
    entries: list[dict[str, Any]] = []
    views: list[RequestView] = []
    for each in asked:
        ask, decision, flag, owner = each.ask, each.decision, each.flag, each.owner
        requester = teams[each.team.id]
        request_id = uuid.uuid4()
        request = ContactRequest(
            id=request_id,
            flag_id=flag.id,
            owner_team_id=owner.id,
            requester_team_id=requester.id,
            requester_sub=ask.actor.sub,
            requester_name=ask.actor.name,
            requester_email=ask.email or requester.contact_email,
            requester_phone=ask.phone or requester.contact_phone,
            purpose=ask.purpose,
            requester_case_ref=(
                references.seal(ask.case_ref, team=requester.id, row=request_id)
                if ask.case_ref
                else None
            ),
            requires_approval=decision.requires_approval,
            status=(
                RequestStatus.PENDING if decision.requires_approval else RequestStatus.ACCEPTED
            ),
            created_at=now,
            expires_at=now + timedelta(days=decision.expires_after_days or DEFAULT_EXPIRY_DAYS),
            decided_at=None if decision.requires_approval else now,
            rule_id=decision.rule_id or "",
            legal_basis=decision.legal_basis or "",
            policy_version=decision.policy_version,
        )
        requests.append(request)
        entries.append(
            audit.new_entry(
                ask.actor,
                AuditRecord(
                    action=Action.CONTACT_REQUEST_CREATE,
                    outcome=Outcome.ALLOWED,
                    subject_key=flag.subject_key,
                    purpose=ask.purpose,
                    object_id=str(request.id),
                    decision=decision_ref(decision),
                    case_ref=ask.case_ref,  # as a check's: the officer finds them by it
                ),
                at=now,
            )[1]
        )
        accepted = request.status == RequestStatus.ACCEPTED
        notifications.append(
            new_notification(
                team=owner,
                kind=Action.CONTACT_REQUEST_CREATE,
                payload={
                    "request": str(request.id),
                    "flag": str(flag.id),
                    "from_team": requester.slug,
                    "from_team_name": requester.name,
                    "purpose": ask.purpose,
                    "legal_basis": request.legal_basis,
                    "status": request.status,
                    "requester": _requester_contact(request, requester) if accepted else None,
                },
                now=now,
            )
        )
        if accepted:
            notifications.append(_told_requester(request, flag, owner, requester, now=now))
        views.append(
            _view(request, flag, owner, requester, direction="outgoing", references=references)
        )
    return views, [*requests, *notifications], entries


def _require_convenant(
    actor: Actor,
    team: TeamRef,
    owner: Team,
    owner_organisation: str,
    flag: Flag,
    purpose: str,
    *,
    convenants: Convenants | None,
    policy_for: PolicyFor | None,
    now: datetime,
) -> None:
    """Across organisations: a convenant in force, and the owner's policy allows it too."""
    found = (
        convenants.between(
            team.organisation_id,
            owner.organisation_id,
            purpose=purpose,
            domain=flag.domain_code,
            on=local_day(now),
        )
        if convenants is not None
        else None
    )
    if found is None or policy_for is None:
        raise Forbidden(
            "no convenant in force lets your organisation ask this flag's owner",
            audit=AuditRecord(
                action=Action.CONTACT_REQUEST_CREATE,
                outcome=Outcome.REFUSED,
                subject_key=flag.subject_key,
                purpose=purpose,
                reason="no convenant in force",
            ),
        )
    require_allowed(
        policy_for(owner_organisation),
        actor,
        action=PolicyAction.CONTACT,
        audit_action=Action.CONTACT_REQUEST_CREATE,
        domain=team.domain_code,
        purpose=purpose,
        subject_type=flag.subject_type,
        target_domain=flag.domain_code,
        subject_key=flag.subject_key,
        now=now,
    )


def _tell_requester(
    session: Session, request: ContactRequest, flag: Flag, owner: Team, *, now: datetime
) -> None:
    requester = _team(session, request.requester_team_id)
    notification_repository.add(session, _told_requester(request, flag, owner, requester, now=now))


def _told_requester(
    request: ContactRequest, flag: Flag, owner: Team, requester: Team, *, now: datetime
) -> Notification:
    """The requester's notice of what became of its request."""
    return new_notification(
        team=requester,
        kind=f"contact_request.{request.status}",
        payload={
            "request": str(request.id),
            "status": request.status,
            "reason": request.decline_reason,
            "owner": _owner_contact(flag, owner)
            if request.status == RequestStatus.ACCEPTED
            else None,
        },
        now=now,
    )


def _view(
    request: ContactRequest,
    flag: Flag,
    owner: Team,
    requester: Team,
    *,
    direction: str,
    references: ReferenceSealer,
) -> RequestView:
    accepted = request.status == RequestStatus.ACCEPTED
    other = None
    if accepted:
        other = (
            _owner_contact(flag, owner)
            if direction == "outgoing"
            else _requester_contact(request, requester)
        )
    case_ref = None
    if request.requester_case_ref is not None:
        case_ref = references.open(
            request.requester_case_ref, team=request.requester_team_id, row=request.id
        )
    return RequestView(
        request=request,
        direction=direction,
        owner_team=owner,
        requester_team=requester,
        domain=flag.domain_code,
        other_contact=other,
        case_ref=case_ref,
        flag=OwnFlag.of(flag, references=references) if direction == "incoming" else None,
    )


def _load(
    session: Session, team: TeamRef, request_id: uuid.UUID
) -> tuple[ContactRequest, Flag, Team, Team]:
    """The request, its flag, and its owner and requester teams.

    A request of neither of the acting team's is simply not found.
    """
    request = repository.get(session, request_id)
    if request is None or team.id not in (request.owner_team_id, request.requester_team_id):
        # A request of another team is as invisible as a missing one.
        raise NotFound("no such contact request for your team")
    flag, owner, requester = _parties(session, request)
    return request, flag, owner, requester


def _parties(session: Session, request: ContactRequest) -> tuple[Flag, Team, Team]:
    """The request's flag and its owner and requester teams."""
    flag = flags.get(session, request.flag_id)
    assert flag is not None  # a foreign key
    return flag, _team(session, request.owner_team_id), _team(session, request.requester_team_id)


def _expire_if_due(
    session: Session, actor: Actor, request: ContactRequest, flag: Flag, now: datetime
) -> None:
    if request.status == RequestStatus.PENDING and request.expires_at <= now:
        request.status = RequestStatus.EXPIRED
        request.decided_at = request.expires_at
        session.flush()
        _record(session, actor, request, flag, action=Action.CONTACT_REQUEST_EXPIRE, now=now)


def _seen_by(
    session: Session,
    actor: Actor,
    request: ContactRequest,
    team: TeamRef,
    now: datetime,
    references: ReferenceSealer,
) -> RequestView:
    flag, owner, requester = _parties(session, request)
    _expire_if_due(session, actor, request, flag, now)
    direction = "incoming" if team.id == owner.id else "outgoing"
    return _view(request, flag, owner, requester, direction=direction, references=references)


def get_request(
    session: Session,
    actor: Actor,
    *,
    team: TeamRef,
    request_id: uuid.UUID,
    now: datetime,
    references: ReferenceSealer,
) -> RequestView:
    request, _, _, _ = _load(session, team, request_id)
    return _seen_by(session, actor, request, team, now, references)


def list_requests(
    session: Session,
    actor: Actor,
    *,
    team: TeamRef,
    direction: str | None,
    limit: int,
    offset: int,
    now: datetime,
    references: ReferenceSealer,
) -> Sequence[RequestView]:
    """A page of the team's requests in a fixed number of statements, whatever its size:
    one to read the page with its flags and teams, and, only if some of it fell due, one
    to mark those expired and one for their audit entries."""
    page = repository.list_for_team(
        session, team_id=team.id, direction=direction, limit=limit, offset=offset
    )
    _expire_all_due(session, actor, [(request, flag) for request, flag, _, _ in page], now)
    return [
        _view(
            request,
            flag,
            owner,
            requester,
            direction="incoming" if team.id == owner.id else "outgoing",
            references=references,
        )
        for request, flag, owner, requester in page
    ]


def _expire_all_due(
    session: Session, actor: Actor, page: Sequence[tuple[ContactRequest, Flag]], now: datetime
) -> None:
    """:func:`_expire_if_due` for a whole page: one flush, one audit statement."""
    due = [
        (request, flag)
        for request, flag in page
        if request.status == RequestStatus.PENDING and request.expires_at <= now
    ]
    if not due:
        return
    for request, _ in due:
        request.status = RequestStatus.EXPIRED
        request.decided_at = request.expires_at
    session.flush()
    audit.write(
        session,
        [
            audit.new_entry(
                actor, _step_record(request, flag, action=Action.CONTACT_REQUEST_EXPIRE), at=now
            )[1]
            for request, flag in due
        ],
    )


def _transition(
    session: Session,
    actor: Actor,
    request: ContactRequest,
    flag: Flag,
    *,
    to: RequestStatus,
    action: Action,
    now: datetime,
    reason: DeclineReason | None = None,
) -> None:
    """Move a pending request on; one that has expired meanwhile stays expired."""
    _expire_if_due(session, actor, request, flag, now)
    if request.status != RequestStatus.PENDING:
        raise Conflict(f"the request is {request.status}, not pending")
    request.status = to
    request.decline_reason = reason
    request.decided_at = now
    request.decided_by = actor.sub
    session.flush()
    _record(session, actor, request, flag, action=action, now=now)


def decide(
    session: Session,
    actor: Actor,
    *,
    team: TeamRef,
    request_id: uuid.UUID,
    accept: bool,
    now: datetime,
    references: ReferenceSealer,
    reason: DeclineReason | None = None,
) -> RequestView:
    """Accept or decline: only the flag's owner or a team lead of the owner team."""
    request, flag, owner, requester = _load(session, team, request_id)
    if team.id != owner.id:
        raise Forbidden("only the team that owns the flag decides on a contact request")
    if actor.sub != flag.registered_by and not actor.has_role(Role.TEAM_LEAD):
        raise Forbidden("only the flag's owner or a team lead decides on a contact request")
    if not accept and reason is None:
        raise InvalidInput("a decline needs a reason")
    _transition(
        session,
        actor,
        request,
        flag,
        to=RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED,
        action=Action.CONTACT_REQUEST_ACCEPT if accept else Action.CONTACT_REQUEST_DECLINE,
        reason=None if accept else reason,
        now=now,
    )
    _tell_requester(session, request, flag, owner, now=now)
    return _view(request, flag, owner, requester, direction="incoming", references=references)


def withdraw(
    session: Session,
    actor: Actor,
    *,
    team: TeamRef,
    request_id: uuid.UUID,
    now: datetime,
    references: ReferenceSealer,
) -> RequestView:
    """The requester (or a team lead of the requesting team) withdraws a pending request."""
    request, flag, owner, requester = _load(session, team, request_id)
    if team.id != requester.id:
        raise Forbidden("only the requesting team can withdraw a contact request")
    if actor.sub != request.requester_sub and not actor.has_role(Role.TEAM_LEAD):
        raise Forbidden("only the requester or a team lead withdraws a contact request")
    _transition(
        session,
        actor,
        request,
        flag,
        to=RequestStatus.WITHDRAWN,
        action=Action.CONTACT_REQUEST_WITHDRAW,
        now=now,
    )
    notify(
        session,
        team=owner,
        kind=Action.CONTACT_REQUEST_WITHDRAW,
        payload={"request": str(request.id), "status": request.status},
        now=now,
    )
    return _view(request, flag, owner, requester, direction="outgoing", references=references)


def expire_overdue(
    session: Session, actor: Actor, *, now: datetime, limit: int | None = None
) -> int:
    """Expire every pending request past its date (the first ``limit`` of them) and tell
    both sides; idempotent."""
    expired = 0
    for request in repository.overdue(session, now=now, limit=limit):
        flag, owner, _ = _parties(session, request)
        _expire_if_due(session, actor, request, flag, now)
        _tell_requester(session, request, flag, owner, now=now)
        notify(
            session,
            team=owner,
            kind=Action.CONTACT_REQUEST_EXPIRE,
            payload={"request": str(request.id), "status": request.status},
            now=now,
        )
        expired += 1
    return expired
