"""What a parsed spec file holds: tags, patch applications, release, changelog, sections."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.spec_conditions import Condition
from bot.domain.spec_macros import MacroTable


@dataclass(frozen=True, slots=True)
class Tag:
    """A `PatchN:` or `SourceN:` tag, active or commented out."""

    kind: str  # "patch" or "source"
    number: int
    value: str
    filename: str
    line: int
    file: str
    commented: bool
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class Application:
    """One way the spec applies patches: `%patch`, `%autosetup`, `%autopatch`, `ApplyPatch`."""

    method: str  # "patch", "autosetup", "autopatch", "applypatch"
    line: int
    text: str
    numbers: tuple[int, ...] = ()  # explicit patch numbers (%patch, %autopatch N M)
    names: tuple[str, ...] = ()  # file names (ApplyPatch)
    range: tuple[int | None, int | None] | None = None  # %autopatch -m/-M bounds
    applies_all: bool = False  # %autosetup without -N, %autopatch without arguments
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class ChangelogEntry:
    line: int
    date: str
    author: str
    email: str
    version: str
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Release:
    line: int
    raw: str
    #: what follows `%{?dist}`, e.g. ".alma.1"; None when there is no dist tag to anchor it
    suffix: str | None


@dataclass(frozen=True, slots=True)
class Spec:
    """A parsed spec file."""

    path: str
    lines: tuple[str, ...]
    tags: tuple[Tag, ...]
    applications: tuple[Application, ...]
    release: Release | None
    #: every `Release:` line of the spec itself (subpackages may have their own)
    releases: tuple[Release, ...]
    changelog: tuple[ChangelogEntry, ...]
    changelog_line: int | None
    sections: tuple[tuple[str, int], ...]  # (section header, 1-based line)
    macros: MacroTable
    warnings: tuple[str, ...] = field(default=())

    def patches(self, *, active: bool = True) -> tuple[Tag, ...]:
        return tuple(t for t in self.tags if t.kind == "patch" and t.commented != active)

    def sources(self, *, active: bool = True) -> tuple[Tag, ...]:
        return tuple(t for t in self.tags if t.kind == "source" and t.commented != active)

    def section_at(self, line: int) -> str:
        """The section header a (1-based) line belongs to; "preamble" before the first."""
        current = "preamble"
        for header, start in self.sections:
            if start > line:
                break
            current = header
        return current
