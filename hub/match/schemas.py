"""Matches as a member team sees them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from hub.fields import FreeText
from hub.flag.schemas import OwnFlagOut
from hub.match.views import MatchView, Participant


class ContactOut(BaseModel):
    name: str
    email: str | None
    phone: str | None
    team_contact_person: str | None = Field(
        default=None,
        description="The team's contact person as its beheerder keeps it (read when the "
        "match is shown, so a change shows at once).",
    )


class MatchTeamOut(BaseModel):
    team: str
    team_name: str
    domain: str
    since: date
    contact_details: str = Field(
        description="'shown', or why the contact person is not: 'on_request' (ask through a "
        "contact request), 'never' (the policy), 'declined' (the team declined your request)."
    )
    contact: ContactOut | None
    already_in_contact: bool

    @classmethod
    def of(cls, participant: Participant) -> MatchTeamOut:
        flag, team = participant.flag, participant.team
        return cls(
            team=team.slug,
            team_name=team.name,
            domain=team.domain_code,
            since=flag.registered_at.date(),
            contact_details=participant.contact_details,
            contact=ContactOut(
                name=flag.contact_name,
                email=flag.contact_email,
                phone=flag.contact_phone,
                team_contact_person=team.contact_person,
            )
            if participant.contact_details == "shown"
            else None,
            already_in_contact=participant.member.already_in_contact_at is not None,
        )


class MatchOut(BaseModel):
    id: uuid.UUID
    created_at: datetime
    regie_team: str | None
    already_in_contact: bool
    flag: OwnFlagOut | None = Field(
        default=None, description="Your own flag in the match, with your own reference."
    )
    teams: list[MatchTeamOut]

    @classmethod
    def of(cls, view: MatchView) -> MatchOut:
        return cls(
            id=view.match.id,
            created_at=view.match.created_at,
            regie_team=view.regie_team,
            already_in_contact=view.own.member.already_in_contact_at is not None,
            flag=OwnFlagOut.of(view.own_flag) if view.own_flag else None,
            teams=[MatchTeamOut.of(p) for p in view.others],
        )


class MatchListOut(BaseModel):
    items: list[MatchOut]


class RegieIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team: FreeText = Field(max_length=64)


class ContactStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    already_in_contact: bool
