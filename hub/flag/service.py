"""Registering, withdrawing and listing flags."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hub.actor import Actor
from hub.audit import service as audit
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.convenant.cache import Convenants, KeptConvenant
from hub.decisions import PolicyFor, decision_ref, policy_for, require_allowed
from hub.errors import Conflict, HubError, InvalidInput, NotFound
from hub.fastpath.rows import insert_in_one_statement
from hub.fastpath.statements import StatementConnections
from hub.flag import repository
from hub.flag.models import Flag, FlagDeadline, FlagStatus
from hub.flag.repository import LiveFlag
from hub.flag.schemas import ContactIn
from hub.flag.views import OwnFlag, RegisteredFlag
from hub.involvement.limits import LOCAL_TIME, local_day
from hub.match import service as match_service
from hub.organisation.cache import ActingTeams
from hub.organisation.models import Team
from hub.organisation.repository import TeamRef
from hub.organisation.service import acting_team_among
from hub.pseudonym import Subject
from hub.references import ReferenceSealer
from policies import Action as PolicyAction
from policies import Decision, Policy


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later, clamped to the month's last day."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _seal_own_words(
    flag: Flag, *, reference: str | None, label: str | None, references: ReferenceSealer
) -> None:
    flag.own_reference = (
        None if reference is None else references.seal(reference, team=flag.team_id, row=flag.id)
    )
    flag.own_label = (
        None if label is None else references.seal(label, team=flag.team_id, row=flag.id)
    )


def record_flag_event(
    session: Session,
    actor: Actor,
    flag: Flag,
    *,
    action: Action,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Audit something that happened to an existing flag (withdrawn, renewed, expired, ...)."""
    audit.record(
        session,
        actor,
        flag_event(
            action,
            flag_id=flag.id,
            subject_key=flag.subject_key,
            purpose=flag.purpose,
            reason=reason,
        ),
        at=now,
    )


def flag_event(
    action: Action,
    *,
    flag_id: uuid.UUID,
    subject_key: bytes,
    purpose: str,
    reason: str | None = None,
) -> AuditRecord:
    """The audit record of something that happened to an existing flag; retention writes
    a batch's at once (``audit.new_entry`` and ``audit.write``)."""
    return AuditRecord(
        action=action,
        outcome=Outcome.ALLOWED,
        subject_key=subject_key,
        purpose=purpose,
        object_id=str(flag_id),
        reason=reason,
    )


def choose_expiry(expires_on: date | None, *, after: datetime, latest: datetime) -> datetime:
    """The requested expiry (end of that day), or the policy's latest when none is asked.

    The expiry must lie after ``after`` (now, or a renewed flag's current expiry) and not
    after ``latest``. A refusal names the first and the last day this check accepts, so
    the message and the rule cannot disagree.
    """
    first_day, last_day = _first_day_after(after, tz=latest), _last_day_until(latest)
    if expires_on is None:
        return max(latest, after)  # a renewal never shortens a flag
    if expires_on is not None and first_day <= expires_on <= last_day:
        return _end_of(expires_on, tz=latest)
    if first_day > last_day:
        raise InvalidInput(
            f"the flag already runs until {after.date().isoformat()}, as long as the policy "
            f"allows from today; it can be renewed later"
        )
    raise InvalidInput(
        f"expires_on must lie between {first_day.isoformat()} and {last_day.isoformat()} "
        f"(both included)"
    )


def _end_of(day: date, *, tz: datetime) -> datetime:
    """The last second of ``day`` in ``tz``'s time zone: a chosen expiry ends its day."""
    return datetime.combine(day, time(23, 59, 59), tz.tzinfo)


def _first_day_after(moment: datetime, *, tz: datetime) -> date:
    """The first day whose end lies after ``moment``."""
    day = moment.astimezone(tz.tzinfo).date()
    return day if _end_of(day, tz=tz) > moment else day + timedelta(days=1)


def _last_day_until(moment: datetime) -> date:
    """The last day whose end is not after ``moment``."""
    day = moment.date()
    return day if _end_of(day, tz=moment) <= moment else day - timedelta(days=1)


