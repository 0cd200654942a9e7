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


def format_diff(old: Policy, new: Policy, changes: list[DecisionChange]) -> str:
    """Changes grouped so that roles and subject types with the same change share a line."""
    head = f"old {old.version} ({old.source})\nnew {new.version} ({new.source})"
    if not changes:
        return f"{head}\nno decision changes"
    groups: dict[tuple[str, str, str, str, str, str, str], tuple[set[str], set[str]]] = {}
    for change in changes:
        ctx = change.context
        key = (
            str(ctx.action),
            ctx.actor_domain,
            ctx.target_domain or "",
            ctx.purpose,
            ctx.legal_basis or "",
            _summary(change.old),
            _summary(change.new),
        )
        roles, subject_types = groups.setdefault(key, (set(), set()))
        roles.add(ctx.role)
        subject_types.add(ctx.subject_type)
    lines = [head, f"{len(changes)} decision(s) change:"]
    for key, (roles, subject_types) in sorted(groups.items()):
        action, domain, target, purpose, basis, before, after = key
        question = f"{action} {domain}" + (f" -> {target}" if target else "")
        question += f" for {purpose}" + (f" citing {basis}" if basis else "")
        lines.append(
            f"  {question} [roles: {', '.join(sorted(roles))}; "
            f"subject types: {', '.join(sorted(subject_types))}]\n"
            f"      {before}  =>  {after}"
        )
    return "\n".join(lines)


def _summary(decision: Decision) -> str:
    if not decision.allowed:
        return "refused"
    text = f"allowed by {decision.rule_id} under {decision.legal_basis}"
    if decision.expires_after_days is not None:
        approval = "approval" if decision.requires_approval else "no approval"
        text += f" ({approval}, {decision.expires_after_days} days)"
    return text
