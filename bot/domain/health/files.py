"""Finds tags whose files are missing from the tree, and files the downstream adds untagged."""

from __future__ import annotations

from collections.abc import Iterator

from bot.domain.distgit_model import DistGit, Layout
from bot.domain.health.lines import included_names, names_read_by_path, spec_lines, tree_path
from bot.domain.health.model import Finding, HealthInput
from bot.domain.model import Severity
from bot.domain.spec_conditions import branch_truth
from bot.domain.spec_model import Tag

PATCH_FILE_MISSING = "patch-file-missing"
SOURCE_FILE_MISSING = "source-file-missing"
FILE_UNDECLARED = "file-undeclared"

#: dist-git bookkeeping and CI files that are never Source or Patch files
_NOT_SOURCES = frozenset(
    {
        "sources",
        "changelog",  # rpmautospec keeps %autochangelog's text here
        "gating.yaml",
        "rpminspect.yaml",
        "README",
        "README.md",
        ".packit.yaml",
    }
)


def check_patch_file_missing(given: HealthInput) -> Iterator[Finding]:
    yield from _missing(given, "patch", PATCH_FILE_MISSING, Severity.ERROR)


def check_source_file_missing(given: HealthInput) -> Iterator[Finding]:
    yield from _missing(given, "source", SOURCE_FILE_MISSING, Severity.WARNING)


def _missing(given: HealthInput, kind: str, check: str, severity: Severity) -> Iterator[Finding]:
    """A tag whose file is neither in the tree nor in the lookaside listing.

    A file the base lacks just as well is not the downstream's doing (a partial tree,
    a file fetched at build time), so only files the downstream should have are reported.
    """
    macros = given.rules.macros
    reported: set[str] = set()
    for tag in given.downstream.spec.tags:
        name = tag.filename
        if (
            tag.kind != kind
            or tag.commented
            or name in reported
            or "%" in name
            or not name
            or branch_truth(tag.conditions, macros) is False
            or _present(given.downstream, name)
            or _missing_in_base_too(given.base, tag)
        ):
            continue
        reported.add(name)
        listing = _listing(given.downstream)
        yield Finding(
            check=check,
            severity=severity,
            message=(
                f"{kind.capitalize()}{tag.number} names {name}, which is neither in the tree "
                f"nor in {listing}"
            ),
            file=tree_path(given.downstream, tag.file),
            line=tag.line,
            hint=f"add {name} beside the spec (or upload it to the lookaside cache), "
            f"or delete the {kind.capitalize()} line",
            subject=name,
        )


def _present(git: DistGit, name: str) -> bool:
    return name in git.files or name in git.lookaside


def _missing_in_base_too(base: DistGit, tag: Tag) -> bool:
    declared = any(t.filename == tag.filename and t.kind == tag.kind for t in base.spec.tags)
    return declared and not _present(base, tag.filename)


def _listing(git: DistGit) -> str:
    if git.layout is Layout.SPECS_SOURCES:
        return f".{git.package}.metadata"
    return "sources"


def check_file_undeclared(given: HealthInput) -> Iterator[Finding]:
    """A file the downstream adds that no Source or Patch tag names and nothing reads by path."""
    downstream = given.downstream
    declared = {tag.filename for tag in downstream.spec.tags if not tag.commented}
    used = set(included_names(downstream)) | _read_by_path(downstream)
    for name in sorted(downstream.files):
        if name in given.base.files or name in declared or name in used or _ignored(name):
            continue
        yield Finding(
            check=FILE_UNDECLARED,
            severity=Severity.WARNING,
            message=f"{name} is added by the downstream but no Source or Patch tag names it",
            file=downstream.paths.get(name, name),
            line=None,
            hint=f"declare it (`SourceN: {name}` or `PatchN: {name}`) in "
            f"{downstream.spec_path}, or delete the file",
            subject=name,
        )


def _ignored(name: str) -> bool:
    return (
        name in _NOT_SOURCES
        or name.endswith((".spec", ".fmf"))
        or (name.startswith(".") and name.endswith(".metadata"))
        or name.startswith(".git")
    )


def _read_by_path(git: DistGit) -> set[str]:
    names = set()
    for line in spec_lines(git):
        names.update(names_read_by_path(git, line.text))
    return names
