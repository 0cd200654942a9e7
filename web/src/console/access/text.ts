import { texts } from "../text";

export const text = texts(
  {
    title: "Toegang tot gegevens",
    intro: "Zoek in het logboek wie wat wanneer heeft gedaan.",
  },
  {
    title: "Access to data",
    intro: "Search the log for who did what and when.",
  },
);
