"""Read-only queries for the dashboard and the JSON API: changes, filtered and paginated in
SQL, and one change with everything known about it.

Functions take an open ``Session`` (``Store.read`` runs them in one transaction). Lists
count with one ``COUNT`` and fetch one page with ``LIMIT``/``OFFSET``; the statuses of a
page's changes come in one more query, never one per row.

Actions and commands are linked by what they name: an action belongs to a change (or a
package) when its idempotency key has the change id (or package name) as one of its
colon-separated parts, as in ``remind:<change id>:<target>:<round>`` or
``open-change:<analysis id>:<target>:<branch>``; a command belongs to it when it was
written at one of the URLs of its actions or target rows (a comment's URL plus a fragment).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from bot.store.models import Action, AuditEntry, Change, ChangeTarget, StatusTransition
from bot.store.view_records import (
    NO_OWNER,
    ActionView,
    AuditView,
    ChangeDetail,
    ChangeFilter,
    ChangeRow,
    Page,
    PageRequest,
    TargetCell,
    TransitionView,
)

#: Linked actions and commands shown per change or package, newest first.
LINKED_LIMIT = 100


def list_changes(session: Session, wanted: ChangeFilter, page: PageRequest) -> Page[ChangeRow]:
    """The current changes matching ``wanted``, ordered by package, branch and name."""
    query = filtered_changes(wanted)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Change.package, Change.branch, Change.name, Change.id)
        .limit(page.per_page)
        .offset(page.offset)
    ).all()
    return Page(change_rows(session, rows), total, page.page, page.per_page)


def filtered_changes(wanted: ChangeFilter) -> Select[tuple[Change]]:
    """A SELECT of the current (not gone) changes that match ``wanted``."""
    query = select(Change).where(Change.gone_at.is_(None))
    if wanted.package:
        query = query.where(Change.package == wanted.package)
    if wanted.branch:
        query = query.where(Change.branch == wanted.branch)
    if wanted.kind:
        query = query.where(Change.kind == wanted.kind)
    if wanted.owner == NO_OWNER:
        query = query.where(Change.owner.is_(None))
    elif wanted.owner:
        query = query.where(Change.owner == wanted.owner)
    if wanted.status or wanted.target:
        # IN, not a correlated EXISTS: the databases read the few matching target rows
        # through an index instead of probing once per change.
        pairs = select(ChangeTarget.change_id)
        if wanted.status:
            pairs = pairs.where(ChangeTarget.status == wanted.status)
        if wanted.target:
            pairs = pairs.where(ChangeTarget.target == wanted.target)
        query = query.where(Change.id.in_(pairs))
    if wanted.q:
        query = query.where(
            or_(
                Change.name.icontains(wanted.q, autoescape=True),
                Change.package.icontains(wanted.q, autoescape=True),
            )
        )
    return query


def change_rows(session: Session, rows: Sequence[Change]) -> tuple[ChangeRow, ...]:
    """``rows`` with their target statuses, read in one query."""
    cells = target_cells(session, [row.id for row in rows])
    return tuple(_row(row, tuple(cells.get(row.id, ()))) for row in rows)


def target_cells(
    session: Session, ids: Sequence[str], *, evidence: bool = False
) -> dict[str, list[TargetCell]]:
    """The target statuses of the changes ``ids``, by change id, in target order; the
    evidence documents are read only when asked (lists do not show them)."""
    cells: dict[str, list[TargetCell]] = defaultdict(list)
    if not ids:
        return cells
    columns = [ChangeTarget.change_id, ChangeTarget.target, ChangeTarget.status,
               ChangeTarget.reason, ChangeTarget.url, ChangeTarget.until,
               ChangeTarget.updated_at]
    if evidence:
        columns.append(ChangeTarget.evidence)
    for row in session.execute(
        select(*columns)
        .where(ChangeTarget.change_id.in_(ids))
        .order_by(ChangeTarget.change_id, ChangeTarget.target)
    ):
        cells[row.change_id].append(
            TargetCell(
                target=row.target, status=row.status, reason=row.reason, url=row.url,
                until=row.until, updated_at=row.updated_at,
                evidence=row.evidence if evidence else {},
            )
        )
    return cells


def change_detail(session: Session, change_id: str) -> ChangeDetail | None:
    """Everything known about one change (gone ones too), or None when the id is unknown."""
    row = session.get(Change, change_id)
    if row is None:
        return None
    cells = target_cells(session, [row.id], evidence=True).get(row.id, [])
    history = tuple(
        TransitionView(
            target=t.target, from_status=t.from_status, to_status=t.to_status, reason=t.reason,
            evidence=t.evidence, at=t.at, actor=t.actor,
        )
        for t in session.scalars(
            select(StatusTransition)
            .where(StatusTransition.change_id == row.id)
            .order_by(StatusTransition.at, StatusTransition.id)
        )
    )
    # Reminders name the change; merge requests its content (the analysis id), as the
    # marker the scanner looks for does.
    actions = actions_naming(session, [row.id, str(row.evidence.get("analysis_id") or "")])
    urls = {cell.url for cell in cells if cell.url} | {a.url for a in actions if a.url}
    siblings = tuple(
        (other.id, other.package, other.branch)
        for other in session.execute(
            select(Change.id, Change.package, Change.branch)
            .where(Change.content_id == row.content_id, Change.id != row.id)
            .order_by(Change.package, Change.branch)
            .limit(LINKED_LIMIT)
        )
    )
    return ChangeDetail(
        row=_row(row, tuple(cells)), declared_raw=row.declared_raw, patch_id=row.patch_id,
        content_id=row.content_id, evidence=row.evidence, missing_file=row.missing_file,
        superseded_by=row.superseded_by, history=history, actions=actions,
        audit=audit_at(session, urls), siblings=siblings,
    )


def actions_naming(session: Session, parts: Iterable[str]) -> tuple[ActionView, ...]:
    """Actions whose key has one of ``parts`` as a colon-separated part, newest first.

    The keys are matched here rather than with one ``LIKE`` per part: a package page asks
    for hundreds of parts, and reading the key column alone is one cheap index scan.
    """
    wanted = {part for part in parts if part}
    if not wanted:
        return ()
    ids = [
        action_id for action_id, key in session.execute(select(Action.id, Action.key))
        if not wanted.isdisjoint(key.split(":"))
    ]
    return tuple(
        action_view(row) for row in session.scalars(
            select(Action).where(Action.id.in_(ids))
            .order_by(Action.updated_at.desc(), Action.id.desc()).limit(LINKED_LIMIT)
        )
    ) if ids else ()


def audit_at(session: Session, urls: Iterable[str]) -> tuple[AuditView, ...]:
    """Commands written at one of ``urls`` (a comment's address is the thread's plus a
    ``#fragment``), newest first."""
    threads = {url for url in urls if url}
    if not threads:
        return ()
    ids = [
        entry_id for entry_id, location in session.execute(
            select(AuditEntry.id, AuditEntry.location)
        )
        if location.split("#", 1)[0] in threads
    ]
    return tuple(
        audit_view(row) for row in session.scalars(
            select(AuditEntry).where(AuditEntry.id.in_(ids))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(LINKED_LIMIT)
        )
    ) if ids else ()


def action_view(row: Action) -> ActionView:
    return ActionView(
        key=row.key, type=row.type, target=row.target, state=row.state, url=row.url,
        reason=row.reason, dry_run=row.dry_run, payload=row.payload,
        created_at=row.created_at, updated_at=row.updated_at,
    )


def audit_view(row: AuditEntry) -> AuditView:
    return AuditView(
        actor=row.actor, location=row.location, command=row.command, outcome=row.outcome,
        at=row.at,
    )


def _row(row: Change, cells: tuple[TargetCell, ...]) -> ChangeRow:
    values: dict[str, Any] = {
        name: getattr(row, name)
        for name in ("id", "package", "branch", "type", "operation", "name", "kind",
                     "upstreamable", "declared_status", "owner", "first_seen", "last_seen",
                     "gone_at")
    }
    return ChangeRow(**values, targets=cells)
