"""How scan runs share their work: one item per package, queued by a run, claimed under a
lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already lets
one writer in at a time), finished with the package's results, or failed with a retry time.

A run whose process died stays ``running``: the next scan resumes it and claims what it
left, including items whose lease expired or whose owner is known to be dead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from bot.store.errors import StoreError
from bot.store.models import Package, PackageScan, ScanRun
from bot.store.records import ScanStatus, WorkState
from bot.store.scan_records import RunState, WorkItem
from bot.store.sql import required
from bot.store.types import require_aware

_OPEN = (WorkState.PENDING, WorkState.CLAIMED)


def open_run(session: Session, *, now: datetime, resume: bool = True) -> RunState:
    """The newest unfinished run to resume (when `resume`), else a new one.

    Older unfinished runs are closed as failed: their open items move to the run that
    takes them (`queue_work`) or are resumed through it.
    """
    now = require_aware(now, field="now")
    running = list(
        session.scalars(
            select(ScanRun)
            .where(ScanRun.status == ScanStatus.RUNNING)
            .order_by(ScanRun.id.desc())
            .with_for_update()
        )
    )
    current = running[0] if resume and running else None
    for stale in running[1:] if current is not None else ():
        stale.status = ScanStatus.FAILED
        stale.finished_at = now
        stale.error = f"interrupted; resumed by scan run {current.id}"
    if current is None:
        current = ScanRun(started_at=now, status=ScanStatus.RUNNING)
        session.add(current)
        session.flush()
        return _run_state(session, current, resumed=False)
    _adopt_open_items(session, current.id, [r.id for r in running[1:]])
    return _run_state(session, current, resumed=True)


def run_state(session: Session, run_id: int) -> RunState:
    row = session.get(ScanRun, run_id)
    if row is None:
        raise StoreError(f"scan run {run_id}: unknown; open_run returns the id to use")
    return _run_state(session, row, resumed=False)


def queue_work(
    session: Session, run_id: int, wanted: Mapping[str, str], *, now: datetime
) -> list[str]:
    """Put each package of `wanted` (package → why) in run `run_id`; returns those queued.

    A package already open in this run, claimed under a live lease elsewhere, or failed
    and not yet due for its retry is left as it is.
    """
    now = require_aware(now, field="now")
    known = {
        row.package: row
        for row in session.scalars(
            select(PackageScan).where(PackageScan.package.in_(sorted(wanted))).with_for_update()
        )
    }
    queued = []
    for package, reason in sorted(wanted.items()):
        row = known.get(required(package, field="package"))
        if row is None:
            row = PackageScan(package=package, attempts=0, heads={})
            session.add(row)
        elif _keep(row, run_id, now):
            continue
        row.run_id = run_id
        row.state = WorkState.PENDING
        row.reason = reason
        row.next_attempt_at = now
        row.lease_owner = None
        row.lease_expires_at = None
        row.updated_at = now
        queued.append(package)
    return queued


def claim_work(
    session: Session,
    run_id: int,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int = 1,
    orphans: Collection[str] = (),
    only: Collection[str] | None = None,
) -> list[WorkItem]:
    """Up to `limit` open items of the run (of the packages in `only`, when given) for
    `owner`, leased until `now + lease`.

    Claimable: pending ones, and claimed ones whose lease expired or whose owner is in
    `orphans` (known dead). Rows other claimers hold locked are skipped, not waited for.
    """
    now = require_aware(now, field="now")
    required(owner, field="lease owner")
    claimable = or_(
        PackageScan.state == WorkState.PENDING,
        (PackageScan.state == WorkState.CLAIMED)
        & or_(
            PackageScan.lease_expires_at < now,
            PackageScan.lease_owner.in_(sorted(orphans)) if orphans else false(),
        ),
    )
    query = (
        select(PackageScan)
        .where(PackageScan.run_id == run_id, claimable)
        .order_by(PackageScan.package)
        .limit(limit)
    )
    if only is not None:
        query = query.where(PackageScan.package.in_(sorted(only)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    for row in rows:
        row.state = WorkState.CLAIMED
        row.lease_owner = owner
        row.lease_expires_at = now + lease
        row.updated_at = now
    return [_item(row) for row in rows]


def release_claims(session: Session, owner_prefix: str, *, now: datetime) -> int:
    """Give back every item claimed by an owner whose name starts with `owner_prefix` (a
    process stopping: `host:pid:`), pending again at once; returns how many."""
    now = require_aware(now, field="now")
    required(owner_prefix, field="lease owner prefix")
    rows = list(
        session.scalars(
            select(PackageScan)
            .where(
                PackageScan.state == WorkState.CLAIMED,
                PackageScan.lease_owner.startswith(owner_prefix, autoescape=True),
            )
            .with_for_update()
        )
    )
    for row in rows:
        row.state = WorkState.PENDING
        row.lease_owner = None
        row.lease_expires_at = None
        row.next_attempt_at = now
        row.updated_at = now
    return len(rows)


def lease_owners(session: Session, run_id: int) -> list[str]:
    """Who holds the run's claimed items (to tell which of them are gone)."""
    return sorted(
        owner
        for owner in session.scalars(
            select(PackageScan.lease_owner)
            .where(PackageScan.run_id == run_id, PackageScan.state == WorkState.CLAIMED)
            .distinct()
        )
        if owner is not None
    )


