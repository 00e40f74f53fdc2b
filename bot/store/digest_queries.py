"""What the weekly digests read: a handful of set-wise queries, one transaction, whatever
the number of owners (a per-owner query would cost one round trip per owner)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.domain.digest_input import (
    DeadEvent,
    DigestInputs,
    PairState,
    ScanRunPoint,
    SnapshotPoint,
    StalePackage,
    StatusStep,
)
from bot.store.models import (
    Action,
    Change,
    ChangeTarget,
    InboxItem,
    Package,
    ScanRun,
    ScanSnapshot,
    StatusTransition,
)
from bot.store.records import ActionState, InboxState
from bot.store.types import require_aware

#: The action type whose ``url`` is a package's tracking issue on the downstream forge;
#: its payload names the package (``{"package": "bash"}``).
TRACKING_ISSUE_ACTION = "tracking-issue"


def digest_inputs(
    session: Session,
    *,
    since: datetime,
    week_start: datetime,
    week_end: datetime,
    trend_since: datetime,
    dead_examples: int = 5,
) -> DigestInputs:
    """The rows one week's digests need.

    ``since`` is where status history is read from (the start of the week before the
    digest's week, so both week ends can be rewound to); ``trend_since`` bounds the
    snapshots; scan runs are those started in [week_start, week_end).
    """
    since = require_aware(since, field="since")
    week_start = require_aware(week_start, field="week_start")
    week_end = require_aware(week_end, field="week_end")
    trend_since = require_aware(trend_since, field="trend_since")
    return DigestInputs(
        pairs=_pairs(session, since),
        steps=_steps(session, since),
        snapshots=_snapshots(session, trend_since, week_end),
        scan_runs=_scan_runs(session, week_start, week_end),
        stale=tuple(
            StalePackage(name, error)
            for name, error in session.execute(
                select(Package.name, Package.last_error)
                .where(Package.stale.is_(True))
                .order_by(Package.name)
            )
        ),
        dead_events=session.scalar(
            select(func.count()).select_from(InboxItem).where(InboxItem.state == InboxState.DEAD)
        ) or 0,
        dead_examples=tuple(
            DeadEvent(forge, event_type, error, received_at)
            for forge, event_type, error, received_at in session.execute(
                select(InboxItem.forge, InboxItem.event_type, InboxItem.last_error,
                       InboxItem.received_at)
                .where(InboxItem.state == InboxState.DEAD)
                .order_by(InboxItem.received_at.desc(), InboxItem.id.desc())
                .limit(dead_examples)
            )
        ),
        tracking_issues=_tracking_issues(session),
    )


def _pairs(session: Session, since: datetime) -> tuple[PairState, ...]:
    query = (
        select(
            Change.id, Change.package, Change.branch, Change.name, Change.type, Change.kind,
            Change.owner, ChangeTarget.target, ChangeTarget.status, ChangeTarget.reason,
            ChangeTarget.url, ChangeTarget.evidence, Change.first_seen, Change.gone_at,
        )
        .join(ChangeTarget, ChangeTarget.change_id == Change.id)
        .where(or_(Change.gone_at.is_(None), Change.gone_at > since))
    )
    return tuple(
        PairState(
            change_id=row[0], package=row[1], branch=row[2], name=row[3], change_type=row[4],
            kind=row[5], owner=row[6], target=row[7], status=row[8], reason=row[9],
            url=row[10], evidence=row[11] or {}, first_seen=row[12], gone_at=row[13],
        )
        for row in session.execute(query)
    )


def _steps(session: Session, since: datetime) -> tuple[StatusStep, ...]:
    query = (
        select(
            StatusTransition.change_id, StatusTransition.target, StatusTransition.from_status,
            StatusTransition.to_status, StatusTransition.at, StatusTransition.reason,
        )
        .where(StatusTransition.at >= since)
        .order_by(StatusTransition.at, StatusTransition.id)
    )
    return tuple(StatusStep(*row) for row in session.execute(query))


def _snapshots(session: Session, since: datetime, until: datetime) -> tuple[SnapshotPoint, ...]:
    query = (
        select(ScanSnapshot.taken_at, ScanSnapshot.by_status)
        .where(ScanSnapshot.taken_at >= since, ScanSnapshot.taken_at < until)
        .order_by(ScanSnapshot.taken_at, ScanSnapshot.id)
    )
    return tuple(SnapshotPoint(taken_at, by_status or {}) for taken_at, by_status in
                 session.execute(query))


def _scan_runs(session: Session, start: datetime, end: datetime) -> tuple[ScanRunPoint, ...]:
    query = (
        select(ScanRun.id, ScanRun.started_at, ScanRun.status, ScanRun.error)
        .where(ScanRun.started_at >= start, ScanRun.started_at < end)
        .order_by(ScanRun.started_at, ScanRun.id)
    )
    return tuple(
        ScanRunPoint(run_id, started_at, str(status), error)
        for run_id, started_at, status, error in session.execute(query)
    )


def _tracking_issues(session: Session) -> dict[str, str]:
    query = (
        select(Action.payload, Action.url)
        .where(
            Action.type == TRACKING_ISSUE_ACTION,
            Action.state == ActionState.DONE,
            Action.url.is_not(None),
        )
        .order_by(Action.updated_at, Action.id)
    )
    found: dict[str, str] = {}
    for payload, url in session.execute(query):
        package = (payload or {}).get("package")
        if isinstance(package, str) and package:
            found[package] = url
    return found
