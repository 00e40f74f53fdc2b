"""Pushes one commit of file changes on top of a base branch to a forge with real git, in a
fresh temporary repository per job; decides how git's failures map to the forge errors.

The token reaches git only through the environment (`GIT_CONFIG_*` setting an
`Authorization` extra header scoped to the push URL's host), never argv, a URL, a log line
or an error message. Nothing chdirs; every git call names its repository with `--git-dir`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.forges.base import PushCredentials
from bot.forges.errors import AuthFailed, Conflict, ForgeError, Invalid, NotFound, Unavailable

log = logging.getLogger(__name__)

#: (argv, environment, stdin, seconds) -> (exit code, stdout, stderr)
Runner = Callable[
    [Sequence[str], Mapping[str, str], bytes | None, float], Awaitable[tuple[int, bytes, bytes]]
]

_REGULAR, _EXECUTABLE = "100644", "100755"
#: the exit code `run_git` reports for a git it killed at the deadline
TIMED_OUT = -1
#: characters git's index input cannot carry in a path
_CONTROL = frozenset("\n\t\0")

#: (words in git's output, error type, what it means for the caller); first match wins
_FAILURES: tuple[tuple[tuple[str, ...], type[ForgeError], str], ...] = (
    (
        ("non-fast-forward", "[rejected]", "fetch first", "stale info"),
        Conflict,
        "the branch on the forge moved on; rebuild it from its new head or push with force",
    ),
    (
        ("[remote rejected]", "protected branch"),
        Conflict,
        "the forge refused the update (protected branch or a hook)",
    ),
    (
        (
            "authentication failed",
            "could not read username",
            "could not read password",
            "returned error: 401",
            "returned error: 403",
            "permission denied",
            "terminal prompts disabled",
        ),
        AuthFailed,
        "check the token and that its user may push to this repository",
    ),
    (
        (
            "returned error: 404",
            "repository not found",
            "not found",
            "does not appear to be a git repository",
            "couldn't find remote ref",
        ),
        NotFound,
        "check the repository URL and the base branch",
    ),
)


@dataclass(frozen=True, slots=True)
class GitAuthor:
    name: str
    email: str


class EmptyChange(Invalid):
    """The files are already exactly so on the base: a commit would change nothing."""


async def push_branch(
    *,
    forge: str,
    clone_url: str,
    source_url: str,
    base_ref: str,
    files: Mapping[str, bytes | None],
    branch: str,
    message: str,
    author: GitAuthor,
    credentials: PushCredentials,
    timeout: float,
    force: bool = False,
    run: Runner | None = None,
    committer: GitAuthor | None = None,
) -> str:
    """Commit `files` (None deletes a path) on top of `base_ref` (a branch or ref name) of
    `source_url` and push that commit to `branch` of `clone_url` (usually the bot's fork,
    on the same forge); returns the commit's sha.

    `committer` is `author` unless given (a bot committing a person's change).
    `timeout` bounds the whole job. Raises `AuthFailed`, `Conflict` (the branch moved; pass
    `force` to replace it), `NotFound`, `Unavailable` or `Invalid`/`EmptyChange`.
    """
    for url in (clone_url, source_url):
        if urlsplit(url).username or urlsplit(url).password:
            raise Invalid(forge, "a git URL holds credentials: give them as PushCredentials")
    for path in files:
        if not path or path.startswith("/") or ".." in path.split("/") or _CONTROL & set(path):
            raise Invalid(forge, f"{path!r} is not a relative path inside the repository")
    job = _Job(forge, clone_url, credentials, run or run_git, time.monotonic() + timeout)
    scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="upstream-bot-push-"))
    try:
        return await job.push(
            scratch, source_url, base_ref, files, branch, message, (author, committer or author),
            force,
        )
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, True)


class _Job:
    """One push: its own scratch repository, environment and deadline; nothing shared."""

    def __init__(
        self,
        forge: str,
        clone_url: str,
        credentials: PushCredentials,
        run: Runner,
        deadline: float,
    ) -> None:
        self.forge = forge
        self.clone_url = clone_url
        self.credentials = credentials
        self.run = run
        self.deadline = deadline
        self.secrets = _secret_forms(credentials)

    async def push(
        self,
        scratch: Path,
        source_url: str,
        base_ref: str,
        files: Mapping[str, bytes | None],
        branch: str,
        message: str,
        people: tuple[GitAuthor, GitAuthor],
        force: bool,
    ) -> str:
        repo = scratch / "repo.git"
        env = self._environment(scratch, *people)
        await self.git(env, None, "init", "--quiet", "--bare", str(repo), what="init")
        git = ("--git-dir", str(repo))
        await self.git(
            env, None, *git, "fetch", "--quiet", "--no-tags", source_url, base_ref, what="fetch"
        )
        base = (await self.git(env, None, *git, "rev-parse", "FETCH_HEAD^{commit}")).strip()
        env = {**env, "GIT_INDEX_FILE": str(scratch / "index")}
        await self.git(env, None, *git, "read-tree", base)
        modes = await self._modes(env, git, base, files)
        lines = []
        for path, data in sorted(files.items()):
            if data is None:
                lines.append(f"0 {'0' * 40}\t{path}")
                continue
            blob = (await self.git(env, data, *git, "hash-object", "-w", "--stdin")).strip()
            lines.append(f"{modes.get(path, _REGULAR)} {blob}\t{path}")
        stdin = "".join(f"{line}\n" for line in lines).encode()
        await self.git(env, stdin, *git, "update-index", "--index-info")
        tree = (await self.git(env, None, *git, "write-tree")).strip()
        if tree == (await self.git(env, None, *git, "rev-parse", f"{base}^{{tree}}")).strip():
            raise EmptyChange(self.forge, f"the files already read so on {base_ref}: no commit")
        commit = (
            await self.git(env, message.encode(), *git, "commit-tree", tree, "-p", base, "-F", "-")
        ).strip()
        refspec = f"{'+' if force else ''}{commit}:refs/heads/{branch}"
        await self.git(env, None, *git, "push", "--porcelain", self.clone_url, refspec, what="push")
        log.info(
            "pushed a branch",
            extra={"forge": self.forge, "url": self.clone_url, "branch": branch, "sha": commit},
        )
        return commit

    async def _modes(
        self, env: Mapping[str, str], git: tuple[str, ...], base: str, files: Mapping[str, object]
    ) -> dict[str, str]:
        """Existing executables stay executable; everything else is a regular file."""
        if not files:
            return {}
        out = await self.git(env, None, *git, "ls-tree", "-z", base, "--", *sorted(files))
        modes = {}
        for record in out.split("\0"):
            meta, _, path = record.partition("\t")
            if meta.startswith(_EXECUTABLE):
                modes[path] = _EXECUTABLE
        return modes

    def _environment(
        self, scratch: Path, author: GitAuthor, committer: GitAuthor
    ) -> dict[str, str]:
        user, token = self.credentials.username, self.credentials.token
        basic = base64.b64encode(f"{user}:{token}".encode()).decode("ascii")
        return {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "HOME": str(scratch),
            "LC_ALL": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": committer.name,
            "GIT_COMMITTER_EMAIL": committer.email,
            # scoped to the push URL's host, so the token goes to no other server
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"http.{_origin(self.clone_url)}/.extraHeader",
            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
        }

    async def git(
        self, env: Mapping[str, str], stdin: bytes | None, *args: str, what: str = ""
    ) -> str:
        step = what or args[2]
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Unavailable(self.forge, f"git {step}: the push job ran out of time")
        code, out, err = await self.run(["git", *args], env, stdin, left)
        if code == 0:
            return out.decode("utf-8", "replace")
        if code == TIMED_OUT:
            raise Unavailable(self.forge, f"git {step}: no answer within {left:.1f}s")
        # `push --porcelain` says why a ref was rejected on stdout, the rest goes to stderr
        text = (out + b"\n" + err).decode("utf-8", "replace").strip()
        for secret in self.secrets:
            text = text.replace(secret, "***")
        raise _failure(self.forge, step, text)


def _failure(forge: str, what: str, text: str) -> ForgeError:
    lowered = text.lower()
    for words, kind, advice in _FAILURES:
        if any(word in lowered for word in words):
            return kind(forge, f"git {what} failed: {advice} ({_last_lines(text)})")
    if what in ("fetch", "push"):
        return Unavailable(
            forge, f"git {what} failed: the forge did not answer ({_last_lines(text)})"
        )
    return Invalid(forge, f"git {what} failed: {_last_lines(text)}")


def _last_lines(text: str) -> str:
    return " / ".join(line.strip() for line in text.splitlines()[-3:] if line.strip())


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _secret_forms(credentials: PushCredentials) -> tuple[str, ...]:
    """Every spelling of the token that could surface in git's output."""
    pair = f"{credentials.username}:{credentials.token}".encode()
    forms = (credentials.token, base64.b64encode(pair).decode("ascii"))
    return tuple(form for form in forms if form)


async def run_git(
    argv: Sequence[str], env: Mapping[str, str], stdin: bytes | None, timeout: float
) -> tuple[int, bytes, bytes]:
    """Run git; past `timeout` seconds it is killed and reported as `TIMED_OUT`."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(env),
        # its own process group, so the deadline also stops git's helpers (git-remote-http)
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        return TIMED_OUT, b"", b""
    return process.returncode if process.returncode is not None else TIMED_OUT, out, err
