"""Bare git repositories on disk for the sandbox: writes through `git fast-import`, reads
through plumbing commands. Every call runs git with an explicit `--git-dir`; nothing chdirs."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_TERMINAL_PROMPT": "0",
    "HOME": "/nonexistent",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LC_ALL": "C",
}
_LOG_FORMAT = "%H%x1f%an%x1f%ae%x1f%at%x1f%B%x1e"


class GitError(RuntimeError):
    """A git command failed; the message holds the command's own error text."""


@dataclass(frozen=True, slots=True)
class GitCommit:
    sha: str
    author_name: str
    author_email: str
    authored_at: datetime
    message: str


@dataclass(frozen=True, slots=True)
class GitEntry:
    path: str
    kind: str  # blob, tree, commit (submodule)
    mode: str
    size: int | None


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    email: str


def run_git(git_dir: Path | None, *args: str, stdin: bytes | None = None) -> bytes:
    command = ["git", *(["--git-dir", str(git_dir)] if git_dir else []), *args]
    result = subprocess.run(command, input=stdin, capture_output=True, env=_ENV, check=False)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise GitError(f"git {' '.join(args[:2])}: {message}")
    return result.stdout


def init_bare(git_dir: Path, *, default_branch: str) -> None:
    git_dir.parent.mkdir(parents=True, exist_ok=True)
    run_git(None, "init", "--quiet", "--bare", f"--initial-branch={default_branch}", str(git_dir))
    # let stock git push over smart HTTP without extra server configuration
    run_git(git_dir, "config", "http.receivepack", "true")


def commit_files(
    git_dir: Path,
    branch: str,
    files: Mapping[str, bytes | None],
    *,
    message: str,
    author: Author,
    when: datetime,
    parent: str | None = None,
    replace_tree: bool = False,
) -> str:
    """Commit `files` (None deletes a path) on `branch`, on top of `parent` or the branch's head.

    With `replace_tree` the commit holds exactly `files`; otherwise it edits the parent's tree.
    """
    stamp = f"{int(when.timestamp())} +0000"
    who = f"{author.name} <{author.email}>"
    encoded = message.encode("utf-8")
    lines = [
        f"commit refs/heads/{branch}".encode(),
        b"mark :1",
        f"author {who} {stamp}".encode(),
        f"committer {who} {stamp}".encode(),
        f"data {len(encoded)}".encode(),
        encoded,
    ]
    start = parent or branch_head(git_dir, branch)
    if start:
        lines.append(f"from {start}".encode())
    if replace_tree:
        lines.append(b"deleteall")
    for path, data in sorted(files.items()):
        if data is None:
            lines.append(f"D {path}".encode())
        else:
            lines.append(f"M 100644 inline {path}".encode())
            lines.append(f"data {len(data)}".encode())
            lines.append(data)
    lines.append(b"")
    run_git(git_dir, "fast-import", "--quiet", "--force", stdin=b"\n".join(lines))
    return branch_head(git_dir, branch) or ""


def branch_head(git_dir: Path, branch: str) -> str | None:
    try:
        return (
            run_git(git_dir, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}")
            .decode()
            .strip()
            or None
        )
    except GitError:
        return None


def branches(git_dir: Path) -> list[tuple[str, str]]:
    out = run_git(
        git_dir, "for-each-ref", "--format=%(refname:short)%09%(objectname)", "refs/heads"
    )
    return [tuple(line.split("\t", 1)) for line in out.decode().splitlines() if line]  # type: ignore[misc]


def read_blob(git_dir: Path, ref: str, path: str) -> bytes | None:
    try:
        kind = run_git(git_dir, "cat-file", "-t", f"{ref}:{path}").decode().strip()
    except GitError:
        return None
    if kind != "blob":
        return None
    return run_git(git_dir, "cat-file", "blob", f"{ref}:{path}")


def list_tree(git_dir: Path, ref: str, path: str) -> list[GitEntry] | None:
    """The entries of a directory at `ref` (None when it is not a directory there)."""
    target = f"{ref}:{path.strip('/')}" if path.strip("/") else f"{ref}^{{tree}}"
    try:
        out = run_git(git_dir, "ls-tree", "-l", "-z", target)
    except GitError:
        return None
    entries = []
    prefix = f"{path.strip('/')}/" if path.strip("/") else ""
    for record in out.split(b"\x00"):
        if not record:
            continue
        meta, name = record.split(b"\t", 1)
        mode, kind, _sha, size = meta.decode().split()
        entries.append(
            GitEntry(
                prefix + name.decode("utf-8", "replace"),
                kind,
                mode,
                int(size) if size.isdigit() else None,
            )
        )
    return entries


def log(
    git_dir: Path, revisions: Sequence[str], *, path: str | None = None, limit: int | None = None
) -> list[GitCommit]:
    args = ["log", f"--format={_LOG_FORMAT}", *revisions]
    if limit:
        args.insert(1, f"--max-count={limit}")
    if path:
        args += ["--", path]
    try:
        out = run_git(git_dir, *args)
    except GitError:
        return []
    commits = []
    for record in out.decode("utf-8", "replace").split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        sha, name, email, stamp, message = record.split("\x1f", 4)
        commits.append(
            GitCommit(
                sha, name, email, datetime.fromtimestamp(int(stamp), UTC), message.rstrip("\n")
            )
        )
    return commits


