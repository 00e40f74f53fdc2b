"""The weekly digests, built from plain store rows for one ISO week: one per owner (what
waits on them, oldest first, and what moved this week) and one for the whole project
(totals and their change since last week, the trend, the oldest and the busiest, what went
upstream, and the bot's own health).

Pure: no store, no clock. Typical use::

    window = week_window(IsoWeek.parse("2026-W48"), zone)
    view = build_view(inputs, window, required_references=...)
    project = project_digest(view, inputs, zone=zone)
    mine = owner_digest(view, "mcastell")
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo

from bot.domain.digest_input import DigestInputs, SnapshotPoint
from bot.domain.digest_model import (
    PENDING_STATUSES,
    TREND_SERIES,
    UPSTREAM_STATUSES,
    CountRow,
    Delta,
    Health,
    KindRow,
    OwnerDigest,
    PackageLoad,
    ProjectDigest,
    TargetRow,
    TrendWeek,
)
from bot.domain.digest_view import PairKey, WeekView, Window, build_view
from bot.domain.digest_week import IsoWeek
from bot.domain.model import Status, Target

__all__ = ["DigestLimits", "build_view", "owner_digest", "project_digest", "week_window"]


@dataclass(frozen=True, slots=True)
class DigestLimits:
    """How long each list may grow before the digest says "and N more"."""

    owner_pending: int = 25
    oldest_pending: int = 10
    top_packages: int = 10
    upstreamed: int = 30
    stale: int = 20
    dead_examples: int = 5
    runs: int = 10
    trend_weeks: int = 12


DEFAULT_LIMITS = DigestLimits()


def week_window(week: IsoWeek, zone: tzinfo) -> Window:
    """The week from Monday 00:00 to the next Monday 00:00 in `zone`."""
    return Window(str(week), week.start(zone), week.end(zone))


def owner_digest(
    view: WeekView, owner: str, *, limits: DigestLimits = DEFAULT_LIMITS
) -> OwnerDigest:
    """`owner`'s week; empty lists (and ``has_news`` False) when nothing concerns them."""
    pending, events, waiting = view.by_owner.get(owner, ([], [], []))
    return OwnerDigest(
        week=view.window.week,
        owner=owner,
        pending=tuple(pending[: limits.owner_pending]),
        pending_total=len(pending),
        events=tuple(sorted(events, key=lambda e: (e.at, e.change.package, e.change.name))),
        waiting=tuple(waiting),
    )


def project_digest(
    view: WeekView, inputs: DigestInputs, *, zone: tzinfo, limits: DigestLimits = DEFAULT_LIMITS
) -> ProjectDigest:
    """The project's week."""
    upstreamed = [event for event in view.events if event.status in UPSTREAM_STATUSES]
    upstreamed.sort(key=lambda e: (e.at, e.change.package, e.change.name))
    return ProjectDigest(
        week=view.window.week,
        start=view.window.start,
        end=view.window.end,
        changes=Delta(_changes(view.at_end), _changes(view.at_start)),
        by_status=_by_status(view),
        by_target=_by_target(view),
        by_kind=_by_kind(view),
        trend=trend(inputs.snapshots, IsoWeek.parse(view.window.week), zone=zone,
                    weeks=limits.trend_weeks),
        oldest_pending=tuple(view.pending[: limits.oldest_pending]),
        pending_changes=len(view.pending),
        top_packages=_top_packages(view, limits.top_packages),
        upstreamed=tuple(upstreamed[: limits.upstreamed]),
        upstreamed_total=len(upstreamed),
        health=_health(view, inputs, limits),
    )


