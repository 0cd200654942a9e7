import { useState } from "preact/hooks";
import { ApiError } from "../api/errors";
import type { RegisteredFlag } from "../api/types";
import { useApp } from "../app/context";
import { href } from "../app/router";
import { Notice, ProblemAlert } from "../components/Alerts";
import { Button } from "../components/Button";
import { Decision } from "../components/Decision";
import { SelectField, TextField } from "../components/Field";
import { Screen } from "../components/Screen";
import { KIND_OF, SubjectInput } from "../components/SubjectInput";
import {
  emailProblem,
  hubFieldErrors,
  identifierProblem,
  LABEL_MAX,
  labelProblem,
  nameProblem,
  phoneProblem,
  problems,
  referenceProblem,
  showFieldErrors,
  useAction,
  type FieldErrors,
} from "../forms";
import { subjectTypesFor, usePurposeChoice, useSubjectDraft } from "./shared";

/** The dates a refused expiry date must lie between, from the hub's 400 (hub/flag/service.py). */
function expiresRange(error: unknown): [string, string] | null {
  if (!(error instanceof ApiError) || error.code !== "invalid_input") return null;
  const dates = /expires_on must lie between (\d{4}-\d{2}-\d{2}) and (\d{4}-\d{2}-\d{2})/.exec(error.detail ?? "");
  return dates ? [dates[1]!, dates[2]!] : null;
}

function tomorrow(): string {
  const date = new Date();
  date.setDate(date.getDate() + 1);
  return date.toISOString().slice(0, 10);
}

