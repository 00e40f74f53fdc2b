"""Holds the package files while a config is applied, and finds which file a target names."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from types import MappingProxyType

from bot.ingest.autopatch.edit import split_lines
from bot.ingest.autopatch.model import SPEC_TARGET
from bot.ingest.autopatch.outcome import ActionOutcome, ApplyResult


class Workspace:
    """The package as it is being changed: text files, added and removed files, outcomes."""

    __slots__ = (
        "added",
        "added_files",
        "files",
        "outcomes",
        "package_name",
        "removed",
        "spec_name",
    )

    def __init__(
        self,
        *,
        files: dict[str, str],
        spec_name: str,
        package_name: str,
        added_files: Mapping[str, bytes],
    ) -> None:
        self.files = files
        self.spec_name = spec_name
        self.package_name = package_name
        self.added_files = added_files
        self.added: dict[str, bytes] = {}
        self.removed: list[str] = []
        self.outcomes: list[ActionOutcome] = []

    def targets(self, target: str) -> list[str]:
        """The files a `target` names: the spec, or every file whose path ends like the pattern."""
        if target == SPEC_TARGET:
            return [self.spec_name] if self.spec_name in self.files else []
        return [path for path in sorted(self.files) if _matches(path, target)]

    def lines(self, path: str) -> list[str] | None:
        """The lines of a file; None when it is empty, which the tool refuses to edit."""
        lines = split_lines(self.files[path])
        return lines or None

    def spec_lines(self) -> list[str] | None:
        return self.lines(self.spec_name) if self.spec_name in self.files else None

    def spec_problem(self) -> str:
        if self.spec_name not in self.files:
            return f"the spec {self.spec_name} is not among the given files"
        return f"the spec {self.spec_name} is empty"

    def sources_dir(self) -> str:
        """Where added files go: `SOURCES/` next to `SPECS/`, else the package root."""
        parts = PurePosixPath(self.spec_name).parts
        if len(parts) >= 2 and parts[-2] == "SPECS":
            return str(PurePosixPath(*parts[:-2], "SOURCES"))
        return str(PurePosixPath(self.spec_name).parent)

    def result(self) -> ApplyResult:
        removed = tuple(path for path in self.removed if path not in self.added)
        return ApplyResult(
            MappingProxyType(dict(self.files)),
            MappingProxyType(dict(self.added)),
            removed,
            tuple(self.outcomes),
        )


def _matches(path: str, pattern: str) -> bool:
    pure = PurePosixPath(path)
    # The tool searches the package recursively but never its tests/ directory.
    if pure.parts and pure.parts[0] == "tests":
        return False
    try:
        return path == pattern or pure.match(pattern)
    except ValueError:
        return False
