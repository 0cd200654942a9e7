import { texts } from "../text";

export const text = texts(
  {
    title: "Beleid",
    intro: "Het beleid dat geldt, en wat het beslist.",
  },
  {
    title: "Policy",
    intro: "The policy in force, and what it decides.",
  },
);
