"""The plain values of incremental, resumable scans: watched repositories, per-package work
items, one package's scan result as it is saved, and the inventory rows trends count."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.model import Status, Target
from bot.store.records import (
    BranchRecord,
    ChangeRecord,
    JsonObject,
    PackageRecord,
    ScanStatus,
    WorkState,
)


@dataclass(frozen=True, slots=True)
class RepoUpdate:
    """One repository of a listing, with its last update as the forge reported it."""

    path: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class WatchState:
    """What the scanner knows of one repository.

    `listed_update` is the last update the newest listing showed; `seen_update` the one it
    had when the repository was last read successfully (they differ: something to read);
    `observed_at` when that read happened (for forges that cannot list by activity).
    """

    forge: str
    path: str
    namespace: str
    listed_update: datetime | None
    seen_update: datetime | None
    observed_at: datetime | None

    @property
    def changed(self) -> bool:
        return self.listed_update is not None and self.listed_update != self.seen_update


@dataclass(frozen=True, slots=True)
class Seen:
    """A repository read successfully: its last update then (None: not known)."""

    forge: str
    path: str
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A package's scan work."""

    package: str
    run_id: int | None
    state: WorkState
    reason: str | None
    attempts: int
    next_attempt_at: datetime
    lease_owner: str | None
    lease_expires_at: datetime | None
    last_error: str | None
    heads: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class RunState:
    """A scan run and where its work items stand."""

    id: int
    started_at: datetime
    status: ScanStatus
    #: work items of the run by state
    work: Mapping[WorkState, int]
    resumed: bool = False

    @property
    def open_items(self) -> int:
        return self.work.get(WorkState.PENDING, 0) + self.work.get(WorkState.CLAIMED, 0)


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One (change, target) status a scan decided."""

    change_id: str
    target: Target
    status: Status
    reason: str | None
    evidence: JsonObject
    url: str | None = None


@dataclass(frozen=True, slots=True)
class BranchResult:
    """A branch as one scan saw it, with every change it carries now."""

    branch: BranchRecord
    changes: tuple[ChangeRecord, ...]


@dataclass(frozen=True, slots=True)
class PackageResult:
    """Everything one package's scan writes, saved in one transaction with its work item.

    `superseded_by` maps each change gone downstream in this scan to the change that
    replaced it (None: dropped, nothing replaced it); its `superseded` statuses are among
    `statuses`.
    """

    package: PackageRecord
    branches: tuple[BranchResult, ...]
    statuses: tuple[StatusRow, ...]
    superseded_by: Mapping[str, str | None] = field(default_factory=dict)
    seen: tuple[Seen, ...] = ()
    heads: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Saved:
    """What saving a package result wrote."""

    transitions: int
    changes: int
    gone: int


@dataclass(frozen=True, slots=True)
class InventoryRow:
    """One current (change, target) status with what trends group it by."""

    change_id: str
    target: Target
    status: Status
    kind: str | None
    branch: str
    owner: str | None
    first_seen: datetime
    gone: bool
