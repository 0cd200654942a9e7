/** Hash routes (`#/check`, ...): the server serves one page, and no identifier is ever in a URL. */

import { useEffect, useState } from "preact/hooks";

export const ROUTES = ["check", "register", "flags", "inbox", "requests"] as const;
export type Route = (typeof ROUTES)[number];

function current(): Route {
  const name = location.hash.replace(/^#\/?/, "");
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : "check";
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = () => setRoute(current());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

export function href(route: Route): string {
  return `#/${route}`;
}
