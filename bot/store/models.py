"""The tables of the store: the inventory, its upstream status and history, and the bot's logs.

Portable across SQLite and PostgreSQL: plain strings for enums, ``JSON`` for documents,
``UtcDateTime`` for every timestamp. Natural keys (package and branch names) keep rows
readable in SQL; the initial migration mirrors this module and a test keeps them equal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.domain.model import ChangeType, DeclaredStatus, Kind, Operation, Severity, Status, Target
from bot.domain.overrides import OverrideKind
from bot.store.records import ActionState, DigestState, InboxState, ScanStatus, WorkState
from bot.store.types import EnumString, UtcDateTime

# Named constraints let later migrations alter them, including SQLite's batch mode.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NAME = String(255)
SHORT = String(64)
URL = String(2048)
KEY = String(512)
DOC = JSON(none_as_null=True)


class Base(DeclarativeBase):
    """Declarative base of every store table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict[str, Any]: DOC}


class Package(Base):
    __tablename__ = "packages"

    name: Mapped[str] = mapped_column(NAME, primary_key=True)
    repo: Mapped[str] = mapped_column(NAME)
    updated_at: Mapped[datetime | None]
    etag: Mapped[str | None] = mapped_column(NAME)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime]


class Branch(Base):
    __tablename__ = "branches"

    package: Mapped[str] = mapped_column(
        NAME, ForeignKey("packages.name", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(SHORT, primary_key=True)
    base: Mapped[str] = mapped_column(SHORT)
    head: Mapped[str | None] = mapped_column(SHORT)
    scan_status: Mapped[ScanStatus | None] = mapped_column(EnumString(ScanStatus))
    scan_error: Mapped[str | None] = mapped_column(Text)
    scanned_at: Mapped[datetime]


class Change(Base):
    __tablename__ = "changes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["package", "branch"], ["branches.package", "branches.name"], ondelete="CASCADE"
        ),
        Index("ix_changes_package_branch", "package", "branch"),
        # The dashboard's counts and "oldest pending" read only this index (migration 0007).
        Index("ix_changes_current", "gone_at", "first_seen", "id", "kind", "branch", "package",
              "owner", info={"dashboard": True}),
    )

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    package: Mapped[str] = mapped_column(NAME)
    branch: Mapped[str] = mapped_column(SHORT)
    type: Mapped[ChangeType] = mapped_column(EnumString(ChangeType))
    operation: Mapped[Operation] = mapped_column(EnumString(Operation))
    name: Mapped[str] = mapped_column(String(1024))
    kind: Mapped[Kind | None] = mapped_column(EnumString(Kind))
    upstreamable: Mapped[bool]
    declared_status: Mapped[DeclaredStatus] = mapped_column(EnumString(DeclaredStatus))
    declared_raw: Mapped[str | None] = mapped_column(Text)
    patch_id: Mapped[str | None] = mapped_column(String(128), index=True)
    content_id: Mapped[str] = mapped_column(String(128), index=True)
    evidence: Mapped[dict[str, Any]]
    missing_file: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    gone_at: Mapped[datetime | None]
    superseded_by: Mapped[str | None] = mapped_column(
        String(128), ForeignKey("changes.id", ondelete="SET NULL")
    )
    owner: Mapped[str | None] = mapped_column(NAME)


class ChangeTarget(Base):
    __tablename__ = "change_targets"
    __table_args__ = (
        Index("ix_change_targets_change_status", "change_id", "target", "status",
              info={"dashboard": True}),
        Index("ix_change_targets_status_change", "status", "change_id", "target",
              info={"dashboard": True}),
    )

    change_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("changes.id", ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[Target] = mapped_column(EnumString(Target), primary_key=True)
    status: Mapped[Status] = mapped_column(EnumString(Status), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]]
    url: Mapped[str | None] = mapped_column(URL)
    until: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class StatusTransition(Base):
    __tablename__ = "status_transitions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["change_id", "target"],
            ["change_targets.change_id", "change_targets.target"],
            ondelete="CASCADE",
        ),
        Index("ix_status_transitions_pair", "change_id", "target", "at"),
        Index("ix_status_transitions_at", "at", info={"dashboard": True}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[str] = mapped_column(String(128))
    target: Mapped[Target] = mapped_column(EnumString(Target))
    from_status: Mapped[Status | None] = mapped_column(EnumString(Status))
    to_status: Mapped[Status] = mapped_column(EnumString(Status))
    reason: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]]
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(NAME)


