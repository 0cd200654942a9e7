"""Which decisions change between two versions of a policy."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from policies.engine import Policy
from policies.model import ROLES, SUBJECT_TYPES, TARGETED_ACTIONS, Action, Context, Decision

_COMPARED = ("allowed", "rule_id", "legal_basis", "requires_approval", "expires_after_days")


@dataclass(frozen=True)
class DecisionChange:
    """One question whose answer differs between the old and the new policy."""

    context: Context
    old: Decision
    new: Decision

    @property
    def changed(self) -> tuple[str, ...]:
        """Names of the decision fields that differ."""
        return tuple(f for f in _COMPARED if getattr(self.old, f) != getattr(self.new, f))


def all_contexts(*policies: Policy, on: datetime.date) -> Iterator[Context]:
    """Every question over the union of the catalogues of ``policies``.

    Register questions are asked once without and once with each legal basis cited, since
    a rule may accept some bases and not others.
    """
    domains = sorted(set().union(*(p.domains for p in policies)))
    purposes = sorted(set().union(*(p.purposes for p in policies)))
    bases: list[str | None] = [None, *sorted(set().union(*(p.legal_bases for p in policies)))]
    for action in Action:
        targets: list[str | None] = list(domains) if action in TARGETED_ACTIONS else [None]
        cited = bases if action is Action.REGISTER else [None]
        for domain, role, purpose, subject_type, target, basis in itertools.product(
            domains, ROLES, purposes, SUBJECT_TYPES, targets, cited
        ):
            yield Context(
                action=action,
                actor_domain=domain,
                role=role,
                purpose=purpose,
                subject_type=subject_type,
                target_domain=target,
                legal_basis=basis,
                on=on,
            )


def diff(old: Policy, new: Policy, *, on: datetime.date | None = None) -> list[DecisionChange]:
    """Every question (see ``all_contexts``) whose decision changes, as of ``on`` (today)."""
    day = on or datetime.date.today()
    changes = []
    for ctx in all_contexts(old, new, on=day):
        before, after = old.decide(ctx), new.decide(ctx)
        if any(getattr(before, f) != getattr(after, f) for f in _COMPARED):
            changes.append(DecisionChange(ctx, before, after))
    return changes


@dataclass(frozen=True)
class ChangeGroup:
    """Changes that differ only in role and subject type, as one line of a diff."""

    action: str
    domain: str
    target: str | None
    purpose: str
    legal_basis: str | None
    before: str
    after: str
    before_allowed: bool
    after_allowed: bool
    roles: tuple[str, ...]
    subject_types: tuple[str, ...]


def group_changes(changes: list[DecisionChange]) -> list[ChangeGroup]:
    """Changes grouped so that roles and subject types with the same change share a line."""
    groups: dict[tuple[str, str, str, str, str, str, str], list[DecisionChange]] = {}
    for change in changes:
        ctx = change.context
        key = (
            str(ctx.action),
            ctx.actor_domain,
            ctx.target_domain or "",
            ctx.purpose,
            ctx.legal_basis or "",
            summarise(change.old),
            summarise(change.new),
        )
        groups.setdefault(key, []).append(change)
    return [
        ChangeGroup(
            action=action,
            domain=domain,
            target=target or None,
            purpose=purpose,
            legal_basis=basis or None,
            before=before,
            after=after,
            before_allowed=members[0].old.allowed,
            after_allowed=members[0].new.allowed,
            roles=tuple(sorted({m.context.role for m in members})),
            subject_types=tuple(sorted({m.context.subject_type for m in members})),
        )
        for (action, domain, target, purpose, basis, before, after), members in sorted(
            groups.items()
        )
    ]


def format_diff(old: Policy, new: Policy, changes: list[DecisionChange]) -> str:
    """Changes grouped so that roles and subject types with the same change share a line."""
    head = f"old {old.version} ({old.source})\nnew {new.version} ({new.source})"
    if not changes:
        return f"{head}\nno decision changes"
    lines = [head, f"{len(changes)} decision(s) change:"]
    for group in group_changes(changes):
        question = f"{group.action} {group.domain}" + (
            f" -> {group.target}" if group.target else ""
        )
        question += f" for {group.purpose}" + (
            f" citing {group.legal_basis}" if group.legal_basis else ""
        )
        lines.append(
            f"  {question} [roles: {', '.join(group.roles)}; "
            f"subject types: {', '.join(group.subject_types)}]\n"
            f"      {group.before}  =>  {group.after}"
        )
    return "\n".join(lines)


def summarise(decision: Decision) -> str:
    """A decision in a few words: refused, or allowed by which rule under which basis."""
    if not decision.allowed:
        return "refused"
    text = f"allowed by {decision.rule_id} under {decision.legal_basis}"
    if decision.expires_after_days is not None:
        approval = "approval" if decision.requires_approval else "no approval"
        text += f" ({approval}, {decision.expires_after_days} days)"
    return text
