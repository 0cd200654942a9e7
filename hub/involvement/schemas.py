"""The involvement check: who else is involved, and nothing more."""

from __future__ import annotations

import re
import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.flag.schemas import CODE_PATTERN, DecisionOut, SubjectIn
from hub.involvement.views import InvolvedTeam, Involvement

CASE_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,63}$"
_IDENTIFIER_LIKE = re.compile(r"[0-9]{8}")


class InvolvementCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: SubjectIn
    purpose: str = Field(pattern=CODE_PATTERN)
    case_ref: str = Field(pattern=CASE_REF_PATTERN)

    @field_validator("case_ref")
    @classmethod
    def _no_identifier_in_case_ref(cls, value: str) -> str:
        # A case reference names the caller's own case; a run of 8+ digits could be a
        # BSN, KvK number or BAG id, which the hub must never receive in clear.
        if _IDENTIFIER_LIKE.search(value):
            raise ValueError("a case reference may not contain 8 or more digits in a row")
        return value


class InvolvedTeamOut(BaseModel):
    domain: str
    team: str
    team_name: str
    since: date
    handle: str = Field(description="Opaque; use it to request contact. Valid for you only.")

    @classmethod
    def of(cls, team: InvolvedTeam) -> InvolvedTeamOut:
        return cls(
            domain=team.domain,
            team=team.team,
            team_name=team.team_name,
            since=team.since,
            handle=team.handle,
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
