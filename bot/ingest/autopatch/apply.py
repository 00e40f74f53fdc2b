"""Applies an autopatch config to the base files, purely, as autopatch-tool would on dist-git.

Actions run in file order. Where the tool would stop the whole run at a failing entry, this
keeps going so that one report lists every problem; the failing entry leaves files unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from types import MappingProxyType

from bot.ingest.autopatch.edit import join_lines
from bot.ingest.autopatch.evr import spec_evr
from bot.ingest.autopatch.files import add_file, delete_file
from bot.ingest.autopatch.model import (
    SPEC_TARGET,
    Action,
    AddFile,
    AddLine,
    AutopatchConfig,
    Changelog,
    DeleteFile,
    DeleteLine,
    Entry,
    Location,
    ModifyRelease,
    Replace,
    RunScript,
)
from bot.ingest.autopatch.outcome import (
    ActionOutcome,
    ApplyResult,
    OutcomeStatus,
    outcome_of,
)
from bot.ingest.autopatch.spec import (
    SpecEditError,
    add_changelog_entry,
    add_release_suffix,
    add_to_section,
    changelog_block,
    has_autochangelog,
)
from bot.ingest.autopatch.text import delete_lines, replace_text
from bot.ingest.autopatch.workspace import Workspace

__all__ = ["ActionOutcome", "ApplyResult", "OutcomeStatus", "apply_config"]

_NO_FILES: Mapping[str, bytes] = MappingProxyType({})


def apply_config(
    config: AutopatchConfig,
    files: Mapping[str, str],
    *,
    spec_name: str,
    changelog_date: str,
    added_files: Mapping[str, bytes] = _NO_FILES,
    package_name: str | None = None,
    el_version: str | None = None,
    arch: str = "x86_64",
) -> ApplyResult:
    """The files after applying `config` to `files` (path -> text, the spec at `spec_name`).

    `changelog_date` is written as given (the corpus uses `Tue Jan 14 2025`); `added_files`
    holds the config repo's `files/` by name; `package_name` (default: the spec's stem) names
    the lookaside metadata `.<package>.metadata`; `el_version` (the branch's major version,
    used unless the config sets one) and `arch` steer the macro expansion of the changelog's EVR.
    """
    work = Workspace(
        files=dict(files),
        spec_name=spec_name,
        package_name=package_name or PurePosixPath(spec_name).stem,
        added_files=added_files,
    )
    # As in the tool, the config's own parameter wins over the value derived from the branch.
    options = _Options(changelog_date, config.parameters.el_version or el_version, arch, config)
    for action in config.actions:
        work.outcomes.extend(_run(action, work, options))
    return work.result()


@dataclass(frozen=True, slots=True)
class _Options:
    changelog_date: str
    el_version: str | None
    arch: str
    config: AutopatchConfig = field(repr=False)


def _run(action: Action, work: Workspace, options: _Options) -> list[ActionOutcome]:
    notes = tuple(entry for entry in action.entries if isinstance(entry, Changelog))
    if notes and len(notes) == len(action.entries):
        return _changelog(notes, work, options)
    outcomes: list[ActionOutcome] = []
    for position, entry in enumerate(action.entries):
        if isinstance(entry, ModifyRelease) and not entry.enabled:
            # The tool stops the whole block at a disabled entry, not just that entry.
            outcomes.extend(
                outcome_of(later, OutcomeStatus.SKIPPED, SPEC_TARGET, notes=("disabled",))
                for later in action.entries[position:]
            )
            break
        outcomes.extend(_entry(entry, work, options))
    return outcomes


def _entry(entry: Entry, work: Workspace, options: _Options) -> list[ActionOutcome]:
    match entry:
        case Replace():
            return [replace_text(entry, work)]
        case DeleteLine():
            return delete_lines(entry, work)
        case ModifyRelease():
            return [_release(entry, work)]
        case AddFile():
            return [
                add_file(
                    entry, work, default_marker=options.config.parameters.insert_almalinux_line
                )
            ]
        case DeleteFile():
            return [delete_file(entry, work)]
        case AddLine():
            return [_add_line(entry, work)]
        case Changelog():
            return _changelog((entry,), work, options)
        case RunScript():
            return [
                outcome_of(
                    entry,
                    OutcomeStatus.UNSUPPORTED,
                    entry.script,
                    problem=f"run_script runs scripts/{entry.script} with bash; "
                    "its effect cannot be reproduced without running it",
                )
            ]
    return []


def _release(entry: ModifyRelease, work: Workspace) -> ActionOutcome:
    lines = work.spec_lines()
    if lines is None:
        return outcome_of(entry, OutcomeStatus.FAILED, SPEC_TARGET, problem=work.spec_problem())
    try:
        released = add_release_suffix(lines, entry.suffix)
    except SpecEditError as error:
        return outcome_of(entry, OutcomeStatus.FAILED, SPEC_TARGET, problem=str(error))
    work.files[work.spec_name] = join_lines(released.lines)
    notes = (
        ("auto_increment needs the repository's tags: the suffix is used as written",)
        if entry.auto_increment
        else ()
    )
    if released.autorelease and released.lines == lines:
        return outcome_of(
            entry,
            OutcomeStatus.SKIPPED,
            SPEC_TARGET,
            notes=("Release uses %autorelease: left to rpmautospec", *notes),
        )
    return outcome_of(entry, OutcomeStatus.APPLIED, SPEC_TARGET, matches=1, notes=notes)


def _changelog(
    entries: tuple[Changelog, ...], work: Workspace, options: _Options
) -> list[ActionOutcome]:
    outcomes: dict[int, ActionOutcome] = {}
    params = options.config.parameters
    # Entries go in last to first, each on top, so the first entry ends up first.
    for position in range(len(entries) - 1, -1, -1):
        entry = entries[position]
        lines = work.spec_lines()
        if lines is None:
            outcomes[position] = outcome_of(
                entry, OutcomeStatus.FAILED, SPEC_TARGET, problem=work.spec_problem()
            )
            continue
        if has_autochangelog(lines):
            note = "the spec uses %autochangelog: the lines become the commit message"
            for earlier in range(position, -1, -1):
                outcomes[earlier] = outcome_of(
                    entries[earlier], OutcomeStatus.SKIPPED, SPEC_TARGET, notes=(note,)
                )
            break
        evr = spec_evr(
            lines,
            el_version=options.el_version,
            arch=options.arch,
            raw_version=params.ignore_version_macros,
            raw_release=params.ignore_release_macros,
        )
        if evr is None:
            outcomes[position] = outcome_of(
                entry,
                OutcomeStatus.FAILED,
                SPEC_TARGET,
                problem="the spec has no Version: or Release: line",
            )
            continue
        header = f"* {options.changelog_date} {entry.name} <{entry.email}> - {evr}"
        try:
            new_lines = add_changelog_entry(lines, changelog_block(header, entry.lines))
        except SpecEditError as error:
            outcomes[position] = outcome_of(
                entry, OutcomeStatus.FAILED, SPEC_TARGET, problem=str(error)
            )
            continue
        work.files[work.spec_name] = join_lines(new_lines)
        notes = (f"some macros stayed unexpanded in {evr}",) if "%" in str(evr) else ()
        outcomes[position] = outcome_of(
            entry, OutcomeStatus.APPLIED, SPEC_TARGET, matches=1, notes=notes
        )
    return [outcomes[position] for position in sorted(outcomes)]


def _add_line(entry: AddLine, work: Workspace) -> ActionOutcome:
    lines = work.spec_lines()
    if lines is None:
        return outcome_of(entry, OutcomeStatus.FAILED, SPEC_TARGET, problem=work.spec_problem())
    try:
        new_lines = add_to_section(
            lines,
            entry.section,
            top=entry.location is Location.TOP,
            content=entry.content,
            subpackage=entry.subpackage,
        )
    except SpecEditError as error:
        return outcome_of(entry, OutcomeStatus.FAILED, SPEC_TARGET, problem=str(error))
    work.files[work.spec_name] = join_lines(new_lines)
    return outcome_of(entry, OutcomeStatus.APPLIED, SPEC_TARGET, matches=1)
