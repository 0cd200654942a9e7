"""check minute counts: involvement checks per member and per team per minute, shared by
the hub processes on PostgreSQL

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "check_minute_counts",
        sa.Column("minute", UTCDateTime(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("minute", "scope", "key", name=op.f("pk_check_minute_counts")),
    )


def downgrade() -> None:
    op.drop_table("check_minute_counts")
