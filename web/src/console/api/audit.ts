/** The hub's audit routes the officer's screens use (api/routers/audit.py), typed. */

import { useMemo } from "preact/hooks";
import type { Client } from "../../api/client";
import { useShell } from "../../app/context";
import type { Lang } from "../../i18n";
import type { Subject } from "../../api/types";
import type { InclusionProofBody } from "../proof/verify";

export interface CheckpointInfo {
  size: number;
  root_hash: string;
  note: string;
  created_at: string;
}

export interface IntegrityFault {
  problem: string;
  description: string;
  leaf_index?: number | null;
}

export interface Integrity {
  checkpoint: CheckpointInfo | null;
  matches: boolean | null;
  faults: IntegrityFault[];
  log_status: "ok" | "compromised";
  checked_at: string | null;
  checked_size: number | null;
  verifier_key: string;
}

export interface Alert {
  id: string;
  rule: string;
  status: "open" | "acknowledged";
  member: string;
  organisation: string | null;
  team: string | null;
  window_start: string;
  window_end: string;
  detail: Record<string, unknown>;
  created_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  acknowledgement_note: string | null;
}

export interface Entry {
  id: string;
  seq: number;
  leaf_index: number | null;
  at: string;
  action: string;
  outcome: "allowed" | "refused";
  actor: { sub: string; organisation: string | null; team: string | null; role: string | null; client: string | null };
  purpose: string | null;
  case_ref: string | null;
  object: string | null;
  decision: { rule_id: string | null; legal_basis: string | null; policy_version: string | null } | null;
  reason: string | null;
  integrity: "ok" | "tampered";
  tampered_fields: string[];
}

export interface EntryPage {
  items: Entry[];
  next_after: number | null;
}

export interface EntryFilter {
  member?: string;
  team?: string;
  action?: string;
  outcome?: "allowed" | "refused";
  from?: string;
  to?: string;
  /** The officer's own reference; with a subject search only. */
  case_ref?: string | undefined;
}

export interface InclusionProof extends InclusionProofBody {
  checkpoint: CheckpointInfo;
}

export interface EventLine {
  at: string;
  action: string;
  description: string;
  organisation: string | null;
  organisation_name: string | null;
  team: string | null;
  team_name: string | null;
  purpose: string | null;
  purpose_name: string | null;
  legal_basis: string | null;
  legal_basis_citation: string | null;
  outcome: string;
}

export interface FlagLine {
  team: string;
  team_name: string;
  domain: string;
  purpose: string;
  purpose_name: string;
  legal_basis: string;
  legal_basis_citation: string;
  registered_at: string;
  expires_at: string;
  status: string;
  withdrawn_at: string | null;
}

export interface SubjectAccessReport {
  generated_at: string;
  subject_type: string;
  flags: FlagLine[];
  checks: EventLine[];
  other_processing: EventLine[];
  notes: string[];
  tampered_entries: number;
}

export interface PolicyVersion {
  version: string;
  status: "pending" | "approved" | "rejected" | string;
  active_from: string;
  uploaded_by: string;
  uploaded_at: string;
  decided_by: string | null;
  decided_at: string | null;
}

const id = encodeURIComponent;

function query(filter: EntryFilter & { limit?: number; after?: number }): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined && value !== "") params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}

export class AuditApi {
  constructor(private readonly client: Client) {}

  publicKey = () => this.client.request<{ origin: string; verifier_key: string }>("GET", "/audit/public-key");

  integrity = () => this.client.request<Integrity>("GET", "/audit/integrity");

  alerts = (status?: "open" | "acknowledged") =>
    this.client.request<{ items: Alert[] }>("GET", `/audit/alerts${status ? `?status=${status}` : ""}`);

  acknowledge = (alert: string, note: string) =>
    this.client.request<Alert>("POST", `/audit/alerts/${id(alert)}/acknowledgement`, note ? { note } : {});

  entries = (filter: EntryFilter, after = 0) => this.client.request<EntryPage>("GET", `/audit/entries${query({ ...filter, limit: 50, after })}`);

  /** By subject: the pseudonym goes in the body, never in the URL. */
  entriesOn = (subject: Subject, filter: EntryFilter, after = 0) =>
    this.client.request<EntryPage>("POST", "/audit/searches", { subject, ...filter, limit: 50, after });

  inclusionProof = (index: number) => this.client.request<InclusionProof>("GET", `/audit/proofs/inclusion?index=${index}`);

  subjectAccessReport = (subject: Subject, caseRef: string) =>
    this.client.request<SubjectAccessReport>("POST", "/audit/subject-access-reports", body(subject, caseRef));

  /** The same report as the hub's printable page (HTML). */
  subjectAccessPage = (subject: Subject, caseRef: string) =>
    this.client.requestText("POST", "/audit/subject-access-reports", "text/html", body(subject, caseRef));

  export = (fromIndex: number) =>
    this.client.requestText("GET", `/audit/export${fromIndex ? `?from_index=${fromIndex}` : ""}`, "application/json");

  policies = (organisation: string) =>
    this.client.request<{ items: PolicyVersion[] }>("GET", `/admin/organisations/${id(organisation)}/policies`);
}

function body(subject: Subject, caseRef: string) {
  return caseRef ? { subject, case_ref: caseRef } : { subject };
}

/** The audit routes for this signed-in officer. */
export function useAudit(): AuditApi {
  const { services } = useShell();
  return useMemo(() => new AuditApi(services.client), [services]);
}

/** A moment as a Dutch clock shows it (Europe/Amsterdam), whatever the browser's zone. */
export function localTime(iso: string, lang: Lang): string {
  return new Date(iso).toLocaleString(lang === "nl" ? "nl-NL" : "en-GB", {
    timeZone: "Europe/Amsterdam",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}
