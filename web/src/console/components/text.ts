import { texts } from "../text";

export const text = texts(
  {
    download: (what: string) => `Download ${what} als CSV`,
    empty: "Geen gegevens in deze periode.",
    scroll: (caption: string) => `Tabel: ${caption}`,
    chartNote: "De grafiek toont dezelfde cijfers als de tabel eronder.",
    period: "Periode",
    from: "Van",
    to: "Tot en met",
    show: "Tonen",
    last: (days: number) => `Laatste ${days} dagen`,
    periodError: "Kies een begindatum vóór de einddatum, en hoogstens 366 dagen.",
  },
  {
    download: (what: string) => `Download ${what} as CSV`,
    empty: "No data in this period.",
    scroll: (caption: string) => `Table: ${caption}`,
    chartNote: "The chart shows the same figures as the table below it.",
    period: "Period",
    from: "From",
    to: "Up to and including",
    show: "Show",
    last: (days: number) => `Last ${days} days`,
    periodError: "Choose a start date before the end date, and at most 366 days.",
  },
);
