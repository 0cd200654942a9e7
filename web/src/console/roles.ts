/** Which screens a signed-in person may open: the hub's roles decide, the hub enforces. */

import type { Me } from "../api/types";
import { CONSOLE_ROUTES, WORK_ROUTES, type ConsoleRoute, type Route } from "../app/router";

const OFFICER_ROUTES: readonly ConsoleRoute[] = ["overview", "access", "reports", "inzage", "policy", "export"];
const BEHEERDER_ROUTES: readonly ConsoleRoute[] = ["admin", "policy"];
const BEHEERDER_ROLES = ["functioneel_beheerder", "hub_operator", "admin"];

export function isOfficer(me: Me): boolean {
  return me.roles.includes("privacy_officer");
}

export function isBeheerder(me: Me): boolean {
  return me.roles.some((role) => BEHEERDER_ROLES.includes(role));
}

/** The console's screens for these roles, in menu order. */
export function consoleRoutesFor(me: Me): ConsoleRoute[] {
  const mine = new Set<ConsoleRoute>([
    ...(isOfficer(me) ? OFFICER_ROUTES : []),
    ...(isBeheerder(me) ? BEHEERDER_ROUTES : []),
  ]);
  return CONSOLE_ROUTES.filter((route) => mine.has(route));
}

/** Every screen this person may open: the professional's with an acting team, then the console's. */
export function routesFor(me: Me): Route[] {
  return [...(me.acting_team ? WORK_ROUTES : []), ...consoleRoutesFor(me)];
}
