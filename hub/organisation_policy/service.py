"""Rules for an organisation's DPIA policy: upload, the two-person approval, history, diff.

The functioneel beheerder (or a hub operator) uploads a version; it is validated exactly as
``betrokken policy check`` validates a file, and refused with every problem and its line.
The organisation's privacy officer approves it (or rejects it): never the person who
uploaded it. An approved version is in force from its ``active_from`` until a later one.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache

from sqlalchemy.orm import Session

from hub.actor import Actor, Role
from hub.audit import service as audit
from hub.audit.vocabulary import Action, AuditRecord, DecisionRef, Outcome
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.involvement.limits import LOCAL_TIME
from hub.organisation import admin
from hub.organisation.models import OrganisationPolicy
from hub.organisation_policy import repository
from policies import Policy, PolicyError, format_diff, parse_policy
from policies import diff as policy_diff

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
MAX_POLICY_CHARS = 200_000


class InvalidPolicy(InvalidInput):
    code = "invalid_policy"
    title = "The policy does not validate"


class DuplicatePolicyVersion(Conflict):
    code = "duplicate_policy_version"
    title = "This policy version was uploaded before"


class TwoPersonRule(Forbidden):
    code = "two_person_rule"
    title = "The uploader may not approve their own policy"


class PolicyNotPending(Conflict):
    code = "policy_not_pending"
    title = "This policy version was decided already"


def start_of(day: date) -> datetime:
    """Midnight in Europe/Amsterdam at the start of ``day``."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TIME)


def _record(
    session: Session,
    actor: Actor,
    action: Action,
    row: OrganisationPolicy,
    organisation: str,
    reason: str,
    now: datetime,
) -> None:
    audit.record(
        session,
        actor,
        AuditRecord(
            action=action,
            outcome=Outcome.ALLOWED,
            object_id=organisation,
            decision=DecisionRef(rule_id=None, legal_basis=None, policy_version=row.version),
            reason=reason,
        ),
        at=now,
    )


def upload(
    session: Session,
    actor: Actor,
    organisation: str,
    *,
    text: str,
    active_from: date | None,
    now: datetime,
) -> OrganisationPolicy:
    """Store a new version, pending the privacy officer's approval."""
    admin.require_manager(actor, organisation, action=Action.POLICY_UPLOAD, object_id=organisation)
    owner = admin.get_organisation(session, organisation)
    policy = validate(text, source=f"{organisation}.yaml")
    if repository.get_version(session, owner.id, policy.version) is not None:
        raise DuplicatePolicyVersion("this policy was uploaded before", version=policy.version)
    row = OrganisationPolicy(
        organisation_id=owner.id,
        version=policy.version,
        text=text,
        status=PENDING,
        active_from=start_of(active_from) if active_from else now,
        uploaded_by=actor.sub,
        uploaded_at=now,
    )
    repository.add(session, row)
    _record(session, actor, Action.POLICY_UPLOAD, row, organisation, "uploaded, pending", now)
    return row


def validate(text: str, *, source: str) -> Policy:
    """The policy in ``text``, or :class:`InvalidPolicy` listing every problem with its line."""
    if len(text) > MAX_POLICY_CHARS:
        raise InvalidPolicy(f"the policy is longer than {MAX_POLICY_CHARS} characters")
    try:
        return parse_policy(text, source)
    except PolicyError as error:
        problems = [{"line": p.line, "problem": p.problem} for p in error.all()]
        raise InvalidPolicy(
            f"{len(problems)} problem(s); the first: {error.location}: {error.problem}",
            problems=problems,
        ) from None


def decide(
    session: Session,
    actor: Actor,
    organisation: str,
    version: str,
    *,
    approve: bool,
    now: datetime,
) -> OrganisationPolicy:
    """The organisation's privacy officer approves or rejects a pending version.

    Two people: whoever uploaded it may not decide on it, whatever their roles.
    """
    action = Action.POLICY_APPROVE if approve else Action.POLICY_REJECT
    if Role.PRIVACY_OFFICER not in actor.roles or actor.organisation != organisation:
        raise Forbidden(
            "only this organisation's privacy officer may decide on its policy",
            audit=AuditRecord(
                action=action,
                outcome=Outcome.REFUSED,
                object_id=organisation,
                reason="not this organisation's privacy officer",
            ),
        )
    owner = admin.get_organisation(session, organisation)
    row = repository.get_version(session, owner.id, version)
    if row is None:
        raise NotFound("no such policy version")
    if row.uploaded_by == actor.sub:
        raise TwoPersonRule(
            "you uploaded this version; another person must approve it",
            audit=AuditRecord(
                action=action,
                outcome=Outcome.REFUSED,
                object_id=organisation,
                decision=DecisionRef(rule_id=None, legal_basis=None, policy_version=row.version),
                reason="two-person rule",
            ),
        )
    if row.status != PENDING:
        raise PolicyNotPending(f"this version is {row.status} already")
    row.status = APPROVED if approve else REJECTED
    row.decided_by = actor.sub
    row.decided_at = now
    session.flush()
    _record(session, actor, action, row, organisation, row.status, now)
    return row


def versions(session: Session, actor: Actor, organisation: str) -> list[OrganisationPolicy]:
    """Every version ever uploaded, oldest first: for operators, and the organisation's own."""
    admin.require_visible(actor, organisation)
    owner = admin.get_organisation(session, organisation)
    return list(repository.versions_of(session, owner.id))


def version(session: Session, actor: Actor, organisation: str, version: str) -> OrganisationPolicy:
    admin.require_visible(actor, organisation)
    owner = admin.get_organisation(session, organisation)
    row = repository.get_version(session, owner.id, version)
    if row is None:
        raise NotFound("no such policy version")
    return row


def diff(session: Session, actor: Actor, organisation: str, old: str, new: str, *, on: date) -> str:
    """Which decisions change from stored version ``old`` to ``new``, as text."""
    before = version(session, actor, organisation, old).text
    after = version(session, actor, organisation, new).text
    return _diff_text(before, after, on)


@lru_cache(maxsize=32)
def _diff_text(old: str, new: str, on: date) -> str:
    """The diff of two stored texts, kept: it asks some 25,000 questions of each policy
    (about a second), and a stored version never changes."""
    before, after = validate(old, source="old"), validate(new, source="new")
    return format_diff(before, after, policy_diff(before, after, on=on))
