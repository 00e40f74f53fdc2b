"""Turns what an autopatch config declares into the same changes `analyze` finds in trees."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.change import Change, change_id, normalize_lines
from bot.domain.classify import Features, classify
from bot.domain.distgit_model import Layout, Tree
from bot.domain.model import ChangeType, DeclaredStatus, Operation
from bot.domain.rules import AnalysisRules
from bot.domain.spec_conditions import branch_truth, directive_of
from bot.ingest.analyze_files import file_identity
from bot.ingest.analyze_spec import bookkeeping_change, changelog_identity, spec_edit_change
from bot.ingest.autopatch.apply import apply_config
from bot.ingest.autopatch.changes import DeclaredChange, DeclaredType, declared_changes
from bot.ingest.autopatch.model import AutopatchConfig
from bot.ingest.distgit import decode_text, read_distgit
from bot.ingest.patch_header import parse_patch_header
from bot.ingest.spec import parse_spec
from bot.ingest.spec_diff import edits

_APPLY_LINE = re.compile(r"^\s*#?\s*%patch", re.I)
_TAG_LINE = re.compile(r"^\s*#?\s*(patch|source)\d*\s*:", re.I)


@dataclass(frozen=True, slots=True)
class ConfigAnalysis:
    changes: tuple[Change, ...]
    warnings: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "changes": [change.to_json() for change in self.changes],
            "warnings": list(self.warnings),
        }


def changes_from_config(
    config: AutopatchConfig, files: Mapping[str, bytes], *, rules: AnalysisRules, path: str
) -> ConfigAnalysis:
    """The changes a config declares; `files` are its `files/` by name."""
    changes: list[Change] = []
    warnings = list(config.warnings)
    for declared in declared_changes(config):
        where = f"{path}:{declared.yaml_line}"
        match declared.type:
            case DeclaredType.PATCH | DeclaredType.SOURCE:
                changes.append(_file(declared, files, rules, where))
            case DeclaredType.SPEC_EDIT:
                changes.extend(_spec_edit(declared, rules, where))
            case DeclaredType.PATCH_EDIT | DeclaredType.SOURCE_EDIT:
                changes.append(_file_edit(declared, rules, where))
            case DeclaredType.BOOKKEEPING:
                changes.append(_bookkeeping(declared, rules, path))
            case DeclaredType.SCRIPT:
                warnings.append(
                    f"{where}: run_script {declared.target}: its changes are only "
                    "known by running it; analyze the resulting tree instead"
                )
    unique = {change.id: change for change in reversed(changes)}
    return ConfigAnalysis(tuple(reversed(unique.values())), tuple(warnings))


def _file(
    declared: DeclaredChange, files: Mapping[str, bytes], rules: AnalysisRules, where: str
) -> Change:
    name = declared.file_name or declared.target
    change_type = declared.change_type or ChangeType.SOURCE
    data = files.get(name) if declared.operation is Operation.ADDED else None
    header = (
        parse_patch_header(data, path=name)
        if data is not None and change_type is ChangeType.PATCH
        else None
    )
    missing = declared.operation is Operation.ADDED and data is None
    notes = [f"declared at {where}"]
    if missing:
        notes.append(f"{name} is declared but not in the config's files/")
    verdict = classify(
        Features(
            type=change_type,
            operation=declared.operation,
            name=name,
            subject=(header.subject or "") if header else "",
            declared_status=header.declared_status if header else DeclaredStatus.NONE,
            cves=header.cves if header else (),
            notes=tuple(notes),
        ),
        rules.classifier,
    )
    identity, pid, cid = file_identity(change_type, declared.operation, name, data)
    return Change(
        id=identity,
        type=change_type,
        operation=declared.operation,
        name=name,
        kind=verdict.kind,
        upstreamable=verdict.upstreamable,
        declared_status=header.declared_status if header else DeclaredStatus.NONE,
        status_raw=header.status_raw if header else None,
        evidence=verdict.evidence,
        missing_file=missing,
        file=where.rsplit(":", 1)[0],
        line=declared.yaml_line,
        patch_id=pid,
        content_id=cid,
        subject=header.subject if header else None,
        author=header.author if header else declared.author_name,
        references=tuple(r.value for r in header.references) if header else (),
        cves=header.cves if header else (),
    )


def _spec_edit(declared: DeclaredChange, rules: AnalysisRules, where: str) -> list[Change]:
    before = (declared.before or "").splitlines()
    after = (declared.after or "").splitlines()
    old_patches = _active_patches("\n".join(before), rules)
    new_patches = _active_patches("\n".join(after), rules)
    changes = [
        _patch_toggle(name, Operation.REMOVED, rules, where)
        for name in sorted(old_patches - new_patches)
    ] + [
        _patch_toggle(name, Operation.ADDED, rules, where)
        for name in sorted(new_patches - old_patches)
    ]
    toggled = bool(changes)
    removed, added = [], []
    for edit in edits(before, after, merge_gap=len(before) + len(after)):
        removed.extend(line for line in edit.removed if _substantive(line, toggled=toggled))
        added.extend(line for line in edit.added if _substantive(line, toggled=toggled))
    if not removed and not added:
        return changes
    notes = [f"declared at {where}"]
    if declared.regex:
        notes.append("declared as a regular expression; the lines shown are the pattern")
    changes.append(
        spec_edit_change(
            tuple(removed),
            tuple(added),
            name="spec",
            rules=rules.classifier,
            file=where.rsplit(":", 1)[0],
            line=declared.yaml_line,
            diff="\n".join([*(f"-{x}" for x in removed), *(f"+{x}" for x in added)]),
            notes=tuple(notes),
            author=declared.changelog[0].name if declared.changelog else None,
        )
    )
    return changes


def _active_patches(text: str, rules: AnalysisRules) -> set[str]:
    try:
        spec = parse_spec(text, path="config")
    except ValueError:
        return set()
    return {
        t.filename for t in spec.patches() if branch_truth(t.conditions, rules.macros) is not False
    }


def _substantive(line: str, *, toggled: bool) -> bool:
    """Whether a line is an edit of its own, not part of declaring or applying a patch."""
    if not line.strip() or _TAG_LINE.match(line) or _APPLY_LINE.match(line):
        return False
    framing = directive_of(line) is not None or line.lstrip().startswith("#")
    return not (toggled and framing)


def _patch_toggle(name: str, operation: Operation, rules: AnalysisRules, where: str) -> Change:
    verdict = classify(
        Features(
            type=ChangeType.PATCH, operation=operation, name=name, notes=(f"declared at {where}",)
        ),
        rules.classifier,
    )
    identity, _, _ = file_identity(ChangeType.PATCH, operation, name, None)
    return Change(
        id=identity,
        type=ChangeType.PATCH,
        operation=operation,
        name=name,
        kind=verdict.kind,
        upstreamable=verdict.upstreamable,
        declared_status=DeclaredStatus.NONE,
        evidence=verdict.evidence,
        file=where.rsplit(":", 1)[0],
        line=int(where.rsplit(":", 1)[1]),
    )


def _file_edit(declared: DeclaredChange, rules: AnalysisRules, where: str) -> Change:
    change_type = declared.change_type or ChangeType.SOURCE
    found = edits((declared.before or "").splitlines(), (declared.after or "").splitlines())
    removed = tuple(line for e in found for line in e.removed)
    added = tuple(line for e in found for line in e.added)
    verdict = classify(
        Features(
            type=change_type,
            operation=Operation.MODIFIED,
            name=declared.target,
            added=added,
            removed=removed,
            notes=(f"declared at {where}",),
        ),
        rules.classifier,
    )
    content = f"{normalize_lines(removed)}\x00{normalize_lines(added)}"
    return Change(
        id=change_id(change_type, Operation.MODIFIED, declared.target, content),
        type=change_type,
        operation=Operation.MODIFIED,
        name=declared.target,
        kind=verdict.kind,
        upstreamable=verdict.upstreamable,
        declared_status=DeclaredStatus.NONE,
        evidence=verdict.evidence,
        file=where.rsplit(":", 1)[0],
        line=declared.yaml_line,
        diff="\n".join(e.unified() for e in found),
    )


def _bookkeeping(declared: DeclaredChange, rules: AnalysisRules, path: str) -> Change:
    if declared.lines or declared.author_name:
        items = tuple(f"- {line}" for line in declared.lines)
        return bookkeeping_change(
            "%changelog",
            path,
            declared.yaml_line,
            (),
            items,
            f"changelog entry by {declared.author_name}",
            rules.classifier,
            author=declared.author_name,
            identity=changelog_identity(items),
        )
    suffix = declared.after or ""
    return bookkeeping_change(
        "Release",
        path,
        declared.yaml_line,
        (),
        (f"%{{?dist}}{suffix}",),
        f"release suffix {suffix!r}",
        rules.classifier,
        identity=suffix,
        operation=Operation.MODIFIED,
    )


@dataclass(frozen=True, slots=True)
class AppliedTree:
    """The downstream tree a config makes of a base tree, and what did not apply cleanly."""

    files: dict[str, bytes]
    problems: tuple[str, ...]


def apply_to_tree(
    config: AutopatchConfig,
    config_files: Mapping[str, bytes],
    base: Tree,
    *,
    changelog_date: str,
    el_version: str | None,
    package: str | None = None,
) -> AppliedTree:
    """Apply `config` to a base dist-git tree (either layout) as autopatch would."""
    distgit = read_distgit(base, where="base", package=package)
    prefix = "SOURCES/" if distgit.layout is Layout.SPECS_SOURCES else ""
    spec_name = distgit.spec_path.rsplit("/", 1)[-1]
    texts = {spec_name: decode_text(base[distgit.spec_path], where=distgit.spec_path)[0]}
    for name, data in distgit.files.items():
        if b"\x00" not in data:
            texts[name] = decode_text(data, where=name)[0]
    result = apply_config(
        config,
        texts,
        spec_name=spec_name,
        changelog_date=changelog_date,
        added_files=config_files,
        package_name=distgit.package,
        el_version=el_version,
    )
    files = dict(base)
    for name in result.removed:
        files.pop(_placed(name, spec_name, distgit.spec_path, prefix), None)
    for name, text in result.files.items():
        files[_placed(name, spec_name, distgit.spec_path, prefix)] = text.encode("utf-8")
    for name, data in result.added.items():
        files[_placed(name, spec_name, distgit.spec_path, prefix)] = data
    problems = tuple(str(outcome) for outcome in result.problems)
    return AppliedTree(files, problems)


def _placed(name: str, spec_name: str, spec_path: str, prefix: str) -> str:
    if name == spec_name:
        return spec_path
    if name.startswith(".") and name.endswith(".metadata"):
        return name
    return f"{prefix}{name}"
