"""``GET /api/v1/me``: the caller, their teams, and the policy as it applies to them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hub.profile.views import (
    HiddenDomain,
    MemberTeam,
    Profile,
    PurposeRights,
    ShownDomain,
    Sight,
)


class MemberTeamOut(BaseModel):
    team: str
    team_name: str
    domain: str
    domain_name: str

    @classmethod
    def of(cls, team: MemberTeam) -> MemberTeamOut:
        return cls(
            team=team.team,
            team_name=team.team_name,
            domain=team.domain,
            domain_name=team.domain_name,
        )


class ShownDomainOut(BaseModel):
    domain: str
    domain_name: str
    rule_id: str = Field(description="The policy rule that lets this domain be seen.")
    legal_basis: str
    citation: str = Field(description="The law and article of the legal basis.")
    why: str

    @classmethod
    def of(cls, shown: ShownDomain) -> ShownDomainOut:
        return cls(
            domain=shown.domain,
            domain_name=shown.domain_name,
            rule_id=shown.rule_id,
            legal_basis=shown.legal_basis,
            citation=shown.citation,
            why=shown.why,
        )


class HiddenDomainOut(BaseModel):
    domain: str
    domain_name: str

    @classmethod
    def of(cls, hidden: HiddenDomain) -> HiddenDomainOut:
        return cls(domain=hidden.domain, domain_name=hidden.domain_name)


class SightOut(BaseModel):
    subject_type: str
    shown: list[ShownDomainOut] = Field(
        description="Domains whose involvement a check on this subject type shows."
    )
    not_shown: list[HiddenDomainOut] = Field(
        description="Domains that may hold flags on this subject type, never shown to you."
    )

    @classmethod
    def of(cls, sight: Sight) -> SightOut:
        return cls(
            subject_type=sight.subject_type,
            shown=[ShownDomainOut.of(each) for each in sight.shown],
            not_shown=[HiddenDomainOut.of(each) for each in sight.not_shown],
        )


class PurposeOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    purpose: str
    name: str
    description: str
    check: list[str] = Field(description="Subject types your team may check for it.")
    # "register" would shadow pydantic's (ABCMeta's) attribute of that name.
    register_types: list[str] = Field(
        alias="register", description="Subject types your team may register for it."
    )
    sees: list[SightOut] = Field(description="Per subject type you may check: what it shows.")

    @classmethod
    def of(cls, rights: PurposeRights) -> PurposeOut:
        return cls(
            purpose=rights.purpose,
            name=rights.name,
            description=rights.description,
            check=list(rights.check),
            register=list(rights.register),
            sees=[SightOut.of(sight) for sight in rights.sees],
        )


class MeOut(BaseModel):
    member: str
    name: str
    organisation: str
    roles: list[str]
    teams: list[MemberTeamOut] = Field(description="Your token's teams the hub knows.")
    acting_team: str | None = Field(
        description="The team this request acts for; null without one (name it with "
        "Betrokken-Team when you are a member of several)."
    )
    policy_version: str
    purposes: list[PurposeOut] = Field(
        description="For the acting team, per purpose; empty without an acting team."
    )

    @classmethod
    def of(cls, profile: Profile) -> MeOut:
        return cls(
            member=profile.member,
            name=profile.name,
            organisation=profile.organisation,
            roles=list(profile.roles),
            teams=[MemberTeamOut.of(team) for team in profile.teams],
            acting_team=profile.acting_team,
            policy_version=profile.policy_version,
            purposes=[PurposeOut.of(rights) for rights in profile.purposes],
        )
