"""Contact requests: ask, decide, withdraw."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from api.deps import DbSession, Professional, RuntimeDep, TeamMember, in_transaction
from hub.contact_request import service
from hub.contact_request.schemas import (
    ContactRequestIn,
    ContactRequestListOut,
    ContactRequestOut,
    DeclineIn,
)

router = APIRouter(prefix="/contact-requests", tags=["contact requests"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ContactRequestOut)
async def request_contact(
    body: ContactRequestIn, actor: Professional, runtime: RuntimeDep
) -> ContactRequestOut:
    """Ask the owner of a flag you saw in your own involvement check to get in touch."""

    def request(session: Session) -> ContactRequestOut:
        view = service.request_contact(
            session,
            actor,
            runtime=runtime,
            handle=body.handle,
            purpose=body.purpose,
            email=body.email,
            phone=body.phone,
        )
        return ContactRequestOut.of(view)

    return await in_transaction(runtime, actor, request)


@router.get("", response_model=ContactRequestListOut)
def list_requests(
    session: DbSession,
    actor: TeamMember,
    runtime: RuntimeDep,
    direction: Annotated[Literal["incoming", "outgoing"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ContactRequestListOut:
    """Requests to and from your team."""
    views = service.list_requests(
        session, actor, runtime=runtime, direction=direction, limit=limit, offset=offset
    )
    return ContactRequestListOut(items=[ContactRequestOut.of(v) for v in views])


@router.get("/{request_id}", response_model=ContactRequestOut)
def get_request(
    request_id: uuid.UUID, session: DbSession, actor: TeamMember, runtime: RuntimeDep
) -> ContactRequestOut:
    return ContactRequestOut.of(
        service.get_request(session, actor, runtime=runtime, request_id=request_id)
    )


@router.post("/{request_id}/acceptance", response_model=ContactRequestOut)
def accept(
    request_id: uuid.UUID, session: DbSession, actor: Professional, runtime: RuntimeDep
) -> ContactRequestOut:
    """Accept: both sides receive each other's contact details."""
    view = service.decide(session, actor, runtime=runtime, request_id=request_id, accept=True)
    return ContactRequestOut.of(view)


@router.post("/{request_id}/decline", response_model=ContactRequestOut)
def decline(
    request_id: uuid.UUID,
    body: DeclineIn,
    session: DbSession,
    actor: Professional,
    runtime: RuntimeDep,
) -> ContactRequestOut:
    """Decline with a reason code."""
    view = service.decide(
        session, actor, runtime=runtime, request_id=request_id, accept=False, reason=body.reason
    )
    return ContactRequestOut.of(view)


@router.post("/{request_id}/withdrawal", response_model=ContactRequestOut)
def withdraw(
    request_id: uuid.UUID, session: DbSession, actor: Professional, runtime: RuntimeDep
) -> ContactRequestOut:
    """Withdraw your pending request."""
    return ContactRequestOut.of(
        service.withdraw(session, actor, runtime=runtime, request_id=request_id)
    )
