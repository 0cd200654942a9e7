"""Rules for convenants: who makes and ends them, and what ending one does.

A hub operator, or the functioneel beheerder of one of the partner organisations, creates a
convenant and may end it. While it is in force (from ``starts_on`` through ``ends_on``, not
ended), a check by one partner shows the other partners' flags in its domains, for its
purposes, where both organisations' policies allow it; contact requests cross between them.
Ending it hides all of that at once, and the flags registered under it expire.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from hub.actor import Actor, Role
from hub.audit import service as audit
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.convenant import repository
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.involvement.limits import local_day
from hub.organisation import admin
from hub.organisation import repository as organisations
from hub.organisation.models import Convenant


@dataclass(frozen=True)
class ConvenantView:
    convenant: Convenant
    partners: list[str]
    active: bool


def _view(convenant: Convenant, partners: list[str], *, now: datetime) -> ConvenantView:
    day = local_day(now)
    active = convenant.ended_at is None and convenant.starts_on <= day <= convenant.ends_on
    return ConvenantView(convenant, partners, active)


def _may_manage(actor: Actor, partners: Sequence[str]) -> bool:
    return admin.is_operator(actor) or (
        Role.FUNCTIONEEL_BEHEERDER in actor.roles and actor.organisation in partners
    )


def create(
    session: Session,
    actor: Actor,
    *,
    slug: str,
    name: str,
    partners: Sequence[str],
    domains: Sequence[str],
    purposes: Sequence[str],
    legal_basis: str,
    starts_on: date,
    ends_on: date,
    responsible: str,
    now: datetime,
) -> ConvenantView:
    if not _may_manage(actor, partners):
        raise Forbidden(
            "only a hub operator or a partner's functioneel beheerder may make a convenant",
            audit=AuditRecord(
                action=Action.CONVENANT_CREATE,
                outcome=Outcome.REFUSED,
                object_id=slug,
                reason="not a hub operator or a partner's beheerder",
            ),
        )
    unique = sorted(set(partners))
    if len(unique) < 2:
        raise InvalidInput("a convenant needs at least two partner organisations")
    if ends_on < starts_on:
        raise InvalidInput("a convenant cannot end before it starts")
    found = [organisations.get_organisation(session, each) for each in unique]
    if any(each is None for each in found):
        raise NotFound("no such partner organisation")
    for code in domains:
        if organisations.get_domain(session, code) is None:
            raise admin.UnknownDomain("no such domain")
    if repository.get(session, slug) is not None:
        raise admin.DuplicateSlug("a convenant with this slug exists")
    convenant = Convenant(
        slug=slug,
        name=name,
        legal_basis=legal_basis,
        domains=" ".join(sorted(set(domains))),
        purposes=" ".join(sorted(set(purposes))),
        starts_on=starts_on,
        ends_on=ends_on,
        responsible=responsible,
        created_by=actor.sub,
        created_at=now,
    )
    repository.add(session, convenant, [each.id for each in found if each is not None])
    audit.record(
        session,
        actor,
        AuditRecord(
            action=Action.CONVENANT_CREATE,
            outcome=Outcome.ALLOWED,
            object_id=slug,
            purpose=" ".join(sorted(set(purposes)))[:64],
            reason=f"partners {', '.join(unique)}; grondslag {legal_basis}",
        ),
        at=now,
    )
    return _view(convenant, unique, now=now)


def end(session: Session, actor: Actor, slug: str, *, now: datetime) -> ConvenantView:
    """End a convenant now; its partners stop seeing each other and its flags expire."""
    convenant = repository.get(session, slug)
    if convenant is None:
        raise NotFound("no such convenant")
    partners = repository.partners(session, [convenant.id])[convenant.id]
    if not _may_manage(actor, partners):
        raise Forbidden(
            "only a hub operator or a partner's functioneel beheerder may end a convenant",
            audit=AuditRecord(
                action=Action.CONVENANT_END,
                outcome=Outcome.REFUSED,
                object_id=slug,
                reason="not a hub operator or a partner's beheerder",
            ),
        )
    if convenant.ended_at is not None:
        raise Conflict("this convenant has ended already")
    convenant.ended_at = now
    convenant.ends_on = min(convenant.ends_on, local_day(now))
    session.flush()
    expired = repository.expire_flags(session, convenant.id, now=now)
    audit.record(
        session,
        actor,
        AuditRecord(
            action=Action.CONVENANT_END,
            outcome=Outcome.ALLOWED,
            object_id=slug,
            reason=f"ended; {expired} flag(s) registered under it expired",
        ),
        at=now,
    )
    return _view(convenant, partners, now=now)


def listed(session: Session, actor: Actor, *, now: datetime) -> list[ConvenantView]:
    """Every convenant for a hub operator; those of one's own organisation for anyone else."""
    if admin.is_operator(actor):
        rows = repository.listed(session)
    else:
        own = organisations.get_organisation(session, actor.organisation)
        rows = repository.listed(session, organisation_id=own.id) if own else []
    partners = repository.partners(session, [each.id for each in rows])
    return [_view(each, partners[each.id], now=now) for each in rows]
