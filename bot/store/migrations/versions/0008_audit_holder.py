"""Audit log holders: a command's claim names the inbox event running it, so a retry of that
event (its worker died mid-command) takes the unfinished claim over instead of skipping it.

Revision: 0008
Parent: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("holder", sa.String(length=512), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("holder")
