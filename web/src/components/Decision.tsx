import type { Decision as DecisionValue } from "../api/types";
import { useApp } from "../app/context";

/** Which rule and grondslag allowed something, under which policy version: on request. */
export function Decision({
  decision,
  summary,
  citations = {},
}: {
  decision: DecisionValue;
  summary?: string;
  /** The law's words for a grondslag code, where the policy gives them. */
  citations?: Record<string, string>;
}) {
  const { t } = useApp();
  const basis = decision.legal_basis;
  const cited = basis && citations[basis] ? `${citations[basis]} (${basis})` : basis;
  return (
    <details class="app-details">
      <summary>{summary ?? t.decision.summary}</summary>
      <dl class="app-facts">
        <dt>{t.decision.rule}</dt>
        <dd>{decision.rule_id ?? t.decision.none}</dd>
        <dt>{t.decision.legalBasis}</dt>
        <dd>{cited ?? t.decision.none}</dd>
        <dt>{t.decision.policyVersion}</dt>
        <dd class="app-code">{decision.policy_version}</dd>
      </dl>
    </details>
  );
}
