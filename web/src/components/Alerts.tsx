import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { ApiError } from "../api/errors";
import { useShell } from "../app/context";
import { errorMessage, type ErrorWords } from "../forms";

/** A failure in plain words; the hub's own detail is there on request. */
export function ProblemAlert({ error, words }: { error: unknown; words?: ErrorWords }) {
  const { t } = useShell();
  const message = errorMessage(t, error, words);
  const detail = error instanceof ApiError && error.detail && error.detail !== message ? error.detail : null;
  return (
    <div class="utrecht-alert utrecht-alert--error" role="alert">
      <div class="utrecht-alert__content">
        <div class="utrecht-alert__message">
          <p class="utrecht-paragraph app-alert__title">{t.errors.title}</p>
          <p class="utrecht-paragraph">{message}</p>
          {detail && (
            <details class="app-details">
              <summary>{t.errors.more}</summary>
              <p class="utrecht-paragraph" lang="en">
                {detail}
              </p>
            </details>
          )}
        </div>
      </div>
    </div>
  );
}

/**
 * A confirmation or note; announced through the app's live region by whoever shows it.
 * `focus` takes the keyboard there, for when the control that was used has gone.
 */
export function Notice({
  type = "ok",
  focus = false,
  children,
}: {
  type?: "ok" | "info" | "warning";
  focus?: boolean;
  children: ComponentChildren;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focus) box.current?.focus();
  }, [focus]);
  return (
    <div class={`utrecht-alert utrecht-alert--${type}`} ref={box} tabIndex={focus ? -1 : undefined}>
      <div class="utrecht-alert__content">
        <div class="utrecht-alert__message">{children}</div>
      </div>
    </div>
  );
}
