import { useEffect, useState } from "preact/hooks";
import { useApp } from "../../app/context";
import { Notice, ProblemAlert } from "../../components/Alerts";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { Screen } from "../../components/Screen";
import { useAction } from "../../forms";
import { useAudit } from "../api/audit";
import { useText } from "../text";
import { download } from "./download";
import { text } from "./text";

export const KEY_FILE = "betrokken-audit-verifier-key.txt";

interface Downloaded {
  file: string;
  entries: number;
  checkpoints: number;
}

/** The export (as `betrokken audit export` writes it), the verifier key, and the exact
 * command that verifies the two offline. */
export function Export() {
  const { t, announce } = useApp();
  const own = useText(text);
  const audit = useAudit();
  const [key, setKey] = useState<string | null>(null);
  const [fromIndex, setFromIndex] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<Downloaded | null>(null);
  const load = useAction();
  const action = useAction();

  useEffect(() => {
    void load.run(() => audit.publicKey()).then((found) => found && setKey(found.verifier_key));
  }, [audit]);

  async function submit(event: Event) {
    event.preventDefault();
    const start = fromIndex.trim() === "" ? 0 : Number(fromIndex.trim());
    if (!Number.isSafeInteger(start) || start < 0) {
      setError(own.fromIndexError);
      document.getElementById("export-from-index")?.focus();
      return;
    }
    setError(null);
    setDone(null);
    const answer = await action.run(() => audit.export(start));
    if (!answer) return;
    const document_ = JSON.parse(answer.text) as { entries: { index: number }[]; checkpoints: string[] };
    const size = document_.entries.at(-1)?.index ?? start - 1;
    const file = `betrokken-audit-export-${size + 1}.json`;
    download(answer.text, file, "application/json");
    const result = { file, entries: document_.entries.length, checkpoints: document_.checkpoints.length };
    setDone(result);
    announce(own.done(result.entries, result.checkpoints));
  }

  return (
    <Screen name="console-export" title={own.title} pageTitle={t.pageTitle(own.title)}>
      <p class="utrecht-paragraph">{own.intro}</p>
      <section aria-labelledby="export-key">
        <h2 class="utrecht-heading-2" id="export-key">
          {own.keyTitle}
        </h2>
        {load.error !== null && <ProblemAlert error={load.error} />}
        {key && (
          <>
            <p class="utrecht-paragraph app-code" data-verifier-key>
              {key}
            </p>
            <p class="utrecht-paragraph">{own.keyHint}</p>
            <div class="utrecht-button-group">
              <Button onClick={() => download(`${key}\n`, KEY_FILE, "text/plain")}>{own.keyDownload}</Button>
            </div>
          </>
        )}
      </section>
      <form class="app-form" onSubmit={submit} noValidate>
        <TextField
          id="export-from-index"
          label={own.fromIndex}
          hint={own.fromIndexHint}
          error={error ?? undefined}
          value={fromIndex}
          onValue={setFromIndex}
          inputMode="numeric"
        />
        {action.error !== null && <ProblemAlert error={action.error} words={{ export_spans_organisations: own.spans }} />}
        <div class="utrecht-button-group">
          <Button type="submit" appearance="primary" busy={action.busy}>
            {own.submit}
          </Button>
        </div>
        {action.busy && <p class="utrecht-paragraph app-busy">{own.busy}</p>}
      </form>
      {done && (
        <Notice focus>
          <p class="utrecht-paragraph">{own.done(done.entries, done.checkpoints)}</p>
        </Notice>
      )}
      <section aria-labelledby="export-command">
        <h2 class="utrecht-heading-2" id="export-command">
          {own.commandTitle}
        </h2>
        <p class="utrecht-paragraph">{own.commandIntro}</p>
        <pre class="app-console-command" data-command="verify">
          <code>{`betrokken audit verify ${done?.file ?? "betrokken-audit-export-N.json"} --public-key ${KEY_FILE}`}</code>
        </pre>
        <p class="utrecht-paragraph">{own.commandPython}</p>
        <pre class="app-console-command">
          <code>{`python -m crypto.audit_verify ${done?.file ?? "betrokken-audit-export-N.json"} --public-key ${KEY_FILE}`}</code>
        </pre>
        <p class="utrecht-paragraph">{own.commandOk}</p>
      </section>
    </Screen>
  );
}
