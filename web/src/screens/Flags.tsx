import { useEffect, useState } from "preact/hooks";
import type { Flag } from "../api/types";
import { useApp } from "../app/context";
import { Notice, ProblemAlert } from "../components/Alerts";
import { Button } from "../components/Button";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { TextField } from "../components/Field";
import { ListStatus } from "../components/Lists";
import { Screen } from "../components/Screen";
import { hubFieldErrors, LABEL_MAX, labelProblem, problems, referenceProblem, showFieldErrors, useAction, type FieldErrors } from "../forms";

/** The acting team's flags: withdraw (after a confirmation), renew, set its own words. */
export function Flags() {
  const { t, services } = useApp();
  const [flags, setFlags] = useState<Flag[] | null>(null);
  const load = useAction();

  async function refresh() {
    const page = await load.run(() => services.hub.flags());
    if (page) setFlags(page.items);
  }
  useEffect(() => {
    void refresh();
  }, []);

  const replace = (flag: Flag) => setFlags((current) => current?.map((f) => (f.id === flag.id ? flag : f)) ?? null);

  return (
    <Screen name="flags" title={t.flags.title} pageTitle={t.pageTitle(t.flags.title)}>
      <p class="utrecht-paragraph">{t.flags.intro}</p>
      <ListStatus load={load} loaded={flags !== null} onRefresh={refresh} />
      {flags?.length === 0 && <p class="utrecht-paragraph">{t.flags.empty}</p>}
      {flags && flags.length > 0 && (
        <ul class="app-cards">
          {flags.map((flag) => (
            <FlagCard key={flag.id} flag={flag} onChange={replace} />
          ))}
        </ul>
      )}
    </Screen>
  );
}

function FlagCard({ flag, onChange }: { flag: Flag; onChange(flag: Flag): void }) {
  const { t, me, services, announce } = useApp();
  const [confirming, setConfirming] = useState(false);
  const [editing, setEditing] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const titleId = `flag-${flag.id}`;
  const purposeName = me.purposes.find((p) => p.purpose === flag.purpose)?.name ?? flag.purpose;
  const live = flag.status === "active";
  const statusName = (t.flags.status as Record<string, string | undefined>)[flag.status] ?? flag.status;

  async function act(run: () => Promise<Flag>, message: (flag: Flag) => string) {
    setDone(null);
    const changed = await action.run(run);
    if (changed) {
      onChange(changed);
      setDone(message(changed));
      announce(message(changed));
    }
  }

  return (
    <li class="app-card" aria-labelledby={titleId}>
      <h2 class="utrecht-heading-3" id={titleId}>
        {purposeName}
        {flag.label && ` – ${flag.label}`}
      </h2>
      <p class={`app-status app-status--${flag.status}`}>{statusName}</p>
      <dl class="app-facts">
        <dt>{t.flags.subject}</dt>
        <dd>{t.flags.subjectTypes[flag.subject_type] ?? flag.subject_type}</dd>
        <dt>{t.flags.registered}</dt>
        <dd>{t.date(flag.registered_at)}</dd>
        <dt>{t.flags.expires}</dt>
        <dd>{t.date(flag.expires_at)}</dd>
        <dt>{t.flags.contact}</dt>
        <dd>{flag.contact_name}</dd>
        {flag.reference && (
          <>
            <dt>{t.flags.reference}</dt>
            <dd>{flag.reference}</dd>
          </>
        )}
      </dl>
      {done && (
        <Notice focus>
          <p class="utrecht-paragraph">{done}</p>
        </Notice>
      )}
      {action.error !== null && <ProblemAlert error={action.error} words={{ conflict: t.flags.conflict }} />}
      {editing ? (
        <OwnWords
          flag={flag}
          onDone={(changed) => {
            setEditing(false);
            if (!changed) setTimeout(() => document.getElementById(`${titleId}-edit`)?.focus());
            if (changed) {
              onChange(changed);
              setDone(t.flags.saved);
              announce(t.flags.saved);
            }
          }}
        />
      ) : (
        <div class="utrecht-button-group">
          {live && (
            <Button
              aria-describedby={titleId}
              busy={action.busy}
              onClick={() => act(() => services.hub.renewFlag(flag.id), (f) => t.flags.renewed(t.date(f.expires_at)))}
            >
              {t.flags.renew}
            </Button>
          )}
          <Button id={`${titleId}-edit`} aria-describedby={titleId} onClick={() => setEditing(true)}>
            {t.flags.editOwn}
          </Button>
          {live && (
            <Button aria-describedby={titleId} busy={action.busy} onClick={() => setConfirming(true)}>
              {t.flags.withdraw}
            </Button>
          )}
        </div>
      )}
      {confirming && (
        <ConfirmDialog
          id={`withdraw-${flag.id}`}
          title={t.flags.withdrawTitle}
          text={t.flags.withdrawText}
          confirm={t.flags.withdrawConfirm}
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void act(() => services.hub.withdrawFlag(flag.id), () => t.flags.withdrawn);
          }}
        />
      )}
    </li>
  );
}

/** Set or clear the team's own reference and label on a flag. */
function OwnWords({ flag, onDone }: { flag: Flag; onDone(changed: Flag | null): void }) {
  const { t, services, announce } = useApp();
  const [reference, setReference] = useState(flag.reference ?? "");
  const [label, setLabel] = useState(flag.label ?? "");
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();
  const id = `own-${flag.id}`;
  useEffect(() => {
    document.getElementById(`${id}-reference`)?.focus();
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    const found = problems({
      [`${id}-reference`]: referenceProblem(t, reference.trim()),
      [`${id}-label`]: labelProblem(t, label.trim()),
    });
    setErrors(found);
    if (showFieldErrors(found, t, announce)) return;
    const changed = await action.run(() =>
      services.hub.setOwnReference(flag.id, reference.trim() || null, label.trim() || null),
    );
    if (changed) onDone(changed);
  }

  const hubErrors = hubFieldErrors(t, action.error, { reference: `${id}-reference`, label: `${id}-label` });
  return (
    <form class="app-form app-subform" onSubmit={submit} noValidate>
      <TextField
        id={`${id}-reference`}
        label={t.flags.reference}
        optional
        value={reference}
        onValue={setReference}
        error={errors[`${id}-reference`] ?? hubErrors[`${id}-reference`]}
        maxLength={64}
      />
      <TextField
        id={`${id}-label`}
        label={t.flags.label}
        hint={t.register.labelHint}
        optional
        value={label}
        onValue={setLabel}
        error={errors[`${id}-label`] ?? hubErrors[`${id}-label`]}
        maxLength={LABEL_MAX}
      />
      {action.error !== null && <ProblemAlert error={action.error} />}
      <div class="utrecht-button-group">
        <Button type="submit" appearance="primary" busy={action.busy}>
          {t.save}
        </Button>
        <Button onClick={() => onDone(null)}>{t.cancel}</Button>
      </div>
    </form>
  );
}
