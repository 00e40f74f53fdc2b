"""Writes the unified diff of a planned edit exactly as git would, in git's format or as a
bare `diff -u`, so a patch file and the upstream commit with the same edit share a patch id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.sandbox.seed_gitobj import blob_id

CONTEXT = 3


class EditError(ValueError):
    """An edit git could diff in more than one way, or that does not fit its file."""


@dataclass(frozen=True, slots=True)
class FileEdit:
    """Replace `removed` lines of `path` from 0-based line `at` by `added` (one run per file)."""

    path: str
    at: int
    removed: int
    added: tuple[str, ...]


def apply_edits(files: Mapping[str, str], edits: Sequence[FileEdit]) -> dict[str, str]:
    result = dict(files)
    if len({e.path for e in edits}) != len(edits):
        raise EditError("one edit per file: merge the edits of a file into one run")
    for edit in edits:
        lines = _checked(result, edit)
        new = [*lines[: edit.at], *edit.added, *lines[edit.at + edit.removed :]]
        result[edit.path] = "\n".join(new) + "\n"
    return result


def _checked(files: Mapping[str, str], edit: FileEdit) -> list[str]:
    if edit.path not in files:
        raise EditError(f"{edit.path}: no such file to edit")
    lines = files[edit.path].split("\n")[:-1]
    if not 0 < edit.at <= len(lines) - edit.removed:
        raise EditError(f"{edit.path}: line {edit.at} is not inside the file")
    removed = lines[edit.at : edit.at + edit.removed]
    # git slides a run of changed lines while the line it meets equals the one it leaves;
    # runs that cannot slide and share no line with what they replace have a single diff
    if set(removed) & set(edit.added):
        raise EditError(f"{edit.path}:{edit.at}: the edit keeps a line it also removes")
    after = lines[edit.at + edit.removed] if edit.at + edit.removed < len(lines) else None
    before = lines[edit.at - 1]
    for run in (removed, list(edit.added)):
        if run and (run[0] == after or run[-1] == before):
            raise EditError(f"{edit.path}:{edit.at}: the changed lines could slide")
    return lines


def git_diff(files: Mapping[str, str], edits: Sequence[FileEdit]) -> str:
    """The `diff --git` sections git prints for the edits (files in path order)."""
    new_files = apply_edits(files, edits)
    out = []
    for edit in sorted(edits, key=lambda e: e.path):
        old, new = files[edit.path], new_files[edit.path]
        out += [
            f"diff --git a/{edit.path} b/{edit.path}",
            f"index {blob_id(old.encode())[:7]}..{blob_id(new.encode())[:7]} 100644",
            f"--- a/{edit.path}",
            f"+++ b/{edit.path}",
            *_hunk(old.split("\n")[:-1], edit),
        ]
    return "\n".join(out) + "\n"


def bare_diff(
    files: Mapping[str, str], edits: Sequence[FileEdit], *, root: str, when: datetime
) -> str:
    """The same edits as `diff -u` of `root.orig/` against `root/` prints them."""
    stamp = when.strftime("%Y-%m-%d %H:%M:%S.000000000 +0000")
    out = []
    for edit in sorted(edits, key=lambda e: e.path):
        out += [
            f"--- {root}.orig/{edit.path}\t{stamp}",
            f"+++ {root}/{edit.path}\t{stamp}",
            *_hunk(files[edit.path].split("\n")[:-1], edit, funcname=False),
        ]
    return "\n".join(out) + "\n"


def diffstat(edits: Sequence[FileEdit]) -> str:
    """git's `--stat` block of a format-patch mail, summary line included."""
    width = max(len(e.path) for e in edits)
    rows = []
    added = sum(len(e.added) for e in edits)
    removed = sum(e.removed for e in edits)
    for edit in sorted(edits, key=lambda e: e.path):
        total = len(edit.added) + edit.removed
        bar = "+" * len(edit.added) + "-" * edit.removed
        rows.append(f" {edit.path.ljust(width)} | {total} {bar}")
    files = f"{len(edits)} file{'s' if len(edits) != 1 else ''} changed"
    parts = [files]
    if added:
        parts.append(f"{added} insertion{'s' if added != 1 else ''}(+)")
    if removed:
        parts.append(f"{removed} deletion{'s' if removed != 1 else ''}(-)")
    return "\n".join([*rows, " " + ", ".join(parts)]) + "\n"


def _hunk(lines: list[str], edit: FileEdit, *, funcname: bool = True) -> list[str]:
    start = max(0, edit.at - CONTEXT)
    end = min(len(lines), edit.at + edit.removed + CONTEXT)
    old_count = end - start
    new_count = old_count - edit.removed + len(edit.added)
    header = f"@@ -{_range(start + 1, old_count)} +{_range(start + 1, new_count)} @@"
    function = _funcname(lines, start) if funcname else ""
    body = [f" {line}" for line in lines[start : edit.at]]
    body += [f"-{line}" for line in lines[edit.at : edit.at + edit.removed]]
    body += [f"+{line}" for line in edit.added]
    body += [f" {line}" for line in lines[edit.at + edit.removed : end]]
    return [f"{header} {function}" if function else header, *body]


def _range(start: int, count: int) -> str:
    return str(start) if count == 1 else f"{start},{count}"


def _funcname(lines: list[str], start: int) -> str:
    """The line git shows after `@@`: the nearest one above the hunk that starts a name."""
    for line in reversed(lines[:start]):
        if line[:1].isalpha() or line[:1] in ("_", "$"):
            return line.rstrip()[:80]
    return ""
