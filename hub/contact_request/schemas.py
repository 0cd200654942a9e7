"""Contact requests as each side sees them."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from hub.contact_request.models import DeclineReason
from hub.contact_request.views import RequestView
from hub.fields import Email, FreeText, Phone
from hub.flag.schemas import CODE_PATTERN, DecisionOut, OwnFlagOut
from hub.involvement.schemas import CASE_REF_PATTERN


class ContactRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handle: str = Field(min_length=20, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")
    purpose: FreeText = Field(pattern=CODE_PATTERN)
    email: Email | None = None
    phone: Phone | None = None
    case_ref: FreeText | None = Field(
        default=None,
        pattern=CASE_REF_PATTERN,
        description="Your own case reference, to share with the flag's owner (optional).",
    )


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: DeclineReason


class PartyOut(BaseModel):
    team: str
    team_name: str
    name: str | None
    email: str | None
    phone: str | None


class ContactRequestOut(BaseModel):
    id: uuid.UUID
    direction: str
    status: str
    purpose: str
    domain: str
    from_team: str
    from_team_name: str
    to_team: str
    to_team_name: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    decline_reason: str | None
    decision: DecisionOut
    contact: PartyOut | None = Field(description="The other side's contact, once accepted.")
    requester_case_ref: str | None = Field(
        default=None, description="The requester's own case reference, if it shared it."
    )
    flag: OwnFlagOut | None = Field(
        default=None, description="Which of your flags the request is about (owner only)."
    )

    @classmethod
    def of(cls, view: RequestView) -> ContactRequestOut:
        request = view.request
        return cls(
            id=request.id,
            direction=view.direction,
            status=request.status,
            purpose=request.purpose,
            domain=view.domain,
            from_team=view.requester_team.slug,
            from_team_name=view.requester_team.name,
            to_team=view.owner_team.slug,
            to_team_name=view.owner_team.name,
            created_at=request.created_at,
            expires_at=request.expires_at,
            decided_at=request.decided_at,
            decline_reason=request.decline_reason,
            decision=DecisionOut(
                rule_id=request.rule_id,
                legal_basis=request.legal_basis,
                policy_version=request.policy_version,
            ),
            contact=PartyOut(**view.other_contact) if view.other_contact else None,
            requester_case_ref=view.case_ref,
            flag=OwnFlagOut.of(view.flag) if view.flag else None,
        )


class ContactRequestListOut(BaseModel):
    items: list[ContactRequestOut]
