/** Small helpers the screens share. */

import type { Purpose, Sees } from "../api/types";
import type { SubjectType } from "../crypto/identifiers";
import { useState } from "preact/hooks";
import { useShell } from "../app/context";
import { useStore } from "../store";

const SUBJECT_ORDER: readonly SubjectType[] = ["person", "address", "business"];

/** The subject types some purpose of the acting team allows for `action`, in a fixed order. */
export function subjectTypesFor(purposes: readonly Purpose[], action: "check" | "register"): SubjectType[] {
  const allowed = new Set(purposes.flatMap((purpose) => purpose[action]));
  return SUBJECT_ORDER.filter((type) => allowed.has(type));
}

export function seesFor(purpose: Purpose, type: SubjectType): Sees | undefined {
  return purpose.sees.find((sees) => sees.subject_type === type);
}

/** The subject typed on check or register, kept for the other screen (in memory only). */
export function useSubjectDraft(types: readonly SubjectType[]) {
  const { draft } = useShell().services;
  const { type: wanted, identifier } = useStore(draft);
  const type = types.includes(wanted) ? wanted : (types[0] ?? wanted);
  return {
    type,
    identifier,
    setType: (next: SubjectType) => draft.set({ type: next, identifier }),
    setIdentifier: (next: string) => draft.set({ type, identifier: next }),
  };
}

/** The purposes the acting team may `action` a subject of `type` for, and the one chosen
 * (the first until the user picks another). */
export function usePurposeChoice(purposes: readonly Purpose[], action: "check" | "register", type: SubjectType) {
  const allowed = purposes.filter((purpose) => purpose[action].includes(type));
  const [code, setCode] = useState("");
  return { purposes: allowed, purpose: allowed.find((p) => p.purpose === code) ?? allowed[0], setPurpose: setCode };
}