def trend(
    snapshots: Iterable[SnapshotPoint], last: IsoWeek, *, zone: tzinfo, weeks: int
) -> tuple[TrendWeek, ...]:
    """The `weeks` weeks ending with `last`, each from the last snapshot taken in it."""
    span = [last.shifted(offset) for offset in range(1 - weeks, 1)]
    latest: dict[IsoWeek, SnapshotPoint] = {}
    first, end = span[0].start(zone), last.end(zone)
    for snapshot in snapshots:
        if not first <= snapshot.taken_at < end:
            continue
        week = IsoWeek.of(snapshot.taken_at.astimezone(zone).date())
        held = latest.get(week)
        if held is None or snapshot.taken_at >= held.taken_at:
            latest[week] = snapshot
    result = []
    for week in span:
        point = latest.get(week)
        counts = None
        if point is not None:
            counts = tuple(
                sum(int(point.by_status.get(str(status), 0)) for status in statuses)
                for _, statuses in TREND_SERIES
            )
        result.append(TrendWeek(str(week), counts))
    return tuple(result)


def _changes(statuses: dict[PairKey, Status]) -> int:
    return len({change_id for change_id, _ in statuses})


def _by_status(view: WeekView) -> tuple[CountRow, ...]:
    now = Counter(view.at_end.values())
    before = Counter(view.at_start.values())
    return tuple(
        CountRow(str(status), Delta(now[status], before[status]))
        for status in Status
        if now[status] or before[status]
    )


def _by_target(view: WeekView) -> tuple[TargetRow, ...]:
    now = Counter((target, status) for (_, target), status in view.at_end.items())
    before = Counter((target, status) for (_, target), status in view.at_start.items())

    def delta(target: Target, wanted: Iterable[Status]) -> Delta:
        wanted = tuple(wanted)
        return Delta(sum(now[(target, s)] for s in wanted),
                     sum(before[(target, s)] for s in wanted))

    present = {target for target, _ in now} | {target for target, _ in before}
    return tuple(
        TargetRow(
            target,
            total=delta(target, Status),
            pending=delta(target, PENDING_STATUSES),
            submitted=delta(target, (Status.SUBMITTED,)),
            upstream=delta(target, UPSTREAM_STATUSES),
        )
        for target in Target
        if target in present
    )


def _by_kind(view: WeekView) -> tuple[KindRow, ...]:
    def tally(statuses: dict[PairKey, Status]) -> tuple[Counter[str], Counter[str]]:
        changes: dict[str, str] = {}
        pending: set[str] = set()
        for key, status in statuses.items():
            pair = view.pairs[key]
            changes[pair.change_id] = str(pair.kind) if pair.kind else "unclassified"
            if status in PENDING_STATUSES:
                pending.add(pair.change_id)
        return Counter(changes.values()), Counter(changes[c] for c in pending)

    now_changes, now_pending = tally(view.at_end)
    before_changes, before_pending = tally(view.at_start)
    kinds = sorted(set(now_changes) | set(before_changes),
                   key=lambda kind: (-now_changes[kind], kind))
    return tuple(
        KindRow(kind, Delta(now_changes[kind], before_changes[kind]),
                Delta(now_pending[kind], before_pending[kind]))
        for kind in kinds
    )


def _top_packages(view: WeekView, limit: int) -> tuple[PackageLoad, ...]:
    count: Counter[str] = Counter()
    oldest: dict[str, int] = defaultdict(int)
    for item in view.pending:
        count[item.change.package] += 1
        oldest[item.change.package] = max(oldest[item.change.package], item.age_days)
    ranked = sorted(count, key=lambda package: (-count[package], -oldest[package], package))
    return tuple(PackageLoad(name, count[name], oldest[name]) for name in ranked[:limit])


def _health(view: WeekView, inputs: DigestInputs, limits: DigestLimits) -> Health:
    runs = [run for run in inputs.scan_runs
            if view.window.start <= run.started_at < view.window.end]
    runs.sort(key=lambda run: run.started_at)
    return Health(
        scan_runs=len(runs),
        failed_runs=tuple(run for run in runs if run.status == "failed")[-limits.runs:],
        partial_runs=tuple(run for run in runs if run.status == "partial")[-limits.runs:],
        stale=tuple(sorted(inputs.stale, key=lambda p: p.name)[: limits.stale]),
        stale_total=len(inputs.stale),
        dead_events=inputs.dead_events,
        dead_examples=inputs.dead_examples[: limits.dead_examples],
    )
