import type { ComponentChildren } from "preact";
import { useApp } from "../app/context";
import { ProblemAlert } from "./Alerts";
import { Button } from "./Button";

/** Above a screen's lists: a refresh button, a failure in words, and "being fetched" until
 * the first answer (`loaded`) is in. */
export function ListStatus({
  load,
  loaded,
  onRefresh,
}: {
  load: { busy: boolean; error: unknown };
  loaded: boolean;
  onRefresh(): void;
}) {
  const { t } = useApp();
  return (
    <>
      <div class="utrecht-button-group">
        <Button busy={load.busy} onClick={onRefresh}>
          {t.refresh}
        </Button>
      </div>
      {load.error !== null && <ProblemAlert error={load.error} />}
      {load.busy && !loaded && <p class="utrecht-paragraph app-busy">{t.loadingList}</p>}
    </>
  );
}

/** A titled list of cards (`children`: its `<li>`s), or the sentence `empty` when there are
 * none; the title names the section for assistive technology. */
export function CardSection({
  id,
  title,
  intro,
  empty,
  count,
  children,
}: {
  id: string;
  title: string;
  intro?: string;
  empty: string;
  count: number;
  children: ComponentChildren;
}) {
  return (
    <section aria-labelledby={id}>
      <h2 class="utrecht-heading-2" id={id}>
        {title}
      </h2>
      {intro && <p class="utrecht-paragraph">{intro}</p>}
      {count === 0 ? <p class="utrecht-paragraph">{empty}</p> : <ul class="app-cards">{children}</ul>}
    </section>
  );
}
