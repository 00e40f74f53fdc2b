"""What the GitLab sandbox reads from its bare repositories in the shape GitLab answers with:
commits with parents and committer, trees with object ids, paged logs, and `git diff` output cut
into GitLab's per-file diffs (hunks without headers)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.sandbox.gitstore import GitError, run_git

_FIELDS = ("%H", "%P", "%an", "%ae", "%at", "%cn", "%ce", "%ct", "%B")
_FORMAT = "%x1f".join(_FIELDS) + "%x1e"
_REF_FORMAT = "%(refname:short)%00%(objectname)"


@dataclass(frozen=True, slots=True)
class LogEntry:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    authored_at: datetime
    committer_name: str
    committer_email: str
    committed_at: datetime
    message: str

    @property
    def title(self) -> str:
        return self.message.split("\n", 1)[0]


@dataclass(frozen=True, slots=True)
class TreeItem:
    sha: str
    name: str
    kind: str  # tree, blob, commit
    path: str
    mode: str


def resolves(git_dir: Path, ref: str) -> bool:
    try:
        run_git(git_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError:
        return False
    return True


def blob(git_dir: Path, ref: str, path: str) -> tuple[str, int] | None:
    """A file's blob name and size at `ref`; None when it is no file there."""
    try:
        sha = run_git(git_dir, "rev-parse", "--verify", "--quiet", f"{ref}:{path}").decode().strip()
        kind, size = run_git(git_dir, "cat-file", "--batch-check=%(objecttype) %(objectsize)",
                             stdin=f"{sha}\n".encode()).decode().split()
    except (GitError, ValueError):
        return None
    return (sha, int(size)) if kind == "blob" else None


def merge_base(git_dir: Path, one: str, other: str) -> str | None:
    try:
        return run_git(git_dir, "merge-base", one, other).decode().strip() or None
    except GitError:
        return None


def branch_heads(git_dir: Path) -> list[tuple[str, str]]:
    out = run_git(git_dir, "for-each-ref", f"--format={_REF_FORMAT}", "refs/heads")
    return [tuple(line.split("\0", 1)) for line in out.decode().splitlines() if line]  # type: ignore[misc]


def log(
    git_dir: Path,
    revisions: list[str],
    *,
    path: str | None = None,
    skip: int = 0,
    limit: int | None = None,
) -> list[LogEntry]:
    args = ["log", f"--format={_FORMAT}", f"--skip={skip}"]
    if limit is not None:
        args.append(f"--max-count={limit}")
    args += [*revisions, "--", *([path] if path else [])]
    try:
        out = run_git(git_dir, *args)
    except GitError:
        return []
    records = out.decode("utf-8", "replace").split("\x1e")
    return [_entry(record) for record in records if record.strip()]


def count(git_dir: Path, revisions: list[str], *, path: str | None = None) -> int:
    try:
        out = run_git(git_dir, "rev-list", "--count", *revisions, "--", *([path] if path else []))
    except GitError:
        return 0
    return int(out.decode().strip() or 0)


def _entry(record: str) -> LogEntry:
    sha, parents, an, ae, at, cn, ce, ct, message = record.strip("\n").split("\x1f", 8)
    return LogEntry(
        sha,
        tuple(parents.split()),
        an,
        ae,
        datetime.fromtimestamp(int(at), UTC),
        cn,
        ce,
        datetime.fromtimestamp(int(ct), UTC),
        message.rstrip("\n"),
    )


def tree(git_dir: Path, ref: str, path: str) -> list[TreeItem] | None:
    """A directory's entries, GitLab's order (directories, files, submodules); None if absent."""
    clean = path.strip("/")
    target = f"{ref}:{clean}" if clean else f"{ref}^{{tree}}"
    try:
        out = run_git(git_dir, "ls-tree", "-z", target)
    except GitError:
        return None
    items = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, name = record.split(b"\t", 1)
        mode, kind, sha = meta.decode().split()
        text = name.decode("utf-8", "replace")
        items.append(TreeItem(sha, text, kind, f"{clean}/{text}" if clean else text, mode))
    order = {"tree": 0, "blob": 1, "commit": 2}
    return sorted(items, key=lambda item: order.get(item.kind, 3))


_HEADER = re.compile(r"^diff --git a/(?P<old>.*) b/(?P<new>.*)$")


def file_diffs(text: str) -> list[dict[str, object]]:
    """`git diff --full-index` output as GitLab's diff objects."""
    sections: list[list[str]] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("diff --git "):
            sections.append([])
        if sections:
            sections[-1].append(line)
    return [_file_diff(section) for section in sections]


def _file_diff(lines: list[str]) -> dict[str, object]:
    header = _HEADER.match(lines[0].rstrip("\n"))
    old = new = header.group("old") if header else ""
    if header and header.group("old") != header.group("new"):
        new = header.group("new")
    item: dict[str, object] = {
        "old_path": old,
        "new_path": new,
        "a_mode": "",
        "b_mode": "",
        "new_file": False,
        "renamed_file": False,
        "deleted_file": False,
        "generated_file": False,
        "collapsed": False,
        "too_large": False,
    }
    hunks: list[str] = []
    for number, raw in enumerate(lines[1:], start=1):
        line = raw.rstrip("\n")
        if line.startswith("@@"):
            hunks = lines[number:]
            break
        _read_header_line(line, item)
    diff = "".join(hunks)
    if not hunks and any(line.startswith("Binary files ") for line in lines):
        diff = f"Binary files {item['old_path']} and {item['new_path']} differ\n"
    item["diff"] = diff
    return item


def _read_header_line(line: str, item: dict[str, object]) -> None:
    if line.startswith("new file mode "):
        item.update(new_file=True, a_mode="0", b_mode=line.rsplit(" ", 1)[1])
    elif line.startswith("deleted file mode "):
        item.update(deleted_file=True, a_mode=line.rsplit(" ", 1)[1], b_mode="0")
    elif line.startswith("old mode "):
        item["a_mode"] = line.rsplit(" ", 1)[1]
    elif line.startswith("new mode "):
        item["b_mode"] = line.rsplit(" ", 1)[1]
    elif line.startswith("index ") and line.count(" ") == 2:
        mode = line.rsplit(" ", 1)[1]
        item["a_mode"] = item["a_mode"] or mode
        item["b_mode"] = item["b_mode"] or mode
    elif line.startswith("rename from "):
        item.update(renamed_file=True, old_path=line[len("rename from ") :])
    elif line.startswith("rename to "):
        item.update(renamed_file=True, new_path=line[len("rename to ") :])
    elif line.startswith("--- a/"):
        item["old_path"] = line[len("--- a/") :]
    elif line.startswith("+++ b/"):
        item["new_path"] = line[len("+++ b/") :]
