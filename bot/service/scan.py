"""One scan pass: every downstream change of every package and branch, its upstream status
in each configured target, stored with its reasons; a package whose forge calls fail is
marked stale and keeps its last known status."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from bot.domain.change import Change, scoped_id
from bot.domain.model import ChangeType, Status, Target
from bot.domain.rules import AnalysisRules
from bot.domain.upstream_status import StatusDecision, StatusRules, decide_status
from bot.forges.base import Forge, RepoRef
from bot.forges.errors import ForgeError
from bot.service.forge_urls import UrlMap, url_map_from_settings
from bot.service.inventory import BranchPair, Inventory, PackageBranch, take_inventory
from bot.service.observe import Observed, observe_target, resolve_links
from bot.settings import Settings
from bot.store import Store
from bot.store.records import BranchRecord, ChangeRecord, PackageRecord, ScanStatus, SnapshotCounts

log = logging.getLogger(__name__)

ACTOR = "scan"
#: Where the original projects live on the project forge when its settings name no namespace.
DEFAULT_PROJECT_NAMESPACE = "upstream"
_STATUS_RULES = StatusRules()
_AGE_BUCKETS = ((7, "<1w"), (30, "<1m"), (90, "<3m"), (365, "<1y"))


@dataclass(frozen=True, slots=True)
class Decided:
    """One (change, target) row of a scan."""

    package: str
    branch: str
    change: Change
    target: Target
    target_branch: str
    decision: StatusDecision


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
    packages: int = 0
    stale: dict[str, str] = field(default_factory=dict)
    changes: int = 0
    transitions: int = 0
    gone: int = 0
    #: (target, status) → rows
    rows: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: pending rows by age bucket
    ages: Counter[str] = field(default_factory=Counter)
    #: what the pass read and analyzed, for reports
    inventory: Inventory | None = None
    dry_run: bool = False
    #: in a dry run, the transitions a real pass would write
    planned: list[PlannedTransition] = field(default_factory=list)


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
) -> ScanSummary:
    """Scan the downstream forge's packages (or the named ones) and store what was found.

    `forges` maps each configured forge's name to its adapter; `now` dates everything.
    `progress` hears about each package once it is done. A `dry_run` reads the forges
    and the store, writes nothing, and lists the transitions it would have written.
    """
    downstream = settings.downstream_forge
    namespace = downstream.namespace or "rpms"
    summary = ScanSummary(run_id=0 if dry_run else store.start_scan_run(now=now), dry_run=dry_run)
    inventory = await take_inventory(
        forges[downstream.name],
        namespace,
        [BranchPair(b.downstream, b.base) for b in settings.branches],
        rules=rules or _rules(settings),
        suppressions=settings.health.suppressions,
        packages=packages or settings.scan.include or None,
    )
    summary.inventory = inventory
    by_package: dict[str, list[PackageBranch]] = defaultdict(list)
    for result in inventory.results:
        if result.package not in settings.scan.exclude:
            by_package[result.package].append(result)
    urls = url_map_from_settings(settings)
    observer = _Observer(settings, forges, urls)
    outcomes = await asyncio.gather(
        *(_decide_package(observer, name, results, now, status_rules)
          for name, results in sorted(by_package.items())),
        return_exceptions=False,
    )
    kinds: Counter[str] = Counter()
    branches: Counter[str] = Counter()
    for name, results, decided, error in outcomes:
        summary.packages += 1
        error = error or next((r.error for r in results if r.error), None)
        if error is not None:
            summary.stale[name] = error
        if dry_run:
            if error is None:
                _plan_package(store, name, decided, summary)
        else:
            store.upsert_package(
                PackageRecord(
                    name, f"{namespace}/{name}", stale=error is not None, last_error=error
                ),
                now=now,
            )
            if error is None:
                _store_package(store, name, results, decided, now, summary)
        if progress is not None:
            progress(ScanProgress(summary.packages, len(outcomes), name, len(summary.stale)))
        if error is not None:
            continue
        for row in decided:
            summary.rows[(str(row.target), str(row.decision.status))] += 1
            kinds[str(row.change.kind)] += 1
            branches[row.branch] += 1
    if dry_run:
        return summary
    by_target: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    for (target, status), n in summary.rows.items():
        by_target[target] += n
        by_status[status] += n
    store.add_snapshot(
        SnapshotCounts(dict(by_status), dict(kinds), dict(by_target), dict(branches), {},
                       dict(summary.ages)),
        now=now,
        scan_run_id=summary.run_id,
    )
    store.finish_scan_run(
        summary.run_id,
        status=ScanStatus.PARTIAL if summary.stale else ScanStatus.OK,
        now=now,
        packages_scanned=summary.packages,
        changes_seen=summary.changes,
        error="; ".join(f"{p}: {e}" for p, e in sorted(summary.stale.items())) or None,
    )
    return summary


class _Observer:
    """Observations per (target, branch, package), shared by a package's branches."""

    def __init__(self, settings: Settings, forges: Mapping[str, Forge], urls: UrlMap) -> None:
        self.settings = settings
        self.forges = forges
        self.urls = urls
        self.cache: dict[tuple[Target, str | None, str], asyncio.Task[Observed]] = {}

    def where(self, target: Target, package: str) -> tuple[Forge, RepoRef] | None:
        config = self.settings.target(target)
        if config is None or config.forge not in self.forges:
            return None
        forge = self.settings.forge(config.forge)
        namespace = forge.namespace or (
            DEFAULT_PROJECT_NAMESPACE if target is Target.PROJECT else "rpms"
        )
        return self.forges[config.forge], RepoRef(namespace, package)

    async def observe(self, target: Target, branch: str | None, package: str) -> Observed | None:
        where = self.where(target, package)
        if where is None:
            return None
        key = (target, branch, package)
        if key not in self.cache:
            forge, repo = where
            self.cache[key] = asyncio.ensure_future(
                observe_target(forge, repo, target=target, branch=branch, package=package)
            )
        return await self.cache[key]

    async def with_urls(self, observed: Observed, change: Change) -> Observed:
        config = self.settings.target(observed.observation.target)
        links = [
            link
            for link in self.urls.links((*change.references, change.status_raw or ""))
            if config is not None and link.forge == config.forge
        ]
        if not links:
            return observed
        resolved = await resolve_links(self.forges[links[0].forge], links)
        return replace(observed, observation=replace(observed.observation, urls=resolved))


