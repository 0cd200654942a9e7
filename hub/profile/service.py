"""The caller's profile: their teams as the hub knows them, and per purpose what the policy
lets their acting team check, register and see, today, in the role the hub asks it for."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.decisions import policy_role
from hub.organisation import repository as organisations
from hub.profile.views import (
    HiddenDomain,
    MemberTeam,
    Profile,
    PurposeRights,
    ShownDomain,
    Sight,
)
from policies import SUBJECT_TYPES, Action, Context, Policy, Purpose


def profile(session: Session, actor: Actor, *, policy: Policy, now: datetime) -> Profile:
    """Who ``actor`` is and what the policy in force lets them do.

    Only teams of the caller's token that the hub knows in the caller's organisation are
    listed; the acting team is the one the request acts for (``Betrokken-Team``, or the
    token's only team), and without one there are no purposes.
    """
    known = organisations.teams_in_organisation(
        session, actor.teams, organisation=actor.organisation
    )
    teams = [
        MemberTeam(
            team=team.slug,
            team_name=team.name,
            domain=team.domain_code,
            domain_name=_domain_name(policy, team.domain_code, domain_name),
        )
        for team, domain_name in known
    ]
    acting = next((team for team in teams if team.team == actor.team), None)
    purposes = (
        []
        if acting is None
        else purpose_rights(policy, domain=acting.domain, role=policy_role(actor), on=now.date())
    )
    return Profile(
        member=actor.sub,
        name=actor.name,
        organisation=actor.organisation,
        roles=sorted(role.value for role in actor.roles),
        teams=teams,
        acting_team=acting.team if acting else None,
        policy_version=policy.version,
        purposes=purposes,
    )


def purpose_rights(policy: Policy, *, domain: str, role: str, on: date) -> list[PurposeRights]:
    """Each purpose for which ``domain`` (as ``role``) may check or register something."""
    rights = [
        _rights(policy, purpose, domain=domain, role=role, on=on)
        for purpose in policy.purposes.values()
    ]
    return [right for right in rights if right.check or right.register]


def _rights(policy: Policy, purpose: Purpose, *, domain: str, role: str, on: date) -> PurposeRights:
    def allowed(action: Action, subject_type: str) -> bool:
        context = Context(
            action=action,
            actor_domain=domain,
            role=role,
            purpose=purpose.id,
            subject_type=subject_type,
            on=on,
        )
        return policy.decide(context).allowed

    check = [kind for kind in SUBJECT_TYPES if allowed(Action.CHECK, kind)]
    register = [kind for kind in SUBJECT_TYPES if allowed(Action.REGISTER, kind)]
    return PurposeRights(
        purpose=purpose.id,
        name=purpose.name,
        description=purpose.description,
        check=check,
        register=register,
        sees=[_sight(policy, purpose.id, kind, domain=domain, role=role, on=on) for kind in check],
    )


def _sight(
    policy: Policy, purpose: str, subject_type: str, *, domain: str, role: str, on: date
) -> Sight:
    """The domains a check on ``subject_type`` shows, and those that may hold flags on it
    but are not shown."""
    rules = {rule.id: rule for rule in policy.rules}
    shown: list[ShownDomain] = []
    not_shown: list[HiddenDomain] = []
    for target, decision in policy.visible_domains(domain, role, purpose, subject_type, on).items():
        catalogue = policy.domains[target]
        if decision.allowed and decision.rule_id and decision.legal_basis:
            shown.append(
                ShownDomain(
                    domain=target,
                    domain_name=catalogue.name,
                    rule_id=decision.rule_id,
                    legal_basis=decision.legal_basis,
                    citation=policy.legal_bases[decision.legal_basis].citation,
                    why=rules[decision.rule_id].why,
                )
            )
        elif subject_type in catalogue.subject_types:
            not_shown.append(HiddenDomain(domain=target, domain_name=catalogue.name))
    return Sight(subject_type=subject_type, shown=shown, not_shown=not_shown)


def _domain_name(policy: Policy, code: str, stored: str) -> str:
    """The policy's name for a domain (as the rest of the profile uses), else the hub's."""
    found = policy.domains.get(code)
    return found.name if found is not None else stored
