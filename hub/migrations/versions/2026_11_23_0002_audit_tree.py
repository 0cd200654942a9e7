"""audit tree: sequencer row, signed checkpoints, privacy officer alerts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 05:33:36.929984
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("actor_sub", sa.String(length=200), nullable=False),
        sa.Column("actor_organisation", sa.String(length=64), nullable=True),
        sa.Column("actor_team", sa.String(length=64), nullable=True),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("window_end", UTCDateTime(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_alerts")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_audit_alerts_dedupe_key")),
    )
    with op.batch_alter_table("audit_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_audit_alerts_created_at", ["created_at"], unique=False)

    op.create_table(
        "audit_checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_audit_checkpoints")),
    )
    audit_tree = op.create_table(
        "audit_tree",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("compact_range", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_tree")),
    )
    # The one row every sequencer locks; it exists from the start so none has to create it.
    op.bulk_insert(
        audit_tree,
        [
            {
                "id": 1,
                "size": 0,
                "compact_range": json.dumps({"size": 0, "hashes": []}),
                "updated_at": datetime.now(UTC),
            }
        ],
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_actor_team", ["actor_team"], unique=False)
        batch_op.create_index(
            "ix_audit_entries_unsequenced",
            ["seq"],
            unique=False,
            sqlite_where=sa.text("leaf_index IS NULL"),
            postgresql_where=sa.text("leaf_index IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_audit_entries_unsequenced",
            sqlite_where=sa.text("leaf_index IS NULL"),
            postgresql_where=sa.text("leaf_index IS NULL"),
        )
        batch_op.drop_index("ix_audit_entries_actor_team")

    op.drop_table("audit_tree")
    op.drop_table("audit_checkpoints")
    with op.batch_alter_table("audit_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_alerts_created_at")

    op.drop_table("audit_alerts")
