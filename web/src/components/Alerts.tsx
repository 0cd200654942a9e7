import type { ComponentChildren } from "preact";
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

/** A confirmation or note; announced through the app's live region by whoever shows it. */
export function Notice({ type = "ok", children }: { type?: "ok" | "info" | "warning"; children: ComponentChildren }) {
  return (
    <div class={`utrecht-alert utrecht-alert--${type}`}>
      <div class="utrecht-alert__content">
        <div class="utrecht-alert__message">{children}</div>
      </div>
    </div>
  );
}