def diff(git_dir: Path, base: str, head: str) -> bytes:
    """The three-dot diff `base...head` (what head adds since they parted), as git prints it."""
    return run_git(git_dir, "diff", "--no-color", "--full-index", f"{base}...{head}")


def commit_diff(git_dir: Path, sha: str) -> bytes | None:
    """A commit's diff against its first parent (a root commit's against nothing), as
    `git show` prints it; None when `sha` names no commit of the repository."""
    if not sha or sha.startswith("-"):
        return None
    try:
        commit = run_git(git_dir, "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}")
    except GitError:
        return None
    return run_git(
        git_dir,
        "show",
        "--format=",
        "--no-color",
        "--full-index",
        "--diff-merges=first-parent",
        commit.decode().strip(),
    )


def fetch_ref(git_dir: Path, source_dir: Path, source_ref: str, target_ref: str) -> None:
    run_git(
        git_dir, "fetch", "--quiet", "--no-tags", str(source_dir), f"+{source_ref}:{target_ref}"
    )


def clone_bare(source_dir: Path, git_dir: Path) -> None:
    git_dir.parent.mkdir(parents=True, exist_ok=True)
    run_git(None, "clone", "--quiet", "--bare", str(source_dir), str(git_dir))
    run_git(git_dir, "config", "http.receivepack", "true")


def update_ref(git_dir: Path, ref: str, sha: str) -> None:
    run_git(git_dir, "update-ref", ref, sha)


def merge_base_is(git_dir: Path, ancestor: str, descendant: str) -> bool:
    result = subprocess.run(
        ["git", "--git-dir", str(git_dir), "merge-base", "--is-ancestor", ancestor, descendant],
        capture_output=True,
        env=_ENV,
        check=False,
    )
    return result.returncode == 0


@dataclass(frozen=True, slots=True)
class BatchCommit:
    """One commit of `write_batch`: `files` edit the parent's tree (None deletes a path)."""

    ref: str
    files: Mapping[str, bytes | None]
    message: str
    author: Author
    when: datetime
    #: index of an earlier commit of the same batch; None makes a root commit
    parent: int | None = None


def write_batch(
    git_dir: Path, commits: Sequence[BatchCommit], *, refs: Mapping[str, int] | None = None
) -> list[str]:
    """Write many commits on many refs with one `git fast-import`; returns their shas in order.

    Each commit's own ref ends at the last commit written on it, unless `refs` (full ref name
    -> commit index) says otherwise; `refs` can also name tags and other refs.
    """
    chunks: list[bytes] = []
    for index, commit in enumerate(commits):
        if commit.parent is not None and not 0 <= commit.parent < index:
            raise ValueError(f"commit {index}: parent {commit.parent} is not an earlier commit")
        stamp = f"{int(commit.when.timestamp())} +0000"
        who = f"{commit.author.name} <{commit.author.email}> {stamp}"
        message = commit.message.encode("utf-8")
        if commit.parent is None:
            # without this, a second root on a ref would silently continue the first
            chunks.append(f"reset {commit.ref}\n".encode())
        chunks.append(
            f"commit {commit.ref}\nmark :{index + 1}\nauthor {who}\ncommitter {who}\n".encode()
            + f"data {len(message)}\n".encode()
            + message
            + b"\n"
        )
        if commit.parent is not None:
            chunks.append(f"from :{commit.parent + 1}\n".encode())
        for path, data in sorted(commit.files.items()):
            if data is None:
                chunks.append(f"D {path}\n".encode())
            else:
                chunks.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        chunks.append(b"\n")
    for ref, index in sorted((refs or {}).items()):
        if not 0 <= index < len(commits):
            raise ValueError(f"ref {ref}: no commit {index} in the batch")
        chunks.append(f"reset {ref}\nfrom :{index + 1}\n\n".encode())
    chunks += [f"get-mark :{index + 1}\n".encode() for index in range(len(commits))]
    # one pack per repository instead of a loose file per object: far less disk and inodes
    out = run_git(
        git_dir,
        "-c",
        "fastimport.unpackLimit=0",
        "fast-import",
        "--quiet",
        "--force",
        stdin=b"".join(chunks),
    )
    shas = out.decode().split()
    if len(shas) != len(commits):
        raise GitError(f"git fast-import: expected {len(commits)} commit ids, got {len(shas)}")
    return shas


def init_bare_minimal(git_dir: Path, *, default_branch: str) -> None:
    """A bare repository without hook samples (a tenth of the disk), pushes allowed."""
    git_dir.parent.mkdir(parents=True, exist_ok=True)
    run_git(
        None,
        "init",
        "--quiet",
        "--bare",
        "--template=",
        f"--initial-branch={default_branch}",
        str(git_dir),
    )
    with (git_dir / "config").open("a", encoding="utf-8") as config:
        config.write("[http]\n\treceivepack = true\n")


def init_bare_from(template: Path, git_dir: Path, *, default_branch: str) -> None:
    """A new bare repository copied from a `init_bare_minimal` one, without running git."""
    shutil.copytree(template, git_dir)
    (git_dir / "HEAD").write_text(f"ref: refs/heads/{default_branch}\n", encoding="ascii")
