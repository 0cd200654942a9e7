"""Flags as callers send and receive them: codes only, never the pseudonym."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from crypto.identifiers import IdentifierKind
from hub.fields import Email, FreeText, Phone
from hub.flag.models import Flag
from hub.flag.views import RegisteredFlag
from hub.pseudonym import PSEUDONYM_CHARS, PSEUDONYM_PATTERN
from policies import Decision

CODE_PATTERN = r"^[a-z][a-z0-9_]{1,63}$"


class SubjectIn(BaseModel):
    """A subject as a client pseudonymised it."""

    model_config = ConfigDict(extra="forbid")

    kind: IdentifierKind
    pseudonym: str = Field(
        min_length=PSEUDONYM_CHARS,
        max_length=PSEUDONYM_CHARS,
        pattern=PSEUDONYM_PATTERN,
        description="The pseudonymiser's 64-byte output, base64url without padding, canonical.",
    )


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: FreeText = Field(min_length=1, max_length=200)
    email: Email | None = None
    phone: Phone | None = None


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: SubjectIn
    purpose: FreeText = Field(pattern=CODE_PATTERN)
    legal_basis: FreeText | None = Field(default=None, pattern=CODE_PATTERN)
    expires_on: date | None = None
    contact: ContactIn | None = None


class RenewalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expires_on: date | None = None


class DecisionOut(BaseModel):
    """Which rule and grondslag allowed this, under which policy version."""

    rule_id: str | None
    legal_basis: str | None
    policy_version: str

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls(
            rule_id=decision.rule_id,
            legal_basis=decision.legal_basis,
            policy_version=decision.policy_version,
        )


class FlagOut(BaseModel):
    id: uuid.UUID
    team: str
    domain: str
    subject_type: str
    purpose: str
    legal_basis: str
    status: str
    registered_at: datetime
    expires_at: datetime
    withdrawn_at: datetime | None
    contact_name: str

    @classmethod
    def of(cls, flag: Flag, team_slug: str) -> FlagOut:
        return cls(
            id=flag.id,
            team=team_slug,
            domain=flag.domain_code,
            subject_type=flag.subject_type,
            purpose=flag.purpose,
            legal_basis=flag.legal_basis,
            status=flag.status,
            registered_at=flag.registered_at,
            expires_at=flag.expires_at,
            withdrawn_at=flag.withdrawn_at,
            contact_name=flag.contact_name,
        )


class RegisteredFlagOut(BaseModel):
    flag: FlagOut
    decision: DecisionOut

    @classmethod
    def of(cls, registered: RegisteredFlag) -> RegisteredFlagOut:
        return cls(
            flag=FlagOut.of(registered.flag, registered.team.slug),
            decision=DecisionOut.of(registered.decision),
        )


class FlagListOut(BaseModel):
    items: list[FlagOut]
    limit: int
    offset: int
