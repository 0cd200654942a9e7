/** The hub's answers as the app reads them (the schemas in hub/, and GET /api/v1/me). */

import type { IdentifierKind, SubjectType } from "../crypto/identifiers";

export interface Decision {
  rule_id: string | null;
  legal_basis: string | null;
  policy_version: string;
}

export interface SeenDomain {
  domain: string;
  domain_name: string;
  rule_id?: string | null;
  legal_basis?: string | null;
  citation?: string | null;
  why?: string | null;
}

export interface Sees {
  subject_type: SubjectType;
  shown: SeenDomain[];
  not_shown: SeenDomain[];
}

export interface Purpose {
  purpose: string;
  name: string;
  description?: string | null;
  check: SubjectType[];
  register: SubjectType[];
  sees: Sees[];
}

export interface TeamMembership {
  team: string;
  team_name: string;
  domain: string;
  domain_name: string;
}

export interface Me {
  member: string;
  name: string | null;
  organisation: string | null;
  roles: string[];
  teams: TeamMembership[];
  acting_team: string | null;
  policy_version: string;
  purposes: Purpose[];
}

export interface Subject {
  kind: IdentifierKind;
  pseudonym: string;
}

export interface InvolvedTeam {
  domain: string;
  team: string;
  team_name: string;
  since: string;
  handle: string;
}

export interface CheckResult {
  check_id: string;
  own_team_involved: boolean;
  involved: InvolvedTeam[];
  decision: Decision;
}

export interface OwnFlag {
  id: string;
  purpose: string;
  registered_at: string;
  expires_at: string;
  reference: string | null;
  label: string | null;
}

export type FlagStatus = "active" | "withdrawn" | "expired" | string;

export interface Flag {
  id: string;
  team: string;
  domain: string;
  subject_type: SubjectType;
  purpose: string;
  legal_basis: string;
  status: FlagStatus;
  registered_at: string;
  expires_at: string;
  withdrawn_at: string | null;
  contact_name: string;
  reference: string | null;
  label: string | null;
}

export interface RegisteredFlag {
  flag: Flag;
  decision: Decision;
}

export interface Contact {
  name: string | null;
  email: string | null;
  phone: string | null;
  /** In a match: the team's contact person as its beheerder keeps it. */
  team_contact_person?: string | null;
}

export interface Party extends Contact {
  team: string;
  team_name: string;
}

export type RequestStatus = "pending" | "accepted" | "declined" | "expired" | "withdrawn";

export const DECLINE_REASONS = ["already_in_contact", "no_legal_ground", "not_relevant", "case_closed", "other"] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

export interface ContactRequest {
  id: string;
  direction: "incoming" | "outgoing";
  status: RequestStatus;
  purpose: string;
  domain: string;
  from_team: string;
  from_team_name: string;
  to_team: string;
  to_team_name: string;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decline_reason: DeclineReason | null;
  decision: Decision;
  contact: Party | null;
  requester_case_ref: string | null;
  flag: OwnFlag | null;
}

export type ContactDetails = "shown" | "on_request" | "never" | "declined";

export interface MatchTeam {
  team: string;
  team_name: string;
  domain: string;
  since: string;
  contact_details: ContactDetails;
  contact: Contact | null;
  already_in_contact: boolean;
}

export interface Match {
  id: string;
  created_at: string;
  regie_team: string | null;
  already_in_contact: boolean;
  flag: OwnFlag | null;
  teams: MatchTeam[];
}

export interface Notification {
  id: string;
  kind: string;
  created_at: string;
  read_at: string | null;
  delivery: string;
  payload: Record<string, unknown>;
  flag: OwnFlag | null;
}

export interface Items<T> {
  items: T[];
}
