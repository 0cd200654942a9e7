"""The involvement check, as a POST so nothing identifier-derived sits in a URL."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import BusyWritesDep, InvolvementChecker, RuntimeDep
from api.openapi import errors
from hub.involvement.schemas import InvolvementCheckIn, InvolvementOut
from hub.involvement.service import CheckRequest

router = APIRouter(prefix="/involvement-checks", tags=["involvement"], responses=errors(503))


@router.post("", response_model=InvolvementOut, responses=errors(429))
async def check_involvement(
    body: InvolvementCheckIn, actor: InvolvementChecker, runtime: RuntimeDep, busy: BusyWritesDep
) -> Response:
    """Which other teams are involved with this subject, as far as the policy allows."""
    # async: the check joins a group commit (hub/fastpath/groups.py), not a thread of its own
    subject = runtime.keyer.subject(body.subject.kind, body.subject.pseudonym)
    result = await busy.checks.submit(
        CheckRequest(actor=actor, subject=subject, purpose=body.purpose, case_ref=body.case_ref)
    )
    answer = InvolvementOut.of(result)
    # Serialised here, once: FastAPI would validate the model again and encode it twice.
    return Response(answer.model_dump_json(), media_type="application/json")
