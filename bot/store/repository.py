"""The store's front door: one transaction per call, and every failure a ``StoreError``.

Methods mirror the session-level functions in ``inventory``, ``targets``, ``operations``
and ``reporting``; those take a ``Session`` for callers that need several writes in one
transaction. Time comes in as ``now``: nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.digest_input import DigestInputs
from bot.domain.model import Status, Target
from bot.domain.overrides import Override, OverrideKind
from bot.store import (
    bulk,
    digest_ledger,
    digest_queries,
    inventory,
    operations,
    overrides,
    reporting,
    targets,
)
from bot.store.acting_store import ActingStore
from bot.store.chatops_store import ChatopsStore
from bot.store.db import READ_ONLY
from bot.store.errors import StoreError, database_error
from bot.store.inbox_store import InboxStore
from bot.store.records import (
    ActionRecord,
    ActionState,
    BranchRecord,
    ChangeRecord,
    DigestClaim,
    DigestEntryRecord,
    DigestState,
    InboxEvent,
    PackageRecord,
    RecordResult,
    ScanStatus,
    SnapshotCounts,
    StoredAction,
    StoredChange,
    StoredSnapshot,
    TargetState,
    Transition,
)
from bot.store.scan_store import ScanStore

_T = TypeVar("_T")


class Store:
    """Reads and writes the bot's state through short transactions."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        bind = sessions.kw.get("bind")
        self._url = getattr(bind, "url", "the database")

    @contextmanager
    def _transaction(self, doing: str, *, readonly: bool = False) -> Iterator[Session]:
        """One transaction; a `readonly` one does not wait for SQLite's write lock (a
        dashboard read must not queue behind a scan's writes), so it must not write."""
        try:
            with self._sessions.begin() as session:
                if readonly:
                    session.connection(execution_options=READ_ONLY)
                yield session
        except SQLAlchemyError as exc:
            # Our own checks inside column types surface wrapped by SQLAlchemy.
            orig = getattr(exc, "orig", None)
            if isinstance(orig, StoreError):
                raise orig from None
            raise database_error(exc, self._url, doing=doing) from None

    # Inventory

    def upsert_package(self, record: PackageRecord, *, now: datetime) -> bool:
        with self._transaction(f"storing package {record.name} in") as session:
            return inventory.upsert_package(session, record, now=now)

    def get_package(self, name: str) -> PackageRecord | None:
        with self._transaction(f"reading package {name} from", readonly=True) as session:
            return inventory.get_package(session, name)

    def list_packages(self, *, stale: bool | None = None) -> list[PackageRecord]:
        with self._transaction("listing packages in", readonly=True) as session:
            return inventory.list_packages(session, stale=stale)

    def upsert_branch(self, record: BranchRecord, *, now: datetime) -> bool:
        with self._transaction(f"storing branch {record.package}/{record.name} in") as session:
            return inventory.upsert_branch(session, record, now=now)

    def get_branch(self, package: str, name: str) -> BranchRecord | None:
        with self._transaction(f"reading branch {package}/{name} from", readonly=True) as session:
            return inventory.get_branch(session, package, name)

    def record_changes(
        self, package: str, branch: str, changes: Iterable[ChangeRecord], *, now: datetime
    ) -> RecordResult:
        with self._transaction(f"recording changes of {package}/{branch} in") as session:
            return inventory.record_changes(session, package, branch, changes, now=now)

    def list_changes(
        self, package: str, branch: str, *, include_gone: bool = False
    ) -> list[StoredChange]:
        with self._transaction(
            f"reading changes of {package}/{branch} from", readonly=True
        ) as session:
            return inventory.list_changes(session, package, branch, include_gone=include_gone)

    def get_change(self, change_id: str) -> StoredChange | None:
        with self._transaction(f"reading change {change_id} from", readonly=True) as session:
            return inventory.get_change(session, change_id)

    # Upstream status

    def set_target_status(
        self,
        change_id: str,
        target: Target,
        status: Status,
        *,
        reason: str | None,
        evidence: Mapping[str, Any] | None,
        now: datetime,
        actor: str,
        url: str | None = None,
        until: datetime | None = None,
    ) -> bool:
        with self._transaction(f"setting status of {change_id}/{target} in") as session:
            return targets.set_target_status(
                session, change_id, target, status, reason=reason, evidence=evidence,
                now=now, actor=actor, url=url, until=until,
            )

    def get_target_status(self, change_id: str, target: Target) -> TargetState | None:
        with self._transaction(
            f"reading status of {change_id}/{target} from", readonly=True
        ) as session:
            return targets.get_target_status(session, change_id, target)

    def list_target_states(
        self, *, status: Status, target: Target | None = None
    ) -> list[TargetState]:
        with self._transaction(f"listing {status} statuses in", readonly=True) as session:
            return targets.list_target_states(session, status=status, target=target)

    def status_history(self, change_id: str, target: Target) -> list[Transition]:
        with self._transaction(
            f"reading history of {change_id}/{target} from", readonly=True
        ) as session:
            return targets.status_history(session, change_id, target)

    # Overrides (what people decided through chat-ops commands)

    def add_override(self, override: Override) -> int:
        with self._transaction(f"storing {override.kind} of {override.change_id} in") as session:
            return overrides.add_override(session, override)

    def clear_overrides(
        self,
        change_id: str,
        kind: OverrideKind,
        *,
        target: Target | None = None,
        actor: str,
        now: datetime,
    ) -> int:
        with self._transaction(f"clearing {kind} of {change_id} in") as session:
            return overrides.clear_overrides(
                session, change_id, kind, target=target, actor=actor, now=now
            )

    def expire_snoozes(self, *, now: datetime, actor: str) -> int:
        """Snoozed pairs whose snooze ran out go back to the status it softened; returns
        how many transitions that wrote."""
        with self._transaction("re-deciding expired snoozes in") as session:
            return overrides.expire_snoozes(session, now=now, actor=actor)

    def overrides_of(self, change_ids: Iterable[str] | None = None) -> dict[str, list[Override]]:
        with self._transaction("reading overrides from", readonly=True) as session:
            return overrides.overrides_of(session, change_ids)

    # Actions, inbox, digests

    def record_action(self, action: ActionRecord, *, now: datetime) -> bool:
        with self._transaction(f"logging action {action.key} in") as session:
            return operations.record_action(session, action, now=now)

    def finish_action(
        self,
        key: str,
        *,
        state: ActionState,
        now: datetime,
        url: str | None = None,
        result: Mapping[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        with self._transaction(f"finishing action {key} in") as session:
            operations.finish_action(
                session, key, state=state, now=now, url=url, result=result, reason=reason
            )

    def get_action(self, key: str) -> StoredAction | None:
        with self._transaction(f"reading action {key} from", readonly=True) as session:
            return operations.get_action(session, key)

    def enqueue_inbox(self, event: InboxEvent, *, now: datetime) -> bool:
        with self._transaction(f"queueing event {event.event_key} in") as session:
            return operations.enqueue_inbox(session, event, now=now)

    def claim_digest(
        self,
        week: str,
        recipient: str,
        *,
        now: datetime,
        lease: timedelta,
        owner: str,
        message_id: str,
    ) -> DigestClaim | None:
        with self._transaction(f"claiming digest {week} for {recipient} in") as session:
            return digest_ledger.claim_digest(
                session, week, recipient, now=now, lease=lease, owner=owner,
                message_id=message_id,
            )

    def mark_digest_sending(
        self, week: str, recipient: str, *, owner: str, now: datetime
    ) -> bool:
        with self._transaction(f"marking digest {week} for {recipient} as sending in") as s:
            return digest_ledger.mark_digest_sending(s, week, recipient, owner=owner, now=now)

    def finish_digest(
        self,
        week: str,
        recipient: str,
        *,
        owner: str,
        state: DigestState,
        now: datetime,
        error: str | None = None,
    ) -> bool:
        with self._transaction(f"finishing digest {week} for {recipient} in") as session:
            return digest_ledger.finish_digest(
                session, week, recipient, owner=owner, state=state, now=now, error=error
            )

    def digest_entries(self, week: str) -> list[DigestEntryRecord]:
        with self._transaction(
            f"reading the digest ledger of {week} from", readonly=True
        ) as session:
            return digest_ledger.digest_entries(session, week)

    def last_sent_digest_week(self, recipient: str) -> str | None:
        with self._transaction(
            f"reading the last digest sent to {recipient} from", readonly=True
        ) as session:
            return digest_ledger.last_sent_week(session, recipient)

    def digest_inputs(
        self,
        *,
        since: datetime,
        week_start: datetime,
        week_end: datetime,
        trend_since: datetime,
    ) -> DigestInputs:
        with self._transaction("reading the weekly digest's rows from", readonly=True) as session:
            return digest_queries.digest_inputs(
                session, since=since, week_start=week_start, week_end=week_end,
                trend_since=trend_since,
            )

    @property
    def scans(self) -> ScanStore:
        """Scan runs, work items, watched repositories and commit identities."""
        return ScanStore(self._transaction)

    @property
    def inbox(self) -> InboxStore:
        """Webhook and poller events for the workers: queued, leased, retried."""
        return InboxStore(self._transaction)

    @property
    def chatops(self) -> ChatopsStore:
        """The audit log with its command claims, and what a comment thread is about."""
        return ChatopsStore(self._transaction)

    @property
    def acting(self) -> ActingStore:
        """Acting on pending changes: tracked changes, owners, the action log's history,
        claiming and completing actions, and the policy's decisions."""
        return ActingStore(self._transaction)

    def load_rows(self, rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> int:
        """Insert many rows per table at once (generated worlds, benchmarks); see bulk.py."""
        with self._transaction("bulk loading rows into") as session:
            return bulk.load_rows(session, rows)

    # Trends

    def start_scan_run(self, *, now: datetime) -> int:
        with self._transaction("starting a scan run in") as session:
            return reporting.start_scan_run(session, now=now)

    def finish_scan_run(
        self,
        run_id: int,
        *,
        status: ScanStatus,
        now: datetime,
        packages_scanned: int,
        changes_seen: int,
        error: str | None = None,
    ) -> None:
        with self._transaction(f"finishing scan run {run_id} in") as session:
            reporting.finish_scan_run(
                session, run_id, status=status, now=now, packages_scanned=packages_scanned,
                changes_seen=changes_seen, error=error,
            )

    def add_snapshot(
        self, snapshot: SnapshotCounts, *, now: datetime, scan_run_id: int | None = None
    ) -> int:
        with self._transaction("adding a snapshot to") as session:
            return reporting.add_snapshot(session, snapshot, now=now, scan_run_id=scan_run_id)

    def latest_snapshots(self, n: int) -> list[StoredSnapshot]:
        with self._transaction("reading snapshots from", readonly=True) as session:
            return reporting.latest_snapshots(session, n)

    # Read-only views (bot/store/views*.py), for the dashboard, the API and /metrics

    def read(self, doing: str, query: Callable[[Session], _T]) -> _T:
        """Run the read-only ``query`` in one transaction; ``doing`` names it in errors
        (e.g. "reading the overview from")."""
        with self._transaction(doing, readonly=True) as session:
            return query(session)
