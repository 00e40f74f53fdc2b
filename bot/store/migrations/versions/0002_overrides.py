"""Overrides: what people decided about a change through chat-ops commands.

Revision: 0002
Parent: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NAME = sa.String(length=255)
ENUM = sa.String(length=32)
CHANGE_ID = sa.String(length=128)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("change_id", CHANGE_ID, nullable=False),
        sa.Column("target", ENUM, nullable=True),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("until", TIME, nullable=True),
        sa.Column("actor", NAME, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("cleared_at", TIME, nullable=True),
        sa.Column("cleared_by", NAME, nullable=True),
        sa.ForeignKeyConstraint(
            ["change_id"], ["changes.id"],
            name=op.f("fk_overrides_change_id_changes"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overrides")),
    )
    op.create_index("ix_overrides_change_id", "overrides", ["change_id"])


def downgrade() -> None:
    op.drop_table("overrides")
