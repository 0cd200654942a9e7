import { useState } from "preact/hooks";
import type { Subject } from "../../api/types";
import { useApp } from "../../app/context";
import { ProblemAlert } from "../../components/Alerts";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { Screen } from "../../components/Screen";
import { KIND_OF, SubjectInput } from "../../components/SubjectInput";
import type { SubjectType } from "../../crypto/identifiers";
import { caseRefProblem, identifierProblem, problems, showFieldErrors, useAction, type FieldErrors } from "../../forms";
import { localTime, useAudit, type EventLine, type SubjectAccessReport } from "../api/audit";
import { download } from "../export/download";
import { useText } from "../text";
import { text } from "./text";

const TYPES: SubjectType[] = ["person", "address", "business"];

interface Answer {
  report: SubjectAccessReport;
  subject: Subject;
  caseRef: string;
}

/** The inzageverzoek (AVG art. 15): the officer types the number, the browser pseudonymises
 * it, and the hub's report is shown in Dutch, to print or to download as a page. */
export function Inzage() {
  const { t, services, announce } = useApp();
  const own = useText(text);
  const audit = useAudit();
  const [type, setType] = useState<SubjectType>("person");
  const [identifier, setIdentifier] = useState("");
  const [caseRef, setCaseRef] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [answer, setAnswer] = useState<Answer | null>(null);
  const action = useAction();
  const page = useAction();

  async function submit(event: Event) {
    event.preventDefault();
    const found = problems({
      "inzage-identifier": identifierProblem(t, KIND_OF[type], identifier),
      "inzage-case-ref": caseRefProblem(t, caseRef.trim(), false),
    });
    setErrors(found);
    if (showFieldErrors(found, t, announce)) return;
    setAnswer(null);
    const made = await action.run(async () => {
      const pseudonym = await services.client.pseudonymise(KIND_OF[type], identifier);
      const subject: Subject = { kind: pseudonym.kind, pseudonym: pseudonym.pseudonym };
      return { report: await audit.subjectAccessReport(subject, caseRef.trim()), subject, caseRef: caseRef.trim() };
    });
    if (made) {
      setAnswer(made);
      announce(own.reportTitle);
    }
  }

  async function downloadPage() {
    if (!answer) return;
    const html = await page.run(() => audit.subjectAccessPage(answer.subject, answer.caseRef));
    if (html) {
      download(html.text, `inzageverzoek-${answer.report.generated_at.slice(0, 10)}.html`, "text/html");
      announce(own.pageSaid);
    }
  }

  return (
    <Screen name="console-inzage" title={own.title} pageTitle={t.pageTitle(own.title)}>
      <div class="app-console-no-print">
        <p class="utrecht-paragraph">{own.intro}</p>
        <form class="app-form" onSubmit={submit} noValidate>
          <SubjectInput
            idPrefix="inzage"
            types={TYPES}
            type={type}
            onType={(next) => {
              setType(next);
              setErrors({});
              setAnswer(null);
            }}
            value={identifier}
            onValue={(value) => {
              setIdentifier(value);
              setAnswer(null);
            }}
            error={errors["inzage-identifier"]}
          />
          <TextField id="inzage-case-ref" label={own.caseRef} hint={own.caseRefHint} error={errors["inzage-case-ref"]} value={caseRef} onValue={setCaseRef} maxLength={64} />
          {action.error !== null && <ProblemAlert error={action.error} />}
          <div class="utrecht-button-group">
            <Button type="submit" appearance="primary" busy={action.busy}>
              {own.submit}
            </Button>
          </div>
          {action.busy && <p class="utrecht-paragraph app-busy">{own.busy}</p>}
        </form>
      </div>
      {answer && (
        <>
          <div class="utrecht-button-group app-console-no-print">
            <Button onClick={() => window.print()}>{own.print}</Button>
            <Button busy={page.busy} onClick={downloadPage}>
              {own.page}
            </Button>
          </div>
          {page.error !== null && <ProblemAlert error={page.error} />}
          <Report report={answer.report} />
        </>
      )}
    </Screen>
  );
}

/** The report as the citizen reads it: in Dutch, whatever the app's language. */
function Report({ report }: { report: SubjectAccessReport }) {
  const own = text.nl;
  const when = (iso: string) => localTime(iso, "nl");
  return (
    <section class="app-console-report" aria-labelledby="inzage-report" lang="nl" data-report="inzage">
      <h2 class="utrecht-heading-2" id="inzage-report">
        {own.reportTitle}
      </h2>
      <p class="utrecht-paragraph">{own.generated(when(report.generated_at))}</p>
      {report.tampered_entries > 0 && <p class="utrecht-paragraph app-warning">{own.tampered(report.tampered_entries)}</p>}
      <h3 class="utrecht-heading-3">{own.flagsTitle}</h3>
      {report.flags.length === 0 ? (
        <p class="utrecht-paragraph">{own.none}</p>
      ) : (
        <ul class="app-cards">
          {report.flags.map((line, n) => (
            <li class="app-card" key={n}>
              <dl class="app-facts">
                <dt>{own.team}</dt>
                <dd>{line.team_name}</dd>
                <dt>{own.purpose}</dt>
                <dd>{line.purpose_name}</dd>
                <dt>{own.legalBasis}</dt>
                <dd>{line.legal_basis_citation}</dd>
                <dt>{own.since}</dt>
                <dd>{when(line.registered_at)}</dd>
                <dt>{own.until}</dt>
                <dd>{when(line.expires_at)}</dd>
                <dt>{own.status}</dt>
                <dd>{own.statuses[line.status] ?? line.status}</dd>
              </dl>
            </li>
          ))}
        </ul>
      )}
      <Events title={own.checksTitle} lines={report.checks} />
      <Events title={own.otherTitle} lines={report.other_processing} />
      <h3 class="utrecht-heading-3">{own.notesTitle}</h3>
      <ul class="app-plain-list app-console-notes">
        {report.notes.map((note) => (
          <li key={note}>{note}</li>
        ))}
      </ul>
    </section>
  );
}

function Events({ title, lines }: { title: string; lines: EventLine[] }) {
  const own = text.nl;
  return (
    <>
      <h3 class="utrecht-heading-3">{title}</h3>
      {lines.length === 0 ? (
        <p class="utrecht-paragraph">{own.none}</p>
      ) : (
        <ul class="app-cards">
          {lines.map((line, n) => (
            <li class="app-card" key={n} data-line={line.action}>
              <dl class="app-facts">
                <dt>{own.when}</dt>
                <dd>{localTime(line.at, "nl")}</dd>
                <dt>{own.what}</dt>
                <dd>{line.description}</dd>
                <dt>{own.team}</dt>
                <dd>{line.team_name ?? line.team ?? "—"}</dd>
                <dt>{own.organisation}</dt>
                <dd>{line.organisation_name ?? line.organisation ?? "—"}</dd>
                <dt>{own.purpose}</dt>
                <dd>{line.purpose_name ?? line.purpose ?? "—"}</dd>
                {line.legal_basis_citation && (
                  <>
                    <dt>{own.legalBasis}</dt>
                    <dd>{line.legal_basis_citation}</dd>
                  </>
                )}
                <dt>{own.outcome}</dt>
                <dd>{own.outcomes[line.outcome] ?? line.outcome}</dd>
              </dl>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
