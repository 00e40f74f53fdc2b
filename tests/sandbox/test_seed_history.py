"""Planned commits get the ids git gives them, one fast-import writes a whole history, and a
change request's head can be copied from a fork into its target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.sandbox import gitstore
from bot.sandbox.gitstore import Author, BatchCommit
from bot.sandbox.seed_history import RepoPlan

WHEN = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
ALICE = Author("Alice Example", "alice@example.org")


def _repo(tmp_path: Path, name: str = "r.git", branch: str = "main") -> Path:
    template = tmp_path / "template.git"
    if not template.exists():
        gitstore.init_bare_minimal(template, default_branch="main")
    git_dir = tmp_path / name
    gitstore.init_bare_from(template, git_dir, default_branch=branch)
    return git_dir


def _history() -> RepoPlan:
    plan = RepoPlan("gitea", "rpms/demo", "c9")
    first = plan.commit(
        "c9",
        {"SPECS/demo.spec": b"Name: demo\n", "SOURCES/a.patch": b"--- a\n", ".demo.metadata": b""},
        message="import demo-1-1.el9",
        author=ALICE,
        when=WHEN,
    )
    plan.point("refs/tags/imports/c9/demo-1-1.el9", first)
    second = plan.commit(
        "c9",
        {
            "SPECS/demo.spec": b"Name: demo\nRelease: 2\n",
            ".demo.metadata": b"x\n",
            "a/b/c/d": b"deep",
        },
        message="import demo-1-2.el9",
        author=ALICE,
        when=WHEN + timedelta(days=1),
    )
    plan.point("a9", second)
    plan.commit(
        "c10s",
        {"demo.spec": b"Name: demo\n"},
        message="import CS",
        author=ALICE,
        when=WHEN,
        parent=None,
    )
    plan.commit("side", {"only": b"1"}, message="side", author=ALICE, when=WHEN, parent=first)
    return plan


def test_git_gives_the_planned_ids(tmp_path: Path):
    plan = _history()
    git_dir = _repo(tmp_path, branch=plan.default_branch)
    assert gitstore.write_batch(git_dir, plan.commits, refs=plan.refs) == plan.shas
    assert dict(gitstore.branches(git_dir)) == {
        "a9": plan.shas[1],
        "c9": plan.shas[1],
        "c10s": plan.shas[2],
        "side": plan.shas[3],
    }
    tag = gitstore.run_git(git_dir, "rev-parse", "imports/c9/demo-1-1.el9").decode().strip()
    assert tag == plan.shas[0]
    # a commit holds exactly its tree: what the parent had beyond it is deleted
    listing = gitstore.list_tree(git_dir, "side", "")
    assert listing is not None
    assert [e.path for e in listing] == ["only"]
    assert gitstore.read_blob(git_dir, "c9", "a/b/c/d") == b"deep"
    assert gitstore.read_blob(git_dir, "c9", "SOURCES/a.patch") is None


def test_a_fork_shares_the_ids_and_a_head_is_adopted(tmp_path: Path):
    target = _history()
    fork = target.copy_as("gitea", "packager/demo", owner="packager")
    tip = fork.commit(
        "fix", {**fork.tree("c9"), "fix.patch": b"+x\n"}, message="fix", author=ALICE, when=WHEN
    )
    fork.commit("fix", {**fork.tree("fix"), "more": b"y"}, message="more", author=ALICE, when=WHEN)
    target.adopt(fork, len(fork.commits) - 1, "refs/pull/1/head")
    assert target.shas[-2:] == fork.shas[tip:]
    assert target.adopt(fork, tip, "refs/pull/2/head") == len(target.commits) - 2
    git_dir = _repo(tmp_path)
    assert gitstore.write_batch(git_dir, target.commits, refs=target.refs) == target.shas
    assert gitstore.read_blob(git_dir, "refs/pull/1/head", "more") == b"y"
    assert fork.fork_of == "rpms/demo" and fork.members == {"packager": "admin"}


@pytest.mark.parametrize(
    ("parent", "refs", "message"),
    [
        (1, {}, "parent 1 is not an earlier commit"),
        (None, {"refs/heads/x": 3}, "no commit 3"),
    ],
    ids=["parent-after-child", "ref-to-nothing"],
)
def test_a_batch_that_cannot_be_written_is_refused(
    tmp_path: Path, parent: int | None, refs: dict[str, int], message: str
):
    commit = BatchCommit("refs/heads/main", {"a": b"1"}, "m\n", ALICE, WHEN, parent)
    with pytest.raises(ValueError, match=message):
        gitstore.write_batch(_repo(tmp_path), [commit], refs=refs)


def test_a_minimal_repository_takes_pushes_and_no_hook_samples(tmp_path: Path):
    git_dir = _repo(tmp_path, branch="rawhide")
    assert (git_dir / "HEAD").read_text() == "ref: refs/heads/rawhide\n"
    assert not (git_dir / "hooks").exists()
    config = gitstore.run_git(git_dir, "config", "http.receivepack").decode().strip()
    assert config == "true"
