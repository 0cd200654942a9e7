"""audit integrity: the last verdict on the log as a whole, for /health

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 13:30:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    audit_integrity = op.create_table(
        "audit_integrity",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("faults", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=True),
        sa.Column("checked_size", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_integrity")),
    )
    # The one row every process updates; it exists from the start so none has to create it.
    op.bulk_insert(
        audit_integrity,
        [{"id": 1, "status": "ok", "faults": "[]", "updated_at": datetime.now(UTC)}],
    )


def downgrade() -> None:
    op.drop_table("audit_integrity")
