"""Flags as callers send and receive them: codes only, never the pseudonym."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crypto.identifiers import IdentifierKind
from hub.fields import Email, FreeText, Phone
from hub.flag.models import Flag
from hub.flag.views import OwnFlag, RegisteredFlag
from hub.pseudonym import PSEUDONYM_CHARS, PSEUDONYM_PATTERN
from hub.references import LABEL_MAX, LABEL_PATTERN, REFERENCE_PATTERN
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


class OwnReferenceIn(BaseModel):
    """Your team's own words on its flag, seen by your team only and stored sealed."""

    model_config = ConfigDict(extra="forbid")

    reference: FreeText | None = Field(
        default=None, pattern=REFERENCE_PATTERN, description="Your case reference."
    )
    label: FreeText | None = Field(
        default=None,
        min_length=1,
        max_length=LABEL_MAX,
        pattern=LABEL_PATTERN,
        description="A short label, one line.",
    )


MAX_DEADLINES = 4
MAX_BATCH = 100


class DeadlineIn(BaseModel):
    """A due date of a flag: a code (e.g. ``laa_terugmelding``) and the day, no content."""

    model_config = ConfigDict(extra="forbid")

    code: FreeText = Field(pattern=CODE_PATTERN)
    due_on: date


def _once_each(deadlines: list[DeadlineIn]) -> list[DeadlineIn]:
    codes = [each.code for each in deadlines]
    if len(set(codes)) != len(codes):
        raise ValueError("each deadline code may be given once")
    return deadlines


class DeadlinesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deadlines: list[DeadlineIn] = Field(max_length=MAX_DEADLINES)

    _unique = field_validator("deadlines")(_once_each)


class DeadlineOut(BaseModel):
    code: str
    due_at: datetime


class FlagIn(OwnReferenceIn):
    model_config = ConfigDict(extra="forbid")

    subject: SubjectIn
    purpose: FreeText = Field(pattern=CODE_PATTERN)
    legal_basis: FreeText | None = Field(default=None, pattern=CODE_PATTERN)
    expires_on: date | None = None
    contact: ContactIn | None = None
    convenant: FreeText | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9-]{1,62}[a-z0-9]$",
        description="A convenant in force to register under (its slug): the flag shows to "
        "its partners and expires when the convenant ends.",
    )
    deadlines: list[DeadlineIn] = Field(
        default_factory=list,
        max_length=MAX_DEADLINES,
        description="Due dates (codes and days): your team is warned before each.",
    )

    _unique = field_validator("deadlines")(_once_each)


class FlagBatchIn(BaseModel):
    """Up to 100 registrations in one transaction (a connector's import)."""

    model_config = ConfigDict(extra="forbid")

    flags: list[FlagIn] = Field(min_length=1, max_length=MAX_BATCH)


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
    reference: str | None = Field(default=None, description="Your team's own case reference.")
    label: str | None = Field(default=None, description="Your team's own short label.")

    @classmethod
    def of_own(cls, own: OwnFlag, team_slug: str) -> FlagOut:
        """One of your team's flags, with its own reference and label."""
        return cls.of(own.flag, team_slug, reference=own.reference, label=own.label)

    @classmethod
    def of(
        cls,
        flag: Flag,
        team_slug: str,
        *,
        reference: str | None = None,
        label: str | None = None,
    ) -> FlagOut:
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
            reference=reference,
            label=label,
        )


class OwnFlagOut(BaseModel):
    """Which of your own flags something is about; shown to your team only."""

    id: uuid.UUID
    purpose: str
    registered_at: datetime
    expires_at: datetime
    reference: str | None = Field(description="Your team's own case reference, if set.")
    label: str | None = Field(description="Your team's own short label, if set.")

    @classmethod
    def of(cls, flag: OwnFlag) -> OwnFlagOut:
        return cls(
            id=flag.id,
            purpose=flag.purpose,
            registered_at=flag.registered_at,
            expires_at=flag.expires_at,
            reference=flag.reference,
            label=flag.label,
        )


class RegisteredFlagOut(BaseModel):
    flag: FlagOut
    decision: DecisionOut

    @classmethod
    def of(cls, registered: RegisteredFlag) -> RegisteredFlagOut:
        return cls(
            flag=FlagOut.of(
                registered.flag,
                registered.team.slug,
                reference=registered.reference,
                label=registered.label,
            ),
            decision=DecisionOut.of(registered.decision),
        )


class FlagListOut(BaseModel):
    items: list[FlagOut]
    limit: int
    offset: int


class BatchItemOut(BaseModel):
    """One registration of a batch: its status and flag, or its problem."""

    status: int
    flag: FlagOut | None = None
    decision: DecisionOut | None = None
    problem: dict[str, Any] | None = Field(
        default=None, description="As the single route would answer it (problem+json)."
    )


class FlagBatchOut(BaseModel):
    items: list[BatchItemOut]


class FlagDeadlinesOut(BaseModel):
    flag: uuid.UUID
    deadlines: list[DeadlineOut]
