import { useEffect, useRef } from "preact/hooks";
import { useShell } from "../app/context";
import { useAction } from "../forms";
import { ProblemAlert } from "./Alerts";
import { Button } from "./Button";

/**
 * Asks to sign in again when the token expired or the hub refused it. The screen behind it
 * keeps its form; the request that waited is retried once sign-in succeeds. The popup opens
 * from the button's click, as browsers require.
 */
export function ReauthDialog() {
  const { t, services } = useShell();
  const dialog = useRef<HTMLDialogElement>(null);
  const action = useAction();
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog
      class="app-dialog"
      ref={dialog}
      aria-labelledby="reauth-title"
      aria-describedby="reauth-text"
      onCancel={(event) => {
        event.preventDefault();
        services.session.cancelReauth();
      }}
    >
      <h2 class="utrecht-heading-2" id="reauth-title">
        {t.reauth.title}
      </h2>
      <p class="utrecht-paragraph" id="reauth-text">
        {t.reauth.text}
      </p>
      {action.error !== null && <ProblemAlert error={action.error} />}
      <div class="utrecht-button-group">
        <Button appearance="primary" busy={action.busy} onClick={() => action.run(() => services.session.signIn())}>
          {t.reauth.button}
        </Button>
        <Button onClick={() => services.session.cancelReauth()}>{t.cancel}</Button>
      </div>
    </dialog>
  );
}
