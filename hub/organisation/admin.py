"""Administration of organisations and teams: who may change what, and the audit of it.

A hub operator (role ``hub_operator``; the older ``admin`` role counts as one) creates,
renames and deactivates organisations and manages every organisation's teams. An
organisation's functioneel beheerder (``functioneel_beheerder``) manages the teams of their
own organisation only. Nothing is ever deleted: deactivating a team (or an organisation)
refuses its members and hides its flags, and activating it again brings both back.

Every change is one audit entry in the caller's transaction; a refusal carries its own.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from hub.actor import Actor, Role
from hub.audit import service as audit
from hub.audit.vocabulary import Action, AuditRecord, DecisionRef, Outcome
from hub.decisions import PolicyFor, policy_for
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.organisation import repository
from hub.organisation.models import Domain, Organisation, Team

OPERATORS = frozenset({Role.HUB_OPERATOR, Role.ADMIN})
"""Who runs the hub: creates organisations, manages any organisation's teams."""

KINDS = ("gemeente", "ketenpartner")


class WebhookTargets(Protocol):
    """Which webhook URLs may be set (``hub/notification/targets.py``)."""

    def require_allowed(self, url: str) -> None: ...


class UnknownDomain(InvalidInput):
    code = "unknown_domain"
    title = "Unknown domain"


class DuplicateSlug(Conflict):
    code = "duplicate_slug"
    title = "Slug already taken"


def is_operator(actor: Actor) -> bool:
    return bool(actor.roles & OPERATORS)


def require_operator(actor: Actor, *, action: Action, object_id: str | None) -> None:
    """Only a hub operator; a refusal is audited."""
    if not is_operator(actor):
        raise Forbidden(
            "only a hub operator may do this",
            audit=_refused(action, object_id, "not a hub operator"),
        )


def require_manager(
    actor: Actor,
    organisation: str,
    *,
    action: Action,
    object_id: str,
    policy_version: str | None = None,
) -> None:
    """A hub operator, or the functioneel beheerder of ``organisation``; refusals audited
    (with the organisation's policy version, when given)."""
    if is_operator(actor):
        return
    if Role.FUNCTIONEEL_BEHEERDER in actor.roles and actor.organisation == organisation:
        return
    raise Forbidden(
        "only a hub operator or this organisation's functioneel beheerder may do this",
        audit=_refused(
            action, object_id, "not a manager of this organisation", policy_version=policy_version
        ),
    )


def require_visible(actor: Actor, organisation: str) -> None:
    """Reading an organisation's administration: operators, or its own beheerder or FG."""
    if is_operator(actor) or actor.organisation == organisation:
        return
    raise Forbidden("this organisation is not yours")


def _under(policy_version: str | None) -> DecisionRef | None:
    """An administration entry names the policy version of the organisation it changes."""
    if policy_version is None:
        return None
    return DecisionRef(rule_id=None, legal_basis=None, policy_version=policy_version)


def _version(policy: PolicyFor | None, organisation: str) -> str | None:
    return policy_for(policy, organisation).version if policy is not None else None


def _refused(
    action: Action, object_id: str | None, reason: str, *, policy_version: str | None = None
) -> AuditRecord:
    return AuditRecord(
        action=action,
        outcome=Outcome.REFUSED,
        object_id=object_id,
        reason=reason,
        decision=_under(policy_version),
    )


def _changed(
    session: Session,
    actor: Actor,
    action: Action,
    object_id: str,
    reason: str,
    now: datetime,
    *,
    policy_version: str | None = None,
) -> None:
    audit.record(
        session,
        actor,
        AuditRecord(
            action=action,
            outcome=Outcome.ALLOWED,
            object_id=object_id,
            reason=reason,
            decision=_under(policy_version),
        ),
        at=now,
    )


def get_organisation(session: Session, slug: str) -> Organisation:
    found = repository.get_organisation(session, slug)
    if found is None:
        raise NotFound("no such organisation")
    return found


def get_team(session: Session, slug: str) -> Team:
    found = repository.get_team(session, slug)
    if found is None:
        raise NotFound("no such team")
    return found


# -- domains -------------------------------------------------------------------------------


def list_domains(session: Session) -> list[Domain]:
    return list(repository.list_domains(session))


def create_domain(session: Session, actor: Actor, *, code: str, name: str, now: datetime) -> Domain:
    """Add a domain of work (hub operator); a policy names it to govern its teams."""
    require_operator(actor, action=Action.DOMAIN_CREATE, object_id=code)
    if repository.get_domain(session, code) is not None:
        raise DuplicateSlug("a domain with this code exists")
    domain = Domain(code=code, name=name)
    repository.add(session, domain)
    _changed(session, actor, Action.DOMAIN_CREATE, code, "created", now)
    return domain


# -- organisations --------------------------------------------------------------------------


def list_organisations(session: Session, actor: Actor) -> list[Organisation]:
    """All organisations for a hub operator; one's own for anyone else."""
    if is_operator(actor):
        return list(repository.list_organisations(session))
    return list(repository.list_organisations(session, slugs=[actor.organisation]))