/** Register that the acting team is involved with a subject (a flag, without content). */
export function Register() {
  const { t, me, services, announce } = useApp();
  const types = subjectTypesFor(me.purposes, "register");
  const { type, identifier, setType, setIdentifier } = useSubjectDraft(types);
  const { purposes, purpose, setPurpose } = usePurposeChoice(me.purposes, "register", type);
  const [expiresOn, setExpiresOn] = useState("");
  const [contactName, setContactName] = useState("");
  const [contactEmail, setContactEmail] = useState("");
  const [contactPhone, setContactPhone] = useState("");
  const [reference, setReference] = useState("");
  const [label, setLabel] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [registered, setRegistered] = useState<RegisteredFlag | null>(null);
  const action = useAction();

  async function submit(event: Event) {
    event.preventDefault();
    const name = contactName.trim();
    const email = contactEmail.trim();
    const phone = contactPhone.trim();
    const found = problems({
      "register-identifier": identifierProblem(t, KIND_OF[type], identifier),
      "register-purpose": purpose ? null : t.purpose.required,
      "register-expires": expiresOn && expiresOn < tomorrow() ? t.field.dateInPast : null,
      "register-contact-name": !name && (email || phone) ? t.register.contactNameRequired : nameProblem(t, name),
      "register-contact-email": emailProblem(t, email),
      "register-contact-phone": phoneProblem(t, phone),
      "register-reference": referenceProblem(t, reference.trim()),
      "register-label": labelProblem(t, label.trim()),
    });
    setErrors(found);
    if (showFieldErrors(found, t, announce)) return;
    if (!purpose) return;
    setRegistered(null);
    const result = await action.run(async () => {
      const subject = await services.client.pseudonymise(KIND_OF[type], identifier);
      return services.hub.registerFlag({
        subject: { kind: subject.kind, pseudonym: subject.pseudonym },
        purpose: purpose.purpose,
        ...(expiresOn ? { expires_on: expiresOn } : {}),
        ...(name ? { contact: { name, ...(email ? { email } : {}), ...(phone ? { phone } : {}) } } : {}),
        ...(reference.trim() ? { reference: reference.trim() } : {}),
        ...(label.trim() ? { label: label.trim() } : {}),
      });
    });
    if (result) {
      setRegistered(result);
      announce(t.register.done(t.date(result.flag.expires_at)));
    }
  }

  const hubErrors = hubFieldErrors(t, action.error, {
    purpose: "register-purpose",
    expires_on: "register-expires",
    "contact.name": "register-contact-name",
    "contact.email": "register-contact-email",
    "contact.phone": "register-contact-phone",
    reference: "register-reference",
    label: "register-label",
  });
  const range = expiresRange(action.error);
  if (range) hubErrors["register-expires"] = t.register.expiresRange(t.date(range[0]), t.date(range[1]));
  const fieldError = (id: string) => errors[id] ?? hubErrors[id];

  return (
    <Screen name="register" title={t.register.title} pageTitle={t.pageTitle(t.register.title)}>
      <p class="utrecht-paragraph">{t.register.intro}</p>
      {types.length === 0 ? (
        <p class="utrecht-paragraph">{t.purpose.noneForRegister}</p>
      ) : (
        <form class="app-form" onSubmit={submit} noValidate>
          <SubjectInput
            idPrefix="register"
            types={types}
            type={type}
            onType={(next) => {
              setType(next);
              setErrors({});
            }}
            value={identifier}
            onValue={setIdentifier}
            error={fieldError("register-identifier")}
          />
          <SelectField
            id="register-purpose"
            label={t.purpose.label}
            hint={t.purpose.registerHint}
            error={fieldError("register-purpose")}
            value={purpose?.purpose ?? ""}
            onValue={setPurpose}
            options={purposes.map((p) => ({ value: p.purpose, label: p.name }))}
          />
          <TextField
            id="register-expires"
            label={t.register.expires}
            hint={t.register.expiresHint}
            optional
            type="date"
            min={tomorrow()}
            value={expiresOn}
            onValue={setExpiresOn}
            error={fieldError("register-expires")}
          />
          <fieldset class="utrecht-form-fieldset utrecht-form-fieldset--html-fieldset app-fieldset" aria-describedby="register-contact-hint">
            <legend class="utrecht-form-fieldset__legend utrecht-form-fieldset__legend--html-legend">
              {t.register.contactLegend}
            </legend>
            <p class="utrecht-form-field-description" id="register-contact-hint">
              {t.register.contactHint}
            </p>
            <TextField
              id="register-contact-name"
              label={t.register.contactName}
              optional
              autoComplete="name"
              value={contactName}
              onValue={setContactName}
              error={fieldError("register-contact-name")}
              maxLength={200}
            />
            <TextField
              id="register-contact-email"
              label={t.register.contactEmail}
              optional
              type="email"
              autoComplete="email"
              value={contactEmail}
              onValue={setContactEmail}
              error={fieldError("register-contact-email")}
              maxLength={200}
            />
            <TextField
              id="register-contact-phone"
              label={t.register.contactPhone}
              optional
              type="tel"
              autoComplete="tel"
              value={contactPhone}
              onValue={setContactPhone}
              error={fieldError("register-contact-phone")}
              maxLength={40}
            />
          </fieldset>
          <fieldset class="utrecht-form-fieldset utrecht-form-fieldset--html-fieldset app-fieldset" aria-describedby="register-own-hint">
            <legend class="utrecht-form-fieldset__legend utrecht-form-fieldset__legend--html-legend">{t.register.ownLegend}</legend>
            <p class="utrecht-form-field-description" id="register-own-hint">
              {t.register.ownHint}
            </p>
            <TextField
              id="register-reference"
              label={t.register.reference}
              optional
              value={reference}
              onValue={setReference}
              error={fieldError("register-reference")}
              maxLength={64}
            />
            <TextField
              id="register-label"
              label={t.register.label}
              hint={t.register.labelHint}
              optional
              value={label}
              onValue={setLabel}
              error={fieldError("register-label")}
              maxLength={LABEL_MAX}
            />
          </fieldset>
          {action.error !== null && <ProblemAlert error={action.error} words={{ conflict: t.register.conflict }} />}
          <div class="utrecht-button-group">
            <Button type="submit" appearance="primary" busy={action.busy}>
              {t.register.submit}
            </Button>
          </div>
          {action.busy && <p class="utrecht-paragraph app-busy">{t.register.busy}</p>}
        </form>
      )}
      {registered && (
        <section class="app-result" aria-labelledby="register-result-title">
          <h2 class="utrecht-heading-2" id="register-result-title">
            {t.check.resultTitle}
          </h2>
          <Notice>
            <p class="utrecht-paragraph">{t.register.done(t.date(registered.flag.expires_at))}</p>
            <p class="utrecht-paragraph">
              {t.register.matchHint}{" "}
              <a class="utrecht-link utrecht-link--html-a" href={href("inbox")}>
                {t.nav.inbox}
              </a>
            </p>
          </Notice>
          <Decision decision={registered.decision} />
        </section>
      )}
    </Screen>
  );
}
