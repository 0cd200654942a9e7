"""Organisations and teams as the administration API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hub.fields import Email, FreeText, Phone, refuse_identifier
from hub.organisation.models import Domain, Organisation, Team

SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,62}[a-z0-9]$"
DOMAIN_PATTERN = r"^[a-z][a-z0-9_]{1,31}$"

Slug = Annotated[
    str,
    Field(pattern=SLUG_PATTERN, description="Lower case letters, digits and dashes."),
    AfterValidator(refuse_identifier),
]
Name = Annotated[FreeText, Field(min_length=1, max_length=200)]
Oin = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{20}$",
        description="The organisation's OIN (Logius): 20 digits, an organisation's number, "
        "never a person's.",
    ),
]
WebhookUrl = Annotated[str, Field(max_length=500), AfterValidator(refuse_identifier)]


class OrganisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: Name
    kind: Literal["gemeente", "ketenpartner"]
    oin: Oin | None = None


class OrganisationChange(BaseModel):
    """Rename, set the OIN, or deactivate (``active: false``; nothing is deleted)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    oin: Oin | None = None
    active: bool | None = None


class OrganisationOut(BaseModel):
    slug: str
    name: str
    kind: str
    oin: str | None
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, organisation: Organisation) -> OrganisationOut:
        return cls(
            slug=organisation.slug,
            name=organisation.name,
            kind=organisation.kind,
            oin=organisation.oin,
            active=organisation.active,
            created_at=organisation.created_at,
        )


class OrganisationListOut(BaseModel):
    items: list[OrganisationOut]


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: Name
    domain: str = Field(pattern=DOMAIN_PATTERN)
    contact_person: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    webhook_url: WebhookUrl | None = None


class TeamChange(BaseModel):
    """Rename, change the contact details or the webhook (``""`` removes it), or deactivate
    (``active: false``)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    contact_person: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    webhook_url: WebhookUrl | None = None
    active: bool | None = None


class TeamOut(BaseModel):
    slug: str
    name: str
    organisation: str
    domain: str
    contact_person: str | None
    email: str | None
    phone: str | None
    webhook: bool
    active: bool

    @classmethod
    def of(cls, team: Team, organisation: str) -> TeamOut:
        return cls(
            slug=team.slug,
            name=team.name,
            organisation=organisation,
            domain=team.domain_code,
            contact_person=team.contact_person,
            email=team.contact_email,
            phone=team.contact_phone,
            webhook=team.webhook_url is not None,
            active=team.active,
        )


class TeamListOut(BaseModel):
    items: list[TeamOut]


class DomainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=DOMAIN_PATTERN)
    name: Name


class DomainOut(BaseModel):
    code: str
    name: str

    @classmethod
    def of(cls, domain: Domain) -> DomainOut:
        return cls(code=domain.code, name=domain.name)


class DomainListOut(BaseModel):
    items: list[DomainOut]
