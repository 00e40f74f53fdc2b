"""The git reads the Gitea sandbox needs beyond `gitstore`: branch tips with their commit,
tree entries with object ids, commit counts, merge bases and diff sizes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.sandbox.gitstore import GitError, run_git

_TIP_FORMAT = (
    "%(refname:strip=2)%00%(objectname)%00%(authorname)%00%(authoremail:trim)%00"
    "%(authordate:unix)%00%(committername)%00%(committeremail:trim)%00%(committerdate:unix)%00"
    "%(contents)%1e"
)


@dataclass(frozen=True, slots=True)
class Tip:
    """A branch and the commit it points at."""

    branch: str
    sha: str
    author_name: str
    author_email: str
    authored_at: datetime
    committer_name: str
    committer_email: str
    committed_at: datetime
    message: str


@dataclass(frozen=True, slots=True)
class TreeItem:
    path: str
    name: str
    kind: str  # blob, tree, commit
    mode: str
    sha: str
    size: int | None


def resolve(git_dir: Path, ref: str) -> str | None:
    """The commit `ref` (branch, tag or sha) names, or None."""
    try:
        out = run_git(git_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError:
        return None
    return out.decode().strip() or None


def tips(git_dir: Path) -> list[Tip]:
    """Every branch with its head commit, sorted by name."""
    out = run_git(
        git_dir, "for-each-ref", "--sort=refname", f"--format={_TIP_FORMAT}", "refs/heads"
    )
    found = []
    for record in out.decode("utf-8", "replace").split("\x1e"):
        record = record.lstrip("\n")
        if not record:
            continue
        name, sha, a_name, a_mail, a_when, c_name, c_mail, c_when, message = record.split("\x00", 8)
        found.append(
            Tip(
                name,
                sha,
                a_name,
                a_mail,
                datetime.fromtimestamp(int(a_when), UTC),
                c_name,
                c_mail,
                datetime.fromtimestamp(int(c_when), UTC),
                message,
            )
        )
    return found


def object_type(git_dir: Path, ref: str, path: str) -> str | None:
    """`blob`, `tree` or `commit` (a submodule) for `path` at `ref`; None when absent."""
    spec = f"{ref}:{path.strip('/')}" if path.strip("/") else f"{ref}^{{tree}}"
    try:
        return run_git(git_dir, "cat-file", "-t", spec).decode().strip()
    except GitError:
        return None


def tree(git_dir: Path, ref: str, path: str) -> list[TreeItem]:
    """The entries of the directory `path` at `ref` (call `object_type` first)."""
    clean = path.strip("/")
    spec = f"{ref}:{clean}" if clean else f"{ref}^{{tree}}"
    out = run_git(git_dir, "ls-tree", "-l", "-z", spec)
    items = []
    for record in out.split(b"\x00"):
        if not record:
            continue
        meta, raw_name = record.split(b"\t", 1)
        mode, kind, sha, size = meta.decode().split()
        name = raw_name.decode("utf-8", "replace")
        full = f"{clean}/{name}" if clean else name
        items.append(TreeItem(full, name, kind, mode, sha, int(size) if size.isdigit() else None))
    return items


def entry(git_dir: Path, ref: str, path: str) -> TreeItem | None:
    """The tree entry of one path at `ref`."""
    clean = path.strip("/")
    parent, _, _name = clean.rpartition("/")
    if object_type(git_dir, ref, parent) != "tree":
        return None
    return next((item for item in tree(git_dir, ref, parent) if item.path == clean), None)


def count(git_dir: Path, revision: str, *, path: str | None = None) -> int:
    args = ["rev-list", "--count", revision]
    if path:
        args += ["--", path]
    return int(run_git(git_dir, *args).decode().strip() or 0)


def merge_base(git_dir: Path, one: str, other: str) -> str | None:
    try:
        return run_git(git_dir, "merge-base", one, other).decode().strip() or None
    except GitError:
        return None


def diff_size(git_dir: Path, base: str, head: str) -> tuple[int, int, int]:
    """(files changed, lines added, lines deleted) from `base` to `head`."""
    out = run_git(git_dir, "diff", "--numstat", base, head).decode("utf-8", "replace")
    files = added = deleted = 0
    for line in out.splitlines():
        plus, minus, _path = line.split("\t", 2)
        files += 1
        added += int(plus) if plus.isdigit() else 0
        deleted += int(minus) if minus.isdigit() else 0
    return files, added, deleted
