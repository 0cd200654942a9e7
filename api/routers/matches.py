"""Matches of my team: who else is involved, who holds regie, already in contact."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import ActingTeam, CurrentPolicy, DbSession, Now, References, TeamMember
from api.openapi import errors
from hub.match import service
from hub.match.schemas import ContactStatusIn, MatchListOut, MatchOut, RegieIn

router = APIRouter(prefix="/matches", tags=["matches"], responses=errors(503))


@router.get("", response_model=MatchListOut)
def list_matches(
    session: DbSession,
    _: TeamMember,
    team: ActingTeam,
    policy: CurrentPolicy,
    now: Now,
    references: References,
) -> MatchListOut:
    """Live matches of your team, with the other teams the policy lets you see and your
    own flag in each, with your own reference."""
    views = service.list_matches(session, team=team, policy=policy, now=now, references=references)
    return MatchListOut(items=[MatchOut.of(view) for view in views])


@router.put("/{match_id}/regie", response_model=MatchOut, responses=errors(400, 404))
def set_regie(
    match_id: uuid.UUID,
    body: RegieIn,
    session: DbSession,
    actor: TeamMember,
    team: ActingTeam,
    policy: CurrentPolicy,
    now: Now,
    references: References,
) -> MatchOut:
    """Record which team in the match holds regie."""
    view = service.set_regie(
        session,
        actor,
        team=team,
        policy=policy,
        match_id=match_id,
        team_slug=body.team,
        now=now,
        references=references,
    )
    return MatchOut.of(view)


@router.put("/{match_id}/contact-status", response_model=MatchOut, responses=errors(404))
def set_contact_status(
    match_id: uuid.UUID,
    body: ContactStatusIn,
    session: DbSession,
    actor: TeamMember,
    team: ActingTeam,
    policy: CurrentPolicy,
    now: Now,
    references: References,
) -> MatchOut:
    """Mark that your team was already in contact with the others."""
    view = service.mark_already_in_contact(
        session,
        actor,
        team=team,
        policy=policy,
        match_id=match_id,
        in_contact=body.already_in_contact,
        now=now,
        references=references,
    )
    return MatchOut.of(view)
