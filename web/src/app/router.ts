/** Hash routes (`#/check`, ...): the server serves one page, and no identifier is ever in a URL. */

import { useEffect, useState } from "preact/hooks";

export const ROUTES = ["check", "register", "flags", "inbox", "requests"] as const;
export type Route = (typeof ROUTES)[number];

function current(): Route {
  const name = location.hash.replace(/^#\/?/, "");
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : "check";
}

/** The current route, and whether it was reached by navigating (then its h1 takes focus). */
export function useRoute(): { route: Route; navigated: boolean } {
  const [state, setState] = useState({ route: current(), navigated: false });
  useEffect(() => {
    const onChange = () => setState({ route: current(), navigated: true });
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return state;
}

export function href(route: Route): string {
  return `#/${route}`;
}
