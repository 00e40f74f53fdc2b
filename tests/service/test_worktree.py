"""Temporary work trees with real git: fetch a branch, apply patches, list what changed,
compute a tree without committing, and leave nothing behind."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.service.worktree import GitError, checkout

PATCH = b"""\
--- a/hello.c
+++ b/hello.c
@@ -1,4 +1,4 @@
 int main(void)
 {
-    return 1;
+    return 0;
 }
"""


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
        cwd=cwd, capture_output=True, check=True, text=True,
    ).stdout


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A repository with `main` (hello.c, old.txt) and a tag `v1.0`."""
    repo = tmp_path / "origin"
    repo.mkdir()
    _git(repo, "init", "--quiet", "--initial-branch=main")
    (repo / "hello.c").write_text("int main(void)\n{\n    return 1;\n}\n")
    (repo / "old.txt").write_text("old\n")
    (repo / "run.sh").write_text("#!/bin/sh\n")
    (repo / "run.sh").chmod(0o755)
    _git(repo, "add", ".")
    _git(repo, "commit", "--quiet", "-m", "Import")
    _git(repo, "tag", "v1.0")
    return repo


async def test_fetch_apply_changed_and_tree_of(origin: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    async with checkout(work, timeout=30) as tree:
        head = await tree.fetch(str(origin), "refs/heads/main")
        assert head == _git(origin, "rev-parse", "main").strip()
        await tree.check_out(head)
        assert (await tree.apply("fix.patch", PATCH, check=True)).error is None
        assert tree.read("hello.c") == b"int main(void)\n{\n    return 1;\n}\n", "--check only"
        assert (await tree.apply("fix.patch", PATCH, check=False)).error is None
        again = await tree.apply("fix.patch", PATCH, check=True)
        assert again.error is not None and "patch does not apply" in again.error
        (tree.path / "old.txt").unlink()
        tree.write("new/file.txt", b"new\n")
        (tree.path / "run.sh").write_text("#!/bin/sh\nexit 0\n")
        changed = await tree.changed("HEAD")
        assert changed == {
            "hello.c": b"int main(void)\n{\n    return 0;\n}\n",
            "new/file.txt": b"new\n",
            "old.txt": None,
            "run.sh": b"#!/bin/sh\nexit 0\n",
        }
        # the tree a commit of exactly those changes has, as git itself computes it
        computed = await tree.tree_of(head, changed)
        _git(tree.path, "add", "--all")
        assert computed == _git(tree.path, "write-tree").strip()
        refs = await tree.remote_refs(str(origin), "refs/tags/*")
        assert list(refs) == ["refs/tags/v1.0"]
        assert await tree.try_fetch(str(origin), "refs/heads/nope") is None
        with pytest.raises(GitError, match=r"git fetch failed: .*nope"):
            await tree.fetch(str(origin), "refs/heads/nope")
        where = tree.path
    assert not where.exists() and list(work.iterdir()) == [], "nothing is left behind"


async def test_a_job_out_of_time_fails_as_git_does(origin: Path, tmp_path: Path) -> None:
    async with checkout(tmp_path / "work", timeout=30) as tree:
        tree._deadline = 0.0  # the job's deadline passed
        with pytest.raises(GitError, match="no answer in time"):
            await tree.fetch(str(origin), "refs/heads/main")
