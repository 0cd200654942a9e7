"""Matches: when a flag meets other teams' flags on one subject, the teams learn of each other.

Every team in a match is told about the others it may see under the policy (with the
purpose of its own flag). Their contact persons are shown only where the contact rule for
the pair says so without a request (``match: contact_details: automatic``, a verwijsindex
match), or once the other team accepted a request (``on_request``); never after the other
team declined a request from the viewer's team on this subject: a decline holds. Nothing
about the subject is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.audit import service as audit
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.contact_request import repository as contact_requests
from hub.contact_request.models import RequestStatus
from hub.decisions import match_contact, may_see
from hub.errors import InvalidInput, NotFound
from hub.flag import repository as flags
from hub.flag.models import Flag
from hub.flag.repository import LiveFlag
from hub.flag.views import OwnFlag
from hub.match import repository
from hub.match.models import Match, MatchMember
from hub.match.views import MatchView, Participant
from hub.notification import repository as notifications
from hub.notification.models import Notification
from hub.notification.service import new_notification
from hub.organisation.models import Team
from hub.organisation.repository import TeamRef
from hub.references import ReferenceSealer
from policies import MatchContact, Policy

SHOWN = "shown"
DECLINED = "declined"
Decided = Mapping[tuple[uuid.UUID, uuid.UUID], str]  # (owner, requester) → latest decision


def _may_see(policy: Policy, viewer: tuple[Flag, Team], target: Flag, *, now: datetime) -> bool:
    """Whether the viewer's team may see ``target``'s domain, judged by its own flag."""
    flag, team = viewer
    return may_see(
        policy,
        viewer_domain=team.domain_code,
        role="professional",
        purpose=flag.purpose,
        subject_type=flag.subject_type,
        target_domain=target.domain_code,
        on=now.date(),
    )


def contact_details(
    policy: Policy,
    viewer: tuple[Flag, Team],
    other: tuple[Flag, Team],
    decided: Decided,
    *,
    now: datetime,
) -> tuple[str, str | None]:
    """Whether ``viewer``'s team may see ``other``'s contact person in a match: ``shown``,
    or why not (``declined``, ``on_request``, ``never``) with the words for the audit."""
    (viewer_flag, viewer_team), (other_flag, other_team) = viewer, other
    latest = decided.get((other_team.id, viewer_team.id))
    if latest == RequestStatus.DECLINED:
        return DECLINED, f"{other_team.slug} declined a contact request from {viewer_team.slug}"
    mode, rule = match_contact(
        policy,
        viewer_domain=viewer_team.domain_code,
        purpose=viewer_flag.purpose,
        subject_type=viewer_flag.subject_type,
        target_domain=other_flag.domain_code,
        on=now.date(),
    )
    if mode is MatchContact.AUTOMATIC or (
        mode is MatchContact.ON_REQUEST and latest == RequestStatus.ACCEPTED
    ):
        return SHOWN, None
    return mode.value, f"{rule} shows {other_team.slug} to {viewer_team.slug} {mode.value}"


def contact_card(flag: Flag, team: Team, *, shown: str = SHOWN) -> dict[str, Any]:
    """A team in a match notice; its contact person only when ``shown``."""
    contact = {
        "name": flag.contact_name,
        "email": flag.contact_email,
        "phone": flag.contact_phone,
        "team_contact_person": team.contact_person,
    }
    return {
        "team": team.slug,
        "team_name": team.name,
        "domain": team.domain_code,
        "since": flag.registered_at.date().isoformat(),
        "contact_details": shown,
        "contact": contact if shown == SHOWN else None,
    }


Pair = tuple[bytes, uuid.UUID]  # (subject key, organisation id)


@dataclass(frozen=True)
class Join:
    """A new flag that meets another team's live flag on its subject, so makes a match."""

    actor: Actor
    flag: Flag
    team: Team
    not_yet: frozenset[uuid.UUID]
    """The flags of the group registered after this one: not yet there when it joins."""


@dataclass(frozen=True)
class MatchReads:
    """What the matches of a group need, read once for it (see :func:`on_flags_registered`)."""

    live: dict[Pair, list[tuple[Flag, Team]]]
    latest: dict[Pair, Match]
    members: dict[uuid.UUID, list[tuple[MatchMember, Flag, Team]]]
    decided: dict[bytes, dict[tuple[uuid.UUID, uuid.UUID], str]]


