"""Turns the spec edits that no patch or source accounts for into changes, bookkeeping apart."""

from __future__ import annotations

import re

from bot.domain.change import Change, change_id, normalize_lines
from bot.domain.classify import ClassifierRules, Features, classify
from bot.domain.distgit_model import DistGit
from bot.domain.model import ChangeType, DeclaredStatus, Operation
from bot.domain.spec_conditions import directive_of
from bot.domain.spec_model import Spec
from bot.ingest.spec import is_section_header
from bot.ingest.spec_diff import Edit, edits

#: How close (in lines) a comment or conditional must be to an explained line to belong to it.
_NEARBY = 2
_COMMENT = re.compile(r"^\s*#")


def spec_edit_changes(
    base: DistGit,
    downstream: DistGit,
    *,
    rules: ClassifierRules,
    explained_old: frozenset[int],
    explained_new: frozenset[int],
) -> list[Change]:
    old, new = base.spec, downstream.spec
    changes = _bookkeeping(old, new, downstream.spec_path, rules)
    skip_old = set(explained_old) | _release_line(old)
    skip_new = set(explained_new) | _release_line(new)
    counts: dict[str, int] = {}
    for edit in edits(_body(old), _body(new), barrier=is_section_header):
        kept = _substantive(edit, skip_old, skip_new)
        if kept is None:
            continue
        removed, added = kept
        section = new.section_at(edit.new_start) if added else old.section_at(edit.old_start)
        content = _content(removed, added)
        counts[content] = counts.get(content, 0) + 1
        changes.append(
            spec_edit_change(
                removed,
                added,
                name=section,
                rules=rules,
                file=downstream.spec_path,
                line=edit.new_start if added else None,
                diff=Edit(edit.old_start, removed, edit.new_start, added).unified(),
                occurrence=counts[content],
            )
        )
    return changes


def spec_edit_change(
    removed: tuple[str, ...],
    added: tuple[str, ...],
    *,
    name: str,
    rules: ClassifierRules,
    file: str,
    line: int | None,
    diff: str,
    occurrence: int = 1,
    notes: tuple[str, ...] = (),
    author: str | None = None,
) -> Change:
    """A spec edit, known by its lines without whitespace and which occurrence of them it is."""
    operation = _operation(removed, added)
    verdict = classify(
        Features(
            type=ChangeType.SPEC_EDIT,
            operation=operation,
            name=name,
            added=added,
            removed=removed,
            notes=notes,
        ),
        rules,
    )
    return Change(
        id=change_id(ChangeType.SPEC_EDIT, operation, _content(removed, added), str(occurrence)),
        type=ChangeType.SPEC_EDIT,
        operation=operation,
        name=name,
        kind=verdict.kind,
        upstreamable=verdict.upstreamable,
        declared_status=DeclaredStatus.NONE,
        evidence=verdict.evidence,
        file=file,
        line=line,
        diff=diff,
        author=author,
    )


def _content(removed: tuple[str, ...], added: tuple[str, ...]) -> str:
    return f"{normalize_lines(removed)}\x00{normalize_lines(added)}"


def _body(spec: Spec) -> list[str]:
    """The spec up to its %changelog, which is compared on its own."""
    end = spec.changelog_line - 1 if spec.changelog_line else len(spec.lines)
    return list(spec.lines[:end])


def _release_line(spec: Spec) -> set[int]:
    return {release.line for release in spec.releases}


def _operation(removed: tuple[str, ...], added: tuple[str, ...]) -> Operation:
    if removed and added:
        return Operation.MODIFIED
    return Operation.ADDED if added else Operation.REMOVED


def _substantive(
    edit: Edit, skip_old: set[int], skip_new: set[int]
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The lines of an edit no patch or source explains; None when nothing is left.

    Blank lines, comments and `%if`/`%endif` that only frame an explained line (the
    "# AlmaLinux Patch" comment above a new Patch tag, a guard around a disabled patch)
    belong to that change, not to a spec edit of their own.
    """
    removed = [(edit.old_start + i, line) for i, line in enumerate(edit.removed)]
    added = [(edit.new_start + i, line) for i, line in enumerate(edit.added)]
    removed = [(n, line) for n, line in removed if n not in skip_old]
    added = [(n, line) for n, line in added if n not in skip_new]
    framing_old = _near(edit.old_start, len(edit.removed), skip_old)
    framing_new = _near(edit.new_start, len(edit.added), skip_new)
    kept_removed = tuple(
        line for _, line in removed if not (_framing(line) and framing_old) and line.strip()
    )
    kept_added = tuple(
        line for _, line in added if not (_framing(line) and framing_new) and line.strip()
    )
    if not kept_removed and not kept_added:
        return None
    return kept_removed, kept_added


def _near(start: int, length: int, explained: set[int]) -> bool:
    low, high = start - _NEARBY, start + max(length, 1) + _NEARBY
    return any(low <= line <= high for line in explained)


def _framing(line: str) -> bool:
    return bool(_COMMENT.match(line)) or directive_of(line) is not None


def _bookkeeping(old: Spec, new: Spec, path: str, rules: ClassifierRules) -> list[Change]:
    changes = []
    old_raw = tuple(r.raw for r in old.releases)
    new_raw = tuple(r.raw for r in new.releases)
    if new.release and old_raw != new_raw:
        before = old_raw[0] if old_raw else "nothing"
        changes.append(
            bookkeeping_change(
                "Release",
                path,
                new.release.line,
                old_raw,
                new_raw,
                f"release changed from {before!r} to {new_raw[0]!r}",
                rules,
                identity=release_identity(
                    old.release.raw if old.release else None, new.release.raw
                ),
            )
        )
    known = {(e.date, e.author, e.version) for e in old.changelog}
    for entry in new.changelog:
        if (entry.date, entry.author, entry.version) in known:
            continue
        changes.append(
            bookkeeping_change(
                "%changelog",
                path,
                entry.line,
                (),
                entry.items,
                f"changelog entry by {entry.author} for {entry.version or 'this release'}",
                rules,
                author=entry.author,
                identity=changelog_identity(entry.items),
            )
        )
    return changes


def changelog_identity(items: tuple[str, ...]) -> str:
    """A changelog entry's text without whitespace, so rewrapping keeps its identity."""
    return "".join("".join(item.split()) for item in items)


def release_identity(old: str | None, new: str) -> str:
    """What the downstream inserted into the base's release (".alma.1"), not the number."""
    if old is None:
        return new
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return new[start : len(new) - end] or new


def bookkeeping_change(
    name: str,
    path: str,
    line: int,
    removed: tuple[str, ...],
    added: tuple[str, ...],
    why: str,
    rules: ClassifierRules,
    *,
    author: str | None = None,
    identity: str | None = None,
    operation: Operation | None = None,
) -> Change:
    if operation is None:
        operation = _operation(removed, added) if removed or added else Operation.MODIFIED
    verdict = classify(
        Features(
            type=ChangeType.SPEC_EDIT,
            operation=operation,
            name=name,
            added=added,
            removed=removed,
            bookkeeping=why,
        ),
        rules,
    )
    return Change(
        id=change_id(ChangeType.SPEC_EDIT, operation, name, identity or normalize_lines(added)),
        type=ChangeType.SPEC_EDIT,
        operation=operation,
        name=name,
        kind=verdict.kind,
        upstreamable=verdict.upstreamable,
        declared_status=DeclaredStatus.NONE,
        evidence=verdict.evidence,
        file=path,
        line=line,
        diff="\n".join((*(f"-{x}" for x in removed), *(f"+{x}" for x in added))),
        author=author,
    )
