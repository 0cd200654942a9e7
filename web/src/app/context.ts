/** What every screen needs: the texts, the hub, who is signed in, and the live region. */

import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Client } from "../api/client";
import type { Hub } from "../api/hub";
import type { Me } from "../api/types";
import type { Session } from "../auth/session";
import type { AppConfig } from "../config";
import type { SubjectType } from "../crypto/identifiers";
import type { Lang, Messages } from "../i18n";
import type { Store } from "../store";

export interface Services {
  readonly config: AppConfig;
  readonly session: Session;
  readonly client: Client;
  readonly hub: Hub;
  /** The acting team (`Betrokken-Team`); null until /me names it. */
  readonly team: Store<string | null>;
  /** The subject being worked on, shared by check and register; in memory only. */
  readonly draft: Store<SubjectDraft>;
}

export interface SubjectDraft {
  readonly type: SubjectType;
  readonly identifier: string;
}

export const EMPTY_DRAFT: SubjectDraft = { type: "person", identifier: "" };

export interface ShellContextValue {
  readonly services: Services;
  readonly t: Messages;
  readonly lang: Lang;
  /** Who is signed in and what the policy lets their acting team do; null before sign-in. */
  readonly me: Me | null;
  /** Say something to screen reader users without moving focus (results, confirmations). */
  announce(text: string): void;
}

export interface AppContextValue extends ShellContextValue {
  readonly me: Me;
}

export const AppContext = createContext<ShellContextValue | null>(null);

/** The app around every screen, signed in or not. */
export function useShell(): ShellContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error("useShell outside AppContext");
  return value;
}

/** The app as the screens after sign-in see it. */
export function useApp(): AppContextValue {
  const value = useShell();
  if (!value.me) throw new Error("useApp before sign-in");
  return value as AppContextValue;
}