@dataclass(frozen=True)
class MadeMatches:
    """The matches a group makes, and what to write for them."""

    matches: list[Match]
    rows: list[Match | MatchMember | Notification]
    """New matches before their members, then the notices: in the order to insert them."""
    entries: list[dict[str, Any]]


def joins(
    registered: Sequence[tuple[Actor, Flag, Team]],
    live_before: Mapping[Pair, Sequence[LiveFlag]],
) -> list[Join]:
    """The new flags that make or join a match, in order of registration.

    ``live_before`` holds the live flags on their subjects as read before the new ones
    were written (``flags.live_on_subjects``). Each new flag meets those and the new flags
    registered before it, so a group of registrations makes the matches that one after
    another would.
    """
    earlier: dict[Pair, set[uuid.UUID]] = {}  # new flags' teams so far
    later = {flag.id for _, flag, _ in registered}
    found: list[Join] = []
    for actor, flag, team in registered:
        later.discard(flag.id)
        where = (flag.subject_key, team.organisation_id)
        teams = {other.team_id for other in live_before.get(where, [])}
        teams |= earlier.setdefault(where, set())
        earlier[where].add(team.id)
        if teams - {team.id}:  # most registrations make no match
            found.append(Join(actor, flag, team, frozenset(later)))
    return found


def pairs_of(found: Sequence[Join]) -> set[Pair]:
    return {(join.flag.subject_key, join.team.organisation_id) for join in found}


def read_for_matches(
    session: Session,
    pairs: Collection[Pair],
    *,
    now: datetime,
    new: Sequence[tuple[Actor, Flag, Team]],
) -> MatchReads:
    """:class:`MatchReads` in a session, one query each, after the group's ``new`` flags
    were written."""
    latest = repository.latest_on_subjects(session, pairs)
    live = flags.live_on_subjects_with_teams(session, pairs=pairs, now=now)
    return MatchReads(
        live=_with_new_flags(live, new),
        latest=latest,
        members=repository.live_members_of(
            session, {match.id for match in latest.values()}, now=now
        ),
        decided=contact_requests.decided_on_subjects(
            session, subject_keys={key for key, _ in pairs}
        ),
    )


def _with_new_flags(
    live: dict[Pair, list[tuple[Flag, Team]]], new: Sequence[tuple[Actor, Flag, Team]]
) -> dict[Pair, list[tuple[Flag, Team]]]:
    """The live flags with the group's new ones last, in order of registration: as one
    registration after another finds them (they share one moment, which orders nothing)."""
    ids = {flag.id for _, flag, _ in new}
    found = {
        pair: [each for each in there if each[0].id not in ids] for pair, there in live.items()
    }
    for _, flag, team in new:
        pair = (flag.subject_key, team.organisation_id)
        if pair in found:
            found[pair].append((flag, team))
    return found


async def read_for_matches_async(
    connection: psycopg.AsyncConnection[Any],
    pairs: Collection[Pair],
    *,
    now: datetime,
    new: Sequence[tuple[Actor, Flag, Team]],
) -> MatchReads:
    """:func:`read_for_matches` on the event loop (``hub/fastpath/rows.py``), before the
    group's ``new`` flags are written: :func:`_with_new_flags` adds them."""
    live = await flags.live_on_subjects_with_teams_async(connection, pairs=pairs, now=now)
    live = _with_new_flags(live, new)
    latest, members = await repository.latest_and_members_async(connection, pairs, now=now)
    decided = await contact_requests.decided_on_subjects_async(
        connection, subject_keys={key for key, _ in pairs}
    )
    return MatchReads(live, latest, members, decided)


def make_matches(
    found: Sequence[Join], reads: MatchReads, *, policy: Policy, now: datetime
) -> MadeMatches:
    """Create or extend the matches ``found`` make, in order, and tell the teams."""
    latest = dict(reads.latest)
    members = {
        match_id: {flag.id for _, flag, _ in rows} for match_id, rows in reads.members.items()
    }
    matches: list[Match] = []
    created: list[Match] = []
    joining: list[MatchMember] = []
    told: list[Notification] = []
    entries: list[dict[str, Any]] = []
    for join in found:
        flag, team = join.flag, join.team
        pair = (flag.subject_key, team.organisation_id)
        there = [(each, its) for each, its in reads.live[pair] if each.id not in join.not_yet]
        match = _join(
            policy,
            flag,
            team,
            there,
            latest.get(pair),
            members,
            reads.decided[flag.subject_key],
            now=now,
        )
        latest[pair] = match.match
        if match.created:
            created.append(match.match)
        matches.append(match.match)
        joining += match.joining
        told += match.told
        entries.append(audit.new_entry(join.actor, match.record, at=now)[1])
    return MadeMatches(matches, [*created, *joining, *told], entries)


