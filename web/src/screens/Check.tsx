import { useState } from "preact/hooks";
import type { CheckResult, InvolvedTeam, Purpose, SeenDomain } from "../api/types";
import { useApp } from "../app/context";
import { ProblemAlert } from "../components/Alerts";
import { Button } from "../components/Button";
import { Decision } from "../components/Decision";
import { SelectField, TextField } from "../components/Field";
import { RequestContact } from "../components/RequestContact";
import { Screen } from "../components/Screen";
import { KIND_OF, SubjectInput } from "../components/SubjectInput";
import type { SubjectType } from "../crypto/identifiers";
import { caseRefProblem, hubFieldErrors, identifierProblem, problems, showFieldErrors, useAction, type FieldErrors } from "../forms";
import { seesFor, subjectTypesFor, usePurposeChoice, useSubjectDraft } from "./shared";

interface Outcome {
  result: CheckResult;
  purpose: Purpose;
  type: SubjectType;
}

/** Who else is involved with a person, address or business, as far as the policy allows. */
export function Check() {
  const { t, me, services, announce } = useApp();
  const types = subjectTypesFor(me.purposes, "check");
  const { type, identifier, setType, setIdentifier } = useSubjectDraft(types);
  const { purposes, purpose, setPurpose } = usePurposeChoice(me.purposes, "check", type);
  const [caseRef, setCaseRef] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const action = useAction();

  async function submit(event: Event) {
    event.preventDefault();
    const found = problems({
      "check-identifier": identifierProblem(t, KIND_OF[type], identifier),
      "check-purpose": purpose ? null : t.purpose.required,
      "check-case-ref": caseRefProblem(t, caseRef.trim(), true),
    });
    setErrors(found);
    if (showFieldErrors(found, t, announce)) return;
    if (!purpose) return;
    setOutcome(null);
    const result = await action.run(async () => {
      const subject = await services.client.pseudonymise(KIND_OF[type], identifier);
      return services.hub.check({ kind: subject.kind, pseudonym: subject.pseudonym }, purpose.purpose, caseRef.trim());
    });
    if (result) {
      setOutcome({ result, purpose, type });
      announce(t.check.involvedCount(result.involved.length));
    }
  }

  const hubErrors = hubFieldErrors(t, action.error, { case_ref: "check-case-ref", purpose: "check-purpose" });
  const fieldError = (id: string) => errors[id] ?? hubErrors[id];

  return (
    <Screen name="check" title={t.check.title} pageTitle={t.pageTitle(t.check.title)}>
      <p class="utrecht-paragraph">{t.check.intro}</p>
      {types.length === 0 ? (
        <p class="utrecht-paragraph">{t.purpose.noneForCheck}</p>
      ) : (
        <form class="app-form" onSubmit={submit} noValidate>
          <SubjectInput
            idPrefix="check"
            types={types}
            type={type}
            onType={(next) => {
              setType(next);
              setErrors({});
              setOutcome(null);
            }}
            value={identifier}
            onValue={(value) => {
              // An outcome shown beside another number would be read as that number's.
              setIdentifier(value);
              setOutcome(null);
            }}
            error={fieldError("check-identifier")}
          />
          <SelectField
            id="check-purpose"
            label={t.purpose.label}
            hint={t.purpose.checkHint}
            error={fieldError("check-purpose")}
            value={purpose?.purpose ?? ""}
            onValue={setPurpose}
            options={purposes.map((p) => ({ value: p.purpose, label: p.name }))}
          />
          <TextField
            id="check-case-ref"
            label={t.caseRef.label}
            hint={t.caseRef.hint}
            error={fieldError("check-case-ref")}
            value={caseRef}
            onValue={setCaseRef}
            maxLength={64}
            required
          />
          {action.error !== null && <ProblemAlert error={action.error} />}
          <div class="utrecht-button-group">
            <Button type="submit" appearance="primary" busy={action.busy}>
              {t.check.submit}
            </Button>
          </div>
          {action.busy && <p class="utrecht-paragraph app-busy">{t.check.busy}</p>}
        </form>
      )}
      {outcome && <Result outcome={outcome} caseRef={caseRef.trim()} />}
    </Screen>
  );
}

