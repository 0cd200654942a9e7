"""audit at officer scale: a member's and a subject's entries indexed with ``seq`` (a search
page or an inzage is an index range scan at 100 million entries), an organisation's entries
by time (what a report reads) and its refused ones (the refusals report), flag
registrations by subject and team (the alerts), and ``audit_hour_counts``, the hourly
counts the sequencer keeps and the reports read (backfilled here from the sequenced entries)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.audit.hour_counts import backfill_sql
from hub.db import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_hour_counts",
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("hour", UTCDateTime(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "organisation", "hour", "action", "member", "team", "client", "outcome"
        ),
    )
    # From the columns, not the leaves: parsing every leaf of a long log here would take
    # hours; the columns are the leaves' copies (the whole-log check compares them).
    op.execute(backfill_sql(op.get_bind().dialect.name))
    op.create_index("ix_audit_entries_subject_key_seq", "audit_entries", ["subject_key", "seq"])
    op.create_index("ix_audit_entries_actor_sub_seq", "audit_entries", ["actor_sub", "seq"])
    op.create_index(
        "ix_audit_entries_organisation_at", "audit_entries", ["actor_organisation", "at"]
    )
    op.create_index(
        "ix_audit_entries_refused_at",
        "audit_entries",
        ["actor_organisation", "at"],
        sqlite_where=sa.text("outcome = 'refused'"),
        postgresql_where=sa.text("outcome = 'refused'"),
    )
    op.create_index(
        "ix_audit_entries_registered_subject",
        "audit_entries",
        ["subject_key", "actor_team"],
        sqlite_where=sa.text("action = 'flag.register' AND outcome = 'allowed'"),
        postgresql_where=sa.text("action = 'flag.register' AND outcome = 'allowed'"),
    )
    # The new indexes lead with the same columns, so the old ones serve nothing more.
    op.drop_index("ix_audit_entries_subject_key", table_name="audit_entries")
    op.drop_index("ix_audit_entries_actor_sub", table_name="audit_entries")


def downgrade() -> None:
    op.create_index("ix_audit_entries_actor_sub", "audit_entries", ["actor_sub"])
    op.create_index("ix_audit_entries_subject_key", "audit_entries", ["subject_key"])
    op.drop_index("ix_audit_entries_registered_subject", table_name="audit_entries")
    op.drop_index("ix_audit_entries_refused_at", table_name="audit_entries")
    op.drop_index("ix_audit_entries_organisation_at", table_name="audit_entries")
    op.drop_index("ix_audit_entries_actor_sub_seq", table_name="audit_entries")
    op.drop_index("ix_audit_entries_subject_key_seq", table_name="audit_entries")
    op.drop_table("audit_hour_counts")