async def _decide_package(
    observer: _Observer,
    package: str,
    results: list[PackageBranch],
    now: datetime,
    rules: StatusRules,
) -> tuple[str, list[PackageBranch], list[Decided], str | None]:
    decided: list[Decided] = []
    try:
        for result in results:
            if result.analysis is None:
                continue
            mapping = observer.settings.branch(result.branch)
            wanted = [(t.target, t.branch) for t in (mapping.targets if mapping else ())]
            wanted.append((Target.PROJECT, None))
            for target, target_branch in wanted:
                observed = await observer.observe(target, target_branch, package)
                if observed is None or (target is Target.PROJECT and not observed.exists):
                    continue
                for change in result.analysis.changes:
                    if target is Target.PROJECT and change.type is not ChangeType.PATCH:
                        continue
                    seen = await observer.with_urls(observed, change)
                    decision = decide_status(change, seen.observation, now=now, rules=rules)
                    decided.append(
                        Decided(package, result.branch, change, target,
                                seen.observation.branch, decision)
                    )
    except ForgeError as error:
        log.warning("package left stale", extra={"package": package, "error": str(error)})
        return package, results, [], f"{type(error).__name__}: {error}"
    return package, results, decided, None


def _store_package(
    store: Store,
    package: str,
    results: list[PackageBranch],
    decided: list[Decided],
    now: datetime,
    summary: ScanSummary,
) -> None:
    for result in results:
        store.upsert_branch(
            BranchRecord(package, result.branch, result.base, scan_status=ScanStatus.OK), now=now
        )
        changes = result.analysis.changes if result.analysis is not None else ()
        recorded = store.record_changes(
            package, result.branch, [_record(package, result.branch, c) for c in changes], now=now
        )
        summary.changes += len(changes)
        summary.gone += len(recorded.gone)
    first_seen = {
        stored.record.id: stored.first_seen
        for result in results
        for stored in store.list_changes(package, result.branch)
    }
    for row in decided:
        change_id = scoped_id(package, row.branch, row.change.id)
        decision = row.decision
        evidence: dict[str, object] = {"target_branch": row.target_branch}
        if decision.evidence is not None:
            evidence.update({k: v for k, v in asdict(decision.evidence).items() if v is not None})
        if decision.warnings:
            evidence["warnings"] = list(decision.warnings)
        since = first_seen.get(change_id)
        if decision.status is Status.PENDING and since is not None:
            # The age lives in the evidence, not the reason: a reason that changed every
            # day would write a transition every day.
            evidence["age_days"] = max((now - since).days, 0)
            summary.ages[_bucket(evidence["age_days"])] += 1
        changed = store.set_target_status(
            change_id, row.target, decision.status, reason=decision.reason,
            evidence=evidence, now=now, actor=ACTOR,
            url=decision.evidence.url if decision.evidence else None,
        )
        summary.transitions += changed


def _plan_package(store: Store, package: str, decided: list[Decided], summary: ScanSummary) -> None:
    for row in decided:
        change_id = scoped_id(package, row.branch, row.change.id)
        current = store.get_target_status(change_id, row.target)
        status, reason = row.decision.status, row.decision.reason
        if current is None or (current.status, current.reason) != (status, reason):
            summary.planned.append(PlannedTransition(
                change_id, row.target, current.status if current else None, status, reason
            ))
            summary.transitions += 1


def _record(package: str, branch: str, change: Change) -> ChangeRecord:
    return ChangeRecord(
        id=scoped_id(package, branch, change.id),
        type=change.type,
        operation=change.operation,
        name=change.name,
        content_id=change.content_id or change.id,
        kind=change.kind,
        upstreamable=change.upstreamable,
        declared_status=change.declared_status,
        declared_raw=change.status_raw,
        patch_id=change.patch_id,
        evidence={"analysis_id": change.id, "why": list(change.evidence), "file": change.file},
        missing_file=change.missing_file,
    )


def _bucket(days: int) -> str:
    return next((label for limit, label in _AGE_BUCKETS if days < limit), ">=1y")


def _rules(settings: Settings) -> AnalysisRules:
    distribution = settings.distribution
    return AnalysisRules.for_distribution(
        name=distribution.name,
        guard_macro=distribution.guard_macro,
        release_suffix=distribution.release_suffix,
        words=distribution.words,
        vendor_words=distribution.vendor_words,
    )