def finish_work(
    session: Session, package: str, *, now: datetime, heads: Mapping[str, str]
) -> None:
    """The package's scan is stored: its item is done and its retries forgotten."""
    row = _row(session, package)
    row.state = WorkState.DONE
    row.attempts = 0
    row.last_error = None
    row.lease_owner = None
    row.lease_expires_at = None
    row.heads = dict(heads)
    row.updated_at = require_aware(now, field="now")


def fail_work(
    session: Session,
    package: str,
    *,
    repo: str,
    error: str,
    now: datetime,
    retry_at: datetime,
) -> int:
    """The package's scan failed: count the attempt, keep the error, retry at `retry_at`;
    the package is marked stale and keeps its last known statuses. Returns the attempts."""
    now = require_aware(now, field="now")
    row = _row(session, package)
    row.state = WorkState.FAILED
    row.attempts += 1
    row.last_error = error
    row.next_attempt_at = require_aware(retry_at, field="retry_at")
    row.lease_owner = None
    row.lease_expires_at = None
    row.updated_at = now
    stored = session.get(Package, package)
    if stored is None:
        stored = Package(name=package, repo=required(repo, field=f"package {package}: repo"))
        session.add(stored)
    stored.stale = True
    stored.last_error = error
    stored.checked_at = now
    return row.attempts


def work_items(
    session: Session, *, states: Collection[WorkState] | None = None
) -> dict[str, WorkItem]:
    """Every package's work item (or those in `states`), by package."""
    query = select(PackageScan)
    if states is not None:
        query = query.where(PackageScan.state.in_(sorted(states)))
    return {row.package: _item(row) for row in session.scalars(query)}


def close_run(
    session: Session, run_id: int, *, now: datetime, changes_seen: int
) -> bool:
    """Finish the run once none of its items is open; True for the one caller that did.

    Its status is `partial` when packages failed in it, and its error lists them.
    """
    now = require_aware(now, field="now")
    row = session.scalars(
        select(ScanRun).where(ScanRun.id == run_id).with_for_update()
    ).one_or_none()
    if row is None or row.status is not ScanStatus.RUNNING:
        return False
    items = list(session.scalars(select(PackageScan).where(PackageScan.run_id == run_id)))
    if any(item.state in _OPEN for item in items):
        return False
    failed = sorted((i.package, i.last_error or "") for i in items if i.state is WorkState.FAILED)
    row.status = ScanStatus.PARTIAL if failed else ScanStatus.OK
    row.finished_at = now
    row.packages_scanned = sum(item.state is WorkState.DONE for item in items)
    row.changes_seen = changes_seen
    row.error = "; ".join(f"{p}: {e}" for p, e in failed) or None
    return True


def _adopt_open_items(session: Session, run_id: int, older: list[int]) -> None:
    if not older:
        return
    for row in session.scalars(
        select(PackageScan).where(PackageScan.run_id.in_(older), PackageScan.state.in_(_OPEN))
    ):
        row.run_id = run_id


def _run_state(session: Session, row: ScanRun, *, resumed: bool) -> RunState:
    counts = session.execute(
        select(PackageScan.state, func.count())
        .where(PackageScan.run_id == row.id)
        .group_by(PackageScan.state)
    ).all()
    work: Counter[WorkState] = Counter({WorkState(state): n for state, n in counts})
    return RunState(row.id, row.started_at, row.status, dict(work), resumed=resumed)


def _keep(row: PackageScan, run_id: int, now: datetime) -> bool:
    """Whether queueing must leave the item alone: open in this run already, being worked
    on under a live lease, or failed and not due for its retry yet."""
    if row.state in _OPEN and row.run_id == run_id:
        return True
    if row.state is WorkState.CLAIMED:
        return row.lease_expires_at is not None and row.lease_expires_at >= now
    return row.state is WorkState.FAILED and row.next_attempt_at > now


def _row(session: Session, package: str) -> PackageScan:
    row = session.get(PackageScan, package)
    if row is None:
        raise StoreError(f"package {package}: no scan work item; queue_work must come first")
    return row


def _item(row: PackageScan) -> WorkItem:
    return WorkItem(
        package=row.package, run_id=row.run_id, state=row.state, reason=row.reason,
        attempts=row.attempts, next_attempt_at=row.next_attempt_at,
        lease_owner=row.lease_owner, lease_expires_at=row.lease_expires_at,
        last_error=row.last_error, heads=dict(row.heads or {}),
    )
