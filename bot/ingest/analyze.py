"""Compares a downstream dist-git tree with its base and lists the downstream's changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.change import Change
from bot.domain.classify import ClassifierRules
from bot.domain.distgit_model import DistGit, Layout, Tree
from bot.ingest.analyze_files import FileChanges, file_changes
from bot.ingest.analyze_spec import spec_edit_changes
from bot.ingest.distgit import read_distgit


@dataclass(frozen=True, slots=True)
class AnalysisRules:
    """How to read a distribution's downstream: its classifier words and the macros it defines."""

    classifier: ClassifierRules
    #: macros the downstream's build system defines, used to evaluate `%if` guards
    macros: Mapping[str, str]
    release_suffix: str

    @classmethod
    def for_distribution(
        cls,
        *,
        name: str,
        guard_macro: str,
        release_suffix: str,
        words: tuple[str, ...] = (),
        vendor_words: tuple[str, ...] = (),
        version: str = "10",
    ) -> AnalysisRules:
        """Rules for a RHEL rebuild: it defines its own macro and `%rhel`, both as `version`."""
        names = tuple(dict.fromkeys(w.lower() for w in (name, guard_macro, *words)))
        return cls(
            classifier=ClassifierRules(
                distribution_words=names,
                vendor_words=tuple(w.lower() for w in vendor_words),
                guard_macro=guard_macro,
            ),
            macros={guard_macro: version, "rhel": version},
            release_suffix=release_suffix,
        )


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