function Result({ outcome, caseRef }: { outcome: Outcome; caseRef: string }) {
  const { t } = useApp();
  const { result, purpose, type } = outcome;
  const sees = seesFor(purpose, type);
  // The rule that says what this purpose shows; a hidden domain is one it does not name.
  const seeingRule = sees?.shown.find((seen) => seen.rule_id);
  return (
    <section class="app-result" aria-labelledby="check-result-title">
      <h2 class="utrecht-heading-2" id="check-result-title">
        {t.check.resultTitle}
      </h2>
      {result.own_team_involved && <p class="utrecht-paragraph">{t.check.ownInvolved}</p>}
      <p class="utrecht-paragraph app-lead">{t.check.involvedCount(result.involved.length)}</p>
      {result.involved.length > 0 && (
        <ul class="app-cards">
          {result.involved.map((team) => (
            <TeamCard
              key={team.handle}
              team={team}
              purpose={purpose}
              caseRef={caseRef}
              shown={sees?.shown.find((seen) => seen.domain === team.domain)}
            />
          ))}
        </ul>
      )}
      {sees && sees.not_shown.length > 0 && (
        <>
          <h3 class="utrecht-heading-3">{t.check.hiddenTitle}</h3>
          <ul class="app-plain-list">
            {sees.not_shown.map((hidden) => (
              <li key={hidden.domain}>
                <p class="utrecht-paragraph">{t.check.hidden(purpose.name, hidden.domain_name)}</p>
                <details class="app-details">
                  <summary>{t.check.hiddenWhy}</summary>
                  <p class="utrecht-paragraph">{t.check.hiddenDefault}</p>
                  {seeingRule && (
                    <p class="utrecht-paragraph">
                      {t.check.hiddenRule(seeingRule.rule_id ?? "", citation(seeingRule), hidden.domain_name)}
                    </p>
                  )}
                </details>
              </li>
            ))}
          </ul>
        </>
      )}
      <Decision decision={result.decision} citations={citations(purpose)} />
    </section>
  );
}

function TeamCard({
  team,
  purpose,
  caseRef,
  shown,
}: {
  team: InvolvedTeam;
  purpose: Purpose;
  caseRef: string;
  shown: SeenDomain | undefined;
}) {
  const { t } = useApp();
  const titleId = `team-${team.handle.slice(0, 16)}`;
  return (
    <li class="app-card" aria-labelledby={titleId}>
      <h3 class="utrecht-heading-3" id={titleId}>
        {team.team_name}
      </h3>
      <dl class="app-facts">
        <dt>{t.check.domain}</dt>
        <dd>{shown?.domain_name ?? team.domain}</dd>
        <dt>{t.check.since}</dt>
        <dd>{t.date(team.since)}</dd>
      </dl>
      {shown && (shown.rule_id || shown.legal_basis) && (
        <details class="app-details">
          <summary>{t.check.shownWhy(shown.domain_name)}</summary>
          <Basis seen={shown} />
        </details>
      )}
      <RequestContact team={team} purpose={purpose.purpose} caseRef={caseRef} describedBy={titleId} />
    </li>
  );
}

/** "Participatiewet art. 64 (pw_art_64)": the law's words, with the policy's code. */
function citation(seen: SeenDomain): string {
  return seen.citation ? `${seen.citation} (${seen.legal_basis ?? ""})` : (seen.legal_basis ?? "");
}

/** The citations of the grondslagen this purpose's rules name, by code. */
function citations(purpose: Purpose): Record<string, string> {
  const byCode: Record<string, string> = {};
  for (const sees of purpose.sees) for (const seen of sees.shown) if (seen.legal_basis && seen.citation) byCode[seen.legal_basis] = seen.citation;
  return byCode;
}

/** The rule and grondslag that let a domain be seen, as the policy words them. */
function Basis({ seen }: { seen: SeenDomain }) {
  const { t } = useApp();
  if (!seen.rule_id && !seen.legal_basis && !seen.why) return null;
  return (
    <dl class="app-facts">
      {seen.rule_id && (
        <>
          <dt>{t.decision.rule}</dt>
          <dd>{seen.rule_id}</dd>
        </>
      )}
      {seen.legal_basis && (
        <>
          <dt>{t.decision.legalBasis}</dt>
          <dd>{citation(seen)}</dd>
        </>
      )}
      {seen.why && (
        <>
          <dt>{t.check.policyWhy}</dt>
          <dd>{seen.why}</dd>
        </>
      )}
    </dl>
  );
}
