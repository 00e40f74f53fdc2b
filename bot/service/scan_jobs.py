"""The scanner's scheduled work: the full scan every `scan.interval`, a coalesced refresh of
the packages pushes touched, and the sync of submitted change requests' state between
scans (CentOS Stream and Fedora send us no webhooks, so their merge requests are polled)."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.model import Status
from bot.domain.upstream_status import MatchKind
from bot.forges.base import ChangeRequest, ChangeState, Forge
from bot.forges.errors import ForgeError
from bot.service.forge_urls import UrlKind, UrlMap, url_map_from_settings
from bot.service.scan import ScanProgress, ScanSummary, scan_once
from bot.service.scheduler import BotScheduler, Every, JobSpec
from bot.settings import Settings
from bot.store import Store
from bot.store.records import TargetState

log = logging.getLogger(__name__)

FULL_SCAN = "scan"
REFRESH = "refresh"
MR_SYNC = "mr-sync"
SYNC_ACTOR = "mr-sync"
#: how long a refresh waits for more pushes before it starts (a push of several branches,
#: or an autopatch rebuild, arrives as a burst)
REFRESH_DELAY = timedelta(seconds=5)
#: evidence kinds that name a change request carrying the change (the scan's rules 2, 5, 6)
_CARRIED_BY = frozenset(
    {MatchKind.MARKER, MatchKind.FILE_CONTENT, MatchKind.PATCH_ID, MatchKind.HUNKS,
     MatchKind.FILE_NAME}
)


@dataclass(slots=True)
class SyncSummary:
    """What one merge request sync saw."""

    #: change requests read
    checked: int = 0
    transitions: int = 0
    #: URL → error, for requests that could not be read (their pairs stay as they were)
    errors: dict[str, str] = field(default_factory=dict)
    #: submitted pairs without a URL of a change request on a configured forge
    untracked: int = 0
    #: pairs whose declared URL was closed unmerged: left to the next scan, which decides
    #: what a closed declared submission means
    left_to_scan: int = 0


class ScanJobs:
    """The scanner's runs over one set of forges and one store; `clock` dates each run."""

    def __init__(
        self,
        *,
        settings: Settings,
        forges: Mapping[str, Forge],
        store: Store,
        clock: Callable[[], datetime],
        progress: Callable[[ScanProgress], None] | None = None,
        report: Callable[[ScanSummary], None] | None = None,
    ) -> None:
        self.settings = settings
        self.forges = forges
        self.store = store
        self.clock = clock
        self.progress = progress
        self.report = report
        self.urls = url_map_from_settings(settings)

    async def scan(self, packages: Sequence[str] | None = None) -> ScanSummary:
        """One scan pass over every package (or the named ones)."""
        summary = await scan_once(
            settings=self.settings, forges=self.forges, store=self.store, now=self.clock(),
            packages=packages, progress=self.progress,
        )
        log.info(
            "scan pass done",
            extra={"run": summary.run_id, "packages": summary.packages,
                   "transitions": summary.transitions, "stale": sorted(summary.stale)},
        )
        if self.report is not None:
            self.report(summary)
        return summary

    async def sync(self) -> SyncSummary:
        """Re-read the change requests of every `submitted` pair and record the merged and
        closed ones."""
        return await sync_change_requests(
            forges=self.forges, store=self.store, urls=self.urls, now=self.clock()
        )


def full_scan_job(jobs: ScanJobs, *, packages: Sequence[str] | None = None) -> JobSpec:
    """The full scan (of `packages` only, when given): at start, then every `scan.interval`
    with `scan.jitter`; a run missed by less than an interval (a restart) still happens."""
    scan = jobs.settings.scan

    async def run() -> None:
        await jobs.scan(packages)

    return JobSpec(
        FULL_SCAN, Every(scan.interval, at_start=True), run, jitter=scan.jitter,
        misfire_grace_time=scan.interval,
    )