@dataclass(frozen=True)
class Registration:
    """One request to register a flag, as the API received it (subject already keyed)."""

    actor: Actor
    subject: Subject
    purpose: str
    legal_basis: str | None = None
    expires_on: date | None = None
    contact: ContactIn | None = None
    reference: str | None = None
    label: str | None = None
    convenant: str | None = None
    """The slug of a convenant in force the flag is registered under; it expires with it."""
    deadlines: tuple[tuple[str, date], ...] = ()
    """Due dates (code, day) the owner team is warned before (``deadline_warnings``)."""


@dataclass(frozen=True)
class _Accepted:
    index: int
    request: Registration
    team: TeamRef
    decision: Decision
    expires_at: datetime
    convenant: KeptConvenant | None = None


def register_group(
    session: Session,
    requests: Sequence[Registration],
    *,
    policy: Policy | PolicyFor,
    now: datetime,
    teams: ActingTeams,
    references: ReferenceSealer,
    convenants: Convenants | None = None,
) -> list[RegisteredFlag | HubError]:
    """Several registrations in the caller's transaction, as if made one after another.

    Each gets its flag, or its refusal (policy, expiry, an active flag of its team on the
    subject for the purpose, also one registered earlier in the group); answers come in
    request order. The group reads the live flags on its subjects (for duplicates and
    matches), then writes every flag and audit entry at once, then the matches they make.
    The caller commits before answering (hub/fastpath/groups.py).
    """
    acting = teams.of(session, [request.actor for request in requests])
    group = _Group.admit(requests, acting, policy=policy, now=now, convenants=convenants)
    live = repository.live_on_subjects(session, **group.subjects())
    group.register(live, teams.rows(session, group.team_ids()), references)
    repository.add(session, *group.flags())
    if group.deadlines:
        repository.add_deadlines(session, group.deadlines)
    audit.write(session, group.audit_rows())
    for organisation, theirs in group.by_organisation().items():
        match_service.on_flags_registered(
            session, theirs, live, policy=policy_for(policy, organisation), now=now
        )
    return group.answers()


async def register_group_in_one_statement(
    requests: Sequence[Registration],
    *,
    policy: Policy | PolicyFor,
    now: datetime,
    teams: ActingTeams,
    references: ReferenceSealer,
    convenants: Convenants | None,
    sessions: sessionmaker[Session],
    statements: StatementConnections,
) -> list[RegisteredFlag | HubError]:
    """:func:`register_group` on PostgreSQL, on the event loop: the reads on an autocommit
    connection, then every flag, due date, audit entry, match, member and notice in one
    statement, committed when it returns (``hub/fastpath/rows.py``). Teams not kept are
    read in a session of ``sessions``. A group that breaks a constraint raises
    ``psycopg.IntegrityError`` having written nothing (``GroupCommit`` runs it again in a
    session, where each registration is run alone to find the one that broke it).
    """
    acting = await teams.of_async(sessions, [request.actor for request in requests])
    group = _Group.admit(requests, acting, policy=policy, now=now, convenants=convenants)
    rows = await teams.rows_async(sessions, group.team_ids())
    async with statements.connection() as connection:
        live = await repository.live_on_subjects_async(connection, **group.subjects())
        group.register(live, rows, references)
        made: list[match_service.MadeMatches] = []
        for organisation, theirs in group.by_organisation().items():
            found = match_service.joins(theirs, live)
            if not found:
                continue
            reads = await match_service.read_for_matches_async(
                connection, match_service.pairs_of(found), now=now, new=theirs
            )
            made.append(
                match_service.make_matches(
                    found, reads, policy=policy_for(policy, organisation), now=now
                )
            )
        await insert_in_one_statement(
            connection,
            [*group.flags(), *group.deadlines, *(row for each in made for row in each.rows)],
            group.audit_rows() + [entry for each in made for entry in each.entries],
        )
    return group.answers()


