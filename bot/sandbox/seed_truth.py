"""Turns what the analysis finds on each seeded downstream branch into the ground truth: each
change matched to the plan item that made it, and each target's status from its story.

A change the plan cannot account for, or a planned change the analysis does not find, is
a `SeedError`: the truth never guesses.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.domain.change import Change
from bot.domain.model import ChangeType, Status, Target
from bot.sandbox.seed_autopatch import edit_marker
from bot.sandbox.seed_changes import marker
from bot.sandbox.seed_downstream import BranchBuild, SeedError
from bot.sandbox.seed_plan import (
    BRANCHES,
    FEDORA_BRANCH,
    PROJECT_BRANCH,
    UPSTREAMABLE_EDITS,
    FixPlan,
    Item,
    PackagePlan,
    Story,
    TargetKey,
)
from bot.sandbox.seed_project import ProjectFact
from bot.sandbox.seed_targets import TargetFact
from bot.sandbox.truth import BranchTruth, ChangeTruth, Evidence, MatchedBy, TargetTruth

STATUS = {
    Story.PENDING: Status.PENDING,
    Story.PRESENT_SAME: Status.PRESENT,
    Story.PRESENT_RENAMED: Status.PRESENT,
    Story.OPEN_PATCH_ID: Status.SUBMITTED,
    Story.OPEN_NAME: Status.SUBMITTED,
    Story.OPEN_MARKER: Status.SUBMITTED,
    Story.CLOSED: Status.REJECTED,
    Story.MERGED: Status.MERGED,
    Story.PROJECT_COMMIT: Status.PRESENT,
    Story.PROJECT_STABLE: Status.PRESENT,
    Story.PROJECT_BACKPORT_REF: Status.PRESENT,
    Story.PROJECT_PR_OPEN: Status.SUBMITTED,
    Story.PROJECT_PR_MARKER: Status.SUBMITTED,
    Story.PROJECT_PR_CLOSED: Status.REJECTED,
    Story.PROJECT_DECLARED_MERGED: Status.MERGED,
    Story.PROJECT_DECLARED_UNKNOWN: Status.PENDING,
    Story.HUNK_PRESENT: Status.PRESENT,
}
_REASONS = {
    Story.PENDING: "nothing in the target carries it",
    Story.PRESENT_SAME: "the same patch file is in the target branch",
    Story.PRESENT_RENAMED: "the same diff is in the target branch under another name",
    Story.OPEN_PATCH_ID: "an open change request adds the same diff under another name",
    Story.OPEN_NAME: "an open change request adds a reworked patch of the same name",
    Story.OPEN_MARKER: "the bot's open change request carries it (marker)",
    Story.CLOSED: "a change request carrying it was closed unmerged",
    Story.MERGED: "a change request carrying it was merged",
    Story.PROJECT_COMMIT: "a commit on the project's main branch has the same diff",
    Story.PROJECT_STABLE: "a commit on a stable branch of the project has the same diff",
    Story.PROJECT_BACKPORT_REF: "the header names the upstream commit it backports, which exists",
    Story.PROJECT_PR_OPEN: "an open pull request in the project has the same diff",
    Story.PROJECT_PR_MARKER: "the bot's open pull request in the project carries it (marker)",
    Story.PROJECT_PR_CLOSED: "a pull request with the same diff was closed unmerged",
    Story.PROJECT_DECLARED_MERGED: "the header says Submitted with a pull request that was merged",
    Story.PROJECT_DECLARED_UNKNOWN: (
        "the header says Submitted with a pull request that does not exist; still pending"
    ),
    Story.HUNK_PRESENT: "the target's spec already has these lines",
}


def branch_truth(
    plan: PackagePlan,
    built: BranchBuild,
    project_facts: Mapping[str, ProjectFact],
    target_facts: Mapping[tuple[str, Target, str], TargetFact],
) -> BranchTruth:
    changes: list[ChangeTruth] = []
    if built.analysis is not None:
        items = [i for i in built.items if _upstreamable(i)]
        found: set[int] = set()
        since = min(item.since for item in built.items)
        for change in built.analysis.changes:
            keys = _keys(plan, built.branch, change)
            if not change.upstreamable:
                targets = tuple(_not_needed(change, key) for key in keys)
                changes.append(_change(change, since, targets))
                continue
            item = _item_of(plan, built.branch, change, items)
            found.add(id(item))
            targets = tuple(
                _target(plan, change, item, key, project_facts, target_facts) for key in keys
            )
            changes.append(_change(change, item.since, targets))
        missing = [_name(i) for i in items if id(i) not in found]
        if missing:
            raise SeedError(f"{plan.name} {built.branch}: the analysis did not find {missing}")
    return BranchTruth(
        built.branch, built.base, built.base_head, built.head, built.autopatch_head, tuple(changes)
    )


def _keys(plan: PackagePlan, branch: str, change: Change) -> list[TargetKey]:
    keys: list[TargetKey] = [
        (Target.CENTOS_STREAM, BRANCHES[branch][1]),
        (Target.FEDORA, FEDORA_BRANCH),
    ]
    if plan.has_project and change.type is ChangeType.PATCH:
        keys.append((Target.PROJECT, PROJECT_BRANCH))
    return keys


def _upstreamable(item: Item) -> bool:
    if isinstance(item, FixPlan):
        return item.fix.upstreamable
    return item.kind in UPSTREAMABLE_EDITS


def _name(item: Item) -> str:
    return item.fix.file_name if isinstance(item, FixPlan) else str(item.kind)


def _item_of(plan: PackagePlan, branch: str, change: Change, items: list[Item]) -> Item:
    for item in items:
        if isinstance(item, FixPlan):
            if change.type is ChangeType.PATCH and change.name == item.fix.file_name:
                return item
        elif change.type is ChangeType.SPEC_EDIT and f"+{edit_marker(item)}" in change.diff:
            return item
    raise SeedError(
        f"{plan.name} {branch}: the analysis found an upstreamable {change.type} "
        f"{change.operation} {change.name!r} ({change.kind}) the seed did not plan"
    )


def _not_needed(change: Change, key: TargetKey) -> TargetTruth:
    reason = f"{change.kind}: " + "; ".join(change.evidence)
    return TargetTruth(
        key[0], key[1], Status.NOT_NEEDED, reason, "not-needed", MatchedBy.CLASSIFIED
    )


def _target(
    plan: PackagePlan,
    change: Change,
    item: Item,
    key: TargetKey,
    project_facts: Mapping[str, ProjectFact],
    target_facts: Mapping[tuple[str, Target, str], TargetFact],
) -> TargetTruth:
    story = item.stories.get(key)
    if story is None:
        raise SeedError(f"{plan.name}: no story for {_name(item)} in {key[0]} {key[1]}")
    evidence: Evidence | None = None
    matched: MatchedBy | None = None
    if key[0] is Target.PROJECT:
        fact = project_facts[_name(item)]
        evidence, matched = fact.evidence, fact.matched_by
        if story is Story.PROJECT_PR_MARKER and evidence is not None:
            sign = marker(change.id, str(Target.PROJECT), PROJECT_BRANCH)
            evidence = Evidence(
                evidence.forge,
                evidence.repo,
                evidence.branch,
                evidence.sha,
                evidence.number,
                marker=sign,
            )
    elif story is not Story.PENDING:
        key_name = _name(item) if isinstance(item, FixPlan) else str(item.kind)
        target_fact = target_facts.get((key_name, key[0], key[1]))
        if target_fact is None:
            raise SeedError(f"{plan.name}: {key_name} has no {story} in {key[0]} {key[1]}")
        evidence, matched = target_fact.evidence, target_fact.matched_by
    if story is Story.PENDING:
        evidence, matched = None, None
    return TargetTruth(
        key[0], key[1], STATUS[story], _REASONS[story], str(story), matched, evidence
    )


def _change(change: Change, since: datetime, targets: tuple[TargetTruth, ...]) -> ChangeTruth:
    return ChangeTruth(
        id=change.id,
        type=change.type,
        operation=change.operation,
        name=change.name,
        kind=change.kind,
        upstreamable=change.upstreamable,
        patch_id=change.patch_id,
        content_id=change.content_id,
        since=since,
        targets=targets,
    )
