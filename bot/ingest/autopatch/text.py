"""Applies `replace` and `delete_line` entries to the files they target."""

from __future__ import annotations

import re

from bot.ingest.autopatch.edit import join_lines, rewrite, text_lines
from bot.ingest.autopatch.model import SPEC_TARGET, ActionKind, DeleteLine, Replace
from bot.ingest.autopatch.outcome import (
    COUNT_MISMATCH,
    FIND_MISSING,
    LINE_MISSING,
    TARGET_MISSING,
    ActionOutcome,
    OutcomeStatus,
    outcome_of,
)
from bot.ingest.autopatch.workspace import Workspace


def replace_text(entry: Replace, work: Workspace) -> ActionOutcome:
    """Rewrite `find` in every file `target` names; partial when a file or the count is off."""
    paths = work.targets(entry.target)
    if not paths:
        return outcome_of(
            entry, OutcomeStatus.FAILED, entry.target, problem=f"{TARGET_MISSING}: {entry.target}"
        )
    find, replacement = text_lines(entry.find), text_lines(entry.replace)
    total, problems = 0, []
    for path in paths:
        lines = work.lines(path)
        if lines is None:
            problems.append(f"{path} is empty")
            continue
        try:
            edit = rewrite(
                lines,
                find,
                replacement,
                count=entry.count,
                regex=entry.regex,
                spec=entry.target == SPEC_TARGET,
            )
        except re.error as error:
            problems.append(f"replacement failed in {path}: {error}")
            continue
        if edit.matches == 0:
            problems.append(f"{FIND_MISSING}: {path}")
            continue
        work.files[path] = join_lines(edit.lines)
        total += edit.matches
        if entry.count != -1 and edit.matches != entry.count:
            problems.append(f"{COUNT_MISMATCH}: count {entry.count}, {edit.matches} in {path}")
    if not problems:
        status = OutcomeStatus.APPLIED
    else:
        status = OutcomeStatus.PARTIAL if total else OutcomeStatus.FAILED
    return outcome_of(
        entry, status, entry.target, matches=total, problem="; ".join(problems) or None
    )


def delete_lines(entry: DeleteLine, work: Workspace) -> list[ActionOutcome]:
    """Delete each item of `lines` from the first file `target` names; one outcome per item."""
    paths = work.targets(entry.target)
    numbers = entry.line_numbers
    if len(numbers) != len(entry.lines):
        numbers = (entry.yaml_line,) * len(entry.lines)
    outcomes = []
    for text, line in zip(entry.lines, numbers, strict=True):
        status, matches, problem = _delete_one(
            text, entry.target, paths[0] if paths else None, work
        )
        outcomes.append(
            ActionOutcome(ActionKind.DELETE_LINE, line, status, entry.target, matches, problem)
        )
    return outcomes


def _delete_one(
    text: str, target: str, path: str | None, work: Workspace
) -> tuple[OutcomeStatus, int, str | None]:
    if path is None:
        return OutcomeStatus.FAILED, 0, f"{TARGET_MISSING}: {target}"
    lines = work.lines(path)
    if lines is None:
        return OutcomeStatus.FAILED, 0, f"{path} is empty"
    find = text_lines(text)
    edit = rewrite(lines, find, None, spec=target == SPEC_TARGET)
    if not edit.matches:
        return OutcomeStatus.FAILED, 0, f"{LINE_MISSING}: {find[0]!r} in {path}"
    work.files[path] = join_lines(edit.lines)
    return OutcomeStatus.APPLIED, edit.matches, None
