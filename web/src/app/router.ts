/** Hash routes (`#/check`, `#/console/overview`, ...): the server serves one page, and no
 * identifier is ever in a URL. */

import { useEffect, useState } from "preact/hooks";

/** The professional's screens (they need an acting team). */
export const WORK_ROUTES = ["check", "register", "flags", "inbox", "requests"] as const;
/** The console of the privacy officer and the beheerder (`web/src/console/`). */
export const CONSOLE_ROUTES = ["overview", "access", "reports", "inzage", "policy", "admin", "export"] as const;

export type WorkRoute = (typeof WORK_ROUTES)[number];
export type ConsoleRoute = (typeof CONSOLE_ROUTES)[number];
export type Route = WorkRoute | ConsoleRoute;

export function isConsoleRoute(route: Route): route is ConsoleRoute {
  return (CONSOLE_ROUTES as readonly string[]).includes(route);
}

/** The route in the address bar; null when it names none (the app then opens the first
 * screen the signed-in person may use). */
function current(): Route | null {
  const name = location.hash.replace(/^#\/?/, "");
  if ((WORK_ROUTES as readonly string[]).includes(name)) return name as WorkRoute;
  const inConsole = name.replace(/^console\//, "");
  if (name.startsWith("console/") && (CONSOLE_ROUTES as readonly string[]).includes(inConsole)) {
    return inConsole as ConsoleRoute;
  }
  return null;
}

export function useRoute(): Route | null {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = () => setRoute(current());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

export function href(route: Route): string {
  return isConsoleRoute(route) ? `#/console/${route}` : `#/${route}`;
}
