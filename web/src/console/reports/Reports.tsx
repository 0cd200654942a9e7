/** Audit reports with charts: each also a table (the accessible version) and a CSV. */

import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { useShell } from "../../app/context";
import { ProblemAlert } from "../../components/Alerts";
import { RadioGroup } from "../../components/Field";
import { Screen } from "../../components/Screen";
import { report, REPORT_KINDS, type Report, type ReportKind, type RowsOf } from "../api/reports";
import { Chart, type Series } from "../components/Chart";
import { DataTable, type Column, type Row } from "../components/DataTable";
import { lastDays, PeriodPicker, type Period } from "../components/PeriodPicker";
import { useText } from "../text";
import { text } from "./text";

type Reports = { [K in ReportKind]: Report<K> };
type Load = { state: "loading" } | { state: "failed"; error: unknown } | { state: "ready"; reports: Reports };
type Words = (typeof text)["nl"];

export function Reports() {
  const { t, services } = useShell();
  const own = useText(text);
  const [period, setPeriod] = useState<Period>(() => lastDays(30));
  const [load, setLoad] = useState<Load>({ state: "loading" });

  useEffect(() => {
    let gone = false;
    setLoad({ state: "loading" });
    Promise.all(REPORT_KINDS.map((kind) => report(services.client, kind, period))).then(
      (found) => {
        if (gone) return;
        const reports = Object.fromEntries(found.map((each) => [each.kind, each])) as unknown as Reports;
        setLoad({ state: "ready", reports });
      },
      (error: unknown) => !gone && setLoad({ state: "failed", error }),
    );
    return () => {
      gone = true;
    };
  }, [services, period]);

  return (
    <Screen name="console-reports" title={own.title} pageTitle={t.pageTitle(own.title)}>
      <p class="utrecht-paragraph">{own.intro}</p>
      <PeriodPicker value={period} onChange={setPeriod} />
      {load.state === "loading" && (
        <p class="utrecht-paragraph" role="status">
          {own.loading}
        </p>
      )}
      {load.state === "failed" && <ProblemAlert error={load.error} />}
      {load.state === "ready" && <AllReports reports={load.reports} period={period} own={own} />}
    </Screen>
  );
}

function AllReports({ reports, period, own }: { reports: Reports; period: Period; own: Words }) {
  const [by, setBy] = useState<"team" | "member">("team");
  const suffix = `${period.from}_${period.to}`;
  const overTime = reports["checks-over-time"];
  const interval = String(overTime.summary["interval"] ?? "day");
  const days = Number(reports["checks-without-follow-up"].summary["follow_up_days"] ?? 14);
  // Made once per answer (and grouping): a new table object would redraw its chart.
  const overTimeRows = useMemo(() => overTimeTable(overTime, by, own), [overTime, by, own]);
  const tables = useMemo(
    () => ({
      perMember: perMemberTable(reports["checks-per-member"].rows, own),
      offHours: offHoursTable(reports["off-hours"].rows, own),
      subjects: subjectsTable(reports["most-checked-subjects"].rows, own),
      followUp: followUpTable(reports["checks-without-follow-up"].rows, own),
      refusals: refusalsTable(reports.refusals.rows, own),
    }),
    [reports, own],
  );
  return (
    <>
      <Section kind="checks-over-time" own={own} about={own.about["checks-over-time"](interval)} suffix={suffix}
        table={overTimeRows} chart="lines">
        <RadioGroup
          name="over-time-by"
          legend={own.grouping}
          value={by}
          onValue={(value) => setBy(value === "member" ? "member" : "team")}
          options={[
            { value: "team", label: own.perTeam },
            { value: "member", label: own.perMember },
          ]}
        />
      </Section>
      <Section kind="checks-per-member" own={own} about={own.about["checks-per-member"]} suffix={suffix}
        table={tables.perMember} chart="bars" measure="checks" />
      <Section kind="off-hours" own={own} about={own.about["off-hours"]} suffix={suffix}
        table={tables.offHours} chart="bars" measure="outside" />
      <Section kind="most-checked-subjects" own={own} about={own.about["most-checked-subjects"]} suffix={suffix}
        table={tables.subjects} chart="bars" measure="checks" />
      <Section kind="checks-without-follow-up" own={own} about={own.about["checks-without-follow-up"](days)}
        suffix={suffix} table={tables.followUp} chart="bars" measure="without" />
      <Section kind="refusals" own={own} about={own.about.refusals} suffix={suffix}
        table={tables.refusals} chart="bars" measure="count" />
    </>
  );
}

interface Table {
  columns: Column[];
  rows: Row[];
}

interface SectionProps {
  kind: ReportKind;
  own: Words;
  about: string;
  suffix: string;
  table: Table;
  chart: "bars" | "lines";
  /** For bars: the column charted, per first-column value (added up). */
  measure?: string;
  children?: ComponentChildren;
}

function Section({ kind, own, about, suffix, table, chart, measure, children }: SectionProps) {
  const tableId = `table-${kind}`;
  const { labels, series } = useMemo(() => chartOf(table, chart, measure), [table, chart, measure]);
  return (
    <section class="console-report" aria-labelledby={`${kind}-title`} data-report={kind}>
      <h2 class="utrecht-heading-2" id={`${kind}-title`}>
        {own.reports[kind]}
      </h2>
      <p class="utrecht-paragraph">{about}</p>
      {children}
      {table.rows.length > 0 && (
        <Chart id={`chart-${kind}`} title={own.chartOf[kind]} kind={chart} labels={labels} series={series} tableId={tableId} />
      )}
      <DataTable hideCaption id={tableId} caption={own.reports[kind]} columns={table.columns} rows={table.rows} csvName={`${kind}_${suffix}`} />
    </section>
  );
}