def create_organisation(
    session: Session,
    actor: Actor,
    *,
    slug: str,
    name: str,
    kind: str,
    oin: str | None,
    now: datetime,
) -> Organisation:
    require_operator(actor, action=Action.ORGANISATION_CREATE, object_id=slug)
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of: {', '.join(KINDS)}")
    if repository.get_organisation(session, slug) is not None:
        raise DuplicateSlug("an organisation with this slug exists")
    organisation = Organisation(slug=slug, name=name, kind=kind, oin=oin, active=True)
    repository.add(session, organisation)
    _changed(session, actor, Action.ORGANISATION_CREATE, slug, f"created ({kind})", now)
    return organisation


def update_organisation(
    session: Session,
    actor: Actor,
    slug: str,
    *,
    name: str | None = None,
    oin: str | None = None,
    active: bool | None = None,
    now: datetime,
    policy: PolicyFor | None = None,
) -> Organisation:
    """Rename, set the OIN, or (de)activate; only a hub operator."""
    require_operator(actor, action=Action.ORGANISATION_UPDATE, object_id=slug)
    organisation = get_organisation(session, slug)
    changes = []
    if name is not None and name != organisation.name:
        organisation.name = name
        changes.append("renamed")
    if oin is not None and oin != organisation.oin:
        organisation.oin = oin
        changes.append("oin set")
    if active is not None and active != organisation.active:
        organisation.active = active
        changes.append("activated" if active else "deactivated")
    session.flush()
    if changes:
        _changed(
            session,
            actor,
            Action.ORGANISATION_UPDATE,
            slug,
            ", ".join(changes),
            now,
            policy_version=_version(policy, slug),
        )
    return organisation


# -- teams ----------------------------------------------------------------------------------


def list_teams(session: Session, actor: Actor, organisation: str) -> list[Team]:
    require_visible(actor, organisation)
    return list(repository.teams_of(session, get_organisation(session, organisation).id))


def create_team(
    session: Session,
    actor: Actor,
    organisation: str,
    *,
    slug: str,
    name: str,
    domain: str,
    contact_person: str | None,
    email: str | None,
    phone: str | None,
    webhook_url: str | None = None,
    targets: WebhookTargets | None = None,
    now: datetime,
    policy: PolicyFor | None = None,
) -> Team:
    version = _version(policy, organisation)
    require_manager(
        actor, organisation, action=Action.TEAM_CREATE, object_id=slug, policy_version=version
    )
    owner = get_organisation(session, organisation)
    if repository.get_domain(session, domain) is None:
        raise UnknownDomain("no such domain")
    if repository.get_team(session, slug) is not None:
        raise DuplicateSlug("a team with this slug exists")
    if webhook_url is not None:
        if targets is None:
            raise InvalidInput("webhooks cannot be set here")
        targets.require_allowed(webhook_url)
    team = Team(
        slug=slug,
        name=name,
        organisation_id=owner.id,
        domain_code=domain,
        contact_person=contact_person,
        contact_email=email,
        contact_phone=phone,
        webhook_url=webhook_url,
        webhook_secret=secrets.token_urlsafe(32) if webhook_url else None,
        active=True,
    )
    repository.add(session, team)
    _changed(
        session,
        actor,
        Action.TEAM_CREATE,
        slug,
        f"created in {organisation}",
        now,
        policy_version=version,
    )
    return team


def update_team(
    session: Session,
    actor: Actor,
    slug: str,
    *,
    name: str | None = None,
    contact_person: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    webhook_url: str | None = None,
    targets: WebhookTargets | None = None,
    active: bool | None = None,
    now: datetime,
    policy: PolicyFor | None = None,
) -> Team:
    """Rename, change contact details or the webhook (``""`` removes it; a new URL gets a
    new secret), or (de)activate a team; nothing is deleted."""
    team = repository.get_team(session, slug)
    organisation = repository.organisation_of_team(session, team).slug if team else None
    if team is None or organisation is None:
        require_operator(actor, action=Action.TEAM_UPDATE, object_id=slug)
        raise NotFound("no such team")
    version = _version(policy, organisation)
    require_manager(
        actor, organisation, action=Action.TEAM_UPDATE, object_id=slug, policy_version=version
    )
    changes = []
    for field, value in (
        ("name", name),
        ("contact_person", contact_person),
        ("contact_email", email),
        ("contact_phone", phone),
    ):
        if value is not None and value != getattr(team, field):
            setattr(team, field, value)
            changes.append("renamed" if field == "name" else f"{field} set")
    if webhook_url is not None and webhook_url != (team.webhook_url or ""):
        if webhook_url:
            if targets is None:
                raise InvalidInput("webhooks cannot be set here")
            targets.require_allowed(webhook_url)
        team.webhook_url = webhook_url or None
        team.webhook_secret = secrets.token_urlsafe(32) if webhook_url else None
        changes.append("webhook set" if webhook_url else "webhook removed")
    if active is not None and active != team.active:
        team.active = active
        changes.append("activated" if active else "deactivated")
    session.flush()
    if changes:
        _changed(
            session,
            actor,
            Action.TEAM_UPDATE,
            slug,
            ", ".join(changes),
            now,
            policy_version=version,
        )
    return team
