/** The app's entry: load the settings, wire the services, render, register the service worker. */

import { render } from "preact";
import { App } from "./app/App";
import { EMPTY_DRAFT, type Services } from "./app/context";
import { Client } from "./api/client";
import { Hub } from "./api/hub";
import { Session } from "./auth/session";
import { loadConfig } from "./config";
import { messages } from "./i18n";
import { createStore } from "./store";

async function start(root: HTMLElement): Promise<void> {
  let services: Services;
  try {
    const config = await loadConfig();
    const session = new Session(config.oidc);
    const team = createStore<string | null>(null);
    const client = new Client(config, session, team);
    services = { config, session, client, hub: new Hub(client), team, draft: createStore(EMPTY_DRAFT) };
  } catch {
    root.replaceChildren(failure());
    return;
  }
  root.replaceChildren();
  render(<App services={services} />, root);
}

/** Without its settings the app cannot start; say so plainly (the page may be offline). */
function failure(): HTMLElement {
  const t = messages.nl;
  const main = document.createElement("main");
  main.className = "app-main";
  main.id = "main";
  const heading = document.createElement("h1");
  heading.className = "utrecht-heading-1";
  heading.textContent = t.appName;
  const text = document.createElement("p");
  text.className = "utrecht-paragraph";
  text.textContent = navigator.onLine ? t.configFailed : t.offline;
  const english = document.createElement("p");
  english.className = "utrecht-paragraph";
  english.lang = "en";
  english.textContent = navigator.onLine ? messages.en.configFailed : messages.en.offline;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "utrecht-button utrecht-button--primary-action";
  button.textContent = t.reload;
  button.addEventListener("click", () => location.reload());
  main.append(heading, text, english, button);
  return main;
}

const root = document.getElementById("app");
if (root) void start(root);

if ("serviceWorker" in navigator) {
  // The shell only (sw.ts); registered after load so it never competes with the first paint.
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(() => undefined);
  });
}
