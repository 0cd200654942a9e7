"""contact request indexes: a team's requests by team and creation time, so a page of
them, newest first, is read in index order instead of sorting all of a busy team's; and a
flag's requests by flag and requesting team, which the pending check, the cascade when a
flag is purged and the decisions on a subject's flags each scanned the whole table for

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 20:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_contact_requests_owner_team_created",
        "contact_requests",
        ["owner_team_id", "created_at"],
    )
    op.create_index(
        "ix_contact_requests_requester_team_created",
        "contact_requests",
        ["requester_team_id", "created_at"],
    )
    op.create_index(
        "ix_contact_requests_flag_requester",
        "contact_requests",
        ["flag_id", "requester_team_id"],
    )
    # The new team indexes lead with the same column, so the old ones serve nothing more.
    op.drop_index("ix_contact_requests_owner_team_id", table_name="contact_requests")
    op.drop_index("ix_contact_requests_requester_team_id", table_name="contact_requests")


def downgrade() -> None:
    op.drop_index("ix_contact_requests_flag_requester", table_name="contact_requests")
    op.create_index(
        "ix_contact_requests_requester_team_id", "contact_requests", ["requester_team_id"]
    )
    op.create_index("ix_contact_requests_owner_team_id", "contact_requests", ["owner_team_id"])
    op.drop_index("ix_contact_requests_requester_team_created", table_name="contact_requests")
    op.drop_index("ix_contact_requests_owner_team_created", table_name="contact_requests")
