"""Reads commit history with stock git, for forges whose API has none (Pagure): each call
fetches into its own temporary bare repository over the public HTTPS clone URL.

`parse_log` and `failure` are pure; `read_log` runs git. No credentials are used: reading a
public repository needs none, so no token can reach argv, URLs or messages.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.forges.base import Commit
from bot.forges.errors import AuthFailed, ForgeError, NotFound, Unavailable

_LOG_FORMAT = "%H%x1f%an%x1f%ae%x1f%at%x1f%B%x1e"
_SHA = re.compile(r"[0-9a-f]{40}")
_EXCERPT = 200


@dataclass(frozen=True, slots=True)
class Fetch:
    """What to fetch from `url` into the temporary repository."""

    url: str
    refs: tuple[str, ...]
    #: a shallow fetch is enough for the newest N commits of a whole branch
    depth: int | None = None


def local_ref(index: int) -> str:
    return f"refs/fetched/{index}"


def refspecs(refs: Sequence[str]) -> tuple[list[str], list[str]]:
    """Refspecs to fetch and the local revision standing for each ref.

    A branch or tag name is fetched to a ref of its own; a commit id cannot be asked for by
    every server, so all branches are fetched and the id is used as it is.
    """
    specs: list[str] = []
    revisions: list[str] = []
    for index, ref in enumerate(refs):
        if _SHA.fullmatch(ref):
            if "+refs/heads/*:refs/heads/*" not in specs:
                specs.append("+refs/heads/*:refs/heads/*")
            revisions.append(ref)
        else:
            specs.append(f"+{ref}:{local_ref(index)}")
            revisions.append(local_ref(index))
    return specs, revisions


def parse_log(out: bytes) -> list[Commit]:
    commits = []
    for record in out.decode("utf-8", "replace").split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        sha, name, email, stamp, message = record.split("\x1f", 4)
        message = message.rstrip("\n")
        commits.append(
            Commit(
                sha=sha,
                title=message.split("\n", 1)[0],
                message=message,
                author_name=name,
                author_email=email,
                authored_at=datetime.fromtimestamp(int(stamp), UTC),
            )
        )
    return commits


def failure(forge: str, doing: str, stderr: bytes) -> ForgeError:
    """The forge error a failed fetch or log means, from git's own words."""
    text = " ".join(stderr.decode("utf-8", "replace").split())[:_EXCERPT]
    lowered = text.lower()
    what = f"{doing}: git: {text}"
    if "couldn't find remote ref" in lowered or "bad revision" in lowered:
        return NotFound(forge, what)
    if "unknown revision" in lowered or "returned error: 404" in lowered:
        return NotFound(forge, what)
    if lowered.startswith("fatal: repository") and "not found" in lowered:
        return NotFound(forge, what)
    if any(s in lowered for s in ("returned error: 401", "returned error: 403", "authentication")):
        return AuthFailed(forge, what)
    return Unavailable(forge, what)


async def read_log(
    forge: str,
    doing: str,
    fetch: Fetch,
    *,
    revisions: Sequence[str],
    path: str | None = None,
    limit: int | None = None,
) -> list[Commit]:
    """Fetch `fetch.refs` into a new bare repository and log `revisions`, in which
    `{0}`, `{1}` ... stand for the fetched refs (`"{0}..{1}"`)."""
    workdir = await asyncio.to_thread(tempfile.mkdtemp, prefix="upstream-bot-git-")
    git_dir = str(Path(workdir) / "repo.git")
    try:
        await _git(forge, doing, "init", "--quiet", "--bare", git_dir)
        specs, locals_ = refspecs(fetch.refs)
        depth = [f"--depth={fetch.depth}"] if fetch.depth else []
        fetching = ["fetch", "--quiet", "--no-tags", *depth, fetch.url, *specs]
        await _git(forge, doing, "--git-dir", git_dir, *fetching)
        args = ["--git-dir", git_dir, "log", f"--format={_LOG_FORMAT}"]
        if limit:
            args.append(f"--max-count={limit}")
        args += [revision.format(*locals_) for revision in revisions]
        if path:
            args += ["--", path]
        return parse_log(await _git(forge, doing, *args))
    finally:
        await asyncio.to_thread(shutil.rmtree, workdir, True)


async def _git(forge: str, doing: str, *args: str) -> bytes:
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "",
        "LC_ALL": "C",
    }
    process = await asyncio.create_subprocess_exec(
        "git",
        "-c",
        "credential.helper=",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        out, err = await process.communicate()
    except BaseException:
        # a timeout or a cancelled job must not leave git running
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode != 0:
        raise failure(forge, doing, err)
    return out
