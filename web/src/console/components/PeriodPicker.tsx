/** A period of whole days in local time: from a day up to and including another. */

import { useState } from "preact/hooks";
import { TextField } from "../../components/Field";
import { Button } from "../../components/Button";
import { useText } from "../text";
import { text } from "./text";

export interface Period {
  /** First day, YYYY-MM-DD. */
  from: string;
  /** Last day (included), YYYY-MM-DD. */
  to: string;
}

const DAY = 86_400_000;
const MAX_DAYS = 366;

export function isoDay(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

export function lastDays(days: number, today = new Date()): Period {
  return { from: isoDay(new Date(today.getTime() - (days - 1) * DAY)), to: isoDay(today) };
}

/** The period as the hub's query: [start of `from`, start of the day after `to`), with the
 * browser's offset, so "today" is the officer's today. */
export function periodQuery(period: Period): string {
  const start = new Date(`${period.from}T00:00:00`);
  const end = new Date(`${period.to}T00:00:00`);
  end.setDate(end.getDate() + 1);
  return `from=${encodeURIComponent(zoned(start))}&to=${encodeURIComponent(zoned(end))}`;
}

function zoned(moment: Date): string {
  const offset = -moment.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  return `${isoDay(moment)}T00:00:00${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

function valid(period: Period): boolean {
  const days = (Date.parse(period.to) - Date.parse(period.from)) / DAY + 1;
  return days >= 1 && days <= MAX_DAYS;
}

export function PeriodPicker({ value, onChange }: { value: Period; onChange(period: Period): void }) {
  const own = useText(text);
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState(false);
  function apply(period: Period) {
    setDraft(period);
    if (!valid(period)) return setError(true);
    setError(false);
    onChange(period);
  }
  return (
    <form
      class="console-period"
      onSubmit={(event) => {
        event.preventDefault();
        apply(draft);
      }}
    >
      <fieldset class="utrecht-form-fieldset__fieldset utrecht-form-fieldset--html-fieldset">
        <legend class="utrecht-form-fieldset__legend utrecht-form-fieldset__legend--html-legend">{own.period}</legend>
        <div class="console-period__fields">
          <TextField
            id="period-from"
            label={own.from}
            type="date"
            value={draft.from}
            onValue={(from) => setDraft({ ...draft, from })}
            error={error ? own.periodError : undefined}
          />
          <TextField id="period-to" label={own.to} type="date" value={draft.to} onValue={(to) => setDraft({ ...draft, to })} />
        </div>
        <div class="utrecht-button-group">
          <Button appearance="primary" type="submit">
            {own.show}
          </Button>
          {[7, 30, 90].map((days) => (
            <Button key={days} appearance="subtle" onClick={() => apply(lastDays(days))}>
              {own.last(days)}
            </Button>
          ))}
        </div>
      </fieldset>
    </form>
  );
}
