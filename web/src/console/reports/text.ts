import { texts } from "../text";

export const text = texts(
  {
    title: "Rapportages",
    intro: "Controles en weigeringen over een periode.",
  },
  {
    title: "Reports",
    intro: "Checks and refusals over a period.",
  },
);
