import { texts } from "../text";

export const text = texts(
  {
    title: "Overzicht",
    intro: "Meldingen, de integriteit van het logboek en het beleid dat geldt.",
  },
  {
    title: "Overview",
    intro: "Alerts, the log's integrity and the policy in force.",
  },
);
