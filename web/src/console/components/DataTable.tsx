/** A table with a caption (the accessible version of a chart), and its CSV download. */

import { Button } from "../../components/Button";
import { useText } from "../text";
import { download, toCsv, type Cell } from "./csv";
import { text } from "./text";

export interface Column {
  key: string;
  label: string;
  numeric?: boolean;
}

export type Row = Readonly<Record<string, Cell>>;

interface Props {
  id: string;
  caption: string;
  columns: readonly Column[];
  rows: readonly Row[];
  /** The CSV's file name (without .csv); no download button without it. */
  csvName?: string;
  /** The caption repeats the heading above: keep it for screen readers only. */
  hideCaption?: boolean;
}

export function DataTable({ id, caption, columns, rows, csvName, hideCaption = false }: Props) {
  const own = useText(text);
  const csv = () =>
    toCsv(
      columns.map((column) => column.label),
      rows.map((row) => columns.map((column) => row[column.key] ?? null)),
    );
  return (
    <div class="console-table">
      {/* a region that scrolls sideways on a phone, reachable by keyboard */}
      <div class="console-table__scroll" role="region" aria-labelledby={`${id}-caption`} tabIndex={0}>
        <table class="utrecht-table utrecht-table--html-table" id={id} data-table={id}>
          <caption class={`utrecht-table__caption${hideCaption ? " app-visually-hidden" : ""}`} id={`${id}-caption`}>
            {caption}
          </caption>
          <thead class="utrecht-table__header">
            <tr class="utrecht-table__row">
              {columns.map((column) => (
                <th
                  key={column.key}
                  scope="col"
                  class={`utrecht-table__header-cell${column.numeric ? " utrecht-table__header-cell--numeric" : ""}`}
                >
                  {column.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody class="utrecht-table__body">
            {rows.length === 0 ? (
              <tr class="utrecht-table__row">
                <td class="utrecht-table__cell" colSpan={columns.length}>
                  {own.empty}
                </td>
              </tr>
            ) : (
              rows.map((row, index) => (
                <tr class="utrecht-table__row" key={index}>
                  {columns.map((column, at) =>
                    at === 0 ? (
                      <th key={column.key} scope="row" class="utrecht-table__header-cell">
                        {row[column.key] ?? ""}
                      </th>
                    ) : (
                      <td
                        key={column.key}
                        class={`utrecht-table__cell${column.numeric ? " utrecht-table__cell--numeric" : ""}`}
                      >
                        {row[column.key] ?? ""}
                      </td>
                    ),
                  )}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {csvName && (
        <div class="utrecht-button-group">
          <Button onClick={() => download(`${csvName}.csv`, csv())}>{own.download(caption)}</Button>
        </div>
      )}
    </div>
  );
}
