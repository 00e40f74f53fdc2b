"""The read-only shapes the dashboard and the JSON API are built from (see ``views*.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from bot.domain.model import ChangeType, DeclaredStatus, Kind, Operation, Status, Target
from bot.store.records import ActionState, InboxState, ScanStatus

T = TypeVar("T")

#: Statuses that still need someone to act; "pending" in trends and "most pending" lists.
WAITING = (Status.PENDING, Status.REMINDED)
#: ``owner`` filter value for changes nobody owns yet.
NO_OWNER = "-"
MAX_PER_PAGE = 500


@dataclass(frozen=True, slots=True)
class ChangeFilter:
    """Which changes to list; every field is optional and they combine with AND.

    ``status`` and ``target`` select changes having a target row that matches both;
    ``q`` is a case-insensitive substring of the change's name or package.
    """

    package: str | None = None
    owner: str | None = None
    status: Status | None = None
    kind: Kind | None = None
    target: Target | None = None
    branch: str | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page of a long list (1-based) and how many rows on it."""

    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list and the size of the whole list."""

    items: tuple[T, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True, slots=True)
class TargetCell:
    """A change's current status in one target."""

    target: Target
    status: Status
    reason: str | None
    url: str | None
    until: datetime | None
    updated_at: datetime
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """A change as lists show it, with its status in each target."""

    id: str
    package: str
    branch: str
    type: ChangeType
    operation: Operation
    name: str
    kind: Kind | None
    upstreamable: bool
    declared_status: DeclaredStatus
    owner: str | None
    first_seen: datetime
    last_seen: datetime
    gone_at: datetime | None
    targets: tuple[TargetCell, ...]


@dataclass(frozen=True, slots=True)
class TransitionView:
    target: Target
    from_status: Status | None
    to_status: Status
    reason: str | None
    evidence: Mapping[str, Any]
    at: datetime
    actor: str


@dataclass(frozen=True, slots=True)
class ActionView:
    key: str
    type: str
    target: str | None
    state: ActionState
    url: str | None
    reason: str | None
    dry_run: bool
    payload: Mapping[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AuditView:
    """A command someone wrote in a comment, and what the bot did with it."""

    actor: str
    location: str
    command: str
    outcome: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ChangeDetail:
    row: ChangeRow
    declared_raw: str | None
    patch_id: str | None
    content_id: str
    evidence: Mapping[str, Any]
    missing_file: bool
    superseded_by: str | None
    history: tuple[TransitionView, ...]
    actions: tuple[ActionView, ...]
    audit: tuple[AuditView, ...]
    #: the same content on other branches or packages: (id, package, branch)
    siblings: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True, slots=True)
class PackageRow:
    """A package with the counts of its current (change, target) pairs."""

    name: str
    stale: bool
    changes: int
    waiting: int
    submitted: int
    merged: int


@dataclass(frozen=True, slots=True)
class BranchView:
    name: str
    base: str
    head: str | None
    scan_status: ScanStatus | None
    scan_error: str | None
    scanned_at: datetime
    changes: int


@dataclass(frozen=True, slots=True)
class PackageDetail:
    name: str
    repo: str
    stale: bool
    last_error: str | None
    checked_at: datetime
    branches: tuple[BranchView, ...]
    changes: Page[ChangeRow]
    actions: tuple[ActionView, ...]
    audit: tuple[AuditView, ...]


@dataclass(frozen=True, slots=True)
class OwnerRow:
    owner: str | None
    packages: int
    changes: int
    waiting: int
    submitted: int
    merged: int


@dataclass(frozen=True, slots=True)
class TrendPoint:
    at: datetime
    waiting: int
    submitted: int
    merged: int


@dataclass(frozen=True, slots=True)
class Activity:
    """One line of "recent activity": a status transition, an action or a command."""

    at: datetime
    what: str
    title: str
    detail: str
    actor: str | None = None
    package: str | None = None
    change_id: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Overview:
    packages: int
    changes: int
    by_status: Mapping[Status, int]
    #: label → status → pairs, for target, kind and branch
    by_target: Mapping[str, Mapping[Status, int]]
    by_kind: Mapping[str, Mapping[Status, int]]
    by_branch: Mapping[str, Mapping[Status, int]]
    changes_by_kind: Mapping[str, int]
    changes_by_branch: Mapping[str, int]
    trend: tuple[TrendPoint, ...]
    oldest_waiting: tuple[ChangeRow, ...]
    most_waiting: tuple[PackageRow, ...]
    activity: tuple[Activity, ...]


@dataclass(frozen=True, slots=True)
class ScanRunView:
    id: int
    started_at: datetime
    finished_at: datetime | None
    status: ScanStatus
    packages_scanned: int
    changes_seen: int
    error: str | None


@dataclass(frozen=True, slots=True)
class StalePackage:
    name: str
    last_error: str | None
    checked_at: datetime


@dataclass(frozen=True, slots=True)
class InboxItemView:
    id: int
    forge: str
    event_type: str
    state: InboxState
    attempts: int
    received_at: datetime
    next_attempt_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class Health:
    scans: tuple[ScanRunView, ...]
    stale: Page[StalePackage]
    branch_errors: tuple[tuple[str, str, str], ...]
    inbox_by_state: Mapping[str, int]
    inbox_oldest_waiting: datetime | None
    inbox_errors: tuple[InboxItemView, ...]
    failed_actions: tuple[ActionView, ...]


@dataclass(frozen=True, slots=True)
class OpsCounts:
    """What ``/metrics`` reads from the database at scrape time."""

    inbox_by_state: Mapping[str, int]
    inbox_oldest_waiting: datetime | None
    actions: Mapping[tuple[str, str], int]
    digests: Mapping[str, int]
    targets: Mapping[tuple[str, str], int]
    stale_packages: int
    last_finished_scan: ScanRunView | None
