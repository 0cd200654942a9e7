"""Every mapped model, imported once so the metadata is complete (Alembic, tests)."""

from hub.audit.models import AuditEntry
from hub.db import Base
from hub.flag.models import Flag, FlagStatus
from hub.organisation.models import Domain, Organisation, Team

__all__ = ["AuditEntry", "Base", "Domain", "Flag", "FlagStatus", "Organisation", "Team"]
