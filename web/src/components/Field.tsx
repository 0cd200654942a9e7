/**
 * Form fields in the NL Design System (Utrecht) markup: a label, an optional hint and an
 * error message, both tied to the control with aria-describedby; aria-invalid when wrong.
 */

import type { ComponentChildren, JSX } from "preact";
import { useShell } from "../app/context";

interface FieldFrame {
  id: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  optional?: boolean;
}

function describedBy(id: string, hint?: string, error?: string): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

function Frame({ id, label, hint, error, optional, children }: FieldFrame & { children: ComponentChildren }) {
  const { t } = useShell();
  return (
    <div class={`utrecht-form-field utrecht-form-field--text${error ? " utrecht-form-field--invalid" : ""}`}>
      <div class="utrecht-form-field__label">
        <label class="utrecht-form-label" for={id}>
          {label}
          {optional && <span class="app-optional"> ({t.optional})</span>}
        </label>
      </div>
      {hint && (
        <div class="utrecht-form-field__description utrecht-form-field__description--before" id={`${id}-hint`}>
          <p class="utrecht-form-field-description">{hint}</p>
        </div>
      )}
      {error && (
        <div class="utrecht-form-field__error-message" id={`${id}-error`}>
          <p class="utrecht-form-field-error-message">{error}</p>
        </div>
      )}
      <div class="utrecht-form-field__input">{children}</div>
    </div>
  );
}

type TextProps = FieldFrame & {
  value: string;
  onValue(value: string): void;
  type?: "text" | "email" | "tel" | "date";
  inputMode?: JSX.HTMLAttributes["inputMode"];
  autoComplete?: string;
  maxLength?: number;
  min?: string;
  required?: boolean;
};

export function TextField(props: TextProps) {
  const { id, hint, error, value, onValue, type = "text", inputMode, autoComplete = "off", maxLength, min, required } = props;
  return (
    <Frame {...props}>
      <input
        id={id}
        name={id}
        class={`utrecht-textbox utrecht-textbox--html-input${error ? " utrecht-textbox--invalid" : ""}`}
        type={type}
        value={value}
        onInput={(event) => onValue(event.currentTarget.value)}
        inputMode={inputMode}
        autoComplete={autoComplete}
        spellcheck={false}
        maxLength={maxLength}
        min={min}
        required={required}
        aria-required={required ? "true" : undefined}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy(id, hint, error)}
      />
    </Frame>
  );
}

interface Option {
  value: string;
  label: string;
}

type SelectProps = FieldFrame & {
  value: string;
  onValue(value: string): void;
  options: Option[];
};

export function SelectField(props: SelectProps) {
  const { id, hint, error, value, onValue, options } = props;
  return (
    <Frame {...props}>
      <select
        id={id}
        name={id}
        class={`utrecht-select utrecht-select--html-select${error ? " utrecht-select--invalid" : ""}`}
        value={value}
        onChange={(event) => onValue(event.currentTarget.value)}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy(id, hint, error)}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </Frame>
  );
}

type RadioProps = {
  name: string;
  legend: string;
  value: string;
  onValue(value: string): void;
  options: Option[];
};

export function RadioGroup({ name, legend, value, onValue, options }: RadioProps) {
  return (
    <div class="utrecht-form-fieldset">
      <fieldset class="utrecht-form-fieldset__fieldset utrecht-form-fieldset--html-fieldset">
        <legend class="utrecht-form-fieldset__legend utrecht-form-fieldset__legend--html-legend">{legend}</legend>
        <div class="app-choices">
          {options.map((option) => (
            <div class="utrecht-form-field utrecht-form-field--radio app-choice" key={option.value}>
              <input
                type="radio"
                class="utrecht-radio-button utrecht-radio-button--html-input"
                id={`${name}-${option.value}`}
                name={name}
                value={option.value}
                checked={value === option.value}
                onChange={() => onValue(option.value)}
              />
              <label class="utrecht-form-label utrecht-form-label--radio" for={`${name}-${option.value}`}>
                {option.label}
              </label>
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}
