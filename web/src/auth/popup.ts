/** Receive the authorization response that callback.html posts from the sign-in popup. */

import { SignInError } from "./errors";

const CLOSED_POLL_MS = 500;
const CLOSED_GRACE_MS = 300; // the callback posts and then closes: let its message arrive

/** The callback's parameters; rejects with `signin_cancelled` if the popup is closed first. */
export function waitForCallback(popup: Window): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const onMessage = (event: MessageEvent) => {
      // Only our own callback page, in the popup we opened, may answer.
      if (event.origin !== location.origin || event.source !== popup) return;
      const data: unknown = event.data;
      if (typeof data !== "object" || data === null) return;
      const params = new URLSearchParams();
      for (const name of ["code", "state", "iss", "error", "error_description"]) {
        const value = (data as Record<string, unknown>)[name];
        if (typeof value === "string") params.set(name, value);
      }
      done();
      resolve(params);
    };
    const timer = setInterval(() => {
      if (popup.closed) {
        clearInterval(timer);
        setTimeout(() => {
          done();
          reject(new SignInError("signin_cancelled"));
        }, CLOSED_GRACE_MS);
      }
    }, CLOSED_POLL_MS);
    function done() {
      clearInterval(timer);
      window.removeEventListener("message", onMessage);
    }
    window.addEventListener("message", onMessage);
  });
}
