"""Applies `add_files` and `delete_files`: the file itself, its spec lines, its lookaside line."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from bot.ingest.autopatch.declare import ApplyStyle, add_apply_line, declare
from bot.ingest.autopatch.edit import join_lines, split_lines
from bot.ingest.autopatch.model import AddFile, DeleteFile, FileKind
from bot.ingest.autopatch.outcome import TARGET_MISSING, ActionOutcome, OutcomeStatus, outcome_of
from bot.ingest.autopatch.spec import SpecEditError
from bot.ingest.autopatch.workspace import Workspace


def add_file(entry: AddFile, work: Workspace, *, default_marker: bool) -> ActionOutcome:
    """Declare (and, for a patch, apply) the file in the spec or `*.patches`, then add it."""
    destination = str(PurePosixPath(work.sources_dir(), entry.name))
    if destination in work.files or destination in work.added:
        return outcome_of(
            entry,
            OutcomeStatus.FAILED,
            entry.name,
            problem=f"{entry.name} already exists in the package",
        )
    notes: list[str] = []
    problem = None
    if entry.modify_spec:
        # Packages that list patches in a `*.patches` file (grub2, shim) get the line there.
        patches = work.targets("*.patches") if entry.file_kind is FileKind.PATCH else []
        target = patches[0] if patches else work.spec_name
        try:
            note, problem = _declare(
                entry, work, target, patches_file=bool(patches), default_marker=default_marker
            )
        except SpecEditError as error:
            return outcome_of(entry, OutcomeStatus.FAILED, entry.name, problem=str(error))
        notes.append(note)
    else:
        notes.append("modify_spec is false: the spec is left alone")
    content = work.added_files.get(entry.name)
    if content is None:
        notes.append(f"files/{entry.name} was not provided, so only its declaration was added")
    else:
        work.added[destination] = content
    status = OutcomeStatus.PARTIAL if problem else OutcomeStatus.APPLIED
    return outcome_of(entry, status, entry.name, matches=1, problem=problem, notes=tuple(notes))


def _declare(
    entry: AddFile, work: Workspace, target: str, *, patches_file: bool, default_marker: bool
) -> tuple[str, str | None]:
    """Edit the spec (or `*.patches`); returns a note and, when the result is doubtful, why."""
    if target not in work.files:
        raise SpecEditError(work.spec_problem())
    lines = split_lines(work.files[target])
    if not lines and not patches_file:
        raise SpecEditError(work.spec_problem())
    marker = (
        entry.insert_almalinux_line if entry.insert_almalinux_line is not None else default_marker
    )
    directive = "Patch" if entry.file_kind is FileKind.PATCH else "Source"
    declared = declare(
        lines,
        directive=directive,
        name=entry.name,
        number=entry.number,
        marker=marker,
        patches_file=patches_file,
    )
    lines = declared.lines
    note = f"declared as {directive}{declared.number}: in {target}"
    if entry.file_kind is FileKind.PATCH and not patches_file:
        lines, style = add_apply_line(
            lines,
            number=declared.number,
            name=entry.name,
            marker=marker,
            no_backup=entry.no_backup,
            kernel=work.package_name == "kernel",
        )
        if style is ApplyStyle.AUTOSETUP:
            note += "; applied by %autosetup/%autopatch"
    work.files[target] = join_lines(lines)
    problem = None
    if declared.duplicate:
        problem = (
            f'"Latest" gave {directive}{declared.number}, which {target} already declares: '
            "the tool numbers after the last line, not the highest; give an explicit number"
        )
    return note, problem


def delete_file(entry: DeleteFile, work: Workspace) -> ActionOutcome:
    """Remove the file; when it is only in lookaside, remove its line from the metadata."""
    found = work.targets(entry.file_name)
    if found:
        del work.files[found[0]]
        work.removed.append(found[0])
        return outcome_of(entry, OutcomeStatus.APPLIED, found[0], matches=1)
    added = [path for path in work.added if PurePosixPath(path).match(entry.file_name)]
    if added:
        del work.added[added[0]]
        return outcome_of(entry, OutcomeStatus.APPLIED, added[0], matches=1)
    metadata = next(
        (m for m in (f".{work.package_name}.metadata", "sources") if m in work.files), None
    )
    if metadata is None:
        return outcome_of(
            entry,
            OutcomeStatus.FAILED,
            entry.file_name,
            problem=f"{TARGET_MISSING}: {entry.file_name} is in neither the package nor lookaside",
        )
    lines = split_lines(work.files[metadata])
    name = re.escape(entry.file_name)
    # Both lookaside formats: `SHA512 (name) = hash` and `<sha1> name`.
    pattern = re.compile(rf"SHA512 \({name}\)|[0-9a-f]{{40}} {name}")
    for index, line in enumerate(lines):
        if pattern.match(line):
            work.files[metadata] = join_lines([*lines[:index], *lines[index + 1 :]])
            return outcome_of(
                entry,
                OutcomeStatus.APPLIED,
                metadata,
                matches=1,
                notes=(f"removed its line from {metadata}",),
            )
    return outcome_of(
        entry,
        OutcomeStatus.FAILED,
        metadata,
        problem=f"{TARGET_MISSING}: {entry.file_name} is neither in the package nor in {metadata}",
    )
