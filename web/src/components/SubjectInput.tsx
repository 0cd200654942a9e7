import type { IdentifierKind, SubjectType } from "../crypto/identifiers";
import { useApp } from "../app/context";
import { RadioGroup, TextField } from "./Field";

/** The identifier kind a subject type is entered by in this app (no vestigingsnummer here). */
export const KIND_OF: Readonly<Record<SubjectType, IdentifierKind>> = { person: "bsn", address: "bag", business: "kvk" };

interface Props {
  idPrefix: string;
  types: SubjectType[];
  type: SubjectType;
  onType(type: SubjectType): void;
  value: string;
  onValue(value: string): void;
  error?: string | undefined;
}

/** What the subject is (person, address, business) and its number, validated at the field. */
export function SubjectInput({ idPrefix, types, type, onType, value, onValue, error }: Props) {
  const { t } = useApp();
  const kind = KIND_OF[type];
  return (
    <>
      {types.length > 1 && (
        <RadioGroup
          name={`${idPrefix}-type`}
          legend={t.subject.legend}
          value={type}
          onValue={(next) => onType(next as SubjectType)}
          options={types.map((option) => ({ value: option, label: t.subject.types[option] }))}
        />
      )}
      <TextField
        id={`${idPrefix}-identifier`}
        label={t.subject.identifierLabels[kind]}
        hint={`${t.subject.identifierHints[kind]} ${t.subject.privacy}`}
        error={error}
        value={value}
        onValue={onValue}
        inputMode="numeric"
        autoComplete="off"
        required
      />
    </>
  );
}
