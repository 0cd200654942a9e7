"""audit tiles: the tree's interior nodes as C2SP tlog-tiles, backfilled from the leaves

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-30 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_tiles",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("tile_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "tile_index", name=op.f("pk_audit_tiles")),
    )
    # An upgraded hub gets the tiles of the log it already has (about 5 s per million
    # entries); `betrokken audit tiles rebuild` does the same later, and again if needed.
    from hub.audit.tiles import rebuild_tiles

    session = Session(bind=op.get_bind())
    rebuilt = rebuild_tiles(session)
    session.flush()
    if rebuilt.problem:
        print(f"audit tiles not built: {rebuilt.problem}")


def downgrade() -> None:
    op.drop_table("audit_tiles")
