"""alert watermark: how far the alert evaluation got (``audit_alert_watermark``, one row),
so each evaluation reads the members with new checks since the last one, and a member's
checks by time (``ix_audit_entries_actor_sub_at``) for the rules' windows

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No row: the first evaluation after this reads the rules' window, as before, and
    # leaves the watermark behind it.
    op.create_table(
        "audit_alert_watermark",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("evaluated_until", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_entries_actor_sub_at", "audit_entries", ["actor_sub", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_actor_sub_at", table_name="audit_entries")
    op.drop_table("audit_alert_watermark")
