"""The policy for the privacy officer and the beheerder: the version in force shown whole,
one decision explained rule by rule, and the decisions that change between two versions.

Everything is about the caller's own organisation: its approved, pending and rejected
versions (``hub/organisation_policy``) and the hub's policy file, which governs it until a
version of its own is approved. Nothing here reads or shows anything about a subject.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from threading import Lock

from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.errors import NotFound
from hub.organisation import repository as organisations
from hub.organisation.models import OrganisationPolicy, Team
from hub.organisation_policy import repository as versions
from hub.organisation_policy.cache import OrganisationPolicies
from hub.organisation_policy.service import start_of, validate
from policies import (
    ROLES,
    SUBJECT_TYPES,
    Action,
    ChangeGroup,
    Context,
    Decision,
    Policy,
    RuleCheck,
    diff,
    explain,
    group_changes,
    review_notes,
)

FILE = "file"
"""The source of a version that is the hub's policy file, not one stored for the organisation."""

DIFFS_KEPT = 16


@dataclass(frozen=True)
class StoredVersion:
    version: str
    status: str
    active_from: datetime | None
    uploaded_by: str | None
    uploaded_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    in_force: bool
    source: str  # "organisation" or FILE


@dataclass(frozen=True)
class VisibilityCell:
    domain: str
    target: str
    purposes: tuple[str, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class PolicyView:
    policy: Policy
    on: date
    in_force: StoredVersion
    versions: list[StoredVersion]
    visibility: list[VisibilityCell]
    notes: list[str]


@dataclass(frozen=True)
class Explanation:
    context: Context
    team: Team | None
    target_team: Team | None
    policy: Policy
    decision: Decision
    checks: tuple[RuleCheck, ...]
    text: str


@dataclass(frozen=True)
class PolicyDiff:
    old: StoredVersion
    new: StoredVersion
    on: date
    changes: int
    groups: list[ChangeGroup]


def _rows(session: Session, organisation: str | None) -> list[OrganisationPolicy]:
    if organisation is None:
        return []
    owner = organisations.get_organisation(session, organisation)
    return list(versions.versions_of(session, owner.id)) if owner else []


def _stored(row: OrganisationPolicy, in_force: str) -> StoredVersion:
    return StoredVersion(
        version=row.version,
        status=row.status,
        active_from=row.active_from,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        in_force=row.version == in_force,
        source="organisation",
    )


def _file(policy: Policy, in_force: str) -> StoredVersion:
    return StoredVersion(
        version=policy.version,
        status="file",
        active_from=None,
        uploaded_by=None,
        uploaded_at=None,
        decided_by=None,
        decided_at=None,
        in_force=policy.version == in_force,
        source=FILE,
    )


def _listing(
    session: Session, actor: Actor, kept: OrganisationPolicies, on: date
) -> tuple[Policy, list[StoredVersion]]:
    """The policy in force on ``on`` and every version the caller may compare: the stored
    ones, and the policy file (listed first) unless it was stored too."""
    policy = kept.current(actor.organisation, start_of(on))
    file = kept.fallback.current()
    stored = [_stored(row, policy.version) for row in _rows(session, actor.organisation)]
    if not any(each.version == file.version for each in stored):
        stored.insert(0, _file(file, policy.version))
    return policy, stored


def view(session: Session, actor: Actor, *, kept: OrganisationPolicies, on: date) -> PolicyView:
    """The policy in force for the caller's organisation on ``on``, with its versions, the
    visibility matrix (what a professional of each domain sees of each other, for which
    purposes) and the points that need the privacy officer."""
    policy, stored = _listing(session, actor, kept, on)
    return PolicyView(
        policy=policy,
        on=on,
        in_force=next(each for each in stored if each.in_force),
        versions=stored,
        visibility=visibility(policy, on),
        notes=review_notes(policy, on),
    )


def visibility(policy: Policy, on: date) -> list[VisibilityCell]:
    """For each asking and each target domain: the purposes for which a professional sees
    the target's flags in a check (on some subject type), and the rules that allow it."""
    cells = []
    for domain in sorted(policy.domains):
        for target in sorted(policy.domains):
            purposes: list[str] = []
            rules: set[str] = set()
            for purpose in sorted(policy.purposes):
                for subject_type in SUBJECT_TYPES:
                    decision = policy.decide(
                        Context(
                            action=Action.SEE,
                            actor_domain=domain,
                            role="professional",
                            purpose=purpose,
                            subject_type=subject_type,
                            target_domain=target,
                            on=on,
                        )
                    )
                    if decision.allowed and decision.rule_id:
                        rules.add(decision.rule_id)
                        if purpose not in purposes:
                            purposes.append(purpose)
            cells.append(VisibilityCell(domain, target, tuple(purposes), tuple(sorted(rules))))
    return cells


def _own_team(session: Session, actor: Actor, slug: str) -> Team:
    """A team of the caller's organisation; another organisation's is as unknown as none."""
    team = organisations.get_team(session, slug)
    if team is None or organisations.organisation_of_team(session, team).slug != (
        actor.organisation
    ):
        raise NotFound("no such team in your organisation")
    return team


def explain_decision(
    session: Session,
    actor: Actor,
    *,
    kept: OrganisationPolicies,
    action: Action,
    team: str,
    target_team: str | None,
    purpose: str,
    on: date,
    role: str = "professional",
    subject_type: str = "person",
    legal_basis: str | None = None,
) -> Explanation:
    """May ``team`` (a member in ``role``) do ``action`` (see or contact: ``target_team``)
    for ``purpose`` on ``on``? Answered by the policy in force for the caller's
    organisation on that day, rule by rule with their lines."""
    asking = _own_team(session, actor, team)
    target = _own_team(session, actor, target_team) if target_team else None
    context = Context(
        action=action,
        actor_domain=asking.domain_code,
        role=role if role in ROLES else "professional",
        purpose=purpose,
        subject_type=subject_type,
        target_domain=target.domain_code if target else None,
        legal_basis=legal_basis,
        on=on,
    )
    policy = kept.current(actor.organisation, start_of(on))
    decision, checks = policy.evaluate(context)
    return Explanation(
        context=context,
        team=asking,
        target_team=target,
        policy=policy,
        decision=decision,
        checks=checks,
        text=explain(policy, context),
    )


class _Diffs:
    """Diffs kept per pair of versions and day: a diff asks each policy some 25,000
    questions (about a second), and a stored version never changes."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[str, str, date], tuple[int, list[ChangeGroup]]] = (
            OrderedDict()
        )
        self._lock = Lock()

    def get(self, old: Policy, new: Policy, on: date) -> tuple[int, list[ChangeGroup]]:
        key = (old.version, new.version, on)
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        changes = diff(old, new, on=on)
        result = (len(changes), group_changes(changes))
        with self._lock:
            self._kept[key] = result
            while len(self._kept) > DIFFS_KEPT:
                self._kept.popitem(last=False)
        return result


_diffs = _Diffs()


def diff_versions(
    session: Session,
    actor: Actor,
    *,
    kept: OrganisationPolicies,
    old: str,
    new: str,
    on: date,
) -> PolicyDiff:
    """Which decisions change from version ``old`` to ``new`` (stored versions of the
    caller's organisation, or the hub's policy file), as of ``on``."""
    in_force = kept.current(actor.organisation, start_of(on)).version
    before, before_row = _version(session, actor, kept, old, in_force)
    after, after_row = _version(session, actor, kept, new, in_force)
    count, groups = _diffs.get(before, after, on)
    return PolicyDiff(old=before_row, new=after_row, on=on, changes=count, groups=groups)


def _version(
    session: Session, actor: Actor, kept: OrganisationPolicies, version: str, in_force: str
) -> tuple[Policy, StoredVersion]:
    file = kept.fallback.current()
    for row in _rows(session, actor.organisation):
        if row.version == version or (len(version) >= 8 and row.version.startswith(version)):
            return _parsed(row), _stored(row, in_force)
    if file.version == version or (len(version) >= 8 and file.version.startswith(version)):
        return file, _file(file, in_force)
    raise NotFound("no such policy version")


_parsed_kept: dict[str, Policy] = {}


def _parsed(row: OrganisationPolicy) -> Policy:
    policy = _parsed_kept.get(row.version)
    if policy is None:
        if len(_parsed_kept) >= 64:
            _parsed_kept.clear()
        policy = _parsed_kept[row.version] = validate(row.text, source=f"{row.version[:12]}")
    return policy
