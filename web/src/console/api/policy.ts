/** The policy of one's own organisation (`/api/v1/policy`) and its versions' approval. */

import type { Client } from "../../api/client";

export interface Version {
  version: string;
  source: "organisation" | "file";
  status: string;
  in_force: boolean;
  active_from: string | null;
  uploaded_by: string | null;
  uploaded_at: string | null;
  decided_by: string | null;
  decided_at: string | null;
}

export interface LegalBasis {
  id: string;
  law: string;
  article: string;
  citation: string;
  description: string;
  avg_articles: string[];
  dpia_ref: string;
  valid_from: string;
  review_by: string;
  confirm: string | null;
  line: number;
}

export interface Term {
  id: string;
  name: string;
  description: string | null;
  confirm: string | null;
  line: number;
}

export interface Domain extends Term {
  subject_types: string[];
  retention_months: number;
}

export interface Rule {
  id: string;
  action: string;
  domains: string[];
  roles: string[];
  purposes: string[];
  subject_types: string[];
  targets: string[];
  legal_bases: string[];
  why: string;
  confirm: string | null;
  line: number;
}

export interface PolicyInfo {
  version: string;
  name: string;
  organisation: string;
  dpia_ref: string | null;
}

export interface PolicyView {
  on: string;
  policy: PolicyInfo;
  in_force: Version;
  versions: Version[];
  legal_bases: LegalBasis[];
  purposes: Term[];
  domains: Domain[];
  rules: Rule[];
  visibility: { domain: string; target: string; purposes: string[]; rules: string[] }[];
  notes: string[];
}

export interface Explanation {
  question: { action: string; team: string; target_team: string | null; purpose: string; on: string };
  policy: PolicyInfo;
  decision: {
    allowed: boolean;
    rule_id: string | null;
    rule_line: number | null;
    legal_basis: LegalBasis | null;
    reason: string;
    why: string | null;
    confirm: string[];
    policy_version: string;
  };
  rules: { rule: string; line: number; outcome: string; details: string[] }[];
  text: string;
}

export interface Change {
  action: string;
  domain: string;
  target: string | null;
  purpose: string;
  legal_basis: string | null;
  roles: string[];
  subject_types: string[];
  before: string;
  after: string;
  before_allowed: boolean;
  after_allowed: boolean;
}

export interface PolicyDiff {
  old: Version;
  new: Version;
  on: string;
  changes: number;
  groups: Change[];
}

export interface ExplainQuestion {
  action: "see" | "contact";
  team: string;
  target_team: string;
  purpose: string;
  on: string;
}

const q = encodeURIComponent;

export const policyApi = (client: Client) => ({
  view: () => client.request<PolicyView>("GET", "/policy"),
  explain: (ask: ExplainQuestion) =>
    client.request<Explanation>(
      "GET",
      `/policy/explanation?action=${q(ask.action)}&team=${q(ask.team)}&target_team=${q(ask.target_team)}&purpose=${q(ask.purpose)}&on=${q(ask.on)}`,
    ),
  diff: (old: string, next: string) => client.request<PolicyDiff>("GET", `/policy/diff?old=${q(old)}&new=${q(next)}`),
  decide: (organisation: string, version: string, approve: boolean) =>
    client.request<Version>(
      "POST",
      `/admin/organisations/${q(organisation)}/policies/${q(version)}/${approve ? "approval" : "rejection"}`,
    ),
  upload: (organisation: string, text: string, activeFrom: string) =>
    client.request<Version>("POST", `/admin/organisations/${q(organisation)}/policies`, {
      text,
      ...(activeFrom ? { active_from: activeFrom } : {}),
    }),
  teams: (organisation: string) =>
    client.request<{ items: { slug: string; name: string; domain: string; active: boolean }[] }>(
      "GET",
      `/admin/organisations/${q(organisation)}/teams`,
    ),
});
