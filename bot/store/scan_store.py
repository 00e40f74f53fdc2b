"""The scanner's part of the store (``Store.scans``): runs and their work items, watched
repositories, cached commit identities and package results, each call one transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.store import scan_results, scan_work, watch
from bot.store.records import WorkState
from bot.store.scan_records import (
    InventoryRow,
    PackageResult,
    RepoUpdate,
    RunState,
    Saved,
    WatchState,
    WorkItem,
)
from bot.store.watch import Identity

Transaction = Callable[[str], AbstractContextManager[Session]]


class ScanStore:
    """Thin: each method opens one transaction through the owning ``Store``."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    # runs and work items

    def open_run(self, *, now: datetime, resume: bool = True) -> RunState:
        with self._transaction("opening a scan run in") as session:
            return scan_work.open_run(session, now=now, resume=resume)

    def run_state(self, run_id: int) -> RunState:
        with self._transaction(f"reading scan run {run_id} from") as session:
            return scan_work.run_state(session, run_id)

    def queue_work(self, run_id: int, wanted: Mapping[str, str], *, now: datetime) -> list[str]:
        with self._transaction(f"queueing work of scan run {run_id} in") as session:
            return scan_work.queue_work(session, run_id, wanted, now=now)

    def claim_work(
        self,
        run_id: int,
        *,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int = 1,
        orphans: Collection[str] = (),
        only: Collection[str] | None = None,
    ) -> list[WorkItem]:
        with self._transaction(f"claiming work of scan run {run_id} in") as session:
            return scan_work.claim_work(
                session, run_id, owner=owner, now=now, lease=lease, limit=limit,
                orphans=orphans, only=only,
            )

    def release_claims(self, owner_prefix: str, *, now: datetime) -> int:
        with self._transaction(f"releasing the scan claims of {owner_prefix} in") as session:
            return scan_work.release_claims(session, owner_prefix, now=now)

    def lease_owners(self, run_id: int) -> list[str]:
        with self._transaction(f"reading leases of scan run {run_id} from") as session:
            return scan_work.lease_owners(session, run_id)

    def fail_work(
        self, package: str, *, repo: str, error: str, now: datetime, retry_at: datetime
    ) -> int:
        with self._transaction(f"recording the failed scan of {package} in") as session:
            return scan_work.fail_work(
                session, package, repo=repo, error=error, now=now, retry_at=retry_at
            )

    def work_items(self, *, states: Collection[WorkState] | None = None) -> dict[str, WorkItem]:
        with self._transaction("reading scan work from") as session:
            return scan_work.work_items(session, states=states)

    def close_run(self, run_id: int, *, now: datetime, changes_seen: int) -> bool:
        with self._transaction(f"closing scan run {run_id} in") as session:
            return scan_work.close_run(session, run_id, now=now, changes_seen=changes_seen)

    # results

    def save_package(self, result: PackageResult, *, now: datetime, actor: str) -> Saved:
        with self._transaction(f"saving the scan of {result.package.name} in") as session:
            return scan_results.save_package(session, result, now=now, actor=actor)

    def inventory_rows(self) -> list[InventoryRow]:
        with self._transaction("reading the inventory from") as session:
            return scan_results.inventory_rows(session)

    # watched repositories and commits

    def record_listing(self, forge: str, namespace: str, listed: Sequence[RepoUpdate]) -> None:
        with self._transaction(f"recording the listing of {forge}:{namespace} in") as session:
            watch.record_listing(session, forge, namespace, listed)

    def watch_states(self, forge: str, namespace: str | None = None) -> dict[str, WatchState]:
        with self._transaction(f"reading watched repositories of {forge} from") as session:
            return watch.watch_states(session, forge, namespace)

    def listing_mark(self, forge: str, namespace: str) -> datetime | None:
        with self._transaction(f"reading the listing mark of {forge}:{namespace} from") as s:
            return watch.listing_mark(s, forge, namespace)

    def known_commits(self, shas: Iterable[str]) -> dict[str, Identity]:
        with self._transaction("reading commit identities from") as session:
            return watch.known_commits(session, shas)

    def remember_commits(self, identities: Mapping[str, Identity], *, now: datetime) -> int:
        with self._transaction("storing commit identities in") as session:
            return watch.remember_commits(session, identities, now=now)
