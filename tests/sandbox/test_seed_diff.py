"""A fix written by hand as a diff is byte for byte what git prints for the same edit, so
patch files in every format share the patch id of the upstream commit."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.hunks import content_id
from bot.domain.patch_id import patch_id
from bot.ingest.patch_header import parse_patch_header
from bot.sandbox import gitstore
from bot.sandbox.seed_diff import EditError, FileEdit, apply_edits, git_diff
from bot.sandbox.seed_fixes import FixKind, make_fix
from bot.sandbox.seed_history import RepoPlan
from bot.sandbox.seed_names import ALMA_PEOPLE
from bot.sandbox.seed_patchfile import Header, PatchFormat, patch_bytes
from bot.sandbox.seed_plan import seeded_random
from bot.sandbox.seed_source import MAKEFILE, make_project

WHEN = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
#: kinds that can share one package (the Makefile takes one fix only)
_TOGETHER = [
    [FixKind.NULL_CHECK, FixKind.LEAK, FixKind.OVERFLOW, FixKind.ARCH, FixKind.DISTRO],
    [FixKind.OFF_BY_ONE, FixKind.BACKPORT, FixKind.INAPPROPRIATE],
]


@pytest.mark.parametrize("kinds", _TOGETHER, ids=["five-fixes", "three-fixes"])
@pytest.mark.parametrize("number", range(4), ids=lambda n: f"project-{n}")
def test_git_prints_the_diff_we_write(tmp_path: Path, kinds: list[FixKind], number: int):
    rng = seeded_random("diff-test", number)
    project = make_project(f"demo{number}", rng)
    used: set[str] = set()
    fixes = [make_fix(kind, project, rng, used=used) for kind in kinds]
    plan = RepoPlan("github", "upstream/demo", "main")
    files = dict(project.files)
    plan.commit("main", _encoded(files), message="import", author=ALMA_PEOPLE[0], when=WHEN)
    for fix in fixes:
        files = apply_edits(files, fix.edits)
        plan.commit("main", _encoded(files), message=fix.subject, author=ALMA_PEOPLE[0], when=WHEN)
    git_dir = tmp_path / "demo.git"
    gitstore.init_bare_minimal(git_dir, default_branch="main")
    shas = gitstore.write_batch(git_dir, plan.commits, refs=plan.refs)
    for fix, sha in zip(fixes, shas[1:], strict=True):
        shown = gitstore.run_git(git_dir, "show", "--format=", sha)
        assert shown.decode() == git_diff(project.files, fix.edits)
        header = Header(fix.subject, fix.body, ALMA_PEOPLE[0], WHEN)
        for fmt in PatchFormat:
            data = patch_bytes(fmt, header, project.files, fix.edits, root="demo-1.0")
            assert content_id(data) == patch_id(shown), fmt
        reworked = git_diff(project.files, fix.reworked).encode()
        assert patch_id(reworked) != patch_id(shown)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (FileEdit("README.md", 1, 0, ("",)), "could slide"),
        (FileEdit("README.md", 0, 1, ("x",)), "not inside the file"),
        (FileEdit("missing.c", 1, 0, ("x",)), "no such file"),
        (FileEdit("README.md", 1, 1, ("",)), "keeps a line it also removes"),
    ],
    ids=["slides", "first-line", "no-file", "keeps-a-line"],
)
def test_an_edit_with_two_possible_diffs_is_refused(edit: FileEdit, message: str):
    files = {"README.md": "# demo\n\nA demo.\n"}
    with pytest.raises(EditError, match=message):
        apply_edits(files, [edit])


def test_two_edits_of_one_file_are_refused():
    files = {MAKEFILE: "a\nb\nc\nd\n"}
    edits = [FileEdit(MAKEFILE, 1, 1, ("x",)), FileEdit(MAKEFILE, 3, 1, ("y",))]
    with pytest.raises(EditError, match="one edit per file"):
        apply_edits(files, edits)


@pytest.mark.parametrize(
    ("fmt", "status", "declared"),
    [
        (PatchFormat.FORMAT_PATCH, "Submitted [https://github.com/upstream/x/pull/3]", "submitted"),
        (PatchFormat.FORMAT_PATCH, "Inappropriate [the build has no network]", "inappropriate"),
        (PatchFormat.DEP3, None, "pending"),
        (PatchFormat.BARE, None, "none"),
    ],
    ids=["yocto-submitted", "yocto-inappropriate", "dep3-forwarded-no", "bare"],
)
def test_headers_declare_what_the_seed_meant(fmt: PatchFormat, status: str | None, declared: str):
    project = make_project("demo", seeded_random("header-test"))
    fix = make_fix(FixKind.LEAK, project, seeded_random("header-test"), used=set())
    forwarded = "no" if fmt is PatchFormat.DEP3 else None
    header = Header(
        fix.subject, fix.body, ALMA_PEOPLE[1], WHEN, upstream_status=status, forwarded=forwarded
    )
    data = patch_bytes(fmt, header, project.files, fix.edits, root="demo-1.0")
    parsed = parse_patch_header(data, path="x.patch")
    assert str(parsed.declared_status) == declared
    if fmt is not PatchFormat.BARE:
        assert parsed.subject == fix.subject


def _encoded(files: dict[str, str]) -> dict[str, bytes]:
    return {path: text.encode() for path, text in files.items()}
