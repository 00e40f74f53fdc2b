"""`analyze` over the 25 real AlmaLinux autopatch cases, checked against what each config declares.

The configs are read here with plain YAML on purpose: the test's expectations come from the
config, independently of the code under test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.domain.model import ChangeType, Kind, Operation
from bot.ingest.analyze import Analysis, analyze_trees
from tests.fakes.corpus import autopatch_cases
from tests.fakes.rules import ALMALINUX
from tests.ingest.corpus_trees import case_config, case_trees

CORPUS_CASES = autopatch_cases()
_PATCH_TAG = re.compile(r"^(#?)\s*Patch\d*\s*:\s*(\S+)", re.I)
_TAG_LINE = re.compile(r"^#?\s*(Patch|Source)\d*\s*:", re.I)


def _items(config: dict, action: str) -> list[dict]:
    items: list[dict] = []
    for entry in config.get("actions") or []:
        if action in entry:
            items.extend(entry[action] or [])
    return items


def _norm(line: str) -> str:
    return "".join(line.split())


@pytest.fixture(params=CORPUS_CASES)
def case(request, corpus: Path):
    folder = corpus / "autopatch" / request.param
    base, downstream = case_trees(folder)
    config = yaml.safe_load(case_config(folder).read_text(encoding="utf-8"))
    analysis = analyze_trees(base, downstream, rules=ALMALINUX, package=request.param)
    return folder, downstream, config, analysis


def _names(analysis: Analysis, change_type: ChangeType, operation: Operation) -> set[str]:
    return {c.name for c in analysis.changes if c.type is change_type and c.operation is operation}


def test_every_added_patch_and_source_is_found(case) -> None:
    folder, downstream, config, analysis = case
    spec_text = downstream[f"{folder.name}.spec"].decode()
    base_text = (folder / f"{folder.name}.spec").read_text(encoding="utf-8")
    for item in _items(config, "add_files"):
        kind = item.get("type", "patch")
        change_type = ChangeType.PATCH if kind == "patch" else ChangeType.SOURCE
        tag = rf"^{kind}\d*\s*:\s*\S*{re.escape(item['name'])}\s*$"
        if not re.search(tag, spec_text, re.I | re.M):
            # pesign declares its patches in pesign.patches, which the corpus case lacks
            continue
        if re.search(tag, base_text, re.I | re.M):
            # a file the base already declares, replaced in place (shim's BOOTAA64.CSV)
            continue
        assert item["name"] in _names(analysis, change_type, Operation.ADDED), item["name"]


def test_every_disabled_or_deleted_patch_is_found(case) -> None:
    _folder, _downstream, config, analysis = case
    removed = _names(analysis, ChangeType.PATCH, Operation.REMOVED)
    for item in _items(config, "replace"):
        if item.get("target", "spec") != "spec" or "find" not in item:
            continue
        kept = {
            m.group(2)
            for line in str(item.get("replace", "")).splitlines()
            if (m := _PATCH_TAG.match(line.strip())) and not m.group(1)
        }
        guarded = "%{!?" in str(item.get("replace", "")) or "%{?" in str(item.get("replace", ""))
        for line in str(item["find"]).splitlines():
            match = _PATCH_TAG.match(line.strip())
            if match and not match.group(1) and (match.group(2) not in kept or guarded):
                assert match.group(2) in removed, match.group(2)


def test_every_spec_edit_is_found(case) -> None:
    _folder, _downstream, config, analysis = case
    edits = "\n".join(
        _norm(line[1:])
        for c in analysis.changes
        if c.type is ChangeType.SPEC_EDIT
        for line in c.diff.splitlines()
        if line[:1] in "+-"
    ).splitlines()
    seen = set(edits)
    declared = [
        (str(i.get("find", i.get("rfind", ""))), str(i.get("replace", "")))
        for i in _items(config, "replace")
        if i.get("target", "spec") == "spec"
    ] + [
        (str(line), "")
        for i in _items(config, "delete_line")
        if i.get("target", "spec") == "spec"
        for line in i.get("lines", [])
    ]
    for find, replace in declared:
        before = {_norm(x) for x in find.splitlines() if x.strip()}
        after = {_norm(x) for x in replace.splitlines() if x.strip()}
        changed = {
            x
            for x in before ^ after
            if not _TAG_LINE.match(x) and not x.startswith(("#", "%patch"))
        }
        changed = {x for x in changed if not x.startswith("%if") and x not in ("%endif", "%else")}
        if not changed or any(ch in ".*+?[" for ch in find if find.startswith("- start")):
            continue
        if set(find) & set("*") and "rfind" in str(config):
            continue
        # a find may be part of a line: look for it inside the edited lines
        assert any(x in line for x in changed for line in seen), (
            f"no spec edit shows any of {sorted(changed)[:3]}"
        )


def test_bookkeeping_is_found_and_never_upstreamable(case) -> None:
    folder, downstream, config, analysis = case
    names = {c.name for c in analysis.changes if c.kind is Kind.BOOKKEEPING}
    base_release = re.findall(r"^Release:.*$", (folder / f"{folder.name}.spec").read_text(), re.M)
    down_release = re.findall(r"^Release:.*$", downstream[f"{folder.name}.spec"].decode(), re.M)
    if _items(config, "modify_release") and base_release != down_release:
        # with %autorelease the suffix lives outside the spec and the spec does not change
        assert "Release" in names
    if (
        _items(config, "changelog_entry")
        and "%autochangelog" not in downstream[f"{folder.name}.spec"].decode()
    ):
        assert "%changelog" in names
    for change in analysis.changes:
        if change.kind is Kind.BOOKKEEPING:
            assert not change.upstreamable, change
        if change.upstreamable and change.type is ChangeType.SPEC_EDIT:
            lines = [line[1:].strip() for line in change.diff.splitlines() if line[:1] in "+-"]
            assert not any(line.lower().startswith("release:") for line in lines), change.diff


def test_patched_files_are_modified_changes(case) -> None:
    _folder, _downstream, config, analysis = case
    modified = {c.name for c in analysis.changes if c.operation is Operation.MODIFIED}
    lookaside = {
        c.name
        for c in analysis.changes
        if c.operation is Operation.MODIFIED and any("lookaside" in e for e in c.evidence)
    }
    for item in _items(config, "replace"):
        target = item.get("target", "spec")
        if target.endswith(".metadata") or target == "sources":
            changed = {line.rsplit("/", 1)[-1] for line in str(item["replace"]).split()}
            assert changed & lookaside, f"no lookaside change seen for {target}"
        elif target not in ("spec", ".gitignore"):  # .gitignore is git's, not the package's
            assert target in modified, target
