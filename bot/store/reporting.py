"""What each scan run leaves behind for trends: the run itself and snapshots of the counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.errors import StoreError
from bot.store.models import ScanRun, ScanSnapshot
from bot.store.records import ScanStatus, SnapshotCounts, StoredSnapshot
from bot.store.sql import counts
from bot.store.types import require_aware

COUNT_FIELDS = ("by_status", "by_kind", "by_target", "by_branch", "by_owner", "by_age")


def start_scan_run(session: Session, *, now: datetime) -> int:
    """Open a scan run; returns its id."""
    row = ScanRun(started_at=require_aware(now, field="now"), status=ScanStatus.RUNNING)
    session.add(row)
    session.flush()
    return row.id


def finish_scan_run(
    session: Session,
    run_id: int,
    *,
    status: ScanStatus,
    now: datetime,
    packages_scanned: int,
    changes_seen: int,
    error: str | None = None,
) -> None:
    """Close a scan run with its outcome and totals."""
    row = session.get(ScanRun, run_id)
    if row is None:
        raise StoreError(f"scan run {run_id}: unknown; start_scan_run returns the id to use")
    row.status = status
    row.finished_at = require_aware(now, field="now")
    row.packages_scanned = packages_scanned
    row.changes_seen = changes_seen
    row.error = error


def add_snapshot(
    session: Session,
    snapshot: SnapshotCounts,
    *,
    now: datetime,
    scan_run_id: int | None = None,
) -> int:
    """Store the counts taken at ``now``; returns the snapshot's id."""
    if scan_run_id is not None and session.get(ScanRun, scan_run_id) is None:
        raise StoreError(f"snapshot: unknown scan run {scan_run_id}")
    row = ScanSnapshot(
        taken_at=require_aware(now, field="now"),
        scan_run_id=scan_run_id,
        **{name: counts(getattr(snapshot, name), field=name) for name in COUNT_FIELDS},
    )
    session.add(row)
    session.flush()
    return row.id


def latest_snapshots(session: Session, n: int) -> list[StoredSnapshot]:
    """The ``n`` most recent snapshots, newest first."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise StoreError(f"latest_snapshots: n must be an int >= 0, got {n!r}")
    rows = session.scalars(
        select(ScanSnapshot).order_by(ScanSnapshot.taken_at.desc(), ScanSnapshot.id.desc()).limit(n)
    )
    return [
        StoredSnapshot(
            id=row.id,
            taken_at=row.taken_at,
            scan_run_id=row.scan_run_id,
            counts=SnapshotCounts(**{name: getattr(row, name) for name in COUNT_FIELDS}),
        )
        for row in rows
    ]
