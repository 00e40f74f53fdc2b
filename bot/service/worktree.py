"""Temporary git work trees for one job each: a branch of a remote checked out over HTTP, and
`git apply` run in it. Real git through subprocess; nothing chdirs, nothing is shared, and
the folder is removed when the job ends.

Reads need no credentials (the repositories the bot submits to are public); pushing goes
through `bot.forges.git_push`, which keeps the token out of argv and logs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.forges.git_push import TIMED_OUT, Runner, run_git


class GitError(RuntimeError):
    """A git command failed; the message holds git's own words (the last lines)."""

    def __init__(self, what: str, output: str) -> None:
        super().__init__(f"git {what} failed: {output}" if output else f"git {what} failed")
        self.what = what
        self.output = output


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What `git apply` said about one patch: None for `error` when it applied cleanly."""

    name: str
    error: str | None


class WorkTree:
    """One checked-out tree in a folder of its own; see `checkout`."""

    def __init__(self, root: Path, *, run: Runner, deadline: float) -> None:
        self.root = root
        self._run = run
        self._deadline = deadline
        self._env = _environment(root.parent)

    @property
    def path(self) -> Path:
        return self.root

    async def git(self, *args: str, stdin: bytes | None = None, what: str = "") -> str:
        """Run git in this tree; raises `GitError` with git's words when it fails."""
        code, out, err = await self._git(args, stdin)
        if code != 0:
            raise GitError(what or args[0], _tail(out, err, code))
        return out.decode("utf-8", "replace")

    async def _git(self, args: tuple[str, ...], stdin: bytes | None) -> tuple[int, bytes, bytes]:
        left = self._deadline - time.monotonic()
        if left <= 0:
            return TIMED_OUT, b"", b""
        argv = ["git", "-C", str(self.root), *args]
        return await self._run(argv, self._env, stdin, left)

    async def fetch(self, url: str, ref: str) -> str:
        """Fetch `ref` of `url` (depth 1); returns its commit, or raises `GitError`."""
        await self.git("fetch", "--quiet", "--no-tags", "--depth=1", url, ref, what="fetch")
        return (await self.git("rev-parse", "FETCH_HEAD^{commit}")).strip()

    async def try_fetch(self, url: str, ref: str) -> str | None:
        """Like `fetch`, but None when the remote has no such ref (or cannot be read)."""
        try:
            return await self.fetch(url, ref)
        except GitError:
            return None

    async def remote_refs(self, url: str, pattern: str) -> dict[str, str]:
        """`git ls-remote`: ref name -> sha for refs matching `pattern`."""
        out = await self.git("ls-remote", url, pattern, what="ls-remote")
        refs = {}
        for line in out.splitlines():
            sha, _, name = line.partition("\t")
            if name:
                refs[name] = sha
        return refs

    async def check_out(self, commit: str) -> None:
        await self.git("checkout", "--quiet", "--force", "--detach", commit, what="checkout")

    def read(self, path: str) -> bytes | None:
        file = self.root / path
        return file.read_bytes() if file.is_file() else None

    def files(self) -> dict[str, bytes]:
        """The files of the top level (what a dist-git tree keeps there)."""
        return {
            entry.name: entry.read_bytes()
            for entry in sorted(self.root.iterdir())
            if entry.is_file()
        }

    def write(self, path: str, data: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    async def apply(self, name: str, patch: bytes, *, strip: int = 1, check: bool) -> ApplyResult:
        """`git apply [--check] -p<strip>` of `patch` on this tree."""
        args = ["apply", f"-p{strip}", *(["--check"] if check else []), "-"]
        code, out, err = await self._git(tuple(args), patch)
        return ApplyResult(name, None if code == 0 else _tail(out, err, code))

    async def changed(self, base: str) -> dict[str, bytes | None]:
        """Files that differ from `base` in the work tree (None: deleted), untracked included."""
        await self.git("add", "--all", "--intent-to-add")
        out = await self.git("diff", "--name-only", "-z", "--no-renames", base, what="diff")
        changed: dict[str, bytes | None] = {}
        for path in sorted(p for p in out.split("\0") if p):
            changed[path] = self.read(path)
        return changed

    async def tree_of(self, base: str, files: Mapping[str, bytes | None]) -> str:
        """The tree `base` would have with `files` written (None deletes); no commit made."""
        index = self.root.parent / f"index-{os.getpid()}-{id(files)}"
        env = {**self._env, "GIT_INDEX_FILE": str(index)}
        run = self._run
        argv = ["git", "-C", str(self.root)]
        steps: list[tuple[tuple[str, ...], bytes | None]] = [(("read-tree", base), None)]
        # an executable stays executable, as `push_branch` keeps it
        listed = await self.git("ls-tree", "-z", base, "--", *sorted(files)) if files else ""
        executable = {
            record.partition("\t")[2] for record in listed.split("\0")
            if record.startswith("100755 ")
        }
        entries = []
        for path, data in sorted(files.items()):
            if data is None:
                entries.append(f"0 {'0' * 40}\t{path}")
                continue
            blob = (await self.git("hash-object", "-w", "--stdin", stdin=data)).strip()
            mode = "100755" if path in executable else "100644"
            entries.append(f"{mode} {blob}\t{path}")
        listing = "".join(f"{entry}\n" for entry in entries).encode()
        steps.append((("update-index", "--index-info"), listing))
        steps.append((("write-tree",), None))
        out = b""
        for args, stdin in steps:
            left = self._deadline - time.monotonic()
            code, out, err = await run([*argv, *args], env, stdin, max(left, 0.001))
            if code != 0:
                raise GitError(args[0], _tail(out, err, code))
        return out.decode().strip()


@asynccontextmanager
async def checkout(
    work_root: Path, *, timeout: float, run: Runner | None = None, prefix: str = "tree-"
) -> AsyncIterator[WorkTree]:
    """A fresh empty repository in a new folder under `work_root`, removed afterwards."""
    await asyncio.to_thread(work_root.mkdir, parents=True, exist_ok=True)
    scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix=prefix, dir=work_root))
    tree = WorkTree(scratch / "tree", run=run or run_git, deadline=time.monotonic() + timeout)
    try:
        await asyncio.to_thread(tree.root.mkdir)
        await tree.git("init", "--quiet", what="init")
        yield tree
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, True)


def _environment(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(home),
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        # `git apply` and `checkout` need no identity, but `hash-object` and friends read it
        "GIT_AUTHOR_NAME": "upstream-bot",
        "GIT_AUTHOR_EMAIL": "upstream-bot@localhost",
        "GIT_COMMITTER_NAME": "upstream-bot",
        "GIT_COMMITTER_EMAIL": "upstream-bot@localhost",
    }


def _tail(out: bytes, err: bytes, code: int) -> str:
    if code == TIMED_OUT:
        return "no answer in time"
    text = (err or out).decode("utf-8", "replace").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " / ".join(lines[-4:])
