"""Finds the patches and sources a downstream adds, removes, disables or modifies."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.domain.change import Change, change_id
from bot.domain.classify import Classification, Features, classify
from bot.domain.distgit_model import DistGit
from bot.domain.hunks import content_id
from bot.domain.model import ChangeType, DeclaredStatus, Operation
from bot.domain.patch_id import patch_id
from bot.domain.rules import AnalysisRules
from bot.domain.spec_conditions import branch_truth
from bot.domain.spec_model import Spec, Tag
from bot.domain.text import lines_of
from bot.ingest.patch_header import parse_patch_header
from bot.ingest.spec import commented_applications
from bot.ingest.spec_diff import edits

_MAX_DIFF_LINES = 400


@dataclass(frozen=True, slots=True)
class FileChanges:
    changes: tuple[Change, ...]
    #: spec lines (1-based) that these changes account for, in the base and the downstream spec
    explained_old: frozenset[int]
    explained_new: frozenset[int]


def file_changes(base: DistGit, downstream: DistGit, *, rules: AnalysisRules) -> FileChanges:
    changes: list[Change] = []
    old_lines: set[int] = set()
    new_lines: set[int] = set()
    for kind, change_type in (("patch", ChangeType.PATCH), ("source", ChangeType.SOURCE)):
        old_active = _active(base.spec, kind, rules.macros)
        new_active = _active(downstream.spec, kind, rules.macros)
        for name in sorted(new_active.keys() - old_active.keys()):
            changes.append(_added(change_type, name, base, downstream, new_active[name], rules))
        for name in sorted(old_active.keys() - new_active.keys()):
            changes.append(_removed(change_type, name, base, downstream, old_active[name], rules))
        for name in sorted(old_active.keys() & new_active.keys()):
            modified = _modified(change_type, name, base, downstream, new_active[name], rules)
            if modified:
                changes.append(modified)
        touched = {c.name for c in changes if c.type is change_type}
        old_lines |= _tag_lines(base.spec, kind, touched)
        new_lines |= _tag_lines(downstream.spec, kind, touched)
    changes.extend(_other_files(base, downstream, rules, {c.name for c in changes}))
    return FileChanges(tuple(changes), frozenset(old_lines), frozenset(new_lines))


def _active(spec: Spec, kind: str, macros: Mapping[str, str]) -> dict[str, Tag]:
    tags: dict[str, Tag] = {}
    for tag in spec.tags:
        if (
            tag.kind == kind
            and not tag.commented
            and branch_truth(tag.conditions, macros) is not False
        ):
            tags.setdefault(tag.filename, tag)
    return tags


def _tag_lines(spec: Spec, kind: str, names: set[str]) -> set[int]:
    """Lines of the spec itself that declare or apply the touched files."""
    numbers = {t.number for t in spec.tags if t.kind == kind and t.filename in names}
    lines = {
        t.line for t in spec.tags if t.kind == kind and t.filename in names and t.file == spec.path
    }
    if kind == "patch":
        # commented-out applications too: `#%patch1022 -p1` goes with `#Patch1022:`
        applications = [*spec.applications, *commented_applications(spec)]
        for application in applications:
            if set(application.numbers) & numbers or set(application.names) & names:
                lines.add(application.line)
    return lines


def _added(
    change_type: ChangeType,
    name: str,
    base: DistGit,
    downstream: DistGit,
    tag: Tag,
    rules: AnalysisRules,
) -> Change:
    notes = []
    if any(t.filename == name and t.kind == tag.kind for t in base.spec.tags):
        notes.append(f"re-enabled: declared but inactive in the base {base.spec_path}")
    data = downstream.files.get(name)
    return _file_change(change_type, Operation.ADDED, name, data, downstream, tag, rules, notes)


def _removed(
    change_type: ChangeType,
    name: str,
    base: DistGit,
    downstream: DistGit,
    tag: Tag,
    rules: AnalysisRules,
) -> Change:
    notes = [_why_removed(name, tag.kind, downstream, rules.macros)]
    data = base.files.get(name)
    return _file_change(change_type, Operation.REMOVED, name, data, base, tag, rules, notes)


def _why_removed(name: str, kind: str, downstream: DistGit, macros: Mapping[str, str]) -> str:
    for tag in downstream.spec.tags:
        if tag.filename != name or tag.kind != kind:
            continue
        if tag.commented:
            return f"commented out at {tag.file}:{tag.line}"
        if branch_truth(tag.conditions, macros) is False:
            guard = next(c for c in reversed(tag.conditions))
            where = f"{tag.file}:{guard.line}"
            return f"guarded by {guard.directive} {guard.expression} at {where}, false here"
    return f"{kind.capitalize()} tag deleted from {downstream.spec_path}"


def _modified(
    change_type: ChangeType,
    name: str,
    base: DistGit,
    downstream: DistGit,
    tag: Tag,
    rules: AnalysisRules,
) -> Change | None:
    old, new = base.files.get(name), downstream.files.get(name)
    if old is not None and new is not None:
        if old == new:
            return None
        return _file_change(
            change_type, Operation.MODIFIED, name, new, downstream, tag, rules, [], old=old
        )
    old_hash, new_hash = base.lookaside.get(name), downstream.lookaside.get(name)
    if new_hash is None or old_hash == new_hash:
        return None
    if old_hash is not None and old_hash.split(":")[0] != new_hash.split(":")[0]:
        # CentOS Stream lists SHA-512, AlmaLinux 8/9 SHA-1: different digests, same file maybe
        return None
    note = f"lookaside content changed: {old_hash or 'not in the base lookaside'} -> {new_hash}"
    change = _file_change(
        change_type, Operation.MODIFIED, name, None, downstream, tag, rules, [note]
    )
    return replace(change, id=change_id(change_type, Operation.MODIFIED, f"{name}:{new_hash}"))


def _file_change(
    change_type: ChangeType,
    operation: Operation,
    name: str,
    data: bytes | None,
    tree: DistGit,
    tag: Tag | None,
    rules: AnalysisRules,
    notes: list[str],
    *,
    old: bytes | None = None,
) -> Change:
    missing = data is None and operation is not Operation.REMOVED and name not in tree.lookaside
    header = (
        parse_patch_header(data, path=name)
        if data is not None and change_type is ChangeType.PATCH
        else None
    )
    added, removed = _changed_lines(old, data) if old is not None else ((), ())
    if missing:
        notes.append(f"{name} is declared but not in the tree")
    features = Features(
        type=change_type,
        operation=operation,
        name=name,
        added=added,
        removed=removed,
        subject=(header.subject or "") if header else "",
        declared_status=header.declared_status if header else DeclaredStatus.NONE,
        cves=tuple(header.cves) if header else (),
        notes=tuple(notes),
    )
    verdict: Classification = classify(features, rules.classifier)
    identity, pid, cid = file_identity(change_type, operation, name, data)
    return Change(
        id=identity,
        type=change_type,
        operation=operation,
        name=name,
        kind=verdict.kind,
        upstreamable=verdict.upstreamable,
        declared_status=features.declared_status,
        status_raw=header.status_raw if header else None,
        evidence=verdict.evidence,
        missing_file=missing,
        file=tag.file if tag and tag.file != tree.spec.path else tree.spec_path,
        line=tag.line if tag else None,
        patch_id=pid,
        content_id=cid,
        diff=_diff_text(old, data) if old is not None else "",
        subject=header.subject if header else None,
        author=header.author if header else None,
        references=tuple(ref.value for ref in header.references) if header else (),
        cves=features.cves,
    )


def file_identity(
    change_type: ChangeType, operation: Operation, name: str, data: bytes | None
) -> tuple[str, str | None, str | None]:
    """The change id, patch id and content id of a file change.

    An added or changed patch is known by its content (so renaming the file keeps its id),
    another file by its bytes, a file that is not in the tree by its name. A removal is
    known by the name it removes: dropping a base patch stays the same decision when the
    base updates that patch.
    """
    is_patch = data is not None and change_type is ChangeType.PATCH
    pid = patch_id(data) if is_patch and data is not None else None
    cid = content_id(data) if is_patch and data is not None else None
    identity = cid or (_digest(data) if data is not None else f"name:{name}")
    if operation is Operation.REMOVED:
        identity = f"name:{name}"
    elif operation is Operation.MODIFIED:
        identity = f"{name}:{identity}"
    return change_id(change_type, operation, identity), pid, cid


def _changed_lines(old: bytes, new: bytes | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if new is None:
        return (), ()
    found = edits(_lines(old), _lines(new), merge_gap=0)
    return (
        tuple(line for e in found for line in e.added),
        tuple(line for e in found for line in e.removed),
    )


def _diff_text(old: bytes, new: bytes | None) -> str:
    if new is None:
        return ""
    lines = [e.unified() for e in edits(_lines(old), _lines(new))]
    text = "\n".join(lines).splitlines()
    if len(text) > _MAX_DIFF_LINES:
        return "\n".join([*text[:_MAX_DIFF_LINES], f"... {len(text) - _MAX_DIFF_LINES} more lines"])
    return "\n".join(text)


def _lines(data: bytes) -> list[str]:
    return lines_of(data.decode("utf-8", "replace"))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _other_files(
    base: DistGit, downstream: DistGit, rules: AnalysisRules, seen: set[str]
) -> list[Change]:
    """Files beside the spec that both trees have with different content (e.g. `sbat.csv.in`)."""
    changes = []
    for name in sorted(base.files.keys() & downstream.files.keys()):
        if name in seen or name == "sources" or name.endswith(".metadata"):
            continue
        old, new = base.files[name], downstream.files[name]
        if old == new:
            continue
        tag = next(
            (t for t in downstream.spec.tags if t.filename == name and not t.commented), None
        )
        change_type = ChangeType.PATCH if tag and tag.kind == "patch" else ChangeType.SOURCE
        changes.append(
            _file_change(
                change_type, Operation.MODIFIED, name, new, downstream, tag, rules, [], old=old
            )
        )
    return changes
