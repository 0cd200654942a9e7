"""matches contact requests retention

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 05:34:15.519540
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "matches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("regie_team_id", sa.Uuid(), nullable=True),
        sa.Column("regie_set_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_matches_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["regie_team_id"], ["teams.id"], name=op.f("fk_matches_regie_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matches")),
    )
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.create_index("ix_matches_subject_key", ["subject_key"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_notifications_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_delivery_next_attempt_at",
            ["delivery", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_notifications_team_id_created_at", ["team_id", "created_at"], unique=False
        )

    op.create_table(
        "contact_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("flag_id", sa.Uuid(), nullable=False),
        sa.Column("owner_team_id", sa.Uuid(), nullable=False),
        sa.Column("requester_team_id", sa.Uuid(), nullable=False),
        sa.Column("requester_sub", sa.String(length=200), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("requester_email", sa.String(length=200), nullable=True),
        sa.Column("requester_phone", sa.String(length=40), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requires_approval", sa.Boolean(), nullable=False),
        sa.Column("decline_reason", sa.String(length=32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("legal_basis", sa.String(length=64), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_id"],
            ["flags.id"],
            name=op.f("fk_contact_requests_flag_id_flags"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_team_id"], ["teams.id"], name=op.f("fk_contact_requests_owner_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["requester_team_id"],
            ["teams.id"],
            name=op.f("fk_contact_requests_requester_team_id_teams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_requests")),
    )
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.create_index("ix_contact_requests_owner_team_id", ["owner_team_id"], unique=False)
        batch_op.create_index(
            "ix_contact_requests_requester_team_id", ["requester_team_id"], unique=False
        )
        batch_op.create_index(
            "ix_contact_requests_status_expires_at", ["status", "expires_at"], unique=False
        )

    op.create_table(
        "match_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("flag_id", sa.Uuid(), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.Column("already_in_contact_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["flag_id"],
            ["flags.id"],
            name=op.f("fk_match_members_flag_id_flags"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_match_members_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_match_members_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_members")),
        sa.UniqueConstraint("match_id", "flag_id", name="uq_match_members_match_flag"),
    )
    with op.batch_alter_table("match_members", schema=None) as batch_op:
        batch_op.create_index("ix_match_members_team_id", ["team_id"], unique=False)

    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renewed_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("archived_at", UTCDateTime(), nullable=True))

    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("webhook_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("webhook_secret", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("webhook_secret")
        batch_op.drop_column("webhook_url")

    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
        batch_op.drop_column("renewed_at")

    with op.batch_alter_table("match_members", schema=None) as batch_op:
        batch_op.drop_index("ix_match_members_team_id")

    op.drop_table("match_members")
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_requests_status_expires_at")
        batch_op.drop_index("ix_contact_requests_requester_team_id")
        batch_op.drop_index("ix_contact_requests_owner_team_id")

    op.drop_table("contact_requests")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_team_id_created_at")
        batch_op.drop_index("ix_notifications_delivery_next_attempt_at")

    op.drop_table("notifications")
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index("ix_matches_subject_key")

    op.drop_table("matches")
