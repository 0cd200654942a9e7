"""The involvement check: who else is involved, and nothing more."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from hub.fields import FreeText
from hub.flag.schemas import CODE_PATTERN, DecisionOut, SubjectIn
from hub.involvement.views import InvolvedTeam, Involvement

CASE_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,63}$"


class InvolvementCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: SubjectIn
    purpose: FreeText = Field(pattern=CODE_PATTERN)
    case_ref: FreeText = Field(pattern=CASE_REF_PATTERN)


class InvolvedTeamOut(BaseModel):
    domain: str
    team: str
    team_name: str
    since: date
    handle: str = Field(description="Opaque; use it to request contact. Valid for you only.")
    organisation: str | None = Field(
        default=None,
        description="The partner organisation, for a team seen under a convenant; "
        "absent for your own organisation's teams.",
    )

    @classmethod
    def of(cls, team: InvolvedTeam) -> InvolvedTeamOut:
        return cls(
            domain=team.domain,
            team=team.team,
            team_name=team.team_name,
            since=team.since,
            handle=team.handle,
            organisation=team.organisation,
        )


class InvolvementOut(BaseModel):
    check_id: uuid.UUID
    own_team_involved: bool
    involved: list[InvolvedTeamOut]
    decision: DecisionOut

    @classmethod
    def of(cls, result: Involvement) -> InvolvementOut:
        return cls(
            check_id=result.check_id,
            own_team_involved=result.own_team_involved,
            involved=[InvolvedTeamOut.of(team) for team in result.involved],
            decision=DecisionOut.of(result.decision),
        )
