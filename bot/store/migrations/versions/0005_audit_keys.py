"""Audit log keys: a command is claimed under a key (forge, comment, command line) before it
runs, so an edited or redelivered comment never runs the same command twice.

Revision: 0005
Parent: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KEY = sa.String(length=512)


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("key", KEY, nullable=True))
    # NULL keys (entries that claim nothing) never collide, on both databases
    op.create_index("ix_audit_log_key", "audit_log", ["key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_audit_log_key", table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("key")
