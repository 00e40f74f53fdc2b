"""How one package's scan is saved: its branches, changes, statuses, what was read of its
repositories and its finished work item, all in one transaction, so a scan killed at any
moment has either stored a package completely or not at all.

A status the scan found is settled against the stored one and the overrides in force
(`bot.domain.pair_status`) in that transaction: a pending finding keeps a reminder the act
pass wrote meanwhile, and a skip, link or snooze softens it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.pair_status import PairStatus, bend, settle
from bot.store import inventory, overrides, scan_work, targets
from bot.store.errors import StoreError
from bot.store.models import Change, ChangeTarget, PackageScan, WatchedRepo
from bot.store.records import TargetState
from bot.store.scan_records import InventoryRow, PackageResult, Saved, Seen, StatusRow
from bot.store.types import require_aware


def save_package(
    session: Session, result: PackageResult, *, now: datetime, actor: str
) -> Saved:
    """Store `result` and mark the package's work item done."""
    now = require_aware(now, field="now")
    name = result.package.name
    inventory.upsert_package(session, result.package, now=now)
    changes = gone = 0
    for branch in result.branches:
        if branch.branch.package != name:
            raise StoreError(f"package {name}: result holds branch of {branch.branch.package}")
        inventory.upsert_branch(session, branch.branch, now=now)
        recorded = inventory.record_changes(
            session, name, branch.branch.name, branch.changes, now=now
        )
        changes += len(branch.changes)
        gone += len(recorded.gone)
    for change_id, successor in result.superseded_by.items():
        row = session.get(Change, change_id)
        if row is None or row.package != name:
            raise StoreError(f"package {name}: superseded change {change_id!r} is not its own")
        row.superseded_by = successor
    transitions = 0
    for row, _stored, found in settled(session, result.statuses, now=now):
        transitions += targets.set_target_status(
            session, row.change_id, row.target, found.status, reason=found.reason,
            evidence=found.evidence, now=now, actor=actor, url=found.url, until=found.until,
        )
    mark_seen(session, result.seen, now=now)
    if session.get(PackageScan, name) is not None:
        scan_work.finish_work(session, name, now=now, heads=result.heads)
    return Saved(transitions=transitions, changes=changes, gone=gone)


def settled(
    session: Session, statuses: Sequence[StatusRow], *, now: datetime
) -> list[tuple[StatusRow, TargetState | None, PairStatus]]:
    """Each status a scan found, with the stored one and what is to be written: the finding
    settled against the stored status, then bent by the overrides in force at `now` (read
    once for all the rows). Reads only (a dry run plans with it)."""
    held = overrides.overrides_of(session, {row.change_id for row in statuses})
    found = []
    for row in statuses:
        stored = targets.get_target_status(session, row.change_id, row.target)
        base = settle(PairStatus(row.status, row.reason, row.evidence, row.url),
                      overrides.pair_of(stored) if stored is not None else None)
        found.append((row, stored, bend(base, held.get(row.change_id, []), target=row.target,
                                        now=now)))
    return found


def mark_seen(session: Session, seen: tuple[Seen, ...], *, now: datetime) -> None:
    """These repositories were read successfully at `now`, at their given last update."""
    for repo in seen:
        row = session.get(WatchedRepo, (repo.forge, repo.path))
        if row is None:
            row = WatchedRepo(
                forge=repo.forge, path=repo.path, namespace=repo.path.rpartition("/")[0]
            )
            session.add(row)
            row.listed_update = repo.updated_at
        row.seen_update = repo.updated_at if repo.updated_at is not None else row.listed_update
        row.observed_at = now


def inventory_rows(session: Session) -> list[InventoryRow]:
    """Every current (change, target) status: of changes seen in the last scan of their
    branch, and of changes gone downstream only when superseded."""
    query = select(
        ChangeTarget.change_id, ChangeTarget.target, ChangeTarget.status, Change.kind,
        Change.branch, Change.owner, Change.first_seen, Change.gone_at,
    ).join(Change, Change.id == ChangeTarget.change_id)
    rows = []
    for row in session.execute(query.order_by(ChangeTarget.change_id, ChangeTarget.target)):
        gone = row.gone_at is not None
        if gone and str(row.status) != "superseded":
            continue
        rows.append(
            InventoryRow(
                change_id=row.change_id, target=row.target, status=row.status,
                kind=str(row.kind) if row.kind is not None else None, branch=row.branch,
                owner=row.owner, first_seen=row.first_seen, gone=gone,
            )
        )
    return rows
