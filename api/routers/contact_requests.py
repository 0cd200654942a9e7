"""Contact requests: ask, decide, withdraw."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from api.deps import (
    ActingTeam,
    BusyWritesDep,
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
from hub.contact_request.service import ContactAsk
from hub.fields import MAX_POSITION

router = APIRouter(prefix="/contact-requests", tags=["contact requests"], responses=errors(503))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ContactRequestOut,
    responses=errors(400, 404, 409),
)
async def request_contact(
    body: ContactRequestIn, actor: Professional, runtime: RuntimeDep, busy: BusyWritesDep
) -> Response:
    """Ask the owner of a flag you saw in your own involvement check to get in touch."""
    # async: the request joins a group commit (hub/fastpath/groups.py), not a thread
    view = await busy.contact_requests.submit(
        ContactAsk(
            actor=actor,
            handle=body.handle,
            purpose=body.purpose,
            email=body.email,
            phone=body.phone,
            case_ref=body.case_ref,
        )
    )
    answer = ContactRequestOut.of(view)
    # Serialised here, once: FastAPI would validate the model again and encode it twice.
    return Response(
        answer.model_dump_json(), status_code=status.HTTP_201_CREATED, media_type="application/json"
    )


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
