"""retention batches: indexes that let each retention step read its next batch in index
order instead of scanning every flag (live flags by expiry, withdrawn flags not yet
archived, archived flags by team and archive date), and a purged flag's match memberships
by flag

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "status = 'active'"
WITHDRAWN_UNARCHIVED = "status = 'withdrawn' AND archived_at IS NULL"
ARCHIVED = "archived_at IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_flags_active_expires_at",
        "flags",
        ["expires_at"],
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    op.create_index(
        "ix_flags_withdrawn_unarchived",
        "flags",
        ["withdrawn_at"],
        sqlite_where=sa.text(WITHDRAWN_UNARCHIVED),
        postgresql_where=sa.text(WITHDRAWN_UNARCHIVED),
    )
    op.create_index(
        "ix_flags_team_archived_at",
        "flags",
        ["team_id", "archived_at"],
        sqlite_where=sa.text(ARCHIVED),
        postgresql_where=sa.text(ARCHIVED),
    )
    op.create_index("ix_match_members_flag_id", "match_members", ["flag_id"])


def downgrade() -> None:
    op.drop_index("ix_match_members_flag_id", table_name="match_members")
    op.drop_index("ix_flags_team_archived_at", table_name="flags")
    op.drop_index("ix_flags_withdrawn_unarchived", table_name="flags")
    op.drop_index("ix_flags_active_expires_at", table_name="flags")
