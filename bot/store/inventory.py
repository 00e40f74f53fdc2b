"""How the inventory is written and read: packages, branches, the changes a scan saw.

Functions take an open ``Session`` so the service layer can combine them in one
transaction; ``Store`` wraps each in its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.errors import StoreError
from bot.store.models import Branch, Change, Package
from bot.store.records import (
    BranchRecord,
    ChangeRecord,
    PackageRecord,
    RecordResult,
    StoredChange,
)
from bot.store.sql import document, required
from bot.store.types import require_aware

# ChangeRecord fields copied as they are onto a row (the rest need a check or a second pass).
_PLAIN_FIELDS = (
    "type", "operation", "name", "content_id", "kind", "upstreamable", "declared_status",
    "declared_raw", "patch_id", "missing_file",
)
# Read back like the plain fields; written only when the record names one (see record_changes).
_READ_FIELDS = (*_PLAIN_FIELDS, "owner")


def upsert_package(session: Session, record: PackageRecord, *, now: datetime) -> bool:
    """Store the package as ``record`` says; True when it was new."""
    required(record.name, field="package name")
    row = session.get(Package, record.name)
    created = row is None
    if row is None:
        row = Package(name=record.name)
        session.add(row)
    row.repo = required(record.repo, field=f"package {record.name}: repo")
    row.updated_at = record.updated_at
    row.etag = record.etag
    row.stale = record.stale
    row.last_error = record.last_error
    row.checked_at = require_aware(now, field="now")
    return created


def get_package(session: Session, name: str) -> PackageRecord | None:
    row = session.get(Package, name)
    if row is None:
        return None
    return _package_record(row)


def list_packages(session: Session, *, stale: bool | None = None) -> list[PackageRecord]:
    """Packages by name; only the stale (or only the fresh) ones when ``stale`` says so."""
    query = select(Package).order_by(Package.name)
    if stale is not None:
        query = query.where(Package.stale == stale)
    return [_package_record(row) for row in session.scalars(query)]


def _package_record(row: Package) -> PackageRecord:
    return PackageRecord(
        name=row.name, repo=row.repo, updated_at=row.updated_at, etag=row.etag,
        stale=row.stale, last_error=row.last_error,
    )


def upsert_branch(session: Session, record: BranchRecord, *, now: datetime) -> bool:
    """Store the branch as ``record`` says (``scanned_at`` becomes ``now``); True when new."""
    if session.get(Package, record.package) is None:
        raise StoreError(f"branch {record.name}: unknown package {record.package!r}; "
                         "call upsert_package first")
    row = session.get(Branch, (record.package, required(record.name, field="branch name")))
    created = row is None
    if row is None:
        row = Branch(package=record.package, name=record.name)
        session.add(row)
    row.base = required(record.base, field=f"branch {record.package}/{record.name}: base")
    row.head = record.head
    row.scan_status = record.scan_status
    row.scan_error = record.scan_error
    row.scanned_at = require_aware(now, field="now")
    return created


def get_branch(session: Session, package: str, name: str) -> BranchRecord | None:
    row = session.get(Branch, (package, name))
    if row is None:
        return None
    return BranchRecord(
        package=row.package, name=row.name, base=row.base, head=row.head,
        scan_status=row.scan_status, scan_error=row.scan_error,
    )


def record_changes(
    session: Session,
    package: str,
    branch: str,
    changes: Iterable[ChangeRecord],
    *,
    now: datetime,
) -> RecordResult:
    """Make the branch's stored changes equal to what a scan saw at ``now``.

    New ids are inserted, known ones touched (``last_seen``, and a vanished one comes
    back), and changes stored for this branch but not seen get ``gone_at``; nothing is
    deleted, so status history survives a change disappearing and coming back. A record
    without an owner keeps the stored one: the scan does not resolve owners, the act pass
    does (``acting.set_owners``).
    """
    now = require_aware(now, field="now")
    if session.get(Branch, (package, branch)) is None:
        raise StoreError(f"unknown branch {package}/{branch}; call upsert_branch first")
    incoming = _unique_by_id(changes, where=f"{package}/{branch}")
    stored = {
        row.id: row
        for row in session.scalars(
            select(Change).where(Change.package == package, Change.branch == branch)
        )
    }
    _refuse_ids_of_other_branches(session, set(incoming) - set(stored), package, branch)
    new, seen, returned = [], [], []
    for change_id, record in incoming.items():
        row = stored.get(change_id)
        if row is None:
            row = Change(id=change_id, package=package, branch=branch, first_seen=now)
            session.add(row)
            new.append(change_id)
        elif row.gone_at is not None:
            row.gone_at = None
            returned.append(change_id)
        else:
            seen.append(change_id)
        for name in _PLAIN_FIELDS:
            setattr(row, name, getattr(record, name))
        if record.owner is not None:
            row.owner = record.owner
        row.evidence = document(record.evidence, field=f"change {change_id}: evidence")
        row.last_seen = now
    gone = [cid for cid, row in stored.items() if cid not in incoming and row.gone_at is None]
    for change_id in gone:
        stored[change_id].gone_at = now
    # A change may name one inserted in this same batch: link once every row exists.
    session.flush()
    for change_id, record in incoming.items():
        _set_superseded_by(session, change_id, record.superseded_by)
    return RecordResult(
        new=tuple(sorted(new)), seen=tuple(sorted(seen)),
        returned=tuple(sorted(returned)), gone=tuple(sorted(gone)),
    )


def list_changes(
    session: Session, package: str, branch: str, *, include_gone: bool = False
) -> list[StoredChange]:
    """The branch's changes ordered by id; vanished ones only when asked."""
    query = select(Change).where(Change.package == package, Change.branch == branch)
    if not include_gone:
        query = query.where(Change.gone_at.is_(None))
    return [_stored_change(row) for row in session.scalars(query.order_by(Change.id))]


