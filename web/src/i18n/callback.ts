/**
 * The one text of the sign-in callback page, in both languages. Kept apart from nl.ts and
 * en.ts so the callback's script stays a few hundred bytes.
 */

import type { Lang } from "./index";

export const orphaned: Readonly<Record<Lang, string>> = {
  nl: "Dit venster hoort bij het inloggen in Betrokken, maar de app is niet meer open. Sluit dit venster en log opnieuw in.",
  en: "This window belongs to signing in to Betrokken, but the app is no longer open. Close this window and sign in again.",
};