def on_flags_registered(
    session: Session,
    registered: Sequence[tuple[Actor, Flag, Team]],
    live_before: Mapping[Pair, Sequence[LiveFlag]],
    *,
    policy: Policy,
    now: datetime,
) -> list[Match]:
    """Create or extend the matches the new flags make, in order of registration
    (:func:`joins`), in the session's transaction.

    What the matches need (the live flags with their teams, the latest match on each
    subject and its members, the contact decisions on each subject) is read once for the
    group, and the matches, members and notifications are written one statement per table:
    a match used to cost about seven statements of its own.
    """
    found = joins(registered, live_before)
    if not found:
        return []
    reads = read_for_matches(session, pairs_of(found), now=now, new=registered)
    made = make_matches(found, reads, policy=policy, now=now)
    repository.add(session, *(row for row in made.rows if not isinstance(row, Notification)))
    notifications.add(session, *(row for row in made.rows if isinstance(row, Notification)))
    audit.write(session, made.entries)
    return made.matches


@dataclass(frozen=True)
class _Joined:
    match: Match
    created: bool
    joining: list[MatchMember]
    told: list[Notification]
    record: AuditRecord


def _join(
    policy: Policy,
    flag: Flag,
    team: Team,
    live: list[tuple[Flag, Team]],
    match: Match | None,
    members: dict[uuid.UUID, set[uuid.UUID]],
    decided: Decided,
    *,
    now: datetime,
) -> _Joined:
    """Create the subject's match or extend it with ``flag``, and tell the teams.

    ``live`` are the live flags on the subject now (those registered later in the group
    left out), ``match`` the subject's latest match, and ``members`` the flags in each
    match so far, which this updates. Returns what to write and what to audit.
    """
    known = members.get(match.id, set()) if match is not None else set()
    created = match is None or not known
    if created:
        match = Match(
            id=uuid.uuid4(),
            subject_key=flag.subject_key,
            organisation_id=team.organisation_id,
            created_at=now,
        )
        known = set()
    assert match is not None
    joining = [
        MatchMember(
            id=uuid.uuid4(),
            match_id=match.id,
            team_id=live_team.id,
            flag_id=live_flag.id,
            joined_at=now,
        )
        for live_flag, live_team in live
        if live_flag.id not in known
    ]
    members[match.id] = known | {member.flag_id for member in joining}
    kind = Action.MATCH_CREATED if created else Action.MATCH_JOINED
    told, withheld = _tell_teams(policy, match, flag, team, live, decided, kind=kind, now=now)
    reason = f"{len(told)} teams notified"
    if withheld:  # the audit shows why a team saw no contact person
        reason += "; contact details withheld: " + "; ".join(withheld)
    record = AuditRecord(
        action=kind,
        outcome=Outcome.ALLOWED,
        subject_key=flag.subject_key,
        object_id=str(match.id),
        reason=reason,
    )
    return _Joined(match, created, joining, told, record)


def _tell_teams(
    policy: Policy,
    match: Match,
    new_flag: Flag,
    new_team: Team,
    live: Iterable[tuple[Flag, Team]],
    decided: Decided,
    *,
    kind: Action,
    now: datetime,
) -> tuple[list[Notification], list[str]]:
    """The new team hears of all others it may see; the others hear of the new team.

    Returns the notices and, for the audit, why contact details were withheld.
    """
    others = _one_per_team((f, t) for f, t in live if t.id != new_team.id)
    told: list[Notification] = []
    withheld: list[str] = []
    new = (new_flag, new_team)

    def card(viewer: tuple[Flag, Team], other: tuple[Flag, Team]) -> dict[str, Any]:
        shown, why = contact_details(policy, viewer, other, decided, now=now)
        if why is not None:
            withheld.append(why)
        return contact_card(*other, shown=shown)

    visible = [card(new, (f, t)) for f, t in others if _may_see(policy, new, f, now=now)]
    if visible:
        payload = {"match": str(match.id), "flag": str(new_flag.id), "teams": visible}
        told.append(new_notification(team=new_team, kind=kind, payload=payload, now=now))
    for other_flag, other_team in others:
        if _may_see(policy, (other_flag, other_team), new_flag, now=now):
            payload = {
                "match": str(match.id),
                "flag": str(other_flag.id),  # the recipient's own flag
                "teams": [card((other_flag, other_team), new)],
            }
            told.append(new_notification(team=other_team, kind=kind, payload=payload, now=now))
    return told, withheld


