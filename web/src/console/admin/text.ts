import { texts } from "../text";

export const text = texts(
  {
    title: "Beheer",
    intro: "Teams en convenanten.",
  },
  {
    title: "Administration",
    intro: "Teams and convenants.",
  },
);
