/**
 * The sign-in popup lands here. It hands the authorization response to the page that opened
 * it (same origin only) and closes; the opener checks the state and exchanges the code.
 */

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
  const status = document.getElementById("callback-status");
  if (status) {
    status.textContent =
      "Dit venster hoort bij het inloggen in Betrokken, maar de app is niet meer open. Sluit dit venster en log opnieuw in.";
  }
}
