/**
 * Validation and canonical form of the identifiers the app pseudonymises, exactly as
 * crypto/identifiers.py does it: strip surrounding whitespace, then ASCII digits only, fixed
 * length per kind; an 8-digit BSN gets its leading zero back. An error names what is wrong
 * (as a stable code the UI translates) and never holds the value.
 */

export type IdentifierKind = "bsn" | "bag" | "kvk" | "vestiging";
export type SubjectType = "person" | "address" | "business";

export const SUBJECT_TYPES: Readonly<Record<IdentifierKind, SubjectType>> = {
  bsn: "person",
  bag: "address",
  kvk: "business",
  vestiging: "business",
};

export const LENGTHS: Readonly<Record<IdentifierKind, number>> = {
  bsn: 9,
  bag: 16,
  kvk: 8,
  vestiging: 12,
};

/** BAG objecttypecode, digits 5-6 of a BAG id. */
export const BAG_OBJECT_TYPES: ReadonlySet<string> = new Set(["01", "02", "03", "10", "20", "30"]);

export type IdentifierProblem =
  | "empty"
  | "digits_only"
  | "length"
  | "all_zeros"
  | "elfproef"
  | "bag_gemeentecode"
  | "bag_objecttype"
  | "bag_volgnummer";

export class IdentifierError extends Error {
  constructor(
    readonly kind: IdentifierKind,
    readonly problem: IdentifierProblem,
  ) {
    // The message is for developers; the UI translates `problem`.
    super(`${kind}: ${problem}`);
    this.name = "IdentifierError";
  }
}

export interface Identifier {
  readonly kind: IdentifierKind;
  readonly value: string;
}

const DIGITS = /^[0-9]+$/;
const BSN_WEIGHTS = [9, 8, 7, 6, 5, 4, 3, 2, -1] as const;

function elfproef(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < BSN_WEIGHTS.length; i++) sum += BSN_WEIGHTS[i]! * Number(digits[i]);
  return sum % 11 === 0;
}

function checkCanonical(kind: IdentifierKind, value: string): void {
  const length = LENGTHS[kind];
  if (!DIGITS.test(value)) throw new IdentifierError(kind, "digits_only");
  if (value.length !== length) throw new IdentifierError(kind, "length");
  if (kind === "bsn") {
    if (value === "0".repeat(length)) throw new IdentifierError(kind, "all_zeros");
    if (!elfproef(value)) throw new IdentifierError(kind, "elfproef");
  } else if (kind === "bag") {
    if (value.slice(0, 4) === "0000") throw new IdentifierError(kind, "bag_gemeentecode");
    if (!BAG_OBJECT_TYPES.has(value.slice(4, 6))) throw new IdentifierError(kind, "bag_objecttype");
    if (value.slice(6) === "0".repeat(10)) throw new IdentifierError(kind, "bag_volgnummer");
  } else if (value === "0".repeat(length)) {
    throw new IdentifierError(kind, "all_zeros");
  }
}

// Exactly what Python's str.strip() takes off (str.isspace()); JS's trim() differs (U+FEFF).
const SPACE = "\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const SURROUNDING_SPACE = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, "g");

/** Validate `raw` as an identifier of `kind` and return it in canonical form. */
export function parseIdentifier(kind: IdentifierKind, raw: string): Identifier {
  let value = raw.replace(SURROUNDING_SPACE, "");
  if (!value) throw new IdentifierError(kind, "empty");
  if (kind === "bsn" && value.length === 8 && DIGITS.test(value)) value = "0" + value;
  checkCanonical(kind, value);
  return { kind, value };
}

const EPOCH = /^[0-9A-Za-z._-]+$/;

/** The POPRF info for a kind and key epoch: `"<kind>|<epoch>"`. */
export function poprfInfo(kind: IdentifierKind, epoch: string): string {
  if (!EPOCH.test(epoch)) throw new Error("epoch must use only letters, digits, '.', '_', '-'");
  return `${kind}|${epoch}`;
}

const SHORTEST_IDENTIFIER = 8; // a KvK number

/**
 * Whether free text may hold an identifier: its digits, with the separators between them
 * taken out, run to 8 or more (a letter ends a run). Read after NFKC normalisation, as the
 * hub does, so the app refuses what the hub would refuse before anything is sent.
 */
export function looksLikeIdentifier(text: string): boolean {
  let run = 0;
  for (const char of text.normalize("NFKC")) {
    if (/\p{Nd}/u.test(char)) {
      run += 1;
      if (run >= SHORTEST_IDENTIFIER) return true;
    } else if (/\p{L}/u.test(char)) {
      run = 0;
    }
  }
  return false;
}
