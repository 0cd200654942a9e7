"""Points a valid policy still needs a privacy officer's attention for."""

from __future__ import annotations

import datetime

from policies.engine import Policy
from policies.model import Action

REVIEW_SOON_DAYS = 90


def review_notes(policy: Policy, on: datetime.date) -> list[str]:
    """Inactive or soon-to-expire legal bases, unused ones, rules that can never apply,
    and every open ``confirm`` question."""
    notes: list[str] = []
    used = {basis for rule in policy.rules for basis in rule.legal_bases}
    for basis in sorted(policy.legal_bases.values(), key=lambda b: b.id):
        reason = basis.inactive_reason(on)
        if reason is not None:
            notes.append(f"line {basis.line}: {reason}; rules citing only it are inactive")
        elif (basis.review_by - on).days <= REVIEW_SOON_DAYS:
            notes.append(
                f"line {basis.line}: legal basis '{basis.id}' is due for review by "
                f"{basis.review_by.isoformat()}"
            )
        if basis.id not in used:
            notes.append(f"line {basis.line}: legal basis '{basis.id}' is not cited by any rule")
    for rule in policy.rules:
        if rule.action is not Action.REGISTER or "*" in rule.subject_types:
            continue
        for domain_id in sorted(rule.domains - {"*"}):
            unheld = rule.subject_types - policy.domains[domain_id].subject_types
            if unheld:
                notes.append(
                    f"line {rule.line}: rule '{rule.id}' lets '{domain_id}' register on "
                    f"{', '.join(sorted(unheld))}, which that domain does not hold"
                )
    for kind, entries in (
        ("legal basis", policy.legal_bases.values()),
        ("purpose", policy.purposes.values()),
        ("domain", policy.domains.values()),
        ("rule", policy.rules),
    ):
        for entry in entries:
            if entry.confirm:
                notes.append(
                    f"line {entry.line}: FG to confirm ({kind} '{entry.id}'): {entry.confirm}"
                )
    return notes