class ScanRun(Base):
    __tablename__ = "scan_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    status: Mapped[ScanStatus] = mapped_column(EnumString(ScanStatus))
    packages_scanned: Mapped[int] = mapped_column(Integer, default=0)
    changes_seen: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class ScanSnapshot(Base):
    __tablename__ = "scan_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scan_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("scan_runs.id", ondelete="SET NULL")
    )
    taken_at: Mapped[datetime] = mapped_column(index=True)
    by_status: Mapped[dict[str, Any]]
    by_kind: Mapped[dict[str, Any]]
    by_target: Mapped[dict[str, Any]]
    by_branch: Mapped[dict[str, Any]]
    by_owner: Mapped[dict[str, Any]]
    by_age: Mapped[dict[str, Any]]


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_updated_at", "updated_at", info={"dashboard": True}),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    type: Mapped[str] = mapped_column(SHORT)
    target: Mapped[str | None] = mapped_column(SHORT)
    payload: Mapped[dict[str, Any]]
    state: Mapped[ActionState] = mapped_column(EnumString(ActionState), index=True)
    url: Mapped[str | None] = mapped_column(URL)
    result: Mapped[dict[str, Any] | None]
    reason: Mapped[str | None] = mapped_column(Text)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class InboxItem(Base):
    __tablename__ = "inbox"
    __table_args__ = (
        # NULL delivery ids (Pagure sends none) never collide: both databases treat NULLs
        # as distinct in a unique constraint, so event_key alone dedupes those.
        UniqueConstraint("forge", "delivery_id"),
        Index("ix_inbox_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    forge: Mapped[str] = mapped_column(SHORT)
    delivery_id: Mapped[str | None] = mapped_column(NAME)
    event_key: Mapped[str] = mapped_column(KEY, unique=True)
    event_type: Mapped[str] = mapped_column(SHORT)
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    state: Mapped[InboxState] = mapped_column(EnumString(InboxState))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(NAME)
    lease_expires_at: Mapped[datetime | None]


class DigestEntry(Base):
    __tablename__ = "digest_ledger"
    __table_args__ = (UniqueConstraint("week", "recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    week: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(320))
    state: Mapped[DigestState] = mapped_column(EnumString(DigestState))
    message_id: Mapped[str | None] = mapped_column(KEY)
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(NAME)
    lease_expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)


class Finding(Base):
    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_package_branch", "package", "branch"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    package: Mapped[str] = mapped_column(NAME, ForeignKey("packages.name", ondelete="CASCADE"))
    branch: Mapped[str | None] = mapped_column(SHORT)
    check_id: Mapped[str] = mapped_column(SHORT)
    severity: Mapped[Severity] = mapped_column(EnumString(Severity))
    message: Mapped[str] = mapped_column(Text)
    file: Mapped[str | None] = mapped_column(String(1024))
    line: Mapped[int | None] = mapped_column(Integer)
    hint: Mapped[str | None] = mapped_column(Text)
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    found_at: Mapped[datetime]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    # a command claims its key before it runs (bot/store/audit.py); NULLs never collide
    __table_args__ = (Index("ix_audit_log_key", "key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(NAME)
    location: Mapped[str] = mapped_column(URL)
    command: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(index=True)
    key: Mapped[str | None] = mapped_column(KEY)
    # the inbox event running a claimed command; its retry may take an unfinished claim over
    holder: Mapped[str | None] = mapped_column(KEY)


class OverrideRow(Base):
    """A person's decision about a change (bot/domain/overrides.py); cleared, never deleted."""

    __tablename__ = "overrides"
    __table_args__ = (Index("ix_overrides_change_id", "change_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("changes.id", ondelete="CASCADE")
    )
    target: Mapped[Target | None] = mapped_column(EnumString(Target))
    kind: Mapped[OverrideKind] = mapped_column(EnumString(OverrideKind))
    value: Mapped[str] = mapped_column(Text)
    until: Mapped[datetime | None]
    actor: Mapped[str] = mapped_column(NAME)
    at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    cleared_by: Mapped[str | None] = mapped_column(NAME)



class WatchedRepo(Base):
    """What a scan last saw of one repository: its last update as the newest listing showed
    it, as it was when the repository was last read successfully, and when that was."""

    __tablename__ = "watched_repos"
    __table_args__ = (Index("ix_watched_repos_forge_namespace", "forge", "namespace"),)

    forge: Mapped[str] = mapped_column(SHORT, primary_key=True)
    path: Mapped[str] = mapped_column(NAME, primary_key=True)
    namespace: Mapped[str] = mapped_column(NAME)
    listed_update: Mapped[datetime | None]
    seen_update: Mapped[datetime | None]
    observed_at: Mapped[datetime | None]


class PackageScan(Base):
    """A package's scan work: the run it is queued in, its lease, retries and last error,
    and the downstream branch heads it was last scanned at."""

    __tablename__ = "package_scans"
    __table_args__ = (Index("ix_package_scans_run_id_state", "run_id", "state"),)

    package: Mapped[str] = mapped_column(NAME, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("scan_runs.id", ondelete="SET NULL"))
    state: Mapped[WorkState] = mapped_column(EnumString(WorkState))
    reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(NAME)
    lease_expires_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    heads: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class CommitIdentity(Base):
    """A commit's diff identity (patch id and hunk ids): immutable, so read once per sha."""

    __tablename__ = "commit_identities"

    sha: Mapped[str] = mapped_column(SHORT, primary_key=True)
    patch_id: Mapped[str | None] = mapped_column(String(128))
    hunks: Mapped[dict[str, Any]]
    stored_at: Mapped[datetime]


class PolicyDecision(Base):
    """Why a (change, target) pair got an action or waits, from the last `act` run
    (bot/domain/policy.py); replaced at every run, history lives in the action log."""

    __tablename__ = "policy_decisions"

    change_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("changes.id", ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[Target] = mapped_column(EnumString(Target), primary_key=True)
    why: Mapped[str] = mapped_column(SHORT)
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[datetime | None]
    action_key: Mapped[str | None] = mapped_column(KEY)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime]
