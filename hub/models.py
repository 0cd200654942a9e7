"""Every mapped model, imported once so the metadata is complete (Alembic, tests)."""

from hub.audit.models import AuditAlert, AuditCheckpoint, AuditEntry, AuditIntegrity, AuditTree
from hub.contact_request.models import ContactRequest
from hub.db import Base
from hub.flag.models import Flag, FlagDeadline, FlagStatus
from hub.involvement.models import CheckDayCount
from hub.match.models import Match, MatchMember
from hub.notification.models import Notification
from hub.organisation.models import Domain, Organisation, Team

__all__ = [
    "AuditAlert",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditIntegrity",
    "AuditTree",
    "Base",
    "CheckDayCount",
    "ContactRequest",
    "Domain",
    "Flag",
    "FlagDeadline",
    "FlagStatus",
    "Match",
    "MatchMember",
    "Notification",
    "Organisation",
    "Team",
]
