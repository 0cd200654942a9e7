import { texts } from "../text";

export const text = texts(
  {
    title: "Inzageverzoek (AVG art. 15)",
    intro: "Maak het overzicht voor een inzageverzoek van een burger.",
  },
  {
    title: "Subject access request (GDPR art. 15)",
    intro: "Produce the report for a citizen's subject access request.",
  },
);
