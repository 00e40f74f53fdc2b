"""One scan pass: the packages that changed since the last scan (discovery), each read,
decided and saved as a work item of a scan run, by a few workers that claim items under a
lease; a package whose forge calls fail is marked stale, keeps its last known statuses
and is retried later. A run whose process died is resumed by the next scan."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.rules import AnalysisRules
from bot.domain.upstream_status import StatusRules
from bot.forges.base import Forge
from bot.service.commit_cache import StoredIdentities
from bot.service.discovery import Plan, Watched, plan_packages, read_watch, watches
from bot.service.forge_urls import url_map_from_settings
from bot.service.inventory import Inventory
from bot.service.lease_owner import dead_owners, owner_id
from bot.service.package_scan import DEFAULT_PROJECT_NAMESPACE, Job, Outcome, PackageScanner
from bot.service.scan_report import PlannedTransition, ScanProgress, ScanSummary, tally
from bot.settings import Settings
from bot.store import Store
from bot.store.records import WorkState
from bot.store.scan_records import WorkItem
from bot.store.scan_results import settled

log = logging.getLogger(__name__)

__all__ = ["PlannedTransition", "ScanProgress", "ScanSummary", "scan_once"]

ACTOR = "scan"
_STATUS_RULES = StatusRules()
#: how many packages are scanned at once (the forges' own limits queue their requests)
WORKERS = 16
#: how long a claimed package is left to its worker before another may take it
LEASE = timedelta(minutes=10)
#: retry delays of a failing package: the next scan, then doubling from this, up to the cap
RETRY_BASE = timedelta(minutes=15)
RETRY_CAP = timedelta(hours=6)


async def scan_once(
    *,
    settings: Settings,
    forges: Mapping[str, Forge],
    store: Store,
    now: datetime,
    packages: Sequence[str] | None = None,
    rules: AnalysisRules | None = None,
    status_rules: StatusRules = _STATUS_RULES,
    progress: Callable[[ScanProgress], None] | None = None,
    dry_run: bool = False,
    incremental: bool = True,
    workers: int = WORKERS,
    keep_inventory: bool = False,
) -> ScanSummary:
    """Scan what changed on the forges since the last scan (or the named `packages`, or
    everything when not `incremental`) and store what was found.

    `forges` maps each configured forge's name to its adapter; `now` dates everything.
    `progress` hears about each package once it is done. A `dry_run` reads the forges
    and the store, writes nothing, and lists the transitions it would have written.
    `keep_inventory` keeps every analysis read in `ScanSummary.inventory` (for reports
    about the pass; a pass over thousands of packages holds them all in memory).
    """
    scanner = PackageScanner(
        settings=settings, forges=forges, store=store, urls=url_map_from_settings(settings),
        rules=rules or _rules(settings), status_rules=status_rules, now=now,
        identities=StoredIdentities(store, now=now, write=not dry_run),
    )
    if dry_run:
        return await _dry_run(scanner, settings, forges, store, now, packages, incremental,
                              progress, workers, keep_inventory)
    run = await asyncio.to_thread(store.scans.open_run, now=now, resume=not packages)
    summary = ScanSummary(run_id=run.id, resumed=run.resumed,
                          inventory=Inventory() if keep_inventory else None)
    plan = await _plan(settings, forges, store, now, packages, incremental, record=True)
    summary.skipped, summary.deferred = plan.skipped, dict(plan.deferred)
    queued = await asyncio.to_thread(
        store.scans.queue_work, run.id, {n: j.reason for n, j in plan.jobs.items()}, now=now
    )
    log.info("scan planned", extra={"run": run.id, "queued": len(queued),
                                    "skipped": plan.skipped, "resumed": run.resumed})
    state = await asyncio.to_thread(store.scans.run_state, run.id)
    counter = _Counter(state.work.get(WorkState.DONE, 0) + state.work.get(WorkState.FAILED, 0),
                       sum(state.work.values()), progress)
    # a pass for named packages (a push webhook's refresh) works on those only, even when
    # a full pass shares its run
    crew = _Crew(scanner, store, run.id, plan.jobs, now, summary, counter,
                 only=frozenset(packages) if packages else None)
    orphans = dead_owners(await asyncio.to_thread(store.scans.lease_owners, run.id))
    await asyncio.gather(*(crew.work(orphans) for _ in range(max(1, workers))))
    # snoozes run out with the calendar: their pairs go back without their package changing
    summary.transitions += await asyncio.to_thread(store.expire_snoozes, now=now, actor=ACTOR)
    summary.finished = await asyncio.to_thread(
        store.scans.close_run, run.id, now=now, changes_seen=summary.changes
    )
    await _report(store, summary, now, snapshot=summary.finished)
    return summary


@dataclass(slots=True)
class _Counter:
    done: int
    total: int
    progress: Callable[[ScanProgress], None] | None
    stale: int = 0

    def tick(self, package: str, *, stale: bool) -> None:
        self.done += 1
        self.stale += stale
        if self.progress is not None:
            self.progress(ScanProgress(self.done, self.total, package, self.stale))


@dataclass(slots=True)
class _Crew:
    """Workers that claim the run's items one at a time until none is left."""

    scanner: PackageScanner
    store: Store
    run_id: int
    jobs: Mapping[str, Job]
    now: datetime
    summary: ScanSummary
    counter: _Counter
    only: frozenset[str] | None = None
    owner: str = field(default_factory=owner_id)

    async def work(self, orphans: list[str]) -> None:
        scans = self.store.scans
        while True:
            claimed = await asyncio.to_thread(
                scans.claim_work, self.run_id, owner=self.owner, now=self.now, lease=LEASE,
                orphans=orphans, only=self.only,
            )
            if not claimed:
                return
            for item in claimed:
                await self._one(item)

    async def _one(self, item: WorkItem) -> None:
        job = self.jobs.get(item.package) or Job(item.package, item.reason or "unfinished")
        outcome = await _scan(self.scanner, job)
        summary = self.summary
        if outcome.result is None:
            error = outcome.error or "unknown error"
            await asyncio.to_thread(
                self.store.scans.fail_work, item.package,
                repo=f"{self.scanner.namespace}/{item.package}", error=error, now=self.now,
                retry_at=self.now + retry_delay(item.attempts + 1),
            )
            summary.stale[item.package] = error
        else:
            saved = await asyncio.to_thread(
                self.store.scans.save_package, outcome.result, now=self.now, actor=ACTOR
            )
            summary.transitions += saved.transitions
            summary.changes += saved.changes
            summary.gone += saved.gone
        _account(summary, outcome)
        self.counter.tick(item.package, stale=outcome.result is None)


