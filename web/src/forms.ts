/**
 * What the forms share: checks the hub would make anyway (so the user hears at the field,
 * before anything is sent), and turning the hub's answers into words.
 */

import { useState } from "preact/hooks";
import { ApiError } from "./api/errors";
import { SignInError } from "./auth/errors";
import { IdentifierError, LENGTHS, looksLikeIdentifier, parseIdentifier, type IdentifierKind } from "./crypto/identifiers";
import type { Messages } from "./i18n";

export type FieldErrors = Record<string, string>;

// The hub's patterns (hub/involvement/schemas.py, hub/references.py, hub/fields.py).
const CASE_REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{2,63}$/;
const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const PHONE = /^\+?[0-9 ()-]{6,40}$/;
const CONTROL = /[\x00-\x1f\x7f]/;
export const LABEL_MAX = 60;

/** The identifier's problem in words, or null when it is valid. */
export function identifierProblem(t: Messages, kind: IdentifierKind, raw: string): string | null {
  try {
    parseIdentifier(kind, raw);
    return null;
  } catch (error) {
    if (!(error instanceof IdentifierError)) throw error;
    const words = t.subject.errors;
    switch (error.problem) {
      case "empty":
        return words.empty(kind);
      case "length":
        return words.length(kind, LENGTHS[kind]);
      default:
        return words[error.problem]();
    }
  }
}

function freeText(t: Messages, value: string): string | null {
  return looksLikeIdentifier(value) ? t.field.identifier : null;
}

export function caseRefProblem(t: Messages, value: string, required: boolean): string | null {
  if (!value) return required ? t.caseRef.required : null;
  return freeText(t, value) ?? (CASE_REF.test(value) ? null : t.caseRef.format);
}

export function referenceProblem(t: Messages, value: string): string | null {
  if (!value) return null;
  return freeText(t, value) ?? (REFERENCE.test(value) ? null : t.field.reference);
}

export function labelProblem(t: Messages, value: string): string | null {
  if (!value) return null;
  if (value.length > LABEL_MAX) return t.field.tooLong(LABEL_MAX);
  if (CONTROL.test(value)) return t.field.oneLine;
  return freeText(t, value);
}

export function emailProblem(t: Messages, value: string): string | null {
  if (!value) return null;
  if (value.length > 200 || !EMAIL.test(value)) return t.field.email;
  return freeText(t, value);
}

export function phoneProblem(t: Messages, value: string): string | null {
  if (!value) return null;
  if (!PHONE.test(value)) return t.field.phone;
  // As the hub: only a phone number whose 9 digits are a valid BSN is refused.
  const digits = value.replace(/[^0-9]/g, "");
  return digits.length === 9 && identifierProblem(t, "bsn", digits) === null ? t.field.identifier : null;
}

export function nameProblem(t: Messages, value: string): string | null {
  if (value.length > 200) return t.field.tooLong(200);
  return freeText(t, value);
}

/** Only the checks that failed, keyed by field. */
export function problems(checks: Record<string, string | null>): FieldErrors {
  const errors: FieldErrors = {};
  for (const [field, problem] of Object.entries(checks)) if (problem) errors[field] = problem;
  return errors;
}

/** Words for a code that mean more in one place (a 409 on register is a duplicate flag). */
export type ErrorWords = Partial<Record<string, string>>;

/** A failure in plain words: ours per stable code, else the hub's own title or detail. */
export function errorMessage(t: Messages, error: unknown, words: ErrorWords = {}): string {
  const byCode: ErrorWords = { ...t.errors.byCode, ...words };
  if (error instanceof ApiError) return byCode[error.code] ?? error.title ?? error.detail ?? t.errors.unknown;
  if (error instanceof SignInError) return byCode[error.problem] ?? t.errors.unknown;
  return t.errors.unknown;
}

/** One of the hub's 422 field messages in words the user can act on. */
function fieldMessage(t: Messages, message: string): string {
  if (/identifier/i.test(message)) return t.field.identifier;
  if (/control character/i.test(message)) return t.field.oneLine;
  if (/required|missing/i.test(message)) return t.field.required;
  return t.field.invalid;
}

/**
 * The 422's field errors on the form's own fields: `fields` maps the hub's field path
 * ("contact.email") to the form field's key; anything else stays in the alert.
 */
export function hubFieldErrors(t: Messages, error: unknown, fields: Record<string, string>): FieldErrors {
  if (!(error instanceof ApiError)) return {};
  const errors: FieldErrors = {};
  for (const { field, message } of error.fieldErrors) {
    const key = fields[field];
    if (key && !errors[key]) errors[key] = fieldMessage(t, message);
  }
  return errors;
}

/** Busy and error state of one action on a screen. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function run<T>(action: () => Promise<T>): Promise<T | undefined> {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (caught) {
      setError(caught);
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

/** Whether `errors` holds any; if so it is said in the live region and the keyboard goes to
 * the first field that needs attention, in the page's order. */
export function showFieldErrors(errors: FieldErrors, t: Messages, announce: (text: string) => void): boolean {
  const count = Object.keys(errors).length;
  if (count === 0) return false;
  announce(t.field.formHasErrors(count));
  const fields = Object.keys(errors)
    .map((id) => document.getElementById(id))
    .filter((element): element is HTMLElement => element !== null)
    .sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
  fields[0]?.focus();
  return true;
}
