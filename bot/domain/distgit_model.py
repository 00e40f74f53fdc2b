"""A dist-git tree as the bot sees it: its layout, spec, files and lookaside entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.spec_model import Spec

#: A tree is its files by relative POSIX path, as read from disk or from a forge.
Tree = Mapping[str, bytes]


class Layout(StrEnum):
    FLAT = "flat"  # CentOS Stream / Fedora / AlmaLinux 10: <pkg>.spec and patches at the top
    SPECS_SOURCES = "specs-sources"  # AlmaLinux 8/9: SPECS/<pkg>.spec, SOURCES/, .<pkg>.metadata


@dataclass(frozen=True, slots=True)
class DistGit:
    """A dist-git tree: its layout, parsed spec, and the files next to the spec."""

    layout: Layout
    spec_path: str
    spec: Spec
    #: files beside the spec (the top level, or SOURCES/) by their file name
    files: Mapping[str, bytes]
    #: file name -> path in the tree, for messages
    paths: Mapping[str, str]
    #: sources kept in the lookaside cache (`sources` / `.<pkg>.metadata`):
    #: file name -> "<algorithm>:<hex digest>"
    lookaside: Mapping[str, str]
    warnings: tuple[str, ...] = field(default=())

    @property
    def package(self) -> str:
        return self.spec_path.rsplit("/", 1)[-1].removesuffix(".spec")
