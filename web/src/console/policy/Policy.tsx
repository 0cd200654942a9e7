/** The policy in force shown readably; a decision explained; two versions compared; a
 * pending version approved or rejected by the privacy officer (never its uploader). */

import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { useShell } from "../../app/context";
import { Notice, ProblemAlert } from "../../components/Alerts";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { SelectField, TextField } from "../../components/Field";
import { Screen } from "../../components/Screen";
import { policyApi, type Explanation, type PolicyDiff, type PolicyView, type Version } from "../api/policy";
import { DataTable } from "../components/DataTable";
import { isoDay } from "../components/PeriodPicker";
import { isBeheerder, isOfficer } from "../roles";
import { useText } from "../text";
import { text } from "./text";

type Words = (typeof text)["nl"];
type Load = { state: "loading" } | { state: "failed"; error: unknown } | { state: "ready"; view: PolicyView };

export function Policy() {
  const { t, services } = useShell();
  const own = useText(text);
  const api = useMemo(() => policyApi(services.client), [services]);
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [done, setDone] = useState<string | null>(null);

  const reload = useCallback(() => {
    api.view().then(
      (view) => setLoad({ state: "ready", view }),
      (error: unknown) => setLoad({ state: "failed", error }),
    );
  }, [api]);
  useEffect(reload, [reload]);

  return (
    <Screen name="console-policy" title={own.title} pageTitle={t.pageTitle(own.title)}>
      <p class="utrecht-paragraph">{own.intro}</p>
      {load.state === "loading" && (
        <p class="utrecht-paragraph" role="status">
          {own.loading}
        </p>
      )}
      {load.state === "failed" && <ProblemAlert error={load.error} />}
      {done && <Notice focus>{done}</Notice>}
      {load.state === "ready" && (
        <PolicyDetails
          view={load.view}
          own={own}
          onDecided={(message) => {
            setDone(message);
            reload();
          }}
        />
      )}
    </Screen>
  );
}

function PolicyDetails({ view, own, onDecided }: { view: PolicyView; own: Words; onDecided(message: string): void }) {
  const { policy, in_force } = view;
  return (
    <>
      <section class="console-section" aria-labelledby="in-force-title">
        <h2 class="utrecht-heading-2" id="in-force-title">
          {own.inForce}
        </h2>
        <dl class="app-facts">
          <dt>{own.name}</dt>
          <dd>{policy.name}</dd>
          <dt>{own.version}</dt>
          <dd class="console-wrap" data-version={policy.version}>
            {policy.version.slice(0, 12)}
          </dd>
          <dt>{own.source}</dt>
          <dd>{own.sources[in_force.source]}</dd>
          {policy.dpia_ref && (
            <>
              <dt>{own.dpia}</dt>
              <dd>{policy.dpia_ref}</dd>
            </>
          )}
        </dl>
      </section>
      <section class="console-section" aria-labelledby="notes-title">
        <h2 class="utrecht-heading-2" id="notes-title">
          {own.notes}
        </h2>
        {view.notes.length ? (
          <ul class="utrecht-unordered-list">
            {view.notes.map((note) => (
              <li class="utrecht-unordered-list__item" key={note}>
                {note}
              </li>
            ))}
          </ul>
        ) : (
          <p class="utrecht-paragraph">{own.noNotes}</p>
        )}
      </section>
      <ExplainForm view={view} own={own} />
      <Versions view={view} own={own} onDecided={onDecided} />
      <Catalogue view={view} own={own} />
    </>
  );
}

