import { useEffect, useState } from "preact/hooks";
import type { InvolvedTeam } from "../api/types";
import { useApp } from "../app/context";
import { caseRefProblem, emailProblem, hubFieldErrors, phoneProblem, problems, showFieldErrors, useAction, type FieldErrors } from "../forms";
import { Notice, ProblemAlert } from "./Alerts";
import { Button } from "./Button";
import { TextField } from "./Field";

interface Props {
  team: InvolvedTeam;
  purpose: string;
  /** The check's case reference, offered for sharing; the user may clear it. */
  caseRef: string;
  /** The id of the team's name, so the button says which team it is for. */
  describedBy: string;
}

/** "Contact aanvragen" for one involved team: opens a short form, sends the request. */
export function RequestContact({ team, purpose, caseRef, describedBy }: Props) {
  const { t, services, announce } = useApp();
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState("");
  const [phone, setPhone] = useState("");
  const [sharedRef, setSharedRef] = useState(caseRef);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [sent, setSent] = useState(false);
  const action = useAction();
  const id = `request-${team.handle.slice(0, 16)}`;
  const [returnFocus, setReturnFocus] = useState(false);
  useEffect(() => {
    // Into the form when it opens; back to its button when it closes.
    if (open) document.getElementById(`${id}-email`)?.focus();
    else if (returnFocus) document.getElementById(`${id}-open`)?.focus();
  }, [open]);

  if (sent) {
    return (
      <Notice focus>
        <p class="utrecht-paragraph">{t.requestContact.sent(team.team_name)}</p>
      </Notice>
    );
  }
  if (!open) {
    return (
      <div class="utrecht-button-group">
        <Button
          appearance="primary"
          id={`${id}-open`}
          aria-describedby={describedBy}
          aria-expanded="false"
          aria-controls={id}
          onClick={() => setOpen(true)}
        >
          {t.requestContact.open}
        </Button>
      </div>
    );
  }

  async function submit(event: Event) {
    event.preventDefault();
    const found = problems({
      [`${id}-email`]: emailProblem(t, email.trim()),
      [`${id}-phone`]: phoneProblem(t, phone.trim()),
      [`${id}-case-ref`]: caseRefProblem(t, sharedRef.trim(), false),
    });
    setErrors(found);
    if (showFieldErrors(found, t, announce)) return;
    const done = await action.run(() =>
      services.hub.requestContact({
        handle: team.handle,
        purpose,
        ...(email.trim() ? { email: email.trim() } : {}),
        ...(phone.trim() ? { phone: phone.trim() } : {}),
        ...(sharedRef.trim() ? { case_ref: sharedRef.trim() } : {}),
      }),
    );
    if (done) {
      setSent(true);
      announce(t.requestContact.sent(team.team_name));
    }
  }

  const hubErrors = hubFieldErrors(t, action.error, {
    email: `${id}-email`,
    phone: `${id}-phone`,
    case_ref: `${id}-case-ref`,
  });
  const fieldError = (key: string) => errors[key] ?? hubErrors[key];

  return (
    <form class="app-form app-subform" id={id} onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h4 class="utrecht-heading-4" id={`${id}-title`}>
        {t.requestContact.title(team.team_name)}
      </h4>
      <p class="utrecht-paragraph">{t.requestContact.intro}</p>
      <TextField
        id={`${id}-email`}
        label={t.requestContact.email}
        optional
        type="email"
        autoComplete="email"
        value={email}
        onValue={setEmail}
        error={fieldError(`${id}-email`)}
        maxLength={200}
      />
      <TextField
        id={`${id}-phone`}
        label={t.requestContact.phone}
        optional
        type="tel"
        autoComplete="tel"
        value={phone}
        onValue={setPhone}
        error={fieldError(`${id}-phone`)}
        maxLength={40}
      />
      <TextField
        id={`${id}-case-ref`}
        label={t.requestContact.caseRef}
        hint={t.requestContact.caseRefHint}
        optional
        value={sharedRef}
        onValue={setSharedRef}
        error={fieldError(`${id}-case-ref`)}
        maxLength={64}
      />
      {action.error !== null && <ProblemAlert error={action.error} words={{ conflict: t.requestContact.conflict }} />}
      <div class="utrecht-button-group">
        <Button type="submit" appearance="primary" busy={action.busy}>
          {t.requestContact.send}
        </Button>
        <Button
          onClick={() => {
            setReturnFocus(true);
            setOpen(false);
          }}
        >
          {t.cancel}
        </Button>
      </div>
    </form>
  );
}
