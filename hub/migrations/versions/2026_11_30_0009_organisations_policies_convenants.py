"""organisations: OIN, active; teams: contact person, active; per-organisation policies;
convenants and their partners; a flag's convenant

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oin", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_person", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "organisation_policies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active_from", UTCDateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_policies_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_policies")),
        sa.UniqueConstraint(
            "organisation_id", "version", name=op.f("uq_organisation_policies_organisation_id")
        ),
    )
    op.create_table(
        "convenants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("legal_basis", sa.String(length=64), nullable=False),
        sa.Column("domains", sa.Text(), nullable=False),
        sa.Column("purposes", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("responsible", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_convenants")),
        sa.UniqueConstraint("slug", name=op.f("uq_convenants_slug")),
    )
    op.create_table(
        "convenant_partners",
        sa.Column("convenant_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["convenant_id"],
            ["convenants.id"],
            name=op.f("fk_convenant_partners_convenant_id_convenants"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_convenant_partners_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "convenant_id", "organisation_id", name=op.f("pk_convenant_partners")
        ),
    )
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("convenant_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_flags_convenant_id_convenants"), "convenants", ["convenant_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_flags_convenant_id_convenants"), type_="foreignkey")
        batch_op.drop_column("convenant_id")
    op.drop_table("convenant_partners")
    op.drop_table("convenants")
    op.drop_table("organisation_policies")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("active")
        batch_op.drop_column("contact_person")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("active")
        batch_op.drop_column("oin")