def mr_sync_job(jobs: ScanJobs) -> JobSpec:
    """The merge request sync every `scan.sync_interval`."""
    scan = jobs.settings.scan

    async def run() -> None:
        summary = await jobs.sync()
        log.info(
            "merge request sync done",
            extra={"checked": summary.checked, "transitions": summary.transitions,
                   "errors": len(summary.errors)},
        )

    return JobSpec(
        MR_SYNC, Every(scan.sync_interval), run, jitter=min(scan.jitter, scan.sync_interval / 10),
        misfire_grace_time=scan.sync_interval,
    )


class Refresher:
    """Turns "package P changed" (a push webhook) into a scan of P soon.

    Requests within `delay` of each other coalesce into one run, which scans every package
    asked for. A request that arrives while a run is going is picked up by that run once
    its current batch is done, so none is lost and none runs twice at once.
    """

    def __init__(
        self,
        scheduler: BotScheduler,
        scan: Callable[[Sequence[str]], Awaitable[object]],
        *,
        delay: timedelta = REFRESH_DELAY,
    ) -> None:
        self._scheduler = scheduler
        self._scan = scan
        self._delay = delay
        self._pending: set[str] = set()
        self._running = False

    @property
    def pending(self) -> frozenset[str]:
        return frozenset(self._pending)

    def request_refresh(self, package: str) -> None:
        """Scan `package` soon; several requests in a row give one scan."""
        self._pending.add(package)
        if not self._running:
            self._scheduler.run_soon(REFRESH, self._run, delay=self._delay)

    async def _run(self) -> None:
        self._running = True
        try:
            while self._pending:
                batch = sorted(self._pending)
                self._pending.clear()
                try:
                    await self._scan(batch)
                except Exception:
                    # the next full scan covers these packages; the other requests still run
                    log.exception("refresh failed", extra={"packages": batch})
        finally:
            self._running = False


async def sync_change_requests(
    *, forges: Mapping[str, Forge], store: Store, urls: UrlMap, now: datetime
) -> SyncSummary:
    """Read each submitted pair's change request once and record `merged` or `rejected`
    for those no longer open, with the reason the scan would give them."""
    summary = SyncSummary()
    by_url: dict[str, list[TargetState]] = defaultdict(list)
    for state in store.list_target_states(status=Status.SUBMITTED):
        link = urls.link(state.url) if state.url else None
        if link is None or link.kind is not UrlKind.REQUEST or link.forge not in forges:
            summary.untracked += 1
            continue
        by_url[link.url].append(state)

    async def read(url: str) -> ChangeRequest | ForgeError:
        link = urls.link(url)
        assert link is not None and link.number is not None
        try:
            return await forges[link.forge].get_change(link.repo, link.number)
        except ForgeError as error:
            return error

    answers = await asyncio.gather(*(read(url) for url in by_url))
    for (url, states), answer in zip(by_url.items(), answers, strict=True):
        if isinstance(answer, ForgeError):
            summary.errors[url] = f"{type(answer).__name__}: {answer}"
            log.warning("change request not read", extra={"url": url, "error": str(answer)})
            continue
        summary.checked += 1
        if answer.state is ChangeState.OPEN:
            continue
        for state in states:
            decided = _closed(state, answer)
            if decided is None:
                summary.left_to_scan += 1
                continue
            status, reason = decided
            summary.transitions += store.set_target_status(
                state.change_id, state.target, status, reason=reason,
                evidence=state.evidence, now=now, actor=SYNC_ACTOR, url=state.url,
            )
    return summary


def _closed(state: TargetState, request: ChangeRequest) -> tuple[Status, str] | None:
    """The status and reason of a pair whose request is no longer open, in the words
    `decide_status` uses, so the next scan finding the same writes no second transition."""
    evidence = state.evidence
    kind = evidence.get("matched_by")
    where = f"{state.target} {evidence.get('target_branch', '')}".rstrip()
    merged = request.state is ChangeState.MERGED
    if kind in _CARRIED_BY:
        if merged:
            return Status.MERGED, f"merged in {where} as !{request.number} ({kind})"
        return Status.REJECTED, f"!{request.number} in {where} was closed unmerged ({kind})"
    if kind == MatchKind.DECLARED_URL and merged:
        return Status.MERGED, f"the header's {state.url} was merged"
    return None
