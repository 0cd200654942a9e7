"""The verwerkingslog's vocabulary: what an entry says happened, before it is written.

Every module that audits or reads the log names actions from :class:`Action`, never as a
string of its own, so a report, an alert or the inzage cannot miss an action that was
renamed. This module imports nothing from the hub: errors, services and repositories all
use it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    """Each processing the log records, as stored in the entry's ``action``."""

    CHECK = "involvement.check"
    FLAG_REGISTER = "flag.register"
    FLAG_WITHDRAW = "flag.withdraw"
    FLAG_RENEW = "flag.renew"
    FLAG_EXPIRE = "flag.expire"
    FLAG_ARCHIVE = "flag.archive"
    FLAG_PURGE = "flag.purge"
    FLAG_REFERENCE = "flag.reference"  # the owner team set its own reference or label
    FLAG_DEADLINES = "flag.deadlines"  # the owner team set its flag's due dates
    SUBJECT_ERASE = "subject.erase"
    MATCH_CREATED = "match.created"
    MATCH_JOINED = "match.joined"
    MATCH_REGIE = "match.regie"
    MATCH_CONTACT_STATUS = "match.contact_status"
    CONTACT_REQUEST_CREATE = "contact_request.create"
    CONTACT_REQUEST_ACCEPT = "contact_request.accept"
    CONTACT_REQUEST_DECLINE = "contact_request.decline"
    CONTACT_REQUEST_WITHDRAW = "contact_request.withdraw"
    CONTACT_REQUEST_EXPIRE = "contact_request.expire"
    TEAM_WEBHOOK = "team.webhook"
    DOMAIN_CREATE = "domain.create"
    ORGANISATION_CREATE = "organisation.create"
    ORGANISATION_UPDATE = "organisation.update"
    TEAM_CREATE = "team.create"
    TEAM_UPDATE = "team.update"
    POLICY_UPLOAD = "policy.upload"
    POLICY_APPROVE = "policy.approve"
    POLICY_REJECT = "policy.reject"
    CONVENANT_CREATE = "convenant.create"
    CONVENANT_END = "convenant.end"
    AUDIT_SEARCH = "audit.search"
    AUDIT_SUBJECT_SEARCH = "audit.subject_search"
    AUDIT_REPORT = "audit.report"
    AUDIT_SUBJECT_ACCESS_REPORT = "audit.subject_access_report"
    AUDIT_OTLP_EXPORT = "audit.otlp_export"
    AUDIT_EXPORT = "audit.export"
    AUDIT_INCLUSION_PROOF = "audit.inclusion_proof"
    AUDIT_ALERTS_LIST = "audit.alerts_list"
    AUDIT_ALERT_ACKNOWLEDGE = "audit.alert_acknowledge"


class Outcome(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"


@dataclass(frozen=True)
class DecisionRef:
    """What the audit keeps of a policy decision."""

    rule_id: str | None
    legal_basis: str | None
    policy_version: str
    reason: str | None = None


@dataclass(frozen=True)
class AuditRecord:
    """One processing, before it is written."""

    action: Action
    outcome: Outcome
    subject_key: bytes | None = None
    purpose: str | None = None
    case_ref: str | None = None
    object_id: str | None = None
    decision: DecisionRef | None = None
    reason: str | None = None
