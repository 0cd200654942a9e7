"""The involvement check, as a POST so nothing identifier-derived sits in a URL."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import DbSession, InvolvementChecker, RuntimeDep
from hub.flag.schemas import DecisionOut
from hub.lookup import service
from hub.lookup.schemas import InvolvedTeamOut, InvolvementCheckIn, InvolvementOut

router = APIRouter(prefix="/involvement-checks", tags=["involvement"])


@router.post("", response_model=InvolvementOut)
def check_involvement(
    body: InvolvementCheckIn, session: DbSession, actor: InvolvementChecker, runtime: RuntimeDep
) -> InvolvementOut:
    """Which other teams are involved with this subject, as far as the policy allows."""
    subject = runtime.keyer.subject(body.subject.kind, body.subject.pseudonym)
    result = service.check_involvement(
        session,
        actor,
        runtime=runtime,
        subject=subject,
        purpose=body.purpose,
        case_ref=body.case_ref,
    )
    return InvolvementOut(
        check_id=result.check_id,
        own_team_involved=result.own_team_involved,
        involved=[
            InvolvedTeamOut(
                domain=t.domain, team=t.team, team_name=t.team_name, since=t.since, handle=t.handle
            )
            for t in result.involved
        ],
        decision=DecisionOut.of(result.decision),
    )
