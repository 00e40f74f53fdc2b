"""One package's scan: its branch pairs read and analyzed through the downstream forge,
each change's upstream status decided in each target, changes gone downstream superseded,
all of it as one `PackageResult` to save (or, in a dry run, to compare)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from bot.domain.change import Change, scoped_id
from bot.domain.model import ChangeType, Status, Target
from bot.domain.rules import AnalysisRules
from bot.domain.upstream_status import StatusDecision, StatusRules, decide_status
from bot.forges.base import Forge, RepoRef
from bot.forges.errors import ForgeError
from bot.service.forge_urls import UrlMap
from bot.service.inventory import BranchPair, PackageBranch, read_package
from bot.service.observe import CommitIdentities, Observed, observe_target, resolve_links
from bot.service.supersede import find_superseded, superseded_rows
from bot.settings import Settings
from bot.store import Store
from bot.store.records import (
    BranchRecord,
    ChangeRecord,
    PackageRecord,
    ScanStatus,
    TargetState,
)
from bot.store.scan_records import BranchResult, PackageResult, Seen, StatusRow

log = logging.getLogger(__name__)

#: Where the original projects live on the project forge when its settings name no namespace.
DEFAULT_PROJECT_NAMESPACE = "upstream"


@dataclass(frozen=True, slots=True)
class Job:
    """A package to scan and what is known before reading it.

    `known_heads`: the branch heads of its last good scan, given when only the downstream
    repository was touched, so unmoved branches end the scan after one request.
    """

    package: str
    reason: str
    updated_at: datetime | None = None
    known_heads: Mapping[str, str] | None = None
    #: repositories the scan accounts for without reading them (the autopatch repository)
    also_seen: tuple[Seen, ...] = ()


@dataclass(frozen=True, slots=True)
class Decided:
    """One (change, target) row of a scan."""

    package: str
    branch: str
    change: Change
    target: Target
    target_branch: str
    decision: StatusDecision


@dataclass(slots=True)
class Outcome:
    """What scanning one package produced: a result to save, or the error that left it
    stale (its stored statuses stay as they were)."""

    job: Job
    result: PackageResult | None = None
    error: str | None = None
    read: list[PackageBranch] = field(default_factory=list)
    decided: list[Decided] = field(default_factory=list)
    unchanged: bool = False


class PackageScanner:
    """Scans packages one at a time; observations are shared by a package's branches."""

    def __init__(
        self,
        *,
        settings: Settings,
        forges: Mapping[str, Forge],
        store: Store,
        urls: UrlMap,
        rules: AnalysisRules,
        status_rules: StatusRules,
        now: datetime,
        identities: CommitIdentities | None = None,
    ) -> None:
        self.settings = settings
        self.forges = forges
        self.store = store
        self.urls = urls
        self.rules = rules
        self.status_rules = status_rules
        self.now = now
        self.identities = identities
        downstream = settings.downstream_forge
        self.downstream = forges[downstream.name]
        self.namespace = downstream.namespace or "rpms"
        self.pairs = [BranchPair(b.downstream, b.base) for b in settings.branches]

    def where(self, target: Target, package: str) -> tuple[str, RepoRef] | None:
        """The forge (by name) and repository of `package` in `target`, if configured."""
        config = self.settings.target(target)
        if config is None or config.forge not in self.forges:
            return None
        forge = self.settings.forge(config.forge)
        namespace = forge.namespace or (
            DEFAULT_PROJECT_NAMESPACE if target is Target.PROJECT else "rpms"
        )
        return config.forge, RepoRef(namespace, package)

    async def scan(self, job: Job) -> Outcome:
        outcome = Outcome(job)
        repo = RepoRef(self.namespace, job.package)
        read = await read_package(
            self.downstream, repo, self.pairs, rules=self.rules,
            suppressions=self.settings.health.suppressions, known_heads=job.known_heads,
        )
        outcome.read = read.results
        downstream_seen = Seen(self.settings.downstream_forge.name, repo.path, job.updated_at)
        record = PackageRecord(job.package, repo.path, updated_at=job.updated_at)
        if read.unchanged:
            outcome.unchanged = True
            outcome.result = PackageResult(
                record, (), (), seen=(downstream_seen, *job.also_seen), heads=read.heads
            )
            return outcome
        error = next((r.error for r in read.results if r.error), None)
        if error is not None:
            outcome.error = error
            return outcome
        observations: dict[tuple[Target, str | None], asyncio.Task[Observed | None]] = {}
        try:
            outcome.decided = await self._decide(job.package, read.results, observations)
        except ForgeError as failure:
            outcome.error = f"{type(failure).__name__}: {failure}"
            log.warning("package left stale", extra={"package": job.package, "error": str(failure)})
            return outcome
        finally:
            for task in observations.values():
                task.cancel()
        seen = [downstream_seen, *job.also_seen, *self._seen(job.package)]
        outcome.result = await self._result(record, read.results, read.heads, outcome.decided,
                                            tuple(seen))
        return outcome

    async def _decide(
        self,
        package: str,
        results: list[PackageBranch],
        observations: dict[tuple[Target, str | None], asyncio.Task[Observed | None]],
    ) -> list[Decided]:
        decided: list[Decided] = []
        for result in results:
            if result.analysis is None:
                continue
            mapping = self.settings.branch(result.branch)
            wanted = [(t.target, t.branch) for t in (mapping.targets if mapping else ())]
            wanted.append((Target.PROJECT, None))
            for target, target_branch in wanted:
                key = (target, target_branch)
                if key not in observations:
                    observations[key] = asyncio.ensure_future(
                        self._observe(target, target_branch, package)
                    )
                observed = await observations[key]
                if observed is None or (target is Target.PROJECT and not observed.exists):
                    continue
                for change in result.analysis.changes:
                    if target is Target.PROJECT and change.type is not ChangeType.PATCH:
                        continue
                    seen = await self._with_urls(observed, change)
                    decision = decide_status(
                        change, seen.observation, now=self.now, rules=self.status_rules
                    )
                    decided.append(
                        Decided(package, result.branch, change, target,
                                seen.observation.branch, decision)
                    )
        return decided

    async def _observe(
        self, target: Target, branch: str | None, package: str
    ) -> Observed | None:
        where = self.where(target, package)
        if where is None:
            return None
        forge, repo = where
        return await observe_target(
            self.forges[forge], repo, target=target, branch=branch, package=package,
            identities=self.identities,
        )

    async def _with_urls(self, observed: Observed, change: Change) -> Observed:
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

    def target_repos(self, package: str) -> list[tuple[Target, str, RepoRef]]:
        """Each configured target's (forge, repository) of `package`."""
        found = []
        for target in Target:
            where = self.where(target, package)
            if where is not None:
                found.append((target, *where))
        return found

    def _seen(self, package: str) -> list[Seen]:
        """Every target repository of the package is accounted for once its statuses are
        decided, including those no change needed to read."""
        return [Seen(forge, repo.path, None) for _, forge, repo in self.target_repos(package)]

    async def _result(
        self,
        record: PackageRecord,
        results: list[PackageBranch],
        heads: Mapping[str, str],
        decided: list[Decided],
        seen: tuple[Seen, ...],
    ) -> PackageResult:
        package = record.name
        branches, statuses = [], []
        superseded_by: dict[str, str | None] = {}
        first_seen: dict[str, datetime] = {}
        for result in results:
            changes = result.analysis.changes if result.analysis is not None else ()
            incoming = tuple(_record(package, result.branch, c) for c in changes)
            stored = await asyncio.to_thread(
                self.store.list_changes, package, result.branch, include_gone=True
            )
            first_seen.update({s.record.id: s.first_seen for s in stored})
            branches.append(BranchResult(
                BranchRecord(package, result.branch, result.base, head=heads.get(result.branch),
                             scan_status=ScanStatus.OK),
                incoming,
            ))
            for gone in find_superseded(stored, incoming):
                states = await asyncio.to_thread(self._states, gone.change.record.id)
                superseded_by[gone.change.record.id] = (
                    gone.successor.id if gone.successor is not None else None
                )
                statuses += superseded_rows(gone, states)
        for row in decided:
            statuses.append(self._status(row, first_seen))
        return PackageResult(
            record, tuple(branches), tuple(statuses), superseded_by, seen, dict(heads)
        )

    def _states(self, change_id: str) -> dict[Target, TargetState]:
        found = {}
        for target in Target:
            state = self.store.get_target_status(change_id, target)
            if state is not None and state.status is not Status.SUPERSEDED:
                found[target] = state
        return found

    def _status(self, row: Decided, first_seen: Mapping[str, datetime]) -> StatusRow:
        change_id = scoped_id(row.package, row.branch, row.change.id)
        decision = row.decision
        evidence: dict[str, object] = {"target_branch": row.target_branch}
        if decision.evidence is not None:
            evidence.update({k: v for k, v in asdict(decision.evidence).items() if v is not None})
        if decision.warnings:
            evidence["warnings"] = list(decision.warnings)
        if decision.status is Status.PENDING:
            # the age lives in the evidence, not the reason: a reason that changed every
            # day would write a transition every day
            since = first_seen.get(change_id, self.now)
            evidence["age_days"] = max((self.now - since).days, 0)
        url = decision.evidence.url if decision.evidence else None
        return StatusRow(change_id, row.target, decision.status, decision.reason, evidence, url)


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
        evidence={
            "analysis_id": change.id, "why": list(change.evidence), "file": change.file,
            "line": change.line,
        },
        missing_file=change.missing_file,
    )