@dataclass
class _Group:
    """A group's registrations as they are decided: refusals, then new flags, in order.

    :meth:`admit` decides what needs no database (team, convenant, policy, expiry);
    :meth:`register` refuses duplicates among the live flags and makes the new flags and
    their audit entries.
    """

    requests: Sequence[Registration]
    now: datetime
    outcomes: list[RegisteredFlag | HubError | None]
    entries: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    accepted: list[_Accepted] = field(default_factory=list)
    registered: list[tuple[Actor, Flag, Team]] = field(default_factory=list)
    deadlines: list[FlagDeadline] = field(default_factory=list)

    @classmethod
    def admit(
        cls,
        requests: Sequence[Registration],
        acting: dict[str, tuple[TeamRef, str]],
        *,
        policy: Policy | PolicyFor,
        now: datetime,
        convenants: Convenants | None,
    ) -> _Group:
        group = cls(requests, now, [None] * len(requests))
        for index, request in enumerate(requests):
            try:
                group.accepted.append(
                    _accept(
                        index,
                        request,
                        acting,
                        policy=policy_for(policy, request.actor.organisation),
                        now=now,
                        convenants=convenants,
                    )
                )
            except HubError as refusal:
                group.refuse(index, refusal)
        return group

    def refuse(self, index: int, refusal: HubError) -> None:
        self.outcomes[index] = refusal
        rows = audit.refusal_rows(self.requests[index].actor, refusal, at=self.now)
        self.entries.extend((index, row) for row in rows)

    def team_ids(self) -> set[uuid.UUID]:
        """The accepted teams: their contact details are a new flag's defaults, and a match
        tells them by their webhook and e-mail."""
        return {each.team.id for each in self.accepted}

    def subjects(self) -> dict[str, Any]:
        """What to read the live flags of (``flags.live_on_subjects``): one read serves the
        duplicate check and the match check (hub/match/service.py)."""
        return {
            "subject_keys": {each.request.subject.key for each in self.accepted},
            "organisation_ids": {each.team.organisation_id for each in self.accepted},
            "now": self.now,
        }

    def register(
        self,
        live: dict[tuple[bytes, uuid.UUID], list[LiveFlag]],
        rows: dict[uuid.UUID, Team],
        references: ReferenceSealer,
    ) -> None:
        """Refuse a second active flag of a team on a subject for a purpose; make the rest."""
        taken = {
            (key, flag.team_id, flag.purpose): flag.flag_id
            for (key, _), found in live.items()
            for flag in found
        }
        for each in self.accepted:
            request, team = each.request, rows[each.team.id]
            existing = taken.get((request.subject.key, team.id, request.purpose))
            if existing is not None:
                self.refuse(each.index, _duplicate(request, each.decision, existing))
                continue
            flag = _new_flag(request, team, each.decision, now=self.now, expires_at=each.expires_at)
            taken[(request.subject.key, team.id, request.purpose)] = flag.id
            self.deadlines.extend(new_deadlines(flag.id, request.deadlines))
            flag.convenant_id = each.convenant.id if each.convenant else None
            _seal_own_words(
                flag, reference=request.reference, label=request.label, references=references
            )
            self.registered.append((request.actor, flag, team))
            self.outcomes[each.index] = RegisteredFlag(
                flag=flag,
                team=team,
                decision=each.decision,
                reference=request.reference,
                label=request.label,
            )
            record = AuditRecord(
                action=Action.FLAG_REGISTER,
                outcome=Outcome.ALLOWED,
                subject_key=flag.subject_key,
                purpose=flag.purpose,
                object_id=str(flag.id),
                decision=decision_ref(each.decision),
            )
            self.entries.append(
                (each.index, audit.new_entry(request.actor, record, at=self.now)[1])
            )

    def flags(self) -> list[Flag]:
        return [flag for _, flag, _ in self.registered]

    def audit_rows(self) -> list[dict[str, Any]]:
        """The entries of the allowed and the refused, in request order."""
        return [entry for _, entry in sorted(self.entries, key=lambda item: item[0])]

    def by_organisation(self) -> dict[str, list[tuple[Actor, Flag, Team]]]:
        """The new flags per organisation of their registrants, whose policy matches them."""
        found: dict[str, list[tuple[Actor, Flag, Team]]] = {}
        for each in self.registered:
            found.setdefault(each[0].organisation, []).append(each)
        return found

    def answers(self) -> list[RegisteredFlag | HubError]:
        answered = [outcome for outcome in self.outcomes if outcome is not None]
        assert len(answered) == len(self.requests)
        return answered


