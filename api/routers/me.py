"""``GET /api/v1/me``: who you are, your teams, and what the policy lets your team do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import CurrentPolicy, DbSession, Now, get_actor
from api.openapi import errors
from hub.actor import Actor
from hub.profile import service
from hub.profile.schemas import MeOut

router = APIRouter(tags=["me"], responses=errors(503))

Caller = Annotated[Actor, Depends(get_actor)]


@router.get("/me", response_model=MeOut)
def me(session: DbSession, actor: Caller, policy: CurrentPolicy, now: Now) -> MeOut:
    """You, your teams, and per purpose what your acting team may check, register and see
    today. It says nothing about any subject."""
    return MeOut.of(service.profile(session, actor, policy=policy, now=now))
