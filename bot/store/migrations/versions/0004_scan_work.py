"""Incremental, resumable scans: what was last seen of each watched repository, each
package's work item with its lease and retries, and commit diffs' identities by sha.

Revision: 0004
Parent: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NAME = sa.String(length=255)
SHORT = sa.String(length=64)
ENUM = sa.String(length=32)
TIME = sa.DateTime(timezone=True)
DOC = sa.JSON()


def upgrade() -> None:
    op.create_table(
        "watched_repos",
        sa.Column("forge", SHORT, nullable=False),
        sa.Column("path", NAME, nullable=False),
        sa.Column("namespace", NAME, nullable=False),
        sa.Column("listed_update", TIME, nullable=True),
        sa.Column("seen_update", TIME, nullable=True),
        sa.Column("observed_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("forge", "path", name=op.f("pk_watched_repos")),
    )
    op.create_index(
        "ix_watched_repos_forge_namespace", "watched_repos", ["forge", "namespace"]
    )
    op.create_table(
        "package_scans",
        sa.Column("package", NAME, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("state", ENUM, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("lease_owner", NAME, nullable=True),
        sa.Column("lease_expires_at", TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("heads", DOC, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["scan_runs.id"],
            name=op.f("fk_package_scans_run_id_scan_runs"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("package", name=op.f("pk_package_scans")),
    )
    op.create_index("ix_package_scans_run_id_state", "package_scans", ["run_id", "state"])
    op.create_table(
        "commit_identities",
        sa.Column("sha", SHORT, nullable=False),
        sa.Column("patch_id", sa.String(length=128), nullable=True),
        sa.Column("hunks", DOC, nullable=False),
        sa.Column("stored_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("sha", name=op.f("pk_commit_identities")),
    )


def downgrade() -> None:
    op.drop_table("commit_identities")
    op.drop_table("package_scans")
    op.drop_table("watched_repos")
