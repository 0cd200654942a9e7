/** The administration API (`/api/v1/admin/...`) as the beheerder's screen uses it. */

import type { Client } from "../../api/client";

export interface Team {
  slug: string;
  name: string;
  organisation: string;
  domain: string;
  contact_person: string | null;
  email: string | null;
  phone: string | null;
  webhook: boolean;
  active: boolean;
}

export interface TeamChange {
  contact_person?: string;
  email?: string;
  phone?: string;
  webhook_url?: string;
}

export interface Convenant {
  slug: string;
  name: string;
  partners: string[];
  domains: string[];
  purposes: string[];
  legal_basis: string;
  starts_on: string;
  ends_on: string;
  responsible: string;
  ended_at: string | null;
  active: boolean;
}

export interface ConvenantIn {
  slug: string;
  name: string;
  partners: string[];
  domains: string[];
  purposes: string[];
  legal_basis: string;
  starts_on: string;
  ends_on: string;
  responsible: string;
}

const q = encodeURIComponent;

export const adminApi = (client: Client) => ({
  teams: (organisation: string) => client.request<{ items: Team[] }>("GET", `/admin/organisations/${q(organisation)}/teams`),
  changeTeam: (slug: string, change: TeamChange) => client.request<Team>("PATCH", `/admin/teams/${q(slug)}`, change),
  convenants: () => client.request<{ items: Convenant[] }>("GET", "/admin/convenants"),
  createConvenant: (body: ConvenantIn) => client.request<Convenant>("POST", "/admin/convenants", body),
  endConvenant: (slug: string) => client.request<Convenant>("POST", `/admin/convenants/${q(slug)}/end`),
});