def _accept(
    index: int,
    request: Registration,
    teams: dict[str, tuple[TeamRef, str]],
    *,
    policy: Policy,
    now: datetime,
    convenants: Convenants | None = None,
) -> _Accepted:
    """The registration's team, decision and expiry; or its refusal, raised."""
    actor = request.actor
    team = acting_team_among(teams.get(actor.team or ""), actor)
    convenant = None
    if request.convenant is not None:
        convenant = convenants.named(request.convenant) if convenants else None
        if (
            convenant is None
            or team.organisation_id not in convenant.partners
            or not convenant.in_force(local_day(now))
            or not convenant.covers(purpose=request.purpose, domain=team.domain_code)
        ):
            raise InvalidInput(
                "no convenant of that name is in force for your team's domain and this purpose"
            )
    decision = require_allowed(
        policy,
        actor,
        action=PolicyAction.REGISTER,
        audit_action=Action.FLAG_REGISTER,
        domain=team.domain_code,
        purpose=request.purpose,
        subject_type=request.subject.subject_type,
        legal_basis=request.legal_basis,
        subject_key=request.subject.key,
        now=now,
    )
    expires_at = choose_expiry(
        request.expires_on,
        after=now,
        latest=add_months(now, policy.retention_months(team.domain_code)),
    )
    if convenant is not None:  # never past the convenant's last day
        expires_at = min(expires_at, _end_of(convenant.ends_on, tz=expires_at))
    return _Accepted(index, request, team, decision, expires_at, convenant)


def _duplicate(request: Registration, decision: Decision, existing: uuid.UUID) -> Conflict:
    """The refusal of a second active flag; it names the team's own flag (``flag_id``), so
    a connector that resumes a cut-off run finds the flag it registered before."""
    return Conflict(
        "your team already has an active flag on this subject for this purpose",
        flag_id=str(existing),
        audit=AuditRecord(
            action=Action.FLAG_REGISTER,
            outcome=Outcome.REFUSED,
            subject_key=request.subject.key,
            purpose=request.purpose,
            decision=decision_ref(decision),
            reason="duplicate active flag",
        ),
    )


