"""Read-only queries about the bot itself: recent scans, stale packages, the inbox, failed
actions, and the counts ``/metrics`` exports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.models import (
    Action,
    Branch,
    Change,
    ChangeTarget,
    DigestEntry,
    InboxItem,
    Package,
    ScanRun,
)
from bot.store.records import ActionState, InboxState, ScanStatus
from bot.store.view_records import (
    Health,
    InboxItemView,
    OpsCounts,
    Page,
    PageRequest,
    ScanRunView,
    StalePackage,
)
from bot.store.views import action_view

RECENT = 20
#: Inbox states whose events still wait for a worker.
INBOX_WAITING = (InboxState.PENDING, InboxState.CLAIMED)


def health(session: Session, stale_page: PageRequest) -> Health:
    """The bot's health page: scans, stale packages and branches, inbox, failed actions."""
    stale = select(Package).where(Package.stale.is_(True))
    total = session.scalar(select(func.count()).select_from(stale.subquery())) or 0
    stale_rows = session.scalars(
        stale.order_by(Package.name).limit(stale_page.per_page).offset(stale_page.offset)
    )
    branch_errors = tuple(
        (row.package, row.name, row.scan_error or str(row.scan_status))
        for row in session.scalars(
            select(Branch).where(Branch.scan_status == ScanStatus.FAILED)
            .order_by(Branch.package, Branch.name).limit(RECENT)
        )
    )
    errors = session.scalars(
        select(InboxItem)
        .where((InboxItem.state == InboxState.DEAD) | InboxItem.last_error.is_not(None))
        .order_by(InboxItem.received_at.desc(), InboxItem.id.desc()).limit(RECENT)
    )
    failed = session.scalars(
        select(Action).where(Action.state == ActionState.FAILED)
        .order_by(Action.updated_at.desc(), Action.id.desc()).limit(RECENT)
    )
    return Health(
        scans=recent_scans(session),
        stale=Page(
            tuple(StalePackage(r.name, r.last_error, r.checked_at) for r in stale_rows),
            total, stale_page.page, stale_page.per_page,
        ),
        branch_errors=branch_errors,
        inbox_by_state=_inbox_by_state(session),
        inbox_oldest_waiting=_inbox_oldest_waiting(session),
        inbox_errors=tuple(_inbox_view(row) for row in errors),
        failed_actions=tuple(action_view(row) for row in failed),
    )


def recent_scans(session: Session, n: int = RECENT) -> tuple[ScanRunView, ...]:
    rows = session.scalars(
        select(ScanRun).order_by(ScanRun.started_at.desc(), ScanRun.id.desc()).limit(n)
    )
    return tuple(_scan_view(row) for row in rows)


def ops_counts(session: Session) -> OpsCounts:
    """Counts for ``/metrics``, each one grouped query."""
    last = session.scalars(
        select(ScanRun).where(ScanRun.finished_at.is_not(None))
        .order_by(ScanRun.finished_at.desc(), ScanRun.id.desc()).limit(1)
    ).first()
    return OpsCounts(
        inbox_by_state=_inbox_by_state(session),
        inbox_oldest_waiting=_inbox_oldest_waiting(session),
        actions={
            (kind, str(state)): n
            for kind, state, n in session.execute(
                select(Action.type, Action.state, func.count()).group_by(Action.type, Action.state)
            )
        },
        digests={
            str(state): n
            for state, n in session.execute(
                select(DigestEntry.state, func.count()).group_by(DigestEntry.state)
            )
        },
        targets={
            (str(target), str(status)): n
            for target, status, n in session.execute(
                select(ChangeTarget.target, ChangeTarget.status, func.count())
                .join(Change, Change.id == ChangeTarget.change_id)
                .where(Change.gone_at.is_(None))
                .group_by(ChangeTarget.target, ChangeTarget.status)
            )
        },
        stale_packages=session.scalar(
            select(func.count()).select_from(Package).where(Package.stale.is_(True))
        ) or 0,
        last_finished_scan=_scan_view(last) if last is not None else None,
    )


def _inbox_by_state(session: Session) -> dict[str, int]:
    return {
        str(state): n
        for state, n in session.execute(
            select(InboxItem.state, func.count()).group_by(InboxItem.state)
        )
    }


def _inbox_oldest_waiting(session: Session) -> datetime | None:
    return session.scalar(
        select(func.min(InboxItem.received_at)).where(InboxItem.state.in_(INBOX_WAITING))
    )


def _scan_view(row: ScanRun) -> ScanRunView:
    return ScanRunView(
        id=row.id, started_at=row.started_at, finished_at=row.finished_at, status=row.status,
        packages_scanned=row.packages_scanned, changes_seen=row.changes_seen, error=row.error,
    )


def _inbox_view(row: InboxItem) -> InboxItemView:
    return InboxItemView(
        id=row.id, forge=row.forge, event_type=row.event_type, state=row.state,
        attempts=row.attempts, received_at=row.received_at,
        next_attempt_at=row.next_attempt_at, last_error=row.last_error,
    )
