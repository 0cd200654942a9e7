/** The console of the privacy officer (FG) and the beheerder: one screen per route. */

import type { ConsoleRoute } from "../app/router";
import { Overview } from "./overview/Overview";
import { Access } from "./access/Access";
import { Reports } from "./reports/Reports";
import { Inzage } from "./inzage/Inzage";
import { Policy } from "./policy/Policy";
import { Admin } from "./admin/Admin";
import { Export } from "./export/Export";

export function ConsoleScreen({ route }: { route: ConsoleRoute }) {
  switch (route) {
    case "overview":
      return <Overview />;
    case "access":
      return <Access />;
    case "reports":
      return <Reports />;
    case "inzage":
      return <Inzage />;
    case "policy":
      return <Policy />;
    case "admin":
      return <Admin />;
    case "export":
      return <Export />;
  }
}
