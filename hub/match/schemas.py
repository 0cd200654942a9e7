"""Matches as a member team sees them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class ContactOut(BaseModel):
    name: str
    email: str | None
    phone: str | None


class MatchTeamOut(BaseModel):
    team: str
    team_name: str
    domain: str
    since: date
    contact: ContactOut
    already_in_contact: bool


class MatchOut(BaseModel):
    id: uuid.UUID
    created_at: datetime
    regie_team: str | None
    already_in_contact: bool
    teams: list[MatchTeamOut]


class MatchListOut(BaseModel):
    items: list[MatchOut]


class RegieIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team: str


class ContactStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    already_in_contact: bool
