/** The audit reports (`GET /api/v1/audit/reports/{kind}`), for the privacy officer. */

import type { Client } from "../../api/client";
import { periodQuery, type Period } from "../components/PeriodPicker";

export const REPORT_KINDS = [
  "checks-over-time",
  "checks-per-member",
  "off-hours",
  "most-checked-subjects",
  "checks-without-follow-up",
  "refusals",
] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface OverTimeRow {
  period: string;
  member: string;
  team: string | null;
  checks: number;
  allowed: number;
  refused: number;
}
export interface PerMemberRow {
  member: string;
  team: string | null;
  checks: number;
  allowed: number;
  refused: number;
}
export interface OffHoursRow {
  member: string;
  teams: string[];
  inside_office_hours: number;
  outside_office_hours: number;
}
export interface SubjectRow {
  label: string;
  checks: number;
  distinct_members: number;
  teams: Record<string, number>;
  first_check: string | null;
  last_check: string | null;
}
export interface FollowUpRow {
  member: string;
  team: string | null;
  checks: number;
  without_follow_up: number;
  pending: number;
}
export interface RefusalRow {
  member: string;
  team: string | null;
  action: string;
  rule_id: string | null;
  reason: string | null;
  count: number;
}

export interface RowsOf {
  "checks-over-time": OverTimeRow;
  "checks-per-member": PerMemberRow;
  "off-hours": OffHoursRow;
  "most-checked-subjects": SubjectRow;
  "checks-without-follow-up": FollowUpRow;
  refusals: RefusalRow;
}

export interface Report<K extends ReportKind> {
  kind: K;
  from: string;
  to: string;
  summary: Record<string, unknown>;
  rows: RowsOf[K][];
}

export function report<K extends ReportKind>(client: Client, kind: K, period: Period): Promise<Report<K>> {
  return client.request<Report<K>>("GET", `/audit/reports/${kind}?${periodQuery(period)}&limit=20`);
}
