/** The app's two languages; Dutch first. */

import { en } from "./en";
import { nl, type Messages } from "./nl";

export type Lang = "nl" | "en";
export type { Messages };

export const messages: Readonly<Record<Lang, Messages>> = { nl, en };
