"""The overview in a handful of queries: counts grouped in SQL, the trend from the scan
snapshots, the oldest waiting changes, the packages waiting most, and recent activity."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.model import Status
from bot.store.models import Action, AuditEntry, Change, ChangeTarget, Package, StatusTransition
from bot.store.reporting import latest_snapshots
from bot.store.view_records import (
    WAITING,
    Activity,
    ChangeRow,
    Overview,
    PageRequest,
    TrendPoint,
)
from bot.store.views import action_view, change_rows
from bot.store.views_packages import PackageOrder, list_packages

TREND_POINTS = 90
LIST_LENGTH = 10
ACTIVITY_LENGTH = 15


def overview(session: Session) -> Overview:
    """What the dashboard's front page shows."""
    by_status: dict[Status, int] = defaultdict(int)
    by_target: dict[str, dict[Status, int]] = defaultdict(lambda: defaultdict(int))
    by_kind: dict[str, dict[Status, int]] = defaultdict(lambda: defaultdict(int))
    by_branch: dict[str, dict[Status, int]] = defaultdict(lambda: defaultdict(int))
    # One pass over the pairs gives every status table; the groups are few (targets,
    # kinds, branches and statuses), the rows many.
    for target, kind, branch, status, n in session.execute(
        select(ChangeTarget.target, Change.kind, Change.branch, ChangeTarget.status, func.count())
        .join(Change, Change.id == ChangeTarget.change_id)
        .where(Change.gone_at.is_(None))
        .group_by(ChangeTarget.target, Change.kind, Change.branch, ChangeTarget.status)
    ):
        by_status[status] += n
        by_target[str(target)][status] += n
        by_kind[str(kind) if kind else "unclassified"][status] += n
        by_branch[branch][status] += n
    changes_by_kind: dict[str, int] = defaultdict(int)
    changes_by_branch: dict[str, int] = defaultdict(int)
    for kind, branch, n in session.execute(
        select(Change.kind, Change.branch, func.count())
        .where(Change.gone_at.is_(None))
        .group_by(Change.kind, Change.branch)
    ):
        changes_by_kind[str(kind) if kind else "unclassified"] += n
        changes_by_branch[branch] += n
    return Overview(
        packages=session.scalar(select(func.count()).select_from(Package)) or 0,
        changes=sum(changes_by_kind.values()),
        by_status=dict(by_status),
        by_target=_plain(by_target),
        by_kind=_plain(by_kind),
        by_branch=_plain(by_branch),
        changes_by_kind=dict(sorted(changes_by_kind.items())),
        changes_by_branch=dict(sorted(changes_by_branch.items())),
        trend=trend(session),
        oldest_waiting=oldest_waiting(session),
        most_waiting=list_packages(
            session, PageRequest(1, LIST_LENGTH), order=PackageOrder.WAITING
        ).items,
        activity=recent_activity(session),
    )


def trend(session: Session, points: int = TREND_POINTS) -> tuple[TrendPoint, ...]:
    """Waiting, submitted and merged pairs at each of the last ``points`` snapshots, oldest
    first."""
    return tuple(
        TrendPoint(
            at=snap.taken_at,
            waiting=sum(int(snap.counts.by_status.get(str(s), 0)) for s in WAITING),
            submitted=int(snap.counts.by_status.get(str(Status.SUBMITTED), 0)),
            merged=int(snap.counts.by_status.get(str(Status.MERGED), 0)),
        )
        for snap in reversed(latest_snapshots(session, points))
    )


def oldest_waiting(session: Session, n: int = LIST_LENGTH) -> tuple[ChangeRow, ...]:
    """The current changes first seen longest ago that still wait in some target."""
    waiting = select(ChangeTarget.change_id).where(ChangeTarget.status.in_(WAITING))
    rows = session.scalars(
        select(Change).where(Change.gone_at.is_(None), Change.id.in_(waiting))
        .order_by(Change.first_seen, Change.id).limit(n)
    ).all()
    return change_rows(session, rows)


def recent_activity(session: Session, n: int = ACTIVITY_LENGTH) -> tuple[Activity, ...]:
    """The newest status transitions, actions and commands, merged newest first."""
    items: list[Activity] = []
    for t, name, package in session.execute(
        select(StatusTransition, Change.name, Change.package)
        .join(Change, Change.id == StatusTransition.change_id)
        .order_by(StatusTransition.at.desc(), StatusTransition.id.desc()).limit(n)
    ):
        before = f"{t.from_status} → " if t.from_status else ""
        items.append(Activity(
            at=t.at, what="status", title=name, detail=f"{t.target}: {before}{t.to_status}"
            + (f" ({t.reason})" if t.reason else ""),
            actor=t.actor, package=package, change_id=t.change_id,
        ))
    for row in session.scalars(
        select(Action).order_by(Action.updated_at.desc(), Action.id.desc()).limit(n)
    ):
        action = action_view(row)
        items.append(Activity(
            at=action.updated_at, what="action", title=action.key,
            detail=f"{action.type}: {action.state}" + (" (dry run)" if action.dry_run else "")
            + (f" ({action.reason})" if action.reason else ""),
            url=action.url,
        ))
    for entry in session.scalars(
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(n)
    ):
        items.append(Activity(
            at=entry.at, what="command", title=entry.command, detail=entry.outcome,
            actor=entry.actor, url=entry.location,
        ))
    items.sort(key=lambda item: item.at, reverse=True)
    return tuple(items[:n])


def _plain(table: Mapping[str, Mapping[Status, int]]) -> dict[str, dict[Status, int]]:
    return {label: dict(counts) for label, counts in sorted(table.items())}
