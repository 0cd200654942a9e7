"""Contact requests: ask, decide, withdraw."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from api.deps import (
    ActingTeam,
    CurrentPolicy,
    DbSession,
    Now,
    Professional,
    References,
    RuntimeDep,
    TeamMember,
)
from api.openapi import errors
from hub.contact_request import service
from hub.contact_request.schemas import (
    ContactRequestIn,
    ContactRequestListOut,
    ContactRequestOut,
    DeclineIn,
)
from hub.fields import MAX_POSITION

router = APIRouter(prefix="/contact-requests", tags=["contact requests"], responses=errors(503))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ContactRequestOut,
    responses=errors(400, 404, 409),
)
def request_contact(
    body: ContactRequestIn,
    session: DbSession,
    actor: Professional,
    team: ActingTeam,
    policy: CurrentPolicy,
    runtime: RuntimeDep,
    now: Now,
) -> ContactRequestOut:
    """Ask the owner of a flag you saw in your own involvement check to get in touch."""
    view = service.request_contact(
        session,
        actor,
        team=team,
        policy=policy,
        handles=runtime.handles,
        handle=body.handle,
        purpose=body.purpose,
        email=body.email,
        phone=body.phone,
        case_ref=body.case_ref,
        now=now,
        references=runtime.references,
        convenants=runtime.convenants,
        policy_for=runtime.policy_for,
    )
    return ContactRequestOut.of(view)


@router.get("", response_model=ContactRequestListOut)
def list_requests(
    session: DbSession,
    actor: TeamMember,
    team: ActingTeam,
    now: Now,
    references: References,
    direction: Annotated[Literal["incoming", "outgoing"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
) -> ContactRequestListOut:
    """Requests to and from your team."""
    views = service.list_requests(
        session,
        actor,
        team=team,
        direction=direction,
        limit=limit,
        offset=offset,
        now=now,
        references=references,
    )
    return ContactRequestListOut(items=[ContactRequestOut.of(v) for v in views])


@router.get("/{request_id}", response_model=ContactRequestOut, responses=errors(404))
def get_request(
    request_id: uuid.UUID,
    session: DbSession,
    actor: TeamMember,
    team: ActingTeam,
    now: Now,
    references: References,
) -> ContactRequestOut:
    """One request to or from your team; to the owner with the flag it is about."""
    return ContactRequestOut.of(
        service.get_request(
            session, actor, team=team, request_id=request_id, now=now, references=references
        )
    )


@router.post(
    "/{request_id}/acceptance", response_model=ContactRequestOut, responses=errors(404, 409)
)
def accept(
    request_id: uuid.UUID,
    session: DbSession,
    actor: Professional,
    team: ActingTeam,
    now: Now,
    references: References,
) -> ContactRequestOut:
    """Accept: both sides receive each other's contact details."""
    view = service.decide(
        session,
        actor,
        team=team,
        request_id=request_id,
        accept=True,
        now=now,
        references=references,
    )
    return ContactRequestOut.of(view)


@router.post(
    "/{request_id}/decline", response_model=ContactRequestOut, responses=errors(400, 404, 409)
)
def decline(
    request_id: uuid.UUID,
    body: DeclineIn,
    session: DbSession,
    actor: Professional,
    team: ActingTeam,
    now: Now,
    references: References,
) -> ContactRequestOut:
    """Decline with a reason code."""
    view = service.decide(
        session,
        actor,
        team=team,
        request_id=request_id,
        accept=False,
        reason=body.reason,
        now=now,
        references=references,
    )
    return ContactRequestOut.of(view)


@router.post(
    "/{request_id}/withdrawal", response_model=ContactRequestOut, responses=errors(404, 409)
)
def withdraw(
    request_id: uuid.UUID,
    session: DbSession,
    actor: Professional,
    team: ActingTeam,
    now: Now,
    references: References,
) -> ContactRequestOut:
    """Withdraw your pending request."""
    return ContactRequestOut.of(
        service.withdraw(
            session, actor, team=team, request_id=request_id, now=now, references=references
        )
    )
