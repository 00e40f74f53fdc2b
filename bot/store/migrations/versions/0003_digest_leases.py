"""Digest ledger leases: a claim that was never finished can be taken over once its lease
expires, and `sending` marks a message handed to the SMTP server (never sent again).

Revision: 0003
Parent: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NAME = sa.String(length=255)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("digest_ledger") as batch:
        batch.add_column(sa.Column("lease_owner", NAME, nullable=True))
        batch.add_column(sa.Column("lease_expires_at", TIME, nullable=True))
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("digest_ledger") as batch:
        batch.drop_column("last_error")
        batch.drop_column("attempts")
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_owner")
