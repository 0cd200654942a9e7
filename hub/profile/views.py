"""What the profile service hands back; ``schemas.py`` builds its answers from these."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MemberTeam:
    team: str
    team_name: str
    domain: str
    domain_name: str


@dataclass(frozen=True)
class ShownDomain:
    """A domain whose involvement a check shows, and the rule that says so."""

    domain: str
    domain_name: str
    rule_id: str
    legal_basis: str
    citation: str
    why: str


@dataclass(frozen=True)
class HiddenDomain:
    """A domain that may hold flags on the subject type, whose involvement is not shown."""

    domain: str
    domain_name: str


@dataclass(frozen=True)
class Sight:
    """What a check on one subject type shows, for one purpose."""

    subject_type: str
    shown: list[ShownDomain]
    not_shown: list[HiddenDomain]


@dataclass(frozen=True)
class PurposeRights:
    """What the acting team may do for one purpose."""

    purpose: str
    name: str
    description: str
    check: list[str]
    register: list[str]
    sees: list[Sight]


@dataclass(frozen=True)
class Profile:
    member: str
    name: str
    organisation: str
    roles: list[str]
    teams: list[MemberTeam]
    acting_team: str | None
    policy_version: str
    purposes: list[PurposeRights]
