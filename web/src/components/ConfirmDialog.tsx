import { useEffect, useRef } from "preact/hooks";
import { useShell } from "../app/context";
import { Button } from "./Button";

interface Props {
  id: string;
  title: string;
  text: string;
  confirm: string;
  onConfirm(): void;
  onCancel(): void;
}

/** A modal question (the native dialog: focus stays inside, Escape cancels). */
export function ConfirmDialog({ id, title, text, confirm, onConfirm, onCancel }: Props) {
  const { t } = useShell();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog
      class="app-dialog"
      ref={dialog}
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 class="utrecht-heading-2" id={`${id}-title`}>
        {title}
      </h2>
      <p class="utrecht-paragraph" id={`${id}-text`}>
        {text}
      </p>
      <div class="utrecht-button-group">
        <Button appearance="primary" onClick={onConfirm}>
          {confirm}
        </Button>
        <Button onClick={onCancel}>{t.cancel}</Button>
      </div>
    </dialog>
  );
}
