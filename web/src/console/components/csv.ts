/**
 * A table as CSV that opens in a spreadsheet: RFC 4180 (comma, CRLF, quotes doubled), UTF-8
 * with a byte order mark (so Excel reads it as UTF-8), a header row first. A text cell that
 * a spreadsheet would take for a formula (=, +, -, @, tab, CR) gets a leading apostrophe
 * (OWASP's guard against CSV injection): a label can never run as a formula.
 */

export type Cell = string | number | null;

const FORMULA = /^[=+\-@\t\r]/;
const BOM = "\uFEFF";

function field(value: Cell): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const text = FORMULA.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return BOM + [header, ...rows].map((row) => row.map(field).join(",")).join("\r\n") + "\r\n";
}

/** Offer `text` as a file download (a blob URL; nothing leaves the browser). */
export function download(filename: string, text: string, type = "text/csv;charset=utf-8"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
