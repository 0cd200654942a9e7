import { useEffect, useState } from "preact/hooks";
import type { Subject } from "../../api/types";
import { useApp } from "../../app/context";
import { ProblemAlert } from "../../components/Alerts";
import { Button } from "../../components/Button";
import { SelectField, TextField } from "../../components/Field";
import { Screen } from "../../components/Screen";
import { KIND_OF } from "../../components/SubjectInput";
import type { SubjectType } from "../../crypto/identifiers";
import { caseRefProblem, identifierProblem, problems, showFieldErrors, useAction, type FieldErrors } from "../../forms";
import { localTime, useAudit, type Entry, type EntryFilter } from "../api/audit";
import { ProofError } from "../proof/errors";
import { verifyEntryProof } from "../proof/verify";
import { useText } from "../text";
import { text } from "./text";

type SubjectChoice = "" | SubjectType;

interface Search {
  filter: EntryFilter;
  subject: Subject | null;
}

/** Who did what and when: the log searched by member, team, action, outcome, period and
 * subject; each entry opens to its decision and its inclusion proof, checked here. */
export function Access() {
  const { t, services, announce } = useApp();
  const own = useText(text);
  const audit = useAudit();
  const [kind, setKind] = useState<SubjectChoice>("");
  const [identifier, setIdentifier] = useState("");
  const [caseRef, setCaseRef] = useState("");
  const [member, setMember] = useState("");
  const [team, setTeam] = useState("");
  const [action, setAction] = useState("");
  const [outcome, setOutcome] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [search, setSearch] = useState<Search | null>(null);
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [nextAfter, setNextAfter] = useState<number | null>(null);
  const run = useAction();

  function fetchPage(next: Search, after: number) {
    return next.subject ? audit.entriesOn(next.subject, next.filter, after) : audit.entries(next.filter, after);
  }

  async function submit(event: Event) {
    event.preventDefault();
    const found = problems({
      "access-identifier": kind ? identifierProblem(t, KIND_OF[kind], identifier) : null,
      "access-case-ref": caseRefProblem(t, caseRef.trim(), false),
    });
    setErrors(found);
    if (showFieldErrors(found, t, announce)) return;
    const filter: EntryFilter = {
      member: member.trim() || undefined,
      team: team.trim() || undefined,
      action: action || undefined,
      outcome: outcome === "allowed" || outcome === "refused" ? outcome : undefined,
      from: from ? new Date(`${from}T00:00`).toISOString() : undefined,
      to: to ? new Date(new Date(`${to}T00:00`).getTime() + 86_400_000).toISOString() : undefined,
    };
    const page = await run.run(async () => {
      // Only the pseudonym leaves this browser; the number stays in this form.
      const subject = kind ? await services.client.pseudonymise(KIND_OF[kind], identifier) : null;
      const next: Search = subject
        ? { filter: { ...filter, case_ref: caseRef.trim() || undefined }, subject: { kind: subject.kind, pseudonym: subject.pseudonym } }
        : { filter, subject: null };
      setSearch(next);
      return fetchPage(next, 0);
    });
    if (page) {
      setEntries(page.items);
      setNextAfter(page.next_after);
      announce(own.count(page.items.length));
    }
  }

  async function more() {
    if (!search || nextAfter === null) return;
    const page = await run.run(() => fetchPage(search, nextAfter));
    if (page) {
      setEntries((current) => [...(current ?? []), ...page.items]);
      setNextAfter(page.next_after);
    }
  }

  const actionOptions = [{ value: "", label: own.anyAction }, ...Object.entries(own.actions).map(([value, label]) => ({ value, label }))];
  return (
    <Screen name="console-access" title={own.title} pageTitle={t.pageTitle(own.title)}>
      <p class="utrecht-paragraph">{own.intro}</p>
      <form class="app-form" onSubmit={submit} noValidate>
        <SelectField
          id="access-subject-kind"
          label={own.subjectKind}
          value={kind}
          onValue={(value) => {
            setKind(value as SubjectChoice);
            setErrors({});
          }}
          options={[
            { value: "", label: own.subjectNone },
            ...(["person", "address", "business"] as const).map((type) => ({ value: type, label: own.subjectTypes[type] })),
          ]}
        />
        {kind && (
          <>
            <TextField
              id="access-identifier"
              label={t.subject.identifierLabels[KIND_OF[kind]]}
              hint={`${t.subject.identifierHints[KIND_OF[kind]]} ${t.subject.privacy}`}
              error={errors["access-identifier"]}
              value={identifier}
              onValue={setIdentifier}
              inputMode="numeric"
              required
            />
            <TextField id="access-case-ref" label={own.caseRef} hint={own.caseRefHint} error={errors["access-case-ref"]} value={caseRef} onValue={setCaseRef} maxLength={64} />
          </>
        )}
        <div class="app-console-fields">
          <TextField id="access-member" label={own.member} hint={own.memberHint} value={member} onValue={setMember} maxLength={200} />
          <TextField id="access-team" label={own.team} hint={own.teamHint} value={team} onValue={setTeam} maxLength={64} />
          <SelectField id="access-action" label={own.action} value={action} onValue={setAction} options={actionOptions} />
          <SelectField
            id="access-outcome"
            label={own.outcome}
            value={outcome}
            onValue={setOutcome}
            options={[{ value: "", label: own.anyOutcome }, ...Object.entries(own.outcomes).map(([value, label]) => ({ value, label }))]}
          />
          <TextField id="access-from" type="date" label={own.from} value={from} onValue={setFrom} />
          <TextField id="access-to" type="date" label={own.to} value={to} onValue={setTo} />
        </div>
        {run.error !== null && <ProblemAlert error={run.error} />}
        <div class="utrecht-button-group">
          <Button type="submit" appearance="primary" busy={run.busy}>
            {own.search}
          </Button>
        </div>
        {run.busy && <p class="utrecht-paragraph app-busy">{own.busy}</p>}
      </form>
      {entries && (
        <section aria-labelledby="access-results">
          <h2 class="utrecht-heading-2" id="access-results">
            {own.results}
          </h2>
          <p class="utrecht-paragraph">{entries.length === 0 ? own.none : own.count(entries.length)}</p>
          {entries.length > 0 && (
            <ul class="app-cards">
              {entries.map((entry) => (
                <EntryCard key={entry.id} entry={entry} />
              ))}
            </ul>
          )}
          {nextAfter !== null && (
            <div class="utrecht-button-group">
              <Button busy={run.busy} onClick={more}>
                {own.more}
              </Button>
            </div>
          )}
        </section>
      )}
    </Screen>
  );
}

