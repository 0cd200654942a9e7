"""The hub's door to the policy: build the context, ask, and turn refusals into errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from hub.actor import Actor
from hub.audit.vocabulary import Action as AuditAction
from hub.audit.vocabulary import AuditRecord, DecisionRef, Outcome
from hub.errors import PolicyRefusal
from policies import Action, Context, Decision, MatchContact, Policy

PolicyFor = Callable[[str], Policy]
"""The policy in force for an organisation (by slug), as the busy groups take it: each
organisation has its own (``hub/organisation_policy/cache.py``)."""


def policy_for(policy: Policy | PolicyFor, organisation: str) -> Policy:
    """``policy`` itself, or the policy it names for ``organisation``."""
    return policy if isinstance(policy, Policy) else policy(organisation)


def policy_role(actor: Actor) -> str:
    """The role the policy is asked about for ``actor``: their most specific one (an
    unknown role, ``""``, is refused by every rule)."""
    return actor.role.value if actor.role else ""


def decision_ref(decision: Decision) -> DecisionRef:
    return DecisionRef(
        rule_id=decision.rule_id,
        legal_basis=decision.legal_basis,
        policy_version=decision.policy_version,
        reason=None if decision.allowed else decision.reason,
    )


def require_allowed(
    policy: Policy,
    actor: Actor,
    *,
    action: Action,
    audit_action: AuditAction,
    domain: str,
    purpose: str,
    subject_type: str,
    now: datetime,
    subject_key: bytes | None = None,
    case_ref: str | None = None,
    target_domain: str | None = None,
    legal_basis: str | None = None,
) -> Decision:
    """Decide; on refusal raise a 403 that carries its own audit record."""
    decision = policy.decide(
        Context(
            action=action,
            actor_domain=domain,
            role=policy_role(actor),
            purpose=purpose,
            subject_type=subject_type,
            target_domain=target_domain,
            legal_basis=legal_basis,
            on=now.date(),
        )
    )
    if not decision.allowed:
        raise PolicyRefusal(
            decision.reason,
            audit=AuditRecord(
                action=audit_action,
                outcome=Outcome.REFUSED,
                subject_key=subject_key,
                purpose=purpose,
                case_ref=case_ref,
                decision=decision_ref(decision),
                reason=decision.reason,
            ),
            rule_id=decision.rule_id,
            policy_version=decision.policy_version,
        )
    return decision


def may_see(
    policy: Policy,
    *,
    viewer_domain: str,
    role: str,
    purpose: str,
    subject_type: str,
    target_domain: str,
    on: date,
) -> bool:
    """Whether a member of ``viewer_domain`` may see ``target_domain``'s involvement."""
    return policy.decide(
        Context(
            action=Action.SEE,
            actor_domain=viewer_domain,
            role=role,
            purpose=purpose,
            subject_type=subject_type,
            target_domain=target_domain,
            on=on,
        )
    ).allowed


def match_contact(
    policy: Policy,
    *,
    viewer_domain: str,
    purpose: str,
    subject_type: str,
    target_domain: str,
    on: date,
) -> tuple[MatchContact, str]:
    """What a match may show ``viewer_domain`` of a ``target_domain`` team's contact, by the
    contact rule for the pair (``match: contact_details``), and the rule that says so."""
    decision = policy.decide(
        Context(
            action=Action.CONTACT,
            actor_domain=viewer_domain,
            role="professional",
            purpose=purpose,
            subject_type=subject_type,
            target_domain=target_domain,
            on=on,
        )
    )
    if not decision.allowed or decision.match_contact is None:
        return MatchContact.NEVER, "no contact rule"
    return decision.match_contact, f"rule {decision.rule_id}"
