"""Indexes for the dashboard's read-only queries at 10,000+ changes: the current changes
in first-seen order with the columns the counts group by (one index scan, no table reads),
target rows by change and by status, and the newest transitions and actions.

Revision: 0007
Parent: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_changes_current", "changes",
     ["gone_at", "first_seen", "id", "kind", "branch", "package", "owner"]),
    ("ix_change_targets_change_status", "change_targets", ["change_id", "target", "status"]),
    ("ix_change_targets_status_change", "change_targets", ["status", "change_id", "target"]),
    ("ix_status_transitions_at", "status_transitions", ["at"]),
    ("ix_actions_updated_at", "actions", ["updated_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
