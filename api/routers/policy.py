"""The policy of your organisation, for its privacy officer and beheerders: the version in
force shown whole, a decision explained rule by rule, the decisions that change between two
versions. (Uploading, approving and rejecting a version: ``admin.py``.)

All of it concerns the caller's own organisation (the token's) and no subject; it changes
nothing, so it is not audited.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import DbSession, Now, RuntimeDep, require
from api.openapi import errors
from hub.actor import Actor, Role
from hub.policy_view import service
from hub.policy_view.schemas import DecisionChangesOut, ExplanationOut, PolicyViewOut
from policies import ROLES, SUBJECT_TYPES, Action

router = APIRouter(prefix="/policy", tags=["policy"], responses=errors(503))

Reader = Annotated[
    Actor,
    Depends(
        require(Role.PRIVACY_OFFICER, Role.FUNCTIONEEL_BEHEERDER, Role.HUB_OPERATOR, Role.ADMIN)
    ),
]
VERSION = r"^[0-9a-f]{8,64}$"
SLUG = r"^[a-z][a-z0-9-]{1,62}[a-z0-9]$"
TERM = r"^[a-z][a-z0-9_]{0,63}$"
On = Annotated[date | None, Query(description="The day (default today).")]


@router.get("", response_model=PolicyViewOut)
def show_policy(
    session: DbSession, actor: Reader, runtime: RuntimeDep, now: Now, on: On = None
) -> PolicyViewOut:
    """The policy in force for your organisation: domains, purposes, grondslagen with their
    articles and open questions, rules with their lines, the visibility matrix; and every
    version you may compare (the hub's policy file too)."""
    runtime.refresh_kept_if_stale()
    found = service.view(session, actor, kept=runtime.policies, on=on or now.date())
    return PolicyViewOut.of(found)


@router.get("/explanation", response_model=ExplanationOut, responses=errors(404))
def explain_decision(
    session: DbSession,
    actor: Reader,
    runtime: RuntimeDep,
    now: Now,
    team: Annotated[str, Query(pattern=SLUG, description="The asking team (yours).")],
    purpose: Annotated[str, Query(pattern=TERM)],
    action: Action = Action.SEE,
    target_team: Annotated[
        str | None, Query(pattern=SLUG, description="The team seen or contacted.")
    ] = None,
    role: Annotated[str, Query(pattern=f"^({'|'.join(ROLES)})$")] = "professional",
    subject_type: Annotated[str, Query(pattern=f"^({'|'.join(SUBJECT_TYPES)})$")] = "person",
    legal_basis: Annotated[str | None, Query(pattern=TERM)] = None,
    on: On = None,
) -> ExplanationOut:
    """May team X (a member in ``role``) see, or contact, team Y for purpose P on day D?
    Answered by the policy in force that day, rule by rule with their lines."""
    runtime.refresh_kept_if_stale()
    found = service.explain_decision(
        session,
        actor,
        kept=runtime.policies,
        action=action,
        team=team,
        target_team=target_team,
        purpose=purpose,
        on=on or now.date(),
        role=role,
        subject_type=subject_type,
        legal_basis=legal_basis,
    )
    return ExplanationOut.of(found)


@router.get("/diff", response_model=DecisionChangesOut, responses=errors(404))
def diff_versions(
    session: DbSession,
    actor: Reader,
    runtime: RuntimeDep,
    now: Now,
    old: Annotated[str, Query(pattern=VERSION)],
    new: Annotated[str, Query(pattern=VERSION)],
    on: On = None,
) -> DecisionChangesOut:
    """Which decisions change from version ``old`` to ``new`` (your organisation's stored
    versions, or the hub's policy file), grouped: about a second the first time."""
    runtime.refresh_kept_if_stale()
    found = service.diff_versions(
        session,
        actor,
        kept=runtime.policies,
        old=old,
        new=new,
        on=on or now.date(),
    )
    return DecisionChangesOut.of(found)