def _new_flag(
    request: Registration, team: Team, decision: Decision, *, now: datetime, expires_at: datetime
) -> Flag:
    actor, subject, contact = request.actor, request.subject, request.contact
    return Flag(
        id=uuid.uuid4(),
        subject_key=subject.key,
        identifier_kind=subject.kind.value,
        subject_type=subject.subject_type,
        team_id=team.id,
        domain_code=team.domain_code,
        purpose=request.purpose,
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


def withdraw_flag(
    session: Session,
    actor: Actor,
    *,
    team: TeamRef,
    flag_id: uuid.UUID,
    now: datetime,
    references: ReferenceSealer,
) -> OwnFlag:
    """Withdraw one of the actor's own team's flags; it leaves checks at once."""
    flag = repository.get(session, flag_id)
    if flag is None or flag.team_id != team.id:
        # Another team's flag is as invisible as a missing one.
        raise NotFound(
            "no such flag in your team",
            audit=AuditRecord(
                action=Action.FLAG_WITHDRAW,
                outcome=Outcome.REFUSED,
                object_id=str(flag_id),
                reason="no such flag in the caller's team",
            ),
        )
    if flag.status != FlagStatus.ACTIVE:
        raise Conflict(
            f"the flag is already {flag.status}",
            audit=AuditRecord(
                action=Action.FLAG_WITHDRAW,
                outcome=Outcome.REFUSED,
                object_id=str(flag.id),
                reason=f"flag already {flag.status}",
            ),
        )
    flag.status = FlagStatus.WITHDRAWN
    flag.withdrawn_at = now
    session.flush()
    record_flag_event(session, actor, flag, action=Action.FLAG_WITHDRAW, now=now)
    return OwnFlag.of(flag, references=references)


def list_team_flags(
    session: Session,
    *,
    team: TeamRef,
    status: FlagStatus | None = None,
    references: ReferenceSealer,
    limit: int = 50,
    offset: int = 0,
) -> list[OwnFlag]:
    """The team's own flags, newest first, with the team's own references."""
    if limit < 1 or limit > 500 or offset < 0:
        raise InvalidInput("limit must be 1..500 and offset non-negative")
    flags = repository.list_for_team(
        session, team_id=team.id, status=status, limit=limit, offset=offset
    )
    return [OwnFlag.of(flag, references=references) for flag in flags]


def set_own_words(
    session: Session,
    actor: Actor,
    *,
    team: TeamRef,
    flag_id: uuid.UUID,
    reference: str | None,
    label: str | None,
    now: datetime,
    references: ReferenceSealer,
) -> OwnFlag:
    """Set (or clear, with None) the team's own reference and label on one of its flags.

    The audit entry says that they changed and gives a keyed hash of the reference, so
    the privacy officer can match it without the log holding the team's words.
    """
    flag = repository.get(session, flag_id)
    if flag is None or flag.team_id != team.id:
        raise NotFound("no such flag in your team")
    _seal_own_words(flag, reference=reference, label=label, references=references)
    session.flush()
    digest = "none" if reference is None else references.digest(reference)
    record_flag_event(
        session,
        actor,
        flag,
        action=Action.FLAG_REFERENCE,
        now=now,
        reason=f"reference {digest}; label {'set' if label else 'none'}",
    )
    return OwnFlag(flag=flag, reference=reference, label=label)


def renew_flag(
    session: Session,
    actor: Actor,
    *,
    team: TeamRef,
    policy: Policy,
    flag_id: uuid.UUID,
    expires_on: date | None,
    now: datetime,
    references: ReferenceSealer,
) -> OwnFlag:
    """Extend a live flag of the actor's team, at most the policy's maximum from today."""
    flag = repository.get(session, flag_id)
    if flag is None or flag.team_id != team.id:
        raise NotFound("no such flag in your team")
    if repository.get_live(session, flag_id, now=now) is None:
        raise Conflict("only an active flag can be renewed; register a new one instead")
    expires_at = choose_expiry(
        expires_on,
        after=flag.expires_at,
        latest=add_months(now, policy.retention_months(flag.domain_code)),
    )
    flag.expires_at = expires_at
    flag.renewed_at = now
    flag.expiry_warned_at = None  # the new expiry is warned of in its turn
    session.flush()
    record_flag_event(
        session,
        actor,
        flag,
        action=Action.FLAG_RENEW,
        now=now,
        reason=f"expires {expires_at.date()}",
    )
    return OwnFlag.of(flag, references=references)


def due_moment(day: date) -> datetime:
    """The end of ``day`` in Europe/Amsterdam: a due date holds through its whole day."""
    return datetime.combine(day, time(23, 59, 59), LOCAL_TIME)


def new_deadlines(flag_id: uuid.UUID, deadlines: Sequence[tuple[str, date]]) -> list[FlagDeadline]:
    """The rows of a flag's due dates; a code given twice is refused."""
    codes = [code for code, _ in deadlines]
    if len(set(codes)) != len(codes):
        raise InvalidInput("each deadline code may be given once")
    return [
        FlagDeadline(flag_id=flag_id, code=code, due_at=due_moment(day)) for code, day in deadlines
    ]


def set_deadlines(
    session: Session,
    actor: Actor,
    *,
    team: TeamRef,
    flag_id: uuid.UUID,
    deadlines: Sequence[tuple[str, date]],
    now: datetime,
) -> list[FlagDeadline]:
    """Replace the due dates of one of the team's live flags (none: it has no more).

    A due date kept with the same day keeps its warning; a new or moved one is warned of
    in its turn. The audit entry names the codes and days, which say nothing of the case.
    """
    flag = repository.get(session, flag_id)
    if flag is None or flag.team_id != team.id:
        raise NotFound("no such flag in your team")
    if repository.get_live(session, flag_id, now=now) is None:
        raise Conflict("only an active flag has due dates")
    wanted = new_deadlines(flag.id, deadlines)
    before = {each.code: each for each in repository.deadlines_of(session, [flag.id])}
    for each in wanted:
        kept = before.get(each.code)
        if kept is not None and kept.due_at == each.due_at:
            each.warned_at = kept.warned_at
    repository.replace_deadlines(session, flag.id, wanted)
    described = ", ".join(f"{code} {day.isoformat()}" for code, day in deadlines) or "none"
    record_flag_event(
        session, actor, flag, action=Action.FLAG_DEADLINES, now=now, reason=f"due: {described}"
    )
    return wanted
