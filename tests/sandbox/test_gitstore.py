"""`gitstore.commit_diff`: a commit's diff against its first parent, None for what is no commit."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.patch_id import patch_id
from bot.sandbox import gitstore

AUTHOR = gitstore.Author("Sandbox Importer", "importer@sandbox.test")
WHEN = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, str, str]:
    git_dir = tmp_path / "repo.git"
    gitstore.init_bare(git_dir, default_branch="main")
    root = gitstore.commit_files(
        git_dir, "main", {"a.txt": b"one\n", "b.txt": b"gone\n"}, message="root", author=AUTHOR,
        when=WHEN,
    )
    child = gitstore.commit_files(
        git_dir, "main", {"a.txt": b"two\n", "b.txt": None}, message="edit", author=AUTHOR,
        when=WHEN,
    )
    return git_dir, root, child


def test_child_diff_is_against_its_parent(history: tuple[Path, str, str]) -> None:
    git_dir, root, child = history
    diff = gitstore.commit_diff(git_dir, child)
    assert diff is not None
    assert b"-one\n+two\n" in diff and b"deleted file mode" in diff
    assert patch_id(diff) == patch_id(gitstore.diff(git_dir, root, child))


def test_root_diff_adds_every_file(history: tuple[Path, str, str]) -> None:
    git_dir, root, _child = history
    diff = gitstore.commit_diff(git_dir, root)
    assert diff is not None
    assert diff.count(b"new file mode") == 2


@pytest.mark.parametrize(
    "name",
    ["0123456789abcdef0123456789abcdef01234567", "--output=x", "", "main:a.txt"],
    ids=["unknown-sha", "option-like", "empty", "a-blob"],
)
def test_no_commit_is_none(history: tuple[Path, str, str], name: str) -> None:
    git_dir, _root, _child = history
    assert gitstore.commit_diff(git_dir, name) is None
