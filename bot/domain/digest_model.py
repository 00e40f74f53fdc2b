"""What a weekly digest says: the per-owner and the project-wide digest, as plain values.

Strings that came from a forge (change names, reasons, errors) are carried as they are;
escaping them is the renderer's job, once, at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.digest_input import DeadEvent, ScanRunPoint, StalePackage
from bot.domain.model import Kind, Status, Target

#: Statuses that still need someone to act.
PENDING_STATUSES = frozenset({Status.PENDING, Status.REMINDED})
#: Statuses that mean the change is upstream.
UPSTREAM_STATUSES = frozenset({Status.MERGED, Status.PRESENT})
#: What the owner hears about when it happened this week.
OWNER_EVENT_STATUSES = frozenset({Status.SUBMITTED, Status.MERGED, Status.REJECTED})
#: The trend's series: a label and the statuses it adds up, in drawing order.
TREND_SERIES: tuple[tuple[str, frozenset[Status]], ...] = (
    ("upstream", UPSTREAM_STATUSES),
    ("submitted", frozenset({Status.SUBMITTED})),
    ("pending", PENDING_STATUSES),
    ("rejected", frozenset({Status.REJECTED})),
)


@dataclass(frozen=True, slots=True)
class ChangeRef:
    """Which change a line is about."""

    change_id: str
    package: str
    branch: str
    name: str
    kind: Kind | None
    owner: str | None


@dataclass(frozen=True, slots=True)
class NextStep:
    """The one thing that moves a change: a command to write, and the thread to write it in
    (``url`` None: the package has no tracking issue yet)."""

    command: str | None
    url: str | None
    place: str | None


@dataclass(frozen=True, slots=True)
class PendingChange:
    """A change still waiting to go upstream in ``targets``."""

    change: ChangeRef
    targets: tuple[Target, ...]
    #: ``reminded`` once its owner was nudged for any of the targets
    status: Status
    since: date
    age_days: int
    step: NextStep


@dataclass(frozen=True, slots=True)
class WeekEvent:
    """A pair that reached ``status`` during the week."""

    change: ChangeRef
    target: Target
    status: Status
    at: datetime
    url: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class WaitingRequest:
    """A submitted merge request that cannot go on without its owner."""

    change: ChangeRef
    target: Target
    url: str | None
    needs: str
    command: str | None


@dataclass(frozen=True, slots=True)
class OwnerDigest:
    """One owner's week."""

    week: str
    owner: str
    #: oldest first, at most the builder's limit
    pending: tuple[PendingChange, ...]
    pending_total: int
    events: tuple[WeekEvent, ...]
    waiting: tuple[WaitingRequest, ...]

    @property
    def has_news(self) -> bool:
        """Whether there is anything to tell: an owner with nothing gets no mail unless asked."""
        return bool(self.pending_total or self.events or self.waiting)


@dataclass(frozen=True, slots=True)
class Delta:
    """A count at the end of the week and at the end of the week before."""

    now: int
    before: int

    @property
    def change(self) -> int:
        return self.now - self.before


@dataclass(frozen=True, slots=True)
class CountRow:
    label: str
    count: Delta


@dataclass(frozen=True, slots=True)
class TargetRow:
    target: Target
    total: Delta
    pending: Delta
    submitted: Delta
    upstream: Delta


@dataclass(frozen=True, slots=True)
class KindRow:
    """Changes of one kind, and how many of them are still pending somewhere."""

    kind: str
    changes: Delta
    pending: Delta


@dataclass(frozen=True, slots=True)
class TrendWeek:
    """One week of the trend: the last snapshot's counts per `TREND_SERIES` entry, or None
    when no scan stored a snapshot that week."""

    week: str
    counts: tuple[int, ...] | None


@dataclass(frozen=True, slots=True)
class PackageLoad:
    package: str
    pending: int
    oldest_days: int


@dataclass(frozen=True, slots=True)
class Health:
    """How the bot itself did this week."""

    scan_runs: int
    failed_runs: tuple[ScanRunPoint, ...]
    partial_runs: tuple[ScanRunPoint, ...]
    stale: tuple[StalePackage, ...]
    stale_total: int
    dead_events: int
    dead_examples: tuple[DeadEvent, ...]

    @property
    def healthy(self) -> bool:
        return not (
            self.failed_runs or self.partial_runs or self.stale_total or self.dead_events
        ) and self.scan_runs > 0


@dataclass(frozen=True, slots=True)
class ProjectDigest:
    """The whole project's week."""

    week: str
    start: datetime
    end: datetime
    changes: Delta
    by_status: tuple[CountRow, ...]
    by_target: tuple[TargetRow, ...]
    by_kind: tuple[KindRow, ...]
    trend: tuple[TrendWeek, ...]
    oldest_pending: tuple[PendingChange, ...]
    pending_changes: int
    top_packages: tuple[PackageLoad, ...]
    upstreamed: tuple[WeekEvent, ...]
    upstreamed_total: int
    health: Health

    @property
    def last_day(self) -> date:
        """The week's Sunday (``end`` is the next Monday, excluded)."""
        return (self.end - timedelta(days=1)).date()