def get_change(session: Session, change_id: str) -> StoredChange | None:
    """One change by its (scoped) id, gone or not; None for an id the store never saw."""
    row = session.get(Change, change_id)
    return _stored_change(row) if row is not None else None


def _unique_by_id(changes: Iterable[ChangeRecord], *, where: str) -> dict[str, ChangeRecord]:
    unique: dict[str, ChangeRecord] = {}
    for record in changes:
        change_id = required(record.id, field=f"{where}: change id")
        required(record.name, field=f"{where}: change {change_id}: name")
        required(record.content_id, field=f"{where}: change {change_id}: content_id")
        if change_id in unique:
            raise StoreError(f"{where}: change id {change_id!r} given twice in one scan")
        unique[change_id] = record
    return unique


def _refuse_ids_of_other_branches(
    session: Session, ids: set[str], package: str, branch: str
) -> None:
    if not ids:
        return
    clash = session.execute(
        select(Change.id, Change.package, Change.branch).where(Change.id.in_(sorted(ids)))
    ).first()
    if clash is not None:
        raise StoreError(
            f"{package}/{branch}: change id {clash.id!r} already belongs to "
            f"{clash.package}/{clash.branch}; change ids must include package and branch"
        )


def _set_superseded_by(session: Session, change_id: str, successor: str | None) -> None:
    if successor is not None and session.get(Change, successor) is None:
        raise StoreError(f"change {change_id}: superseded_by names unknown change {successor!r}")
    row = session.get(Change, change_id)
    if row is not None:
        row.superseded_by = successor


def _stored_change(row: Change) -> StoredChange:
    record = ChangeRecord(
        id=row.id, evidence=row.evidence, superseded_by=row.superseded_by,
        **{name: getattr(row, name) for name in _READ_FIELDS},
    )
    return StoredChange(
        package=row.package, branch=row.branch, record=record,
        first_seen=row.first_seen, last_seen=row.last_seen, gone_at=row.gone_at,
    )
