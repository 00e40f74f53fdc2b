"""What a scan pass tells its caller (progress after each package, the end summary, the
transitions a dry run would write) and the counts of the stored inventory it reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.model import Status, Target
from bot.service.inventory import Inventory
from bot.store.records import SnapshotCounts
from bot.store.scan_records import InventoryRow

_AGE_BUCKETS = ((7, "<1w"), (30, "<1m"), (90, "<3m"), (365, "<1y"))


@dataclass(frozen=True, slots=True)
class ScanProgress:
    """Where a scan pass stands, reported after each package."""

    done: int
    total: int
    package: str
    stale: int


@dataclass(frozen=True, slots=True)
class PlannedTransition:
    """A status change a dry run would have written."""

    change_id: str
    target: Target
    from_status: Status | None
    to_status: Status
    reason: str | None


@dataclass(slots=True)
class ScanSummary:
    #: 0 for a dry run, which opens no scan run
    run_id: int
    #: packages read in this pass (including those whose branches had not moved)
    packages: int = 0
    stale: dict[str, str] = field(default_factory=dict)
    changes: int = 0
    transitions: int = 0
    gone: int = 0
    #: (target, status) → rows of the whole stored inventory (in a dry run: of what was read)
    rows: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: pending rows by age bucket
    ages: Counter[str] = field(default_factory=Counter)
    #: what the pass read and analyzed, for reports
    inventory: Inventory | None = None
    dry_run: bool = False
    #: in a dry run, the transitions a real pass would write
    planned: list[PlannedTransition] = field(default_factory=list)
    #: packages read, in the order they were done
    touched: list[str] = field(default_factory=list)
    #: packages read whose branches had not moved (one request each)
    unchanged: list[str] = field(default_factory=list)
    #: packages unchanged since their last scan, not read at all
    skipped: int = 0
    #: failed packages waiting for their retry time → why
    deferred: dict[str, str] = field(default_factory=dict)
    #: this pass went on with a run an earlier process left unfinished
    resumed: bool = False
    #: this pass closed its run (False: other workers still hold some of its packages)
    finished: bool = False


@dataclass(frozen=True, slots=True)
class Tally:
    rows: Counter[tuple[str, str]]
    snapshot: SnapshotCounts


def tally(rows: list[InventoryRow], now: datetime) -> Tally:
    """Counts of the inventory for the summary and the snapshot; pending rows by their age
    at `now`."""
    pairs: Counter[tuple[str, str]] = Counter()
    by = {name: Counter[str]() for name in ("status", "kind", "target", "branch", "owner", "age")}
    for row in rows:
        pairs[(str(row.target), str(row.status))] += 1
        by["status"][str(row.status)] += 1
        by["target"][str(row.target)] += 1
        by["branch"][row.branch] += 1
        if row.kind is not None:
            by["kind"][row.kind] += 1
        if row.owner is not None:
            by["owner"][row.owner] += 1
        if row.status is Status.PENDING:
            by["age"][_bucket(max((now - row.first_seen).days, 0))] += 1
    snapshot = SnapshotCounts(*(dict(by[name]) for name in
                                ("status", "kind", "target", "branch", "owner", "age")))
    return Tally(pairs, snapshot)


def _bucket(days: int) -> str:
    return next((label for limit, label in _AGE_BUCKETS if days < limit), ">=1y")