async def _dry_run(
    scanner: PackageScanner,
    settings: Settings,
    forges: Mapping[str, Forge],
    store: Store,
    now: datetime,
    packages: Sequence[str] | None,
    incremental: bool,
    progress: Callable[[ScanProgress], None] | None,
    workers: int,
    keep_inventory: bool,
) -> ScanSummary:
    summary = ScanSummary(run_id=0, dry_run=True,
                          inventory=Inventory() if keep_inventory else None)
    plan = await _plan(settings, forges, store, now, packages, incremental, record=False)
    summary.skipped, summary.deferred = plan.skipped, dict(plan.deferred)
    counter = _Counter(0, len(plan.jobs), progress)
    queue = list(plan.jobs.values())

    async def work() -> None:
        while queue:
            job = queue.pop(0)
            outcome = await _scan(scanner, job)
            if outcome.result is None:
                summary.stale[job.package] = outcome.error or "unknown error"
            else:
                await asyncio.to_thread(_plan_transitions, store, outcome, summary, now)
            _account(summary, outcome)
            for row in outcome.decided:
                summary.rows[(str(row.target), str(row.decision.status))] += 1
            counter.tick(job.package, stale=outcome.result is None)

    await asyncio.gather(*(work() for _ in range(max(1, workers))))
    return summary


