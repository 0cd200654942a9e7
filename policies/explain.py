"""Why a context is allowed or refused, in words a privacy officer can check."""

from __future__ import annotations

from policies.engine import Policy, RuleCheck, describe
from policies.model import MATCH_CONTACT_WORDS, Action, Context

_OUTCOME_WORDS = {
    "allows": "ALLOWS",
    "no match": "no match",
    "inactive": "INACTIVE",
    "not reached": "not reached",
}


def explain(policy: Policy, ctx: Context) -> str:
    """A multi-line account: the question, each rule considered, and the decision."""
    decision, checks = policy.evaluate(ctx)
    out = [
        f"Question: does the policy allow {describe(ctx)}, on {ctx.on.isoformat()}?",
        f"Policy:   {policy.info.name} ({policy.info.organisation}), {policy.source}",
        f"Version:  {policy.version}",
    ]
    inactive = [
        reason
        for basis in policy.legal_bases.values()
        if (reason := basis.inactive_reason(ctx.on)) is not None
    ]
    if inactive:
        out.append("Inactive legal bases on this day:")
        out.extend(f"  - {reason}" for reason in inactive)
    action = _action_or_none(ctx)
    if action is not None and checks:
        out.append(f"Rules for action '{action}' ({len(checks)}), first match decides:")
        out.extend(_rule_lines(check) for check in checks if check.outcome != "not reached")
        skipped = sum(1 for check in checks if check.outcome == "not reached")
        if skipped:
            out.append(f"  ({skipped} later rule(s) not evaluated: an earlier rule already allows)")
    elif action is not None and not decision.allowed and not checks:
        count = sum(1 for rule in policy.rules if rule.action is action)
        out.append(f"Rules for action '{action}': {count}, none evaluated (see the reason).")
    out.append("")
    if decision.allowed and decision.legal_basis is not None and decision.rule_id is not None:
        basis = policy.legal_bases[decision.legal_basis]
        rule = next(r for r in policy.rules if r.id == decision.rule_id)
        out.append(f"Decision: ALLOWED by rule '{rule.id}' (line {rule.line})")
        out.append(f"  grondslag: {basis.citation} ('{basis.id}'), DPIA {basis.dpia_ref}")
        if basis.avg_articles:
            out.append(f"  AVG: {', '.join(basis.avg_articles)}")
        out.append(f"  why: {rule.why}")
        if ctx.action == Action.CONTACT:
            approval = "the owner team must approve" if rule.requires_approval else "no approval"
            out.append(f"  contact: {approval}; expires after {rule.expires_after_days} days")
            assert decision.match_contact is not None  # every allowed contact has one
            source = (
                "the rule's match.contact_details"
                if rule.match_contact
                else ("derived from requires_approval")
            )
            out.append(
                f"  match: contact details {MATCH_CONTACT_WORDS[decision.match_contact]} "
                f"({decision.match_contact.value}, {source}); never after the owner "
                "declined a request from this team on the subject"
            )
        for note in (rule.confirm, basis.confirm):
            if note:
                out.append(f"  FG to confirm: {note}")
    else:
        out.append("Decision: REFUSED")
        out.append(f"  reason: {decision.reason}")
    out.append(f"  policy version: {decision.policy_version}")
    return "\n".join(out)


def _action_or_none(ctx: Context) -> Action | None:
    try:
        return Action(ctx.action)
    except ValueError:
        return None


def _rule_lines(check: RuleCheck) -> str:
    head = f"  - {check.rule.id} (line {check.rule.line}): {_OUTCOME_WORDS[check.outcome]}"
    if not check.details:
        return head
    return head + "".join(f"\n      {detail}" for detail in check.details)
