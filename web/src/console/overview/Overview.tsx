import { useEffect, useState } from "preact/hooks";
import { useApp } from "../../app/context";
import { href, type ConsoleRoute } from "../../app/router";
import { Notice, ProblemAlert } from "../../components/Alerts";
import { Button } from "../../components/Button";
import { Screen } from "../../components/Screen";
import { looksLikeIdentifier } from "../../crypto/identifiers";
import { useAction } from "../../forms";
import type { Messages } from "../../i18n";
import { localTime, useAudit, type Alert, type Integrity, type PolicyVersion } from "../api/audit";
import { verifyCheckpoint } from "../proof/checkpoint";
import { ProofError } from "../proof/errors";
import { consoleRoutesFor } from "../roles";
import { useText } from "../text";
import { text } from "./text";

/** The officer's start: open alerts, the log's integrity, the policy; a link to every screen. */
export function Overview() {
  const { t, me } = useApp();
  const own = useText(text);
  const others = consoleRoutesFor(me).filter((route) => route !== "overview");
  return (
    <Screen name="console-overview" title={own.title} pageTitle={t.pageTitle(own.title)}>
      <p class="utrecht-paragraph">{own.intro}</p>
      <section aria-labelledby="overview-go-to">
        <h2 class="utrecht-heading-2" id="overview-go-to">
          {own.goTo}
        </h2>
        <ul class="app-console-links">
          {others.map((route) => (
            <li key={route}>
              <a class="utrecht-link app-console-links__link" href={href(route)}>
                {t.nav[route]}
              </a>
              {route in own.screens && <p class="utrecht-paragraph">{own.screens[route as keyof typeof own.screens]}</p>}
            </li>
          ))}
        </ul>
      </section>
      <Alerts />
      <IntegrityStatus />
      <PolicyStatus canOpen={others.includes("policy" satisfies ConsoleRoute)} />
    </Screen>
  );
}

function Alerts() {
  const own = useText(text);
  const audit = useAudit();
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const load = useAction();
  useEffect(() => {
    void load.run(() => audit.alerts("open")).then((page) => page && setAlerts(page.items));
  }, [audit]);
  const replace = (alert: Alert) => setAlerts((current) => current?.map((a) => (a.id === alert.id ? alert : a)) ?? null);
  return (
    <section aria-labelledby="overview-alerts">
      <h2 class="utrecht-heading-2" id="overview-alerts">
        {own.alertsTitle}
      </h2>
      {load.error !== null && <ProblemAlert error={load.error} />}
      {alerts === null && load.busy && <p class="utrecht-paragraph app-busy">{own.alertsLoading}</p>}
      {alerts?.length === 0 && <p class="utrecht-paragraph">{own.alertsEmpty}</p>}
      {alerts && alerts.length > 0 && (
        <ul class="app-cards">
          {alerts.map((alert) => (
            <AlertCard key={alert.id} alert={alert} onChange={replace} />
          ))}
        </ul>
      )}
    </section>
  );
}