async def _scan(scanner: PackageScanner, job: Job) -> Outcome:
    try:
        return await scanner.scan(job)
    except Exception as error:  # one package's bug must not stop the others
        log.exception("package scan failed", extra={"package": job.package})
        return Outcome(job, error=f"{type(error).__name__}: {error}")


async def _plan(
    settings: Settings,
    forges: Mapping[str, Forge],
    store: Store,
    now: datetime,
    packages: Sequence[str] | None,
    incremental: bool,
    *,
    record: bool,
) -> Plan:
    watched: dict[str, Watched] = {}
    if not packages:
        found = watches(settings, forges, DEFAULT_PROJECT_NAMESPACE)
        read = await asyncio.gather(
            *(read_watch(forges[w.forge], w, store, full=not incremental, record=record)
              for w in found.values())
        )
        watched = dict(zip(found, read, strict=True))
    else:
        downstream = watches(settings, forges, DEFAULT_PROJECT_NAMESPACE)["downstream"]
        states = await asyncio.to_thread(
            store.scans.watch_states, downstream.forge, downstream.namespace
        )
        watched["downstream"] = Watched(downstream, {p.rpartition("/")[2]: s
                                                     for p, s in states.items()})
    items = await asyncio.to_thread(store.scans.work_items)
    scan = settings.scan

    def wants(package: str, autopatched: bool) -> bool:
        if package in scan.exclude:
            return False
        return not scan.include or package in scan.include or autopatched

    return plan_packages(watched, items, wants=wants, now=now, asked=packages,
                         full=not incremental)


def _plan_transitions(
    store: Store, outcome: Outcome, summary: ScanSummary, now: datetime
) -> None:
    """The transitions saving the outcome would write (settled as the save settles them)."""
    assert outcome.result is not None
    statuses = outcome.result.statuses
    rows = store.read(f"planning the statuses of {outcome.job.package} from",
                      lambda session: settled(session, statuses, now=now))
    for row, current, found in rows:
        if current is None or (current.status, current.reason) != (found.status, found.reason):
            summary.planned.append(PlannedTransition(
                row.change_id, row.target, current.status if current else None, found.status,
                found.reason,
            ))
            summary.transitions += 1


def _account(summary: ScanSummary, outcome: Outcome) -> None:
    summary.packages += 1
    summary.touched.append(outcome.job.package)
    if outcome.unchanged:
        summary.unchanged.append(outcome.job.package)
    if summary.inventory is not None:
        summary.inventory.results.extend(outcome.read)
        summary.inventory.packages += 1


async def _report(store: Store, summary: ScanSummary, now: datetime, *, snapshot: bool) -> None:
    """The summary's counts from the whole stored inventory, skipped packages included
    (pending ages are counted from when each change was first seen, so they move without
    a forge call), and the run's snapshot when this scan closed it."""
    rows = await asyncio.to_thread(store.scans.inventory_rows)
    counts = tally(rows, now)
    summary.rows = counts.rows
    summary.ages = Counter(counts.snapshot.by_age)
    if snapshot:
        await asyncio.to_thread(
            store.add_snapshot, counts.snapshot, now=now, scan_run_id=summary.run_id
        )


def retry_delay(attempts: int) -> timedelta:
    """How long a package that failed `attempts` times in a row waits: the first failure
    is retried by the next scan, later ones back off."""
    if attempts <= 1:
        return timedelta(0)
    return min(RETRY_CAP, RETRY_BASE * 2 ** (attempts - 2))


def _rules(settings: Settings) -> AnalysisRules:
    distribution = settings.distribution
    return AnalysisRules.for_distribution(
        name=distribution.name,
        guard_macro=distribution.guard_macro,
        release_suffix=distribution.release_suffix,
        words=distribution.words,
        vendor_words=distribution.vendor_words,
    )

