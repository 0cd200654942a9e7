"""The evaluator: a loaded policy answers a context with a decision. Default deny."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from policies.model import (
    MATCH_CONTACT_WORDS,
    ROLES,
    SUBJECT_TYPES,
    TARGETED_ACTIONS,
    WILDCARD,
    Action,
    Context,
    Decision,
    Domain,
    LegalBasis,
    PolicyInfo,
    Purpose,
    RateLimit,
    Rule,
    default_match_contact,
)

Outcome = Literal["allows", "no match", "inactive", "not reached"]


@dataclass(frozen=True)
class RuleCheck:
    """How one rule fared for one context; ``explain`` prints these."""

    rule: Rule
    outcome: Outcome
    details: tuple[str, ...] = ()


DECISIONS_KEPT = 10_000
"""Decisions a policy remembers; its questions are few (domains, roles, purposes, days)."""


class Policy:
    """An immutable, validated policy. Build it with ``parse_policy`` or ``load_policy``."""

    __slots__ = (
        "_by_action",
        "_decisions",
        "_domains",
        "_info",
        "_legal_bases",
        "_purposes",
        "_rate_limits",
        "_rules",
        "_source",
        "_team_rate_limit",
        "_version",
    )

    def __init__(
        self,
        *,
        info: PolicyInfo,
        legal_bases: Iterable[LegalBasis],
        purposes: Iterable[Purpose],
        domains: Iterable[Domain],
        rules: Iterable[Rule],
        default_rate_limit: RateLimit,
        role_rate_limits: Mapping[str, RateLimit],
        team_rate_limit: RateLimit,
        version: str,
        source: str = "<policy>",
    ) -> None:
        self._info = info
        self._legal_bases = MappingProxyType({b.id: b for b in legal_bases})
        self._purposes = MappingProxyType({p.id: p for p in purposes})
        self._domains = MappingProxyType({d.id: d for d in domains})
        self._rules = tuple(rules)
        self._by_action = MappingProxyType(
            {action: tuple(r for r in self._rules if r.action is action) for action in Action}
        )
        self._rate_limits = MappingProxyType(
            {role: role_rate_limits.get(role, default_rate_limit) for role in ROLES}
        )
        self._team_rate_limit = team_rate_limit
        self._version = version
        self._source = source
        self._decisions: dict[Context, Decision] = {}

    def __repr__(self) -> str:
        return f"<Policy {self._info.name!r} {self._version[:12]} from {self._source}>"

    @property
    def version(self) -> str:
        """SHA-256 (hex) of the canonical form: comments and formatting do not change it."""
        return self._version

    @property
    def source(self) -> str:
        return self._source

    @property
    def info(self) -> PolicyInfo:
        return self._info

    @property
    def legal_bases(self) -> Mapping[str, LegalBasis]:
        return self._legal_bases

    @property
    def purposes(self) -> Mapping[str, Purpose]:
        return self._purposes

    @property
    def domains(self) -> Mapping[str, Domain]:
        return self._domains

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self._rules

    @property
    def team_rate_limit(self) -> RateLimit:
        """The limit for all members of one team together."""
        return self._team_rate_limit

    def rate_limit(self, role: str) -> RateLimit:
        """The per-member limit for ``role``; an unknown role may run no checks at all."""
        return self._rate_limits.get(role, RateLimit(per_minute=0, per_day=0))

    def retention_months(self, domain: str) -> int:
        """How long a flag of ``domain`` may live; raises KeyError for an unknown domain."""
        return self._domains[domain].retention_months

    def archive_years(self, domain: str) -> int:
        """How long an inactive flag of ``domain`` stays in the historical archive."""
        return self._domains[domain].archive_years

    def decide(self, ctx: Context) -> Decision:
        """Allowed only when an active rule matches every field of ``ctx``.

        The policy never changes, so each question is answered once and remembered: every
        involvement check asks several (docs/benchmarks.md).
        """
        decision = self._decisions.get(ctx)
        if decision is None:
            if len(self._decisions) >= DECISIONS_KEPT:
                self._decisions.clear()
            decision = self._decisions[ctx] = self.evaluate(ctx)[0]
        return decision

    def visible_domains(
        self,
        actor_domain: str,
        role: str,
        purpose: str,
        subject_type: str,
        on: datetime.date,
    ) -> dict[str, Decision]:
        """The ``see`` decision for every domain in the catalogue (allowed or not)."""
        return {
            target: self.decide(
                Context(
                    action=Action.SEE,
                    actor_domain=actor_domain,
                    role=role,
                    purpose=purpose,
                    subject_type=subject_type,
                    target_domain=target,
                    on=on,
                )
            )
            for target in sorted(self._domains)
        }

    def evaluate(self, ctx: Context) -> tuple[Decision, tuple[RuleCheck, ...]]:
        """The decision and how each rule of the action fared (for ``explain``)."""
        try:
            action = Action(ctx.action)
        except ValueError:
            return self._refuse(f"unknown action '{ctx.action}'"), ()
        problem = self._unknown_term(action, ctx)
        if problem is not None:
            return self._refuse(problem), ()
        checks: list[RuleCheck] = []
        decision: Decision | None = None
        inactive: list[str] = []
        for rule in self._by_action[action]:
            if decision is not None:
                checks.append(RuleCheck(rule, "not reached"))
                continue
            mismatches = _mismatches(rule, ctx)
            if mismatches:
                checks.append(RuleCheck(rule, "no match", mismatches))
                continue
            basis, skipped = self._active_basis(rule, ctx)
            if basis is None:
                checks.append(RuleCheck(rule, "inactive", skipped))
                inactive.append(f"rule '{rule.id}' matches but is inactive: {'; '.join(skipped)}")
                continue
            checks.append(RuleCheck(rule, "allows", skipped))
            decision = self._allow(rule, basis, action)
        if decision is None:
            reason = f"no rule allows {describe(ctx)}"
            if inactive:
                reason += "; " + "; ".join(inactive)
            decision = self._refuse(reason)
        return decision, tuple(checks)

    def _unknown_term(self, action: Action, ctx: Context) -> str | None:
        """Refuse questions in terms the policy does not know, before looking at rules."""
        domain = self._domains.get(ctx.actor_domain)
        if domain is None:
            return f"unknown domain '{ctx.actor_domain}'"
        if ctx.role not in ROLES:
            return f"unknown role '{ctx.role}'"
        if ctx.purpose not in self._purposes:
            return f"unknown purpose '{ctx.purpose}'"
        if ctx.subject_type not in SUBJECT_TYPES:
            return f"unknown subject type '{ctx.subject_type}'"
        if ctx.legal_basis is not None and ctx.legal_basis not in self._legal_bases:
            return f"unknown legal basis '{ctx.legal_basis}'"
        if action in TARGETED_ACTIONS:
            if ctx.target_domain is None:
                return f"a '{action}' question needs a target domain"
            target = self._domains.get(ctx.target_domain)
            if target is None:
                return f"unknown domain '{ctx.target_domain}'"
            # Flags of the target domain cannot exist on other subject types.
            domain = target
        elif ctx.target_domain is not None:
            return f"a '{action}' question has no target domain"
        elif action is Action.CHECK:
            return None
        if ctx.subject_type not in domain.subject_types:
            return (
                f"domain '{domain.id}' holds no flags on {_a(ctx.subject_type)} "
                f"(its subject types: {', '.join(sorted(domain.subject_types))})"
            )
        return None

    def _active_basis(self, rule: Rule, ctx: Context) -> tuple[LegalBasis | None, tuple[str, ...]]:
        """The cited basis, or the rule's first active one, plus why others were skipped."""
        candidates = (ctx.legal_basis,) if ctx.legal_basis is not None else rule.legal_bases
        skipped: list[str] = []
        for basis_id in candidates:
            basis = self._legal_bases[basis_id]
            why_not = basis.inactive_reason(ctx.on)
            if why_not is None:
                return basis, tuple(skipped)
            skipped.append(why_not)
        return None, tuple(skipped)

    def _allow(self, rule: Rule, basis: LegalBasis, action: Action) -> Decision:
        reason = f"allowed by rule '{rule.id}' under {basis.citation} ('{basis.id}')"
        match_contact = None
        if action is Action.CONTACT:
            if rule.requires_approval:
                reason += "; the owner team must approve"
            if rule.expires_after_days is not None:
                reason += f"; the request expires after {rule.expires_after_days} days"
            match_contact = rule.match_contact or default_match_contact(rule.requires_approval)
            reason += f"; a match shows contact details {MATCH_CONTACT_WORDS[match_contact]}"
        return Decision(
            allowed=True,
            rule_id=rule.id,
            legal_basis=basis.id,
            reason=reason,
            policy_version=self._version,
            requires_approval=rule.requires_approval,
            expires_after_days=rule.expires_after_days,
            match_contact=match_contact,
        )

    def _refuse(self, reason: str) -> Decision:
        return Decision(
            allowed=False,
            rule_id=None,
            legal_basis=None,
            reason=f"refused: {reason}",
            policy_version=self._version,
        )