function AlertCard({ alert, onChange }: { alert: Alert; onChange(alert: Alert): void }) {
  const { t, lang, announce } = useApp();
  const own = useText(text);
  const audit = useAudit();
  const [note, setNote] = useState("");
  const [noteError, setNoteError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const action = useAction();
  const titleId = `alert-${alert.id}`;
  const noteId = `alert-note-${alert.id}`;
  const faults = Array.isArray(alert.detail["faults"]) ? (alert.detail["faults"] as { leaf_index?: number; problem?: string }[]) : [];

  async function acknowledge(event: Event) {
    event.preventDefault();
    const problem = noteProblem(t, note);
    setNoteError(problem);
    if (problem) {
      document.getElementById(noteId)?.focus();
      return;
    }
    const changed = await action.run(() => audit.acknowledge(alert.id, note.trim()));
    if (changed) {
      onChange(changed);
      setDone(true);
      announce(own.acknowledgedSaid);
    }
  }

  return (
    <li class="app-card" aria-labelledby={titleId}>
      <h3 class="utrecht-heading-3" id={titleId}>
        {own.rules[alert.rule] ?? alert.rule}
      </h3>
      <dl class="app-facts">
        {!alert.member.startsWith("system:") && (
          <>
            <dt>{own.member}</dt>
            <dd>{alert.member}</dd>
          </>
        )}
        {alert.team && (
          <>
            <dt>{own.team}</dt>
            <dd>{alert.team}</dd>
          </>
        )}
        <dt>{own.window}</dt>
        <dd>{own.windowText(localTime(alert.window_start, lang), localTime(alert.window_end, lang))}</dd>
        {"distinct_subjects" in alert.detail && (
          <>
            <dt>{own.counts}</dt>
            <dd>{own.countsText(alert.detail["distinct_subjects"], alert.detail["checks"])}</dd>
          </>
        )}
        {faults.length > 0 && (
          <>
            <dt>{own.faults}</dt>
            <dd>{faults.map((fault) => `${fault.problem ?? ""} ${fault.leaf_index ?? ""}`.trim()).join(", ")}</dd>
          </>
        )}
      </dl>
      {alert.status === "acknowledged" ? (
        <Notice focus={done}>
          <p class="utrecht-paragraph">{own.acknowledged(alert.acknowledged_by ?? "", localTime(alert.acknowledged_at ?? alert.created_at, lang))}</p>
          {alert.acknowledgement_note && (
            <p class="utrecht-paragraph">
              {own.acknowledgedNote}: {alert.acknowledgement_note}
            </p>
          )}
        </Notice>
      ) : (
        <form class="app-form" onSubmit={acknowledge} noValidate>
          <div class={`utrecht-form-field utrecht-form-field--textarea${noteError ? " utrecht-form-field--invalid" : ""}`}>
            <div class="utrecht-form-field__label">
              <label class="utrecht-form-label" for={noteId}>
                {own.note}
              </label>
            </div>
            <div class="utrecht-form-field__description utrecht-form-field__description--before" id={`${noteId}-hint`}>
              <p class="utrecht-form-field-description">{own.noteHint}</p>
            </div>
            {noteError && (
              <div class="utrecht-form-field__error-message" id={`${noteId}-error`}>
                <p class="utrecht-form-field-error-message">{noteError}</p>
              </div>
            )}
            <div class="utrecht-form-field__input">
              <textarea
                id={noteId}
                class={`utrecht-textarea utrecht-textarea--html-textarea${noteError ? " utrecht-textarea--invalid" : ""}`}
                rows={3}
                maxLength={500}
                value={note}
                onInput={(event) => setNote(event.currentTarget.value)}
                aria-invalid={noteError ? "true" : undefined}
                aria-describedby={noteError ? `${noteId}-hint ${noteId}-error` : `${noteId}-hint`}
              />
            </div>
          </div>
          {action.error !== null && <ProblemAlert error={action.error} />}
          <div class="utrecht-button-group">
            <Button type="submit" busy={action.busy} aria-describedby={titleId}>
              {own.acknowledge}
            </Button>
          </div>
        </form>
      )}
    </li>
  );
}

/** As the hub refuses it: too long, or a number that looks like a BSN, BAG id or KvK number. */
function noteProblem(t: Messages, note: string): string | null {
  if (note.length > 500) return t.field.tooLong(500);
  return looksLikeIdentifier(note) ? t.field.identifier : null;
}

function IntegrityStatus() {
  const { lang } = useApp();
  const own = useText(text);
  const audit = useAudit();
  const [integrity, setIntegrity] = useState<Integrity | null>(null);
  const load = useAction();
  useEffect(() => {
    void load.run(() => audit.integrity()).then((found) => found && setIntegrity(found));
  }, [audit]);
  const signature = integrity?.checkpoint ? signatureVerdict(integrity.checkpoint.note, integrity.verifier_key) : null;
  return (
    <section aria-labelledby="overview-integrity" data-integrity={integrity ? (integrity.matches ? "matches" : "broken") : undefined}>
      <h2 class="utrecht-heading-2" id="overview-integrity">
        {own.integrityTitle}
      </h2>
      {load.error !== null && <ProblemAlert error={load.error} />}
      {integrity && !integrity.checkpoint && <p class="utrecht-paragraph">{own.noCheckpoint}</p>}
      {integrity?.checkpoint && (
        <dl class="app-facts">
          <dt>{own.checkpoint}</dt>
          <dd>{own.checkpointText(integrity.checkpoint.size, localTime(integrity.checkpoint.created_at, lang))}</dd>
          <dt>{own.stored}</dt>
          <dd>
            <span class={`app-status app-status--${integrity.matches ? "active" : "broken"}`}>{integrity.matches ? own.matches : own.notMatches}</span>
            {integrity.faults.length > 0 && (
              <ul class="app-plain-list">
                {integrity.faults.map((fault) => (
                  <li key={fault.description} lang="en">
                    {fault.description}
                  </li>
                ))}
              </ul>
            )}
          </dd>
          <dt>{own.signature}</dt>
          <dd>{signature === null ? own.signatureOk : own.signatureBad(signature)}</dd>
          <dt>{own.lastCheck}</dt>
          <dd>{integrity.checked_at ? own.lastCheckText(localTime(integrity.checked_at, lang), integrity.checked_size) : own.never}</dd>
          <dt>{own.status}</dt>
          <dd>{own.statusNames[integrity.log_status] ?? integrity.log_status}</dd>
          <dt>{own.key}</dt>
          <dd>
            <span class="app-code">{integrity.verifier_key}</span>
            <p class="utrecht-paragraph app-hint">{own.keyHint}</p>
          </dd>
        </dl>
      )}
    </section>
  );
}

/** Null when the checkpoint's note verifies with the key here, else why not. */
function signatureVerdict(note: string, key: string): string | null {
  try {
    verifyCheckpoint(note, key);
    return null;
  } catch (error) {
    if (error instanceof ProofError) return error.message;
    throw error;
  }
}

function PolicyStatus({ canOpen }: { canOpen: boolean }) {
  const { me, lang } = useApp();
  const own = useText(text);
  const audit = useAudit();
  const [versions, setVersions] = useState<PolicyVersion[] | null>(null);
  const load = useAction();
  useEffect(() => {
    if (me.organisation) void load.run(() => audit.policies(me.organisation ?? "")).then((page) => page && setVersions(page.items));
  }, [audit, me.organisation]);
  const pending = versions?.filter((version) => version.status === "pending") ?? [];
  return (
    <section aria-labelledby="overview-policy">
      <h2 class="utrecht-heading-2" id="overview-policy">
        {own.policyTitle}
      </h2>
      <dl class="app-facts">
        <dt>{own.inForce}</dt>
        <dd class="app-code">{me.policy_version}</dd>
      </dl>
      {load.error !== null && <ProblemAlert error={load.error} />}
      <h3 class="utrecht-heading-3">{own.pendingTitle}</h3>
      {versions !== null && pending.length === 0 && <p class="utrecht-paragraph">{own.pendingNone}</p>}
      {pending.length > 0 && (
        <ul class="app-plain-list">
          {pending.map((version) => (
            <li key={version.version}>{own.pending(version.version.slice(0, 12), version.uploaded_by, localTime(version.active_from, lang))}</li>
          ))}
        </ul>
      )}
      {canOpen && (
        <p class="utrecht-paragraph">
          <a class="utrecht-link" href={href("policy")}>
            {own.toPolicy}
          </a>
        </p>
      )}
    </section>
  );
}
