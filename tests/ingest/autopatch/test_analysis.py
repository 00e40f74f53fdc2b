"""The changes a config declares match the changes `analyze` finds in the trees it makes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.domain.model import ChangeType, Kind
from bot.ingest.analyze import analyze_trees
from bot.ingest.autopatch.analysis import apply_to_tree, changes_from_config
from bot.ingest.autopatch.parse import parse_config
from tests.fakes.corpus import autopatch_cases
from tests.fakes.rules import ALMALINUX
from tests.ingest.corpus_trees import case_config, case_trees

CASES = autopatch_cases()


def _files(folder: Path) -> dict[str, bytes]:
    files = folder / "autopatch" / "files"
    return {p.name: p.read_bytes() for p in files.iterdir()} if files.is_dir() else {}


@pytest.fixture(params=CASES)
def case(request, corpus: Path):
    folder = corpus / "autopatch" / request.param
    config_path = case_config(folder)
    config = parse_config(config_path.read_bytes(), path=config_path.name)
    base, downstream = case_trees(folder)
    return folder, config, base, downstream


def test_applying_to_the_base_gives_what_analyze_finds_in_expected(case) -> None:
    folder, config, base, downstream = case
    date = re.search(
        r"^\* (\w{3} \w{3} \d\d \d{4}) ", downstream[f"{folder.name}.spec"].decode(), re.M
    )
    applied = apply_to_tree(
        config,
        _files(folder),
        base,
        changelog_date=date.group(1) if date else "Tue Jan 14 2025",
        el_version="8",
        package=folder.name,
    )
    from_config = analyze_trees(base, applied.files, rules=ALMALINUX, package=folder.name)
    from_trees = analyze_trees(base, downstream, rules=ALMALINUX, package=folder.name)
    assert [c.id for c in from_config.changes] == [c.id for c in from_trees.changes]


def test_declared_files_and_bookkeeping_have_the_ids_analyze_gives(case) -> None:
    folder, config, base, downstream = case
    declared = changes_from_config(config, _files(folder), rules=ALMALINUX, path="config.yaml")
    found = {
        c.id: c
        for c in analyze_trees(base, downstream, rules=ALMALINUX, package=folder.name).changes
    }
    spec = downstream[f"{folder.name}.spec"].decode()
    base_spec = base[f"{folder.name}.spec"].decode()
    for change in declared.changes:
        if change.type is ChangeType.SPEC_EDIT and change.kind is not Kind.BOOKKEEPING:
            continue  # hunks are cut differently from the whole find/replace text
        if change.name == "%changelog" and "%autochangelog" in spec:
            continue
        if change.name == "Release" and "%autorelease" in base_spec:
            continue  # the suffix goes to %autorelease's options, not the spec
        if change.type is not ChangeType.SPEC_EDIT and change.name not in spec:
            continue  # e.g. pesign's patches go to pesign.patches, absent from the corpus
        if change.type is not ChangeType.SPEC_EDIT and re.search(
            rf"^\w+\d*:\s*\S*{re.escape(change.name)}\s*$", base_spec, re.M | re.I
        ):
            continue  # a file the base declares already, replaced in place
        assert change.id in found, (change.name, change.type, change.operation)


def test_bookkeeping_never_upstreamable(case) -> None:
    folder, config, _base, _downstream = case
    declared = changes_from_config(config, _files(folder), rules=ALMALINUX, path="config.yaml")
    for change in declared.changes:
        if change.kind is Kind.BOOKKEEPING:
            assert not change.upstreamable