function ExplainForm({ view, own }: { view: PolicyView; own: Words }) {
  const { services, me } = useShell();
  const api = useMemo(() => policyApi(services.client), [services]);
  const [teams, setTeams] = useState<{ value: string; label: string }[]>([]);
  const [ask, setAsk] = useState({ action: "see" as "see" | "contact", team: "", target_team: "", purpose: view.purposes[0]?.id ?? "", on: isoDay(new Date()) });
  const [answer, setAnswer] = useState<Explanation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!me?.organisation) return;
    api.teams(me.organisation).then(
      (found) => {
        const options = found.items.map((team) => ({ value: team.slug, label: `${team.name} (${team.domain})` }));
        setTeams(options);
        setAsk((current) => ({ ...current, team: options[0]?.value ?? "", target_team: options[1]?.value ?? options[0]?.value ?? "" }));
      },
      setError,
    );
  }, [api, me]);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setAnswer(await api.explain(ask));
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  }

  const purposes = view.purposes.map((purpose) => ({ value: purpose.id, label: purpose.name }));
  const decision = answer?.decision;
  return (
    <section class="console-section" aria-labelledby="explain-title">
      <h2 class="utrecht-heading-2" id="explain-title">
        {own.explain}
      </h2>
      <p class="utrecht-paragraph">{own.explainIntro}</p>
      <form onSubmit={submit}>
        <SelectField id="explain-team" label={own.team} value={ask.team} options={teams} onValue={(team) => setAsk({ ...ask, team })} />
        <SelectField
          id="explain-action"
          label={own.action}
          value={ask.action}
          options={[
            { value: "see", label: own.actions.see },
            { value: "contact", label: own.actions.contact },
          ]}
          onValue={(action) => setAsk({ ...ask, action: action === "contact" ? "contact" : "see" })}
        />
        <SelectField id="explain-target" label={own.target} value={ask.target_team} options={teams} onValue={(target_team) => setAsk({ ...ask, target_team })} />
        <SelectField id="explain-purpose" label={own.purpose} value={ask.purpose} options={purposes} onValue={(purpose) => setAsk({ ...ask, purpose })} />
        <TextField id="explain-on" label={own.on} type="date" value={ask.on} onValue={(on) => setAsk({ ...ask, on })} />
        <div class="utrecht-button-group">
          <Button appearance="primary" type="submit" busy={busy}>
            {own.ask}
          </Button>
        </div>
      </form>
      {error !== null && <ProblemAlert error={error} />}
      {answer && decision && (
        <div class="console-explanation" role="status" data-explanation>
          <p class="utrecht-paragraph">
            <span class={decision.allowed ? "console-allowed" : "console-refused"}>
              {decision.allowed ? own.allowed : own.refused}
            </span>{" "}
            {decision.rule_id && decision.rule_line !== null && own.byRule(decision.rule_id, decision.rule_line)}
          </p>
          <dl class="app-facts">
            {decision.legal_basis && (
              <>
                <dt>{own.basis}</dt>
                <dd>
                  {decision.legal_basis.citation} ({decision.legal_basis.id}; {own.avg}{" "}
                  {decision.legal_basis.avg_articles.join(", ")}; {own.line(decision.legal_basis.line)})
                </dd>
              </>
            )}
            {decision.why && (
              <>
                <dt>{own.why}</dt>
                <dd>{decision.why}</dd>
              </>
            )}
            {decision.confirm.map((note) => (
              <>
                <dt>{own.confirm}</dt>
                <dd>{note}</dd>
              </>
            ))}
            {!decision.allowed && (
              <>
                <dt>{own.reason}</dt>
                <dd class="console-wrap" lang="en">
                  {decision.reason}
                </dd>
              </>
            )}
          </dl>
          <h3 class="utrecht-heading-3">{own.rulesConsidered}</h3>
          <ul class="utrecht-unordered-list console-rules">
            {answer.rules.map((rule) => (
              <li class="utrecht-unordered-list__item" key={rule.rule} data-rule={rule.rule}>
                <strong>{rule.rule}</strong> ({own.line(rule.line)}): {own.outcomes[rule.outcome] ?? rule.outcome}
                {rule.details.length > 0 && (
                  <span class="console-wrap" lang="en">
                    {" "}
                    — {rule.details.join("; ")}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function short(version: string): string {
  return version.slice(0, 12);
}

function Versions({ view, own, onDecided }: { view: PolicyView; own: Words; onDecided(message: string): void }) {
  const { services, me, announce } = useShell();
  const api = useMemo(() => policyApi(services.client), [services]);
  const versions = view.versions;
  const latest = versions[versions.length - 1];
  const [old, setOld] = useState(view.in_force.version);
  const [next, setNext] = useState(latest?.version ?? view.in_force.version);
  const [diff, setDiff] = useState<PolicyDiff | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState<{ version: Version; approve: boolean } | null>(null);
  const officer = me !== null && isOfficer(me);
  const options = versions.map((each) => ({
    value: each.version,
    label: `${short(each.version)}, ${own.statuses[each.status] ?? each.status}${each.in_force ? ` ${own.current}` : ""}`,
  }));

  async function compare(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const found = await api.diff(old, next);
      setDiff(found);
      announce(own.changes(found.changes));
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  }

  async function decide(version: Version, approve: boolean) {
    setAsking(null);
    setError(null);
    try {
      await api.decide(me?.organisation ?? "", version.version, approve);
      onDecided((approve ? own.approved : own.rejected)(short(version.version)));
    } catch (problem) {
      setError(problem);
    }
  }

  return (
    <section class="console-section" aria-labelledby="versions-title">
      <h2 class="utrecht-heading-2" id="versions-title">
        {own.versions}
      </h2>
      <DataTable
        hideCaption
        id="table-versions"
        caption={own.versions}
        columns={[
          { key: "version", label: own.version },
          { key: "status", label: own.status },
          { key: "from", label: own.activeFrom },
          { key: "uploaded", label: own.uploadedBy },
          { key: "decided", label: own.decidedBy },
        ]}
        rows={versions.map((each) => ({
          version: `${short(each.version)}${each.in_force ? ` ${own.current}` : ""}`,
          status: own.statuses[each.status] ?? each.status,
          from: each.active_from ? each.active_from.slice(0, 10) : "",
          uploaded: each.uploaded_by ?? "",
          decided: each.decided_by ?? "",
        }))}
      />
      {officer &&
        versions
          .filter((each) => each.status === "pending")
          .map((each) => (
            <div class="utrecht-button-group" key={each.version}>
              <Button appearance="primary" onClick={() => setAsking({ version: each, approve: true })}>
                {own.approve} {short(each.version)}
              </Button>
              <Button onClick={() => setAsking({ version: each, approve: false })}>
                {own.reject} {short(each.version)}
              </Button>
            </div>
          ))}
      {asking && (
        <ConfirmDialog
          id="decide-policy"
          title={asking.approve ? own.approveTitle : own.rejectTitle}
          text={(asking.approve ? own.approveText : own.rejectText)(short(asking.version.version))}
          confirm={asking.approve ? own.approve : own.reject}
          onConfirm={() => void decide(asking.version, asking.approve)}
          onCancel={() => setAsking(null)}
        />
      )}
      {me !== null && isBeheerder(me) && <Upload own={own} onUploaded={onDecided} />}
      <h3 class="utrecht-heading-3">{own.compare}</h3>
      <form onSubmit={compare}>
        <SelectField id="diff-old" label={own.old} value={old} options={options} onValue={setOld} />
        <SelectField id="diff-new" label={own.new} value={next} options={options} onValue={setNext} />
        <div class="utrecht-button-group">
          <Button appearance="primary" type="submit" busy={busy}>
            {own.diff}
          </Button>
        </div>
      </form>
      {error !== null && <ProblemAlert error={error} />}
      {diff && (
        <div data-diff>
          <p class="utrecht-paragraph">{own.changes(diff.changes)}</p>
          <ul class="utrecht-unordered-list console-changes">
            {diff.groups.map((change, at) => (
              <li class="utrecht-unordered-list__item" key={at} data-change={`${change.action}:${change.domain}:${change.target ?? ""}:${change.purpose}`}>
                <strong>{own.question(change)}</strong>
                {change.legal_basis && ` (${change.legal_basis})`} [{own.roles}: {change.roles.join(", ")};{" "}
                {own.subjectTypes}: {change.subject_types.join(", ")}]
                <br />
                <span class={change.before_allowed ? "console-allowed" : "console-refused"}>
                  {change.before_allowed ? own.allowed : own.refused}
                </span>{" "}
                → <span class={change.after_allowed ? "console-allowed" : "console-refused"}>
                  {change.after_allowed ? own.allowed : own.refused}
                </span>
                <span class="console-wrap" lang="en">
                  {" "}
                  ({change.before} ⇒ {change.after})
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/** The beheerder uploads a new version; the hub validates it and it waits for the FG. */
function Upload({ own, onUploaded }: { own: Words; onUploaded(message: string): void }) {
  const { services, me } = useShell();
  const api = useMemo(() => policyApi(services.client), [services]);
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [activeFrom, setActiveFrom] = useState("");
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function upload() {
    setAsking(false);
    setError(null);
    if (!file) return;
    try {
      const made = await api.upload(me?.organisation ?? "", file.text, activeFrom);
      onUploaded(own.uploaded(short(made.version)));
    } catch (problem) {
      setError(problem);
    }
  }

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (file) setAsking(true);
      }}
    >
      <h3 class="utrecht-heading-3">{own.upload}</h3>
      <p class="utrecht-paragraph">{own.uploadIntro}</p>
      <div class="utrecht-form-field">
        <div class="utrecht-form-field__label">
          <label class="utrecht-form-label" for="policy-file">
            {own.file}
          </label>
        </div>
        <div class="utrecht-form-field__input">
          <input
            id="policy-file"
            type="file"
            accept=".yaml,.yml,text/yaml"
            onChange={(event) => {
              const chosen = event.currentTarget.files?.[0];
              if (chosen) void chosen.text().then((text) => setFile({ name: chosen.name, text }));
            }}
          />
        </div>
      </div>
      <TextField id="policy-active-from" label={own.activeFromOptional} type="date" value={activeFrom} onValue={setActiveFrom} />
      <div class="utrecht-button-group">
        <Button appearance="primary" type="submit">
          {own.uploadButton}
        </Button>
      </div>
      {error !== null && <ProblemAlert error={error} />}
      {asking && file && (
        <ConfirmDialog
          id="upload-policy"
          title={own.uploadTitle}
          text={own.uploadText(file.name)}
          confirm={own.uploadButton}
          onConfirm={() => void upload()}
          onCancel={() => setAsking(false)}
        />
      )}
    </form>
  );
}

function Catalogue({ view, own }: { view: PolicyView; own: Words }) {
  const domains = view.domains.map((domain) => domain.id);
  const cells = new Map(view.visibility.map((cell) => [`${cell.domain}|${cell.target}`, cell]));
  return (
    <>
      <section class="console-section" aria-labelledby="bases-title">
        <h2 class="utrecht-heading-2" id="bases-title">
          {own.legalBases}
        </h2>
        <DataTable
          hideCaption
          id="table-legal-bases"
          caption={own.legalBases}
          columns={[
            { key: "id", label: own.id },
            { key: "citation", label: own.citation },
            { key: "avg", label: own.avg },
            { key: "valid", label: own.valid },
            { key: "confirm", label: own.confirm },
            { key: "line", label: own.lineNo, numeric: true },
          ]}
          rows={view.legal_bases.map((basis) => ({
            id: basis.id,
            citation: basis.citation,
            avg: basis.avg_articles.join(", "),
            valid: `${basis.valid_from} – ${basis.review_by}`,
            confirm: basis.confirm ?? "",
            line: basis.line,
          }))}
        />
      </section>
      <section class="console-section" aria-labelledby="visibility-title">
        <h2 class="utrecht-heading-2" id="visibility-title">
          {own.visibility}
        </h2>
        <p class="utrecht-paragraph">{own.visibilityIntro}</p>
        <DataTable
          hideCaption
          id="table-visibility"
          caption={own.visibility}
          columns={[{ key: "domain", label: own.asking }, ...domains.map((target) => ({ key: target, label: target }))]}
          rows={domains.map((domain) => ({
            domain,
            ...Object.fromEntries(
              domains.map((target) => [target, cells.get(`${domain}|${target}`)?.purposes.join(", ") || own.nothing]),
            ),
          }))}
        />
      </section>
      <section class="console-section" aria-labelledby="rules-title">
        <h2 class="utrecht-heading-2" id="rules-title">
          {own.rules}
        </h2>
        <DataTable
          hideCaption
          id="table-rules"
          caption={own.rules}
          columns={[
            { key: "id", label: own.id },
            { key: "action", label: own.action },
            { key: "domains", label: own.domains },
            { key: "targets", label: own.target },
            { key: "purposes", label: own.purposes },
            { key: "bases", label: own.legalBases },
            { key: "line", label: own.lineNo, numeric: true },
          ]}
          rows={view.rules.map((rule) => ({
            id: rule.id,
            action: rule.action,
            domains: rule.domains.join(", "),
            targets: rule.targets.join(", "),
            purposes: rule.purposes.join(", "),
            bases: rule.legal_bases.join(", "),
            line: rule.line,
          }))}
        />
      </section>
      <section class="console-section" aria-labelledby="purposes-title">
        <h2 class="utrecht-heading-2" id="purposes-title">
          {own.purposes}
        </h2>
        <DataTable
          hideCaption
          id="table-purposes"
          caption={own.purposes}
          columns={[
            { key: "id", label: own.id },
            { key: "name", label: own.name },
            { key: "description", label: own.description },
            { key: "line", label: own.lineNo, numeric: true },
          ]}
          rows={view.purposes.map((purpose) => ({ ...purpose, description: purpose.description ?? "", confirm: null }))}
        />
      </section>
      <section class="console-section" aria-labelledby="domains-title">
        <h2 class="utrecht-heading-2" id="domains-title">
          {own.domains}
        </h2>
        <DataTable
          hideCaption
          id="table-domains"
          caption={own.domains}
          columns={[
            { key: "id", label: own.id },
            { key: "name", label: own.name },
            { key: "subjects", label: own.subjects },
            { key: "retention", label: own.retention, numeric: true },
            { key: "line", label: own.lineNo, numeric: true },
          ]}
          rows={view.domains.map((domain) => ({
            id: domain.id,
            name: domain.name,
            subjects: domain.subject_types.join(", "),
            retention: domain.retention_months,
            line: domain.line,
          }))}
        />
      </section>
    </>
  );
}
