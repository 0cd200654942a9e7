import { texts } from "../text";

export const text = texts(
  {
    title: "Logboek exporteren",
    intro: "Download het logboek met de sleutel om het te controleren.",
  },
  {
    title: "Export the log",
    intro: "Download the log with the key to verify it.",
  },
);