function EntryCard({ entry }: { entry: Entry }) {
  const { lang } = useApp();
  const own = useText(text);
  const [open, setOpen] = useState(false);
  const titleId = `entry-${entry.id}`;
  const panelId = `entry-panel-${entry.id}`;
  return (
    <li class="app-card" aria-labelledby={titleId} data-entry={entry.leaf_index ?? undefined}>
      <h3 class="utrecht-heading-3" id={titleId}>
        {own.actions[entry.action] ?? entry.action}: {own.outcomes[entry.outcome] ?? entry.outcome}
      </h3>
      <dl class="app-facts">
        <dt>{own.at}</dt>
        <dd>{localTime(entry.at, lang)}</dd>
        <dt>{own.member}</dt>
        <dd>{entry.actor.sub}</dd>
        {entry.actor.team && (
          <>
            <dt>{own.team}</dt>
            <dd>{entry.actor.team}</dd>
          </>
        )}
        {entry.purpose && (
          <>
            <dt>{own.purpose}</dt>
            <dd>{entry.purpose}</dd>
          </>
        )}
        {entry.case_ref && (
          <>
            <dt>{own.caseRefShown}</dt>
            <dd>{entry.case_ref}</dd>
          </>
        )}
      </dl>
      {entry.integrity === "tampered" && (
        <p class="utrecht-paragraph app-warning">{own.tampered(entry.tampered_fields.join(", "))}</p>
      )}
      <div class="utrecht-button-group">
        <Button aria-expanded={open ? "true" : "false"} aria-controls={panelId} aria-describedby={titleId} onClick={() => setOpen(!open)}>
          {open ? own.close : own.open}
        </Button>
      </div>
      <div id={panelId} hidden={!open}>
        {open && <EntryDetail entry={entry} />}
      </div>
    </li>
  );
}

type ProofState = { state: "busy" } | { state: "verified"; size: number } | { state: "failed"; why: string } | { state: "error"; error: unknown };

function EntryDetail({ entry }: { entry: Entry }) {
  const own = useText(text);
  const audit = useAudit();
  const [proof, setProof] = useState<ProofState | null>(null);

  async function check(index: number) {
    setProof({ state: "busy" });
    try {
      const [body, key] = await Promise.all([audit.inclusionProof(index), audit.publicKey()]);
      const checkpoint = verifyEntryProof(body, key.verifier_key);
      setProof({ state: "verified", size: checkpoint.size });
    } catch (error) {
      setProof(error instanceof ProofError ? { state: "failed", why: error.message } : { state: "error", error });
    }
  }
  useEffect(() => {
    if (entry.leaf_index !== null) void check(entry.leaf_index);
  }, [entry.leaf_index]);

  return (
    <div class="app-console-detail">
      <h4 class="utrecht-heading-4">{own.decision}</h4>
      {entry.decision ? (
        <dl class="app-facts">
          <dt>{own.rule}</dt>
          <dd>{entry.decision.rule_id ?? "—"}</dd>
          <dt>{own.legalBasis}</dt>
          <dd>{entry.decision.legal_basis ?? "—"}</dd>
          <dt>{own.policyVersion}</dt>
          <dd class="app-code">{entry.decision.policy_version ?? "—"}</dd>
        </dl>
      ) : (
        <p class="utrecht-paragraph">{own.noDecision}</p>
      )}
      {entry.reason && (
        <dl class="app-facts">
          <dt>{own.reason}</dt>
          <dd class="app-code">{entry.reason}</dd>
        </dl>
      )}
      <h4 class="utrecht-heading-4">{own.proof}</h4>
      {entry.leaf_index === null && <p class="utrecht-paragraph">{own.notSequenced}</p>}
      {proof?.state === "busy" && <p class="utrecht-paragraph app-busy">{own.proofBusy}</p>}
      {proof?.state === "verified" && (
        <p class="utrecht-paragraph app-proof app-proof--ok" data-proof="verified" role="status">
          {own.proofOk(entry.leaf_index ?? 0, proof.size)}
        </p>
      )}
      {proof?.state === "failed" && (
        <p class="utrecht-paragraph app-proof app-proof--bad" data-proof="failed" role="alert">
          {own.proofBad(proof.why)}
        </p>
      )}
      {proof?.state === "error" && <ProblemAlert error={proof.error} />}
    </div>
  );
}
