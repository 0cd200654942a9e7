/**
 * A bar or line chart drawn by uPlot (canvas), loaded only when a chart is first shown: the
 * professionals' screens never load it. The canvas is hidden from screen readers; the
 * caption says the table beside it holds the same figures, and that table is the
 * accessible version (and the CSV). Colours pass 3:1 against white (WCAG 1.4.11).
 */

import type uPlot from "uplot";
import { useEffect, useRef, useState } from "preact/hooks";
import { useText } from "../text";
import { text } from "./text";

export interface Series {
  label: string;
  values: readonly number[];
}

interface Props {
  id: string;
  /** What the chart shows, in words (its figure caption). */
  title: string;
  kind: "bars" | "lines";
  /** The x values' labels: categories (bars: one series) or days YYYY-MM-DD (lines). */
  labels: readonly string[];
  series: readonly Series[];
  /** The table that holds the same figures. */
  tableId: string;
}

export const COLOURS = ["#3b0fb0", "#b3261e", "#00695c", "#8a4b00", "#0b57d0", "#6d4c41", "#ad1457", "#37474f"];
let library: Promise<typeof uPlot> | null = null;

function load(): Promise<typeof uPlot> {
  library ??= import("uplot").then((module) => module.default);
  return library;
}

export function Chart({ id, title, kind, labels, series, tableId }: Props) {
  const own = useText(text);
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const element = box.current;
    if (!element || labels.length === 0) return;
    let plot: uPlot | null = null;
    let observer: ResizeObserver | null = null;
    let gone = false;
    load().then(
      (UPlot) => {
        if (gone) return;
        const width = () => Math.max(280, Math.floor(element.clientWidth));
        plot = new UPlot(options(UPlot, kind, labels, series, width()), data(kind, labels, series), element);
        observer = new ResizeObserver(() => plot?.setSize({ width: width(), height: HEIGHT }));
        observer.observe(element);
      },
      () => setFailed(true),
    );
    return () => {
      gone = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [kind, labels, series]);

  return (
    <figure class="console-chart" aria-labelledby={`${id}-caption`}>
      <figcaption class="utrecht-paragraph" id={`${id}-caption`}>
        <strong>{title}</strong>{" "}
        <a class="utrecht-link" href={`#${tableId}`} onClick={(event) => jump(event, tableId)}>
          {own.chartNote}
        </a>
      </figcaption>
      {!failed && <div class="console-chart__canvas" ref={box} aria-hidden="true" data-chart={id} />}
    </figure>
  );
}

/** The hash router owns the address: move focus to the table without changing it. */
function jump(event: Event, tableId: string) {
  event.preventDefault();
  const table = document.getElementById(tableId)?.parentElement;
  table?.focus();
}

const HEIGHT = 260;

function data(kind: Props["kind"], labels: readonly string[], series: readonly Series[]): uPlot.AlignedData {
  const xs = kind === "lines" ? labels.map((day) => Date.parse(`${day}T12:00:00`) / 1000) : labels.map((_, at) => at);
  return [xs, ...series.map((each) => [...each.values])];
}

function options(
  UPlot: typeof uPlot,
  kind: Props["kind"],
  labels: readonly string[],
  series: readonly Series[],
  width: number,
): uPlot.Options {
  const bars = kind === "bars";
  const bar = bars ? UPlot.paths.bars?.({ size: [0.6, 48] }) : undefined;
  return {
    width,
    height: HEIGHT,
    legend: { show: series.length > 1, live: false },
    cursor: { show: false },
    scales: {
      x: bars ? { time: false, range: [-0.5, labels.length - 0.5] } : { time: true },
      y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
    },
    axes: [
      bars
        ? {
            splits: () => labels.map((_, at) => at),
            values: (_u, splits) => splits.map((at) => short(labels[at] ?? "")),
            rotate: labels.length > 6 ? -45 : 0,
            size: labels.length > 6 ? 80 : 40,
          }
        : { values: (_u, splits) => splits.map((seconds) => dayMonth(seconds)) },
      { values: (_u, splits) => splits.map((value) => (Number.isInteger(value) ? String(value) : "")) },
    ],
    series: [
      {},
      ...series.map((each, at) => {
        const colour = COLOURS[at % COLOURS.length] ?? "#3b0fb0";
        return bars
          ? { label: each.label, stroke: colour, fill: colour, paths: bar }
          : { label: each.label, stroke: colour, width: 2, points: { show: true } };
      }),
    ],
  };
}

/** 23-11: day and month, as Dutch and English readers both take them. */
function dayMonth(seconds: number): string {
  const day = new Date(seconds * 1000);
  return `${day.getDate()}-${day.getMonth() + 1}`;
}

function short(label: string): string {
  return label.length > 18 ? `${label.slice(0, 17)}…` : label;
}
