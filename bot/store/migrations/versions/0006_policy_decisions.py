"""Policy decisions: why each (change, target) pair got a reminder or a merge request from
the last `act` run, or why it waits (a grace period, a snooze, a cap), with until when.

Revision: 0006
Parent: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SHORT = sa.String(length=64)
ENUM = sa.String(length=32)
KEY = sa.String(length=512)
CHANGE_ID = sa.String(length=128)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "policy_decisions",
        sa.Column("change_id", CHANGE_ID, nullable=False),
        sa.Column("target", ENUM, nullable=False),
        sa.Column("why", SHORT, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("until", TIME, nullable=True),
        sa.Column("action_key", KEY, nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("decided_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"], ["changes.id"],
            name=op.f("fk_policy_decisions_change_id_changes"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("change_id", "target", name=op.f("pk_policy_decisions")),
    )


def downgrade() -> None:
    op.drop_table("policy_decisions")
