"""Lists the downstream changes an autopatch config declares, one per meaningful unit."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.model import ChangeType, Operation
from bot.ingest.autopatch.model import (
    SPEC_TARGET,
    ActionKind,
    AddFile,
    AddLine,
    AutopatchConfig,
    Changelog,
    DeleteFile,
    DeleteLine,
    Entry,
    FileKind,
    ModifyRelease,
    Replace,
    RunScript,
)

_PATCH_SUFFIXES = (".patch", ".diff")


class DeclaredType(StrEnum):
    """What a declared change touches."""

    SPEC_EDIT = "spec-edit"
    #: An edit of an upstream patch file (the patch itself changes).
    PATCH_EDIT = "patch-edit"
    #: An edit of another packaged file (macros, SBAT csv, lookaside metadata, .gitignore).
    SOURCE_EDIT = "source-edit"
    PATCH = "patch"
    SOURCE = "source"
    #: Release suffix and changelog entry: needed downstream, never upstream.
    BOOKKEEPING = "bookkeeping"
    #: A `run_script`: its effect is only known by running it.
    SCRIPT = "script"


_CHANGE_TYPES = {
    DeclaredType.SPEC_EDIT: ChangeType.SPEC_EDIT,
    DeclaredType.PATCH_EDIT: ChangeType.PATCH,
    DeclaredType.SOURCE_EDIT: ChangeType.SOURCE,
    DeclaredType.PATCH: ChangeType.PATCH,
    DeclaredType.SOURCE: ChangeType.SOURCE,
}


@dataclass(frozen=True, slots=True)
class DeclaredChange:
    """One change a config declares, where it is declared, and the changelog that explains it."""

    type: DeclaredType
    operation: Operation
    action: ActionKind
    yaml_line: int
    #: "spec", the edited file (or glob), the added/removed file, or the script.
    target: str
    before: str | None = None
    after: str | None = None
    regex: bool = False
    file_name: str | None = None
    #: The declared PatchN/SourceN number; None for "Latest" or where numbers do not apply.
    number: int | None = None
    author_name: str | None = None
    author_email: str | None = None
    #: The lines of this change's own changelog entry (changelog_entry changes only).
    lines: tuple[str, ...] = ()
    #: Every changelog entry of the config: who owns the changes and, often, why they exist.
    changelog: tuple[Changelog, ...] = ()

    @property
    def change_type(self) -> ChangeType | None:
        """The shared vocabulary's change type; None for bookkeeping and scripts."""
        return _CHANGE_TYPES.get(self.type)


def declared_changes(config: AutopatchConfig) -> list[DeclaredChange]:
    """Every declared change in config order; disabled `modify_release` entries declare nothing."""
    notes = tuple(e for e in config.entries(ActionKind.CHANGELOG_ENTRY) if isinstance(e, Changelog))
    changes: list[DeclaredChange] = []
    for action in config.actions:
        for entry in action.entries:
            changes.extend(_changes_of(action.kind, entry, notes))
    return changes


def _changes_of(
    kind: ActionKind, entry: Entry, notes: tuple[Changelog, ...]
) -> list[DeclaredChange]:
    line = entry.yaml_line
    match entry:
        case Replace():
            return [
                DeclaredChange(
                    _edit_type(entry.target),
                    Operation.MODIFIED,
                    kind,
                    line,
                    entry.target,
                    entry.find,
                    entry.replace,
                    regex=entry.regex,
                    changelog=notes,
                )
            ]
        case DeleteLine():
            return [
                DeclaredChange(
                    _edit_type(entry.target),
                    Operation.REMOVED,
                    kind,
                    item_line,
                    entry.target,
                    text,
                    "",
                    changelog=notes,
                )
                for text, item_line in zip(entry.lines, entry.line_numbers, strict=True)
            ]
        case AddLine():
            where = f"%{entry.section}" + (f" {entry.subpackage}" if entry.subpackage else "")
            return [
                DeclaredChange(
                    DeclaredType.SPEC_EDIT,
                    Operation.ADDED,
                    kind,
                    line,
                    entry.target,
                    where,
                    entry.content,
                    changelog=notes,
                )
            ]
        case AddFile():
            added = DeclaredType.PATCH if entry.file_kind is FileKind.PATCH else DeclaredType.SOURCE
            return [
                DeclaredChange(
                    added,
                    Operation.ADDED,
                    kind,
                    line,
                    entry.name,
                    file_name=entry.name,
                    number=entry.number,
                    changelog=notes,
                )
            ]
        case DeleteFile():
            removed = DeclaredType.PATCH if _is_patch(entry.file_name) else DeclaredType.SOURCE
            return [
                DeclaredChange(
                    removed,
                    Operation.REMOVED,
                    kind,
                    line,
                    entry.file_name,
                    file_name=entry.file_name,
                    changelog=notes,
                )
            ]
        case ModifyRelease():
            if not entry.enabled:
                return []
            return [
                DeclaredChange(
                    DeclaredType.BOOKKEEPING,
                    Operation.MODIFIED,
                    kind,
                    line,
                    SPEC_TARGET,
                    after=entry.suffix,
                    changelog=notes,
                )
            ]
        case Changelog():
            return [
                DeclaredChange(
                    DeclaredType.BOOKKEEPING,
                    Operation.ADDED,
                    kind,
                    line,
                    SPEC_TARGET,
                    author_name=entry.name,
                    author_email=entry.email,
                    lines=entry.lines,
                    changelog=notes,
                )
            ]
        case RunScript():
            return [
                DeclaredChange(
                    DeclaredType.SCRIPT,
                    Operation.MODIFIED,
                    kind,
                    line,
                    entry.script,
                    file_name=entry.script,
                    changelog=notes,
                )
            ]
    return []


def _edit_type(target: str) -> DeclaredType:
    if target == SPEC_TARGET or target.endswith(".spec"):
        return DeclaredType.SPEC_EDIT
    return DeclaredType.PATCH_EDIT if _is_patch(target) else DeclaredType.SOURCE_EDIT


def _is_patch(name: str) -> bool:
    return name.lower().endswith(_PATCH_SUFFIXES)
