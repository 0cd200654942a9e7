/**
 * The sign-in popup lands here. It hands the authorization response to the page that opened
 * it (same origin only) and closes; the opener checks the state and exchanges the code.
 */

import { orphaned } from "./i18n/callback";

const params = new URLSearchParams(location.search);
const message: Record<string, string> = {};
for (const name of ["code", "state", "iss", "error", "error_description"]) {
  const value = params.get(name);
  if (value !== null) message[name] = value;
}
// Nothing of the response stays in this window's address or history.
history.replaceState(null, "", location.pathname);

const openerWindow = window.opener as Window | null;
if (openerWindow && !openerWindow.closed) {
  openerWindow.postMessage({ type: "betrokken-signin", ...message }, location.origin);
  window.close();
} else {
  // Opened on its own (or the app was closed): say so in both languages.
  const status = document.getElementById("callback-status");
  if (status) {
    const english = document.createElement("span");
    english.lang = "en";
    english.textContent = orphaned.en;
    status.replaceChildren(`${orphaned.nl} `, english);
  }
}
