"""Flags: register (one, or a batch), list my team's, withdraw, renew, due dates."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import (
    ActingTeam,
    BusyWritesDep,
    CurrentPolicy,
    DbSession,
    FlagReader,
    FlagWriter,
    Now,
    References,
    RuntimeDep,
)
from api.openapi import errors
from hub.actor import Actor
from hub.errors import HubError
from hub.fields import MAX_POSITION
from hub.flag import service
from hub.flag.models import FlagStatus
from hub.flag.schemas import (
    BatchItemOut,
    DeadlineOut,
    DeadlinesIn,
    FlagBatchIn,
    FlagBatchOut,
    FlagDeadlinesOut,
    FlagIn,
    FlagListOut,
    FlagOut,
    OwnReferenceIn,
    RegisteredFlagOut,
    RenewalIn,
)
from hub.flag.service import Registration
from hub.flag.views import RegisteredFlag
from hub.runtime import Runtime

router = APIRouter(prefix="/flags", tags=["flags"], responses=errors(503))
batches = APIRouter(prefix="/flag-batches", tags=["flags"], responses=errors(503))


def _registration(body: FlagIn, actor: Actor, runtime: Runtime) -> Registration:
    return Registration(
        actor=actor,
        subject=runtime.keyer.subject(body.subject.kind, body.subject.pseudonym),
        purpose=body.purpose,
        legal_basis=body.legal_basis,
        expires_on=body.expires_on,
        contact=body.contact,
        reference=body.reference,
        label=body.label,
        convenant=body.convenant,
        deadlines=tuple((each.code, each.due_on) for each in body.deadlines),
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RegisteredFlagOut,
    responses=errors(400, 409),
)
async def register_flag(
    body: FlagIn, actor: FlagWriter, runtime: RuntimeDep, busy: BusyWritesDep
) -> Response:
    """Register that your team is involved with a subject (pseudonymised by the client)."""
    # async: the registration joins a group commit (hub/fastpath/groups.py), not a thread
    registered = await busy.registrations.submit(_registration(body, actor, runtime))
    answer = RegisteredFlagOut.of(registered)
    # Serialised here, once: FastAPI would validate the model again and encode it twice.
    return Response(
        answer.model_dump_json(), status_code=status.HTTP_201_CREATED, media_type="application/json"
    )


@router.get("", response_model=FlagListOut)
def list_flags(
    session: DbSession,
    actor: FlagReader,
    team: ActingTeam,
    references: References,
    status_filter: Annotated[FlagStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
) -> FlagListOut:
    """Your own team's flags, newest first, with your own references and labels."""
    flags = service.list_team_flags(
        session, team=team, status=status_filter, limit=limit, offset=offset, references=references
    )
    return FlagListOut(
        items=[FlagOut.of_own(f, team.slug) for f in flags], limit=limit, offset=offset
    )


@router.delete("/{flag_id}", response_model=FlagOut, responses=errors(404, 409))
def withdraw_flag(
    flag_id: uuid.UUID,
    session: DbSession,
    actor: FlagWriter,
    team: ActingTeam,
    now: Now,
    references: References,
) -> FlagOut:
    """Withdraw one of your team's flags; it leaves involvement checks at once."""
    flag = service.withdraw_flag(
        session, actor, team=team, flag_id=flag_id, now=now, references=references
    )
    return FlagOut.of_own(flag, team.slug)


@router.put("/{flag_id}/own-reference", response_model=FlagOut, responses=errors(404))
def set_own_reference(
    flag_id: uuid.UUID,
    body: OwnReferenceIn,
    session: DbSession,
    actor: FlagWriter,
    team: ActingTeam,
    now: Now,
    references: References,
) -> FlagOut:
    """Set or clear your team's own case reference and label on one of its flags.

    Only your team ever sees them; the hub stores them sealed.
    """
    flag = service.set_own_words(
        session,
        actor,
        team=team,
        flag_id=flag_id,
        reference=body.reference,
        label=body.label,
        now=now,
        references=references,
    )
    return FlagOut.of_own(flag, team.slug)


@router.post("/{flag_id}/renewal", response_model=FlagOut, responses=errors(400, 404, 409))
def renew_flag(
    flag_id: uuid.UUID,
    body: RenewalIn,
    session: DbSession,
    actor: FlagWriter,
    team: ActingTeam,
    policy: CurrentPolicy,
    now: Now,
    references: References,
) -> FlagOut:
    """Extend one of your team's live flags, at most the policy's maximum from today."""
    flag = service.renew_flag(
        session,
        actor,
        team=team,
        policy=policy,
        flag_id=flag_id,
        expires_on=body.expires_on,
        now=now,
        references=references,
    )
    return FlagOut.of_own(flag, team.slug)


@router.put(
    "/{flag_id}/deadlines", response_model=FlagDeadlinesOut, responses=errors(400, 404, 409)
)
def set_deadlines(
    flag_id: uuid.UUID,
    body: DeadlinesIn,
    session: DbSession,
    actor: FlagWriter,
    team: ActingTeam,
    now: Now,
) -> FlagDeadlinesOut:
    """Replace the due dates of one of your team's live flags; your team is warned before
    each (``BETROKKEN_DEADLINE_WARNING_DAYS``)."""
    kept = service.set_deadlines(
        session,
        actor,
        team=team,
        flag_id=flag_id,
        deadlines=[(each.code, each.due_on) for each in body.deadlines],
        now=now,
    )
    return FlagDeadlinesOut(
        flag=flag_id, deadlines=[DeadlineOut(code=d.code, due_at=d.due_at) for d in kept]
    )


@batches.post("", response_model=FlagBatchOut, responses=errors(400))
def register_batch(
    body: FlagBatchIn, session: DbSession, actor: FlagWriter, team: ActingTeam, runtime: RuntimeDep
) -> FlagBatchOut:
    """Register up to 100 flags in one transaction, as if one after another (a connector's
    import): each item answers as ``POST /flags`` would, with its flag or its problem.
    The acting team (``team``) is checked first: a team not in the token is a 403."""
    runtime.refresh_kept_if_stale()
    outcomes = service.register_group(
        session,
        [_registration(each, actor, runtime) for each in body.flags],
        policy=runtime.policy_for,
        now=runtime.clock.now(),
        teams=runtime.teams,
        references=runtime.references,
        convenants=runtime.convenants,
    )
    return FlagBatchOut(items=[_item(outcome) for outcome in outcomes])


def _item(outcome: RegisteredFlag | HubError) -> BatchItemOut:
    if isinstance(outcome, HubError):
        problem = {
            "status": outcome.status,
            "code": outcome.code,
            "title": outcome.title,
            "detail": outcome.detail,
            **{key: value for key, value in outcome.extra.items() if key != "headers"},
        }
        return BatchItemOut(status=outcome.status, problem=problem)
    answer = RegisteredFlagOut.of(outcome)
    return BatchItemOut(status=201, flag=answer.flag, decision=answer.decision)
