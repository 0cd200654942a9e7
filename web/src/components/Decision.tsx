import type { Decision as DecisionValue } from "../api/types";
import { useApp } from "../app/context";

/** Which rule and grondslag allowed something, under which policy version: on request. */
export function Decision({ decision, summary }: { decision: DecisionValue; summary?: string }) {
  const { t } = useApp();
  return (
    <details class="app-details">
      <summary>{summary ?? t.decision.summary}</summary>
      <dl class="app-facts">
        <dt>{t.decision.rule}</dt>
        <dd>{decision.rule_id ?? t.decision.none}</dd>
        <dt>{t.decision.legalBasis}</dt>
        <dd>{decision.legal_basis ?? t.decision.none}</dd>
        <dt>{t.decision.policyVersion}</dt>
        <dd class="app-code">{decision.policy_version}</dd>
      </dl>
    </details>
  );
}
