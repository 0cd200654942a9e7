/** The console's texts live beside its screens, each screen with a Dutch and an English set of
 * the same shape (a missing English text is a type error). */

import { useShell } from "../app/context";
import type { Lang } from "../i18n";

export type Texts<T> = Readonly<Record<Lang, T>>;

/** Define a screen's texts: Dutch first; English must have the same keys and types. */
export function texts<T>(nl: T, en: NoInfer<T>): Texts<T> {
  return { nl, en };
}

export function useText<T>(set: Texts<T>): T {
  return set[useShell().lang];
}