/** The chart's figures, taken from the table: what is drawn is what the table says. */
function chartOf(table: Table, chart: "bars" | "lines", measure?: string): { labels: string[]; series: Series[] } {
  const [first, ...rest] = table.columns;
  if (!first) return { labels: [], series: [] };
  if (chart === "lines") {
    const lines = rest.filter((column) => column.numeric);
    return {
      labels: table.rows.map((row) => String(row[first.key] ?? "")),
      series: lines.slice(0, -1).map((column) => ({
        label: column.label,
        values: table.rows.map((row) => Number(row[column.key] ?? 0)),
      })),
    };
  }
  const totals = new Map<string, number>();
  for (const row of table.rows) {
    const label = String(row[first.key] ?? "");
    totals.set(label, (totals.get(label) ?? 0) + Number(row[measure ?? ""] ?? 0));
  }
  const column = table.columns.find((each) => each.key === measure);
  return { labels: [...totals.keys()], series: [{ label: column?.label ?? "", values: [...totals.values()] }] };
}

function overTimeTable(found: Report<"checks-over-time">, by: "team" | "member", own: Words): Table {
  const periods = (found.summary["periods"] as string[] | undefined) ?? [];
  const key = (row: RowsOf["checks-over-time"]) => (by === "team" ? row.team ?? "-" : row.member);
  const names = [...new Set(found.rows.map(key))].sort();
  const counts = new Map<string, number>();
  for (const row of found.rows) counts.set(`${row.period}|${key(row)}`, (counts.get(`${row.period}|${key(row)}`) ?? 0) + row.checks);
  const columns: Column[] = [
    { key: "period", label: own.columns.period },
    ...names.map((name, at) => ({ key: `s${at}`, label: name, numeric: true })),
    { key: "total", label: own.total, numeric: true },
  ];
  const rows = periods.map((period) => {
    const row: Record<string, string | number> = { period };
    let total = 0;
    names.forEach((name, at) => {
      const count = counts.get(`${period}|${name}`) ?? 0;
      row[`s${at}`] = count;
      total += count;
    });
    row["total"] = total;
    return row;
  });
  return { columns, rows };
}

function perMemberTable(rows: RowsOf["checks-per-member"][], own: Words): Table {
  const c = own.columns;
  return {
    columns: [
      { key: "member", label: c.member },
      { key: "team", label: c.team },
      { key: "checks", label: c.checks, numeric: true },
      { key: "allowed", label: c.allowed, numeric: true },
      { key: "refused", label: c.refused, numeric: true },
    ],
    rows: rows.map((row) => ({ ...row, team: row.team ?? "" })),
  };
}

function offHoursTable(rows: RowsOf["off-hours"][], own: Words): Table {
  const c = own.columns;
  return {
    columns: [
      { key: "member", label: c.member },
      { key: "teams", label: c.teams },
      { key: "outside", label: c.outside, numeric: true },
      { key: "inside", label: c.inside, numeric: true },
    ],
    rows: rows.map((row) => ({
      member: row.member,
      teams: row.teams.join(", "),
      outside: row.outside_office_hours,
      inside: row.inside_office_hours,
    })),
  };
}

function subjectsTable(rows: RowsOf["most-checked-subjects"][], own: Words): Table {
  const c = own.columns;
  return {
    columns: [
      { key: "label", label: c.label },
      { key: "checks", label: c.checks, numeric: true },
      { key: "members", label: c.members, numeric: true },
      { key: "teams", label: c.teams },
      { key: "first", label: c.first },
      { key: "last", label: c.last },
    ],
    rows: rows.map((row) => ({
      label: row.label,
      checks: row.checks,
      members: row.distinct_members,
      teams: Object.entries(row.teams)
        .map(([team, count]) => `${team} (${count})`)
        .join(", "),
      first: moment(row.first_check),
      last: moment(row.last_check),
    })),
  };
}

function followUpTable(rows: RowsOf["checks-without-follow-up"][], own: Words): Table {
  const c = own.columns;
  return {
    columns: [
      { key: "member", label: c.member },
      { key: "team", label: c.team },
      { key: "checks", label: c.checks, numeric: true },
      { key: "without", label: c.without, numeric: true },
      { key: "pending", label: c.pending, numeric: true },
    ],
    rows: rows.map((row) => ({
      member: row.member,
      team: row.team ?? "",
      checks: row.checks,
      without: row.without_follow_up,
      pending: row.pending,
    })),
  };
}

function refusalsTable(rows: RowsOf["refusals"][], own: Words): Table {
  const c = own.columns;
  return {
    columns: [
      { key: "member", label: c.member },
      { key: "team", label: c.team },
      { key: "action", label: c.action },
      { key: "rule", label: c.rule },
      { key: "reason", label: c.reason },
      { key: "count", label: c.count, numeric: true },
    ],
    rows: rows.map((row) => ({
      member: row.member,
      team: row.team ?? "",
      action: row.action,
      rule: row.rule_id ?? "",
      reason: row.reason ?? "",
      count: row.count,
    })),
  };
}

/** A moment as local date and time, e.g. 2026-11-23 22:30 (sortable in a spreadsheet). */
function moment(iso: string | null): string {
  if (!iso) return "";
  const at = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
}
