/**
 * The signed-in session: the access token in memory (never in storage, a cookie or the URL)
 * and the re-sign-in that a request waits for when the token expired or the hub said 401.
 */

import type { OidcConfig } from "../config";
import { createStore } from "../store";
import { SignInError } from "./errors";
import { openSignInPopup, signIn, type Tokens } from "./oidc";

interface Waiter {
  resolve(token: string): void;
  reject(error: unknown): void;
}

export class Session {
  /** Whether someone is signed in (a token may still have expired). */
  readonly signedIn = createStore(false);
  /** Whether a request waits for the user to sign in again (the app shows a dialog). */
  readonly reauthNeeded = createStore(false);
  /** Counts sign-ins by someone other than who was signed in: the app then starts afresh. */
  readonly personChanged = createStore(0);
  private tokens: Tokens | null = null;
  private subject: string | null = null;
  private waiters: Waiter[] = [];

  constructor(private readonly oidc: OidcConfig) {}

  /** Sign in with the popup; call it from a click. Resumes every request that waited. */
  async signIn(): Promise<void> {
    const popup = openSignInPopup();
    const tokens = await signIn(this.oidc, popup);
    const changed = this.subject !== null && tokens.subject !== this.subject;
    this.tokens = tokens;
    this.subject = tokens.subject;
    this.signedIn.set(true);
    this.reauthNeeded.set(false);
    const waiters = this.waiters.splice(0);
    // What waited was someone else's action: it is not done under the new person's name.
    for (const waiter of waiters) {
      if (changed) waiter.reject(new SignInError("signin_cancelled"));
      else waiter.resolve(tokens.accessToken);
    }
    if (changed) this.personChanged.set(this.personChanged.get() + 1);
  }

  /** A valid access token, after asking the user to sign in again if need be. */
  accessToken(): Promise<string> {
    if (this.tokens && Date.now() < this.tokens.expiresAt) return Promise.resolve(this.tokens.accessToken);
    this.tokens = null;
    if (!this.signedIn.get()) return Promise.reject(new SignInError("signin_cancelled"));
    this.reauthNeeded.set(true);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** The hub or pseudonymiser refused the token: forget it, so the next call asks again. */
  expire(token: string): void {
    if (this.tokens?.accessToken === token) this.tokens = null;
  }

  /** The user chose not to sign in again: the waiting requests fail. */
  cancelReauth(): void {
    this.reauthNeeded.set(false);
    for (const waiter of this.waiters.splice(0)) waiter.reject(new SignInError("signin_cancelled"));
  }

  signOut(): void {
    this.tokens = null;
    this.subject = null;
    this.cancelReauth();
    this.signedIn.set(false);
  }
}
