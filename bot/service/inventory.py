"""One pass over a downstream forge: every package's branch pairs read through the API,
analyzed, and health-checked. A branch that is identical to its base costs one request."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.domain.health import HealthReport, Suppression, run_checks
from bot.domain.rules import AnalysisRules
from bot.forges.base import Forge, RepoRef
from bot.forges.errors import ForgeError
from bot.ingest.analyze import Analysis, analyze
from bot.ingest.distgit import DistGitError, read_distgit
from bot.service.remote_tree import read_remote_tree

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BranchPair:
    downstream: str
    base: str


@dataclass(frozen=True, slots=True)
class PackageBranch:
    """What one pass learned about one (package, downstream branch)."""

    package: str
    branch: str
    base: str
    same_as_base: bool = False
    analysis: Analysis | None = None
    health: HealthReport | None = None
    error: str | None = None


@dataclass(slots=True)
class Inventory:
    results: list[PackageBranch] = field(default_factory=list)
    packages: int = 0

    @property
    def analyzed(self) -> list[PackageBranch]:
        return [r for r in self.results if r.analysis is not None]


async def take_inventory(
    forge: Forge,
    namespace: str,
    pairs: Sequence[BranchPair],
    *,
    rules: AnalysisRules,
    suppressions: Sequence[Suppression] = (),
    packages: Sequence[str] | None = None,
) -> Inventory:
    """Every package of `namespace` (or the named ones) on every configured branch pair."""
    repos = await forge.list_repos(namespace)
    wanted = set(packages) if packages else None
    chosen = [r.ref for r in repos if wanted is None or r.ref.name in wanted]
    inventory = Inventory(packages=len(chosen))
    per_package = await asyncio.gather(
        *(_package(forge, ref, pairs, rules, suppressions) for ref in chosen)
    )
    for results in per_package:
        inventory.results.extend(results)
    return inventory


@dataclass(frozen=True, slots=True)
class PackageRead:
    """One package read through the forge: its branch pairs, and the heads they were at.

    `unchanged`: the heads equal the ones given as known, so nothing else was read.
    """

    results: list[PackageBranch]
    heads: dict[str, str]
    unchanged: bool = False


async def read_package(
    forge: Forge,
    repo: RepoRef,
    pairs: Sequence[BranchPair],
    *,
    rules: AnalysisRules,
    suppressions: Sequence[Suppression] = (),
    known_heads: Mapping[str, str] | None = None,
) -> PackageRead:
    """The package's branch pairs analyzed; with `known_heads`, only when a branch of a
    pair moved since (one request when none did). Forge errors are in the results."""
    try:
        branches = {b.name: b.sha for b in await forge.list_branches(repo)}
    except ForgeError as error:
        failed = [PackageBranch(repo.name, p.downstream, p.base, error=str(error)) for p in pairs]
        return PackageRead(failed, {})
    names = {name for pair in pairs for name in (pair.downstream, pair.base)}
    heads = {name: sha for name, sha in sorted(branches.items()) if name in names}
    if known_heads is not None and heads == dict(known_heads):
        return PackageRead([], heads, unchanged=True)
    return PackageRead(await _pairs(forge, repo, pairs, rules, suppressions, heads), heads)


async def _package(
    forge: Forge,
    repo: RepoRef,
    pairs: Sequence[BranchPair],
    rules: AnalysisRules,
    suppressions: Sequence[Suppression],
) -> list[PackageBranch]:
    read = await read_package(forge, repo, pairs, rules=rules, suppressions=suppressions)
    return read.results


async def _pairs(
    forge: Forge,
    repo: RepoRef,
    pairs: Sequence[BranchPair],
    rules: AnalysisRules,
    suppressions: Sequence[Suppression],
    heads: Mapping[str, str],
) -> list[PackageBranch]:
    results = []
    for pair in pairs:
        if pair.downstream not in heads or pair.base not in heads:
            continue
        if heads[pair.downstream] == heads[pair.base]:
            results.append(PackageBranch(repo.name, pair.downstream, pair.base, same_as_base=True))
            continue
        results.append(await _pair(forge, repo, pair, rules, suppressions))
    return results


async def _pair(
    forge: Forge,
    repo: RepoRef,
    pair: BranchPair,
    rules: AnalysisRules,
    suppressions: Sequence[Suppression],
) -> PackageBranch:
    try:
        base, downstream = await asyncio.gather(
            read_remote_tree(forge, repo, ref=pair.base),
            read_remote_tree(forge, repo, ref=pair.downstream),
        )
        base_git = read_distgit(base, where=f"{repo.path}@{pair.base}", package=repo.name)
        downstream_git = read_distgit(
            downstream, where=f"{repo.path}@{pair.downstream}", package=repo.name
        )
        analysis = analyze(base_git, downstream_git, rules=rules)
        health = run_checks(
            base_git,
            downstream_git,
            rules=rules,
            suppressions=suppressions,
            branch=pair.downstream,
        )
    except (ForgeError, DistGitError) as error:
        log.warning(
            "package could not be analyzed",
            extra={"package": repo.name, "branch": pair.downstream, "error": str(error)},
        )
        return PackageBranch(repo.name, pair.downstream, pair.base, error=str(error))
    return PackageBranch(repo.name, pair.downstream, pair.base, analysis=analysis, health=health)