def _mismatches(rule: Rule, ctx: Context) -> tuple[str, ...]:
    """Each field of ``ctx`` the rule does not cover, in words."""
    found: list[str] = []
    for label, value, allowed in (
        ("domain", ctx.actor_domain, rule.domains),
        ("role", ctx.role, rule.roles),
        ("purpose", ctx.purpose, rule.purposes),
        ("subject type", ctx.subject_type, rule.subject_types),
    ):
        if value not in allowed and WILDCARD not in allowed:
            found.append(f"{label} '{value}' not in {_listing(allowed)}")
    if ctx.target_domain is not None and ctx.target_domain not in rule.targets:
        found.append(f"target domain '{ctx.target_domain}' not in {_listing(rule.targets)}")
    if ctx.legal_basis is not None and ctx.legal_basis not in rule.legal_bases:
        found.append(f"legal basis '{ctx.legal_basis}' not in [{', '.join(rule.legal_bases)}]")
    return tuple(found)


def _listing(values: frozenset[str]) -> str:
    return f"[{', '.join(sorted(values))}]"


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def describe(ctx: Context) -> str:
    """The question in words, e.g. for a refusal."""
    who = f"domain '{ctx.actor_domain}' (role {ctx.role})"
    subject = _a(ctx.subject_type)
    purpose = f"for purpose '{ctx.purpose}'"
    if ctx.action == Action.REGISTER:
        text = f"{who} to register a flag on {subject} {purpose}"
        if ctx.legal_basis is not None:
            text += f" under legal basis '{ctx.legal_basis}'"
        return text
    if ctx.action == Action.CHECK:
        return f"{who} to check involvement on {subject} {purpose}"
    if ctx.action == Action.SEE:
        return (
            f"{who} to see flags of domain '{ctx.target_domain}' in a check on {subject} {purpose}"
        )
    return f"{who} to request contact with domain '{ctx.target_domain}' about {subject} {purpose}"
