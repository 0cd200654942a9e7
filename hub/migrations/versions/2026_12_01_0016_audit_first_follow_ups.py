"""audit_first_follow_ups: when each team first registered a flag or requested contact on a
subject, kept by the sequencer and read by the checks-without-follow-up report (one row
per check's team and subject instead of the team's follow-ups read at report time);
backfilled here from the sequenced entries

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.audit.follow_ups import backfill_sql
from hub.db import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_first_follow_ups",
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("subject_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("first_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("organisation", "team", "subject_key"),
    )
    # From the columns, not the leaves, as 0015's hourly counts: parsing every leaf of a
    # long log here would take hours; the whole-log check compares columns and leaves.
    op.execute(backfill_sql())


def downgrade() -> None:
    op.drop_table("audit_first_follow_ups")
