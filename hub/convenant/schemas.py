"""Convenants as the administration API takes and shows them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hub.convenant.service import ConvenantView
from hub.fields import FreeText
from hub.flag.schemas import CODE_PATTERN
from hub.organisation.schemas import DOMAIN_PATTERN, Name, Slug

DomainCode = Annotated[str, Field(pattern=DOMAIN_PATTERN)]
PurposeCode = Annotated[FreeText, Field(pattern=CODE_PATTERN)]


class ConvenantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: Name
    partners: list[Slug] = Field(min_length=2, max_length=50)
    domains: list[DomainCode] = Field(min_length=1, max_length=50)
    purposes: list[PurposeCode] = Field(min_length=1, max_length=20)
    legal_basis: FreeText = Field(pattern=CODE_PATTERN, description="The grondslag's id.")
    starts_on: dt.date
    ends_on: dt.date
    responsible: Name = Field(description="The person responsible for the convenant.")


class ConvenantOut(BaseModel):
    slug: str
    name: str
    partners: list[str]
    domains: list[str]
    purposes: list[str]
    legal_basis: str
    starts_on: dt.date
    ends_on: dt.date
    responsible: str
    active: bool
    ended_at: dt.datetime | None

    @classmethod
    def of(cls, view: ConvenantView) -> ConvenantOut:
        convenant = view.convenant
        return cls(
            slug=convenant.slug,
            name=convenant.name,
            partners=view.partners,
            domains=convenant.domains.split(),
            purposes=convenant.purposes.split(),
            legal_basis=convenant.legal_basis,
            starts_on=convenant.starts_on,
            ends_on=convenant.ends_on,
            responsible=convenant.responsible,
            active=view.active,
            ended_at=convenant.ended_at,
        )


class ConvenantListOut(BaseModel):
    items: list[ConvenantOut]