def _one_per_team(pairs: Iterable[tuple[Flag, Team]]) -> list[tuple[Flag, Team]]:
    seen: dict[uuid.UUID, tuple[Flag, Team]] = {}
    for flag, team in pairs:
        seen.setdefault(team.id, (flag, team))
    return list(seen.values())


def _view(
    session: Session,
    match: Match,
    team: TeamRef,
    policy: Policy,
    now: datetime,
    references: ReferenceSealer,
) -> MatchView | None:
    participants = [
        Participant(t, f, m) for m, f, t in repository.live_members(session, match.id, now=now)
    ]
    own = next((p for p in participants if p.team.id == team.id), None)
    if own is None:
        return None
    decided = contact_requests.decided_on_subject(session, subject_key=match.subject_key)
    others = [
        Participant(
            p.team,
            p.flag,
            p.member,
            contact_details(policy, (own.flag, own.team), (p.flag, p.team), decided, now=now)[0],
        )
        for p in participants
        if p.team.id != team.id and _may_see(policy, (own.flag, own.team), p.flag, now=now)
    ]
    regie = next((p.team.slug for p in participants if p.team.id == match.regie_team_id), None)
    mine = OwnFlag.of(own.flag, references=references)
    return MatchView(match=match, own=own, others=others, regie_team=regie, own_flag=mine)


def list_matches(
    session: Session,
    *,
    team: TeamRef,
    policy: Policy,
    now: datetime,
    references: ReferenceSealer,
) -> Sequence[MatchView]:
    """The team's live matches, showing only the teams the policy lets it see."""
    views = (
        _view(session, m, team, policy, now, references)
        for m in repository.matches_of_team(session, team.id, now=now)
    )
    return [view for view in views if view is not None and view.others]


def _own_view(
    session: Session,
    team: TeamRef,
    policy: Policy,
    match_id: uuid.UUID,
    now: datetime,
    references: ReferenceSealer,
) -> MatchView:
    match = repository.get(session, match_id)
    view = _view(session, match, team, policy, now, references) if match else None
    if view is None:
        raise NotFound("no such match for your team")
    return view


def set_regie(
    session: Session,
    actor: Actor,
    *,
    team: TeamRef,
    policy: Policy,
    match_id: uuid.UUID,
    team_slug: str,
    now: datetime,
    references: ReferenceSealer,
) -> MatchView:
    """Record which member team holds regie (the teams agree on it among themselves)."""
    view = _own_view(session, team, policy, match_id, now, references)
    holder = next((p for p in [view.own, *view.others] if p.team.slug == team_slug), None)
    if holder is None:
        raise InvalidInput("regie can only go to a team in this match")
    view.match.regie_team_id = holder.team.id
    view.match.regie_set_at = now
    session.flush()
    _audit_match(
        session, actor, view, action=Action.MATCH_REGIE, reason=f"regie: {team_slug}", now=now
    )
    return MatchView(
        match=view.match,
        own=view.own,
        others=view.others,
        regie_team=team_slug,
        own_flag=view.own_flag,
    )


def mark_already_in_contact(
    session: Session,
    actor: Actor,
    *,
    team: TeamRef,
    policy: Policy,
    match_id: uuid.UUID,
    in_contact: bool,
    now: datetime,
    references: ReferenceSealer,
) -> MatchView:
    """The most common reason not to follow a match up: "we were already in contact"."""
    view = _own_view(session, team, policy, match_id, now, references)
    view.own.member.already_in_contact_at = now if in_contact else None
    session.flush()
    _audit_match(
        session,
        actor,
        view,
        action=Action.MATCH_CONTACT_STATUS,
        reason=f"already in contact: {in_contact}",
        now=now,
    )
    return view


def _audit_match(
    session: Session, actor: Actor, view: MatchView, *, action: Action, reason: str, now: datetime
) -> None:
    audit.record(
        session,
        actor,
        AuditRecord(
            action=action,
            outcome=Outcome.ALLOWED,
            subject_key=view.match.subject_key,
            object_id=str(view.match.id),
            reason=reason,
        ),
        at=now,
    )
