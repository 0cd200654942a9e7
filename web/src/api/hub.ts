/** The hub's endpoints the app uses, typed. */

import type { Client } from "./client";
import type {
  CheckResult,
  ContactRequest,
  DeclineReason,
  Flag,
  Items,
  Match,
  Me,
  Notification,
  RegisteredFlag,
  Subject,
} from "./types";

export interface FlagIn {
  subject: Subject;
  purpose: string;
  expires_on?: string;
  contact?: { name: string; email?: string; phone?: string };
  reference?: string;
  label?: string;
}

export interface ContactRequestIn {
  handle: string;
  purpose: string;
  email?: string;
  phone?: string;
  case_ref?: string;
}

const id = encodeURIComponent;

export class Hub {
  constructor(private readonly client: Client) {}

  me = () => this.client.request<Me>("GET", "/me");

  check = (subject: Subject, purpose: string, caseRef: string) =>
    this.client.request<CheckResult>("POST", "/involvement-checks", { subject, purpose, case_ref: caseRef });

  registerFlag = (body: FlagIn) => this.client.request<RegisteredFlag>("POST", "/flags", body);
  flags = () => this.client.request<Items<Flag>>("GET", "/flags?limit=200");
  withdrawFlag = (flagId: string) => this.client.request<Flag>("DELETE", `/flags/${id(flagId)}`);
  renewFlag = (flagId: string, expiresOn?: string) =>
    this.client.request<Flag>("POST", `/flags/${id(flagId)}/renewal`, expiresOn ? { expires_on: expiresOn } : {});
  setOwnReference = (flagId: string, reference: string | null, label: string | null) =>
    this.client.request<Flag>("PUT", `/flags/${id(flagId)}/own-reference`, { reference, label });

  matches = () => this.client.request<Items<Match>>("GET", "/matches");
  notifications = () => this.client.request<Items<Notification>>("GET", "/notifications?limit=100");
  unreadCount = () =>
    this.client.request<Items<Notification>>("GET", "/notifications?unread=true&limit=100").then((page) => page.items.length);
  markRead = (notificationId: string) =>
    this.client.request<Notification>("PUT", `/notifications/${id(notificationId)}/read`);

  requestContact = (body: ContactRequestIn) => this.client.request<ContactRequest>("POST", "/contact-requests", body);
  contactRequests = () => this.client.request<Items<ContactRequest>>("GET", "/contact-requests?limit=200");
  accept = (requestId: string) =>
    this.client.request<ContactRequest>("POST", `/contact-requests/${id(requestId)}/acceptance`);
  decline = (requestId: string, reason: DeclineReason) =>
    this.client.request<ContactRequest>("POST", `/contact-requests/${id(requestId)}/decline`, { reason });
  withdrawRequest = (requestId: string) =>
    this.client.request<ContactRequest>("POST", `/contact-requests/${id(requestId)}/withdrawal`);
}
