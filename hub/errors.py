"""Typed errors: each carries an HTTP status, a stable ``code`` and a title.

Messages never contain an identifier or a pseudonym.
"""

from __future__ import annotations

from typing import Any, ClassVar

from hub.audit.vocabulary import AuditRecord


class HubError(Exception):
    """Base of every error the hub reports to a caller."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, *, audit: AuditRecord | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        # A refusal that must be audited even though the request's transaction rolls back.
        self.audit = audit


class ConfigurationError(Exception):
    """Start-up configuration is missing or wrong; raised before serving."""


class InvalidInput(HubError):
    status = 400
    code = "invalid_input"
    title = "Invalid input"


class InvalidPseudonym(HubError):
    status = 400
    code = "invalid_pseudonym"
    title = "Not a well-formed pseudonym"


class Unauthenticated(HubError):
    status = 401
    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(HubError):
    status = 403
    code = "forbidden"
    title = "Not allowed for this role or team"


class PolicyRefusal(HubError):
    status = 403
    code = "policy_refusal"
    title = "Refused by policy"


class WebhookTargetRefused(HubError):
    """A webhook URL the hub will not call: not https, or aimed at a non-global network."""

    status = 400
    code = "webhook_target_refused"
    title = "Webhook address not allowed"


class NotFound(HubError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(HubError):
    status = 409
    code = "conflict"
    title = "Conflict"


class ExportSpansOrganisations(Conflict):
    """The export would show an officer the processing of another organisation's members."""

    code = "export_spans_organisations"
    title = "The log holds other organisations' processing; only the hub operator exports it"


class RateLimited(HubError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"


class AuditUnavailable(HubError):
    """The audit entry could not be written, so the action is not carried out."""

    status = 503
    code = "audit_unavailable"
    title = "Audit log unavailable; nothing was done"


class StorageUnavailable(HubError):
    """The transaction could not be committed, so nothing was done."""

    status = 503
    code = "storage_unavailable"
    title = "Storage unavailable; nothing was done"


class AuditLogCompromised(HubError):
    """The stored log no longer reproduces its signed checkpoints: a leaf is missing or altered.

    No proof or export can be made from it; retrying does not help until it is restored.
    The detail names the leaf index (a position, not an identifier).
    """

    status = 409
    code = "audit_log_compromised"
    title = "Audit log compromised; it no longer matches its signed checkpoints"
