"""Compares a downstream dist-git tree with its base and lists the downstream's changes."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.change import Change
from bot.domain.distgit_model import DistGit, Layout, Tree
from bot.domain.rules import AnalysisRules
from bot.ingest.analyze_files import FileChanges, file_changes
from bot.ingest.analyze_spec import spec_edit_changes
from bot.ingest.distgit import read_distgit


@dataclass(frozen=True, slots=True)
class Analysis:
    package: str
    layout: Layout
    base_layout: Layout
    changes: tuple[Change, ...]
    warnings: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "package": self.package,
            "layout": str(self.layout),
            "base_layout": str(self.base_layout),
            "changes": [change.to_json() for change in self.changes],
            "warnings": list(self.warnings),
        }


def analyze_trees(
    base: Tree,
    downstream: Tree,
    *,
    rules: AnalysisRules,
    package: str | None = None,
    base_label: str = "base",
    downstream_label: str = "downstream",
) -> Analysis:
    """Read both trees and compare them; raises DistGitError for a tree that is not dist-git."""
    base_git = read_distgit(base, where=base_label, package=package)
    downstream_git = read_distgit(
        downstream, where=downstream_label, package=package or base_git.package
    )
    return analyze(base_git, downstream_git, rules=rules)


def analyze(base: DistGit, downstream: DistGit, *, rules: AnalysisRules) -> Analysis:
    """Every downstream change: patches and sources by file, then the remaining spec edits."""
    files: FileChanges = file_changes(base, downstream, rules=rules)
    edits = spec_edit_changes(
        base,
        downstream,
        rules=rules.classifier,
        explained_old=files.explained_old,
        explained_new=files.explained_new,
    )
    changes = _unique([*files.changes, *edits])
    return Analysis(
        package=downstream.package,
        layout=downstream.layout,
        base_layout=base.layout,
        changes=tuple(changes),
        warnings=(*base.warnings, *downstream.warnings),
    )


def _unique(changes: list[Change]) -> list[Change]:
    """Keep the first of changes with the same id (the same edit made twice in one spec)."""
    seen: set[str] = set()
    result = []
    for change in changes:
        if change.id in seen:
            continue
        seen.add(change.id)
        result.append(change)
    return result
