"""Seeds a sandbox World shaped like AlmaLinux's: N packages with their base imports, autopatch
configs and downstream branches on Gitea, CentOS Stream on GitLab, Fedora on Pagure, the
original projects on GitHub, a deterministic mix of upstream states, and the Truth of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.model import ChangeType, Operation
from bot.domain.rules import AnalysisRules
from bot.ingest.analyze_files import file_identity
from bot.sandbox.seed_changes import ChangePlan
from bot.sandbox.seed_downstream import base_patch_files, build_downstream
from bot.sandbox.seed_history import RepoPlan
from bot.sandbox.seed_names import package_names
from bot.sandbox.seed_packages import plan_package
from bot.sandbox.seed_plan import Dealer, PackagePlan
from bot.sandbox.seed_project import build_project, project_path
from bot.sandbox.seed_targets import build_targets
from bot.sandbox.seed_truth import branch_truth
from bot.sandbox.seed_write import WorldWriter
from bot.sandbox.truth import PackageTruth, Truth
from bot.sandbox.world import FORGES, World

#: who lives on every forge; `maintainer` (the targets' own people) only on the targets
USERS = ("upstream-bot", "packager", "outsider")
TARGET_FORGES = ("gitlab", "pagure", "github")


@dataclass(frozen=True, slots=True)
class PackageBuild:
    """Everything one package adds to the world, and its truth."""

    repos: tuple[RepoPlan, ...]
    changes: tuple[ChangePlan, ...]
    truth: PackageTruth


def sandbox_rules() -> AnalysisRules:
    """The analysis rules of `config/sandbox.toml`'s distribution, which the scanner uses."""
    return AnalysisRules.for_distribution(
        name="AlmaLinux",
        guard_macro="almalinux",
        release_suffix=".alma",
        words=("alma linux",),
        vendor_words=("Red Hat", "redhat", "RHEL", "CentOS", "RHTS"),
    )


def seed_world(
    world: World,
    *,
    packages: int = 300,
    seed: int = 0,
    names: Sequence[str] | None = None,
    now: datetime,
    rules: AnalysisRules | None = None,
    workers: int = 2,
) -> Truth:
    """Fill an empty `world` and return its truth; the same arguments give the same world.

    `names` are used first (in order), then `pkg-0001`-style names; `now` (timezone-aware)
    is the moment the story is told from: every date lies before it.
    """
    if now.tzinfo is None:
        raise ValueError("now: give a timezone-aware datetime (UTC), e.g. datetime.now(UTC)")
    now = now.replace(microsecond=0)
    chosen = package_names(packages, names)
    rules = rules or sandbox_rules()
    for forge in FORGES:
        for user in (*USERS, *(("maintainer",) if forge in TARGET_FORGES else ())):
            world.add_user(forge, user)
    dealer = Dealer.from_seed(seed)
    truths = []
    with WorldWriter(world, workers=workers) as writer:
        for name in chosen:
            plan = plan_package(name, seed=seed, dealer=dealer, now=now)
            built = build_package(plan, now=now, rules=rules)
            writer.add(built.repos, built.changes)
            truths.append(built.truth)
    return Truth(seed, now, tuple(truths))


def build_package(plan: PackagePlan, *, now: datetime, rules: AnalysisRules) -> PackageBuild:
    """One package's repositories, change requests and truth, without touching a World."""
    project = build_project(plan, now)
    base_patches = base_patch_files(plan)
    downstream = build_downstream(plan, project, base_patches, now=now, rules=rules)
    change_ids = {
        name: file_identity(ChangeType.PATCH, Operation.ADDED, name, data)[0]
        for name, data in downstream.patches.items()
    }
    targets = build_targets(plan, downstream.patches, change_ids, base_patches, now=now)
    branches = tuple(
        branch_truth(plan, built, project.facts, targets.facts)
        for built in downstream.branches.values()
    )
    truth = PackageTruth(
        plan.name, plan.modified, project_path(plan.name) if plan.has_project else None, branches
    )
    repos = [downstream.rpms]
    if downstream.autopatch is not None:
        repos.append(downstream.autopatch)
    repos += [*targets.repos, *project.repos]
    return PackageBuild(tuple(repos), (*targets.changes, *project.changes(change_ids)), truth)
