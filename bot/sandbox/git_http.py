"""Serves the World's bare repositories to stock git over smart HTTP, through the real
`git http-backend` run once per request; decides who may push and announces each push.

How an API app mounts it, after its own routes (the patterns match any path that ends in
`/info/refs`, `/git-upload-pack` or `/git-receive-pack`)::

    add_git_routes(app, world, "gitlab", resolve=lambda url_path: (
        url_path.removesuffix(".git") if url_path.endswith(".git") else None
    ))

`resolve` gets the repository part of the URL, without the leading slash and with the
`.git` the client used (e.g. "redhat/centos-stream/rpms/bash.git"), and returns the World
repository path ("redhat/centos-stream/rpms/bash") or None for a 404; each forge lays out
its clone URLs its own way (Pagure forks: "forks/<user>/rpms/<name>.git"). A `fault_middleware`
on the app applies to these routes too unless it exempts them.

Reads are anonymous. A push (`git-receive-pack`) needs HTTP Basic auth whose password (or
user name, when the password is empty or GitHub's "x-oauth-basic") is a World token of the
forge, or `Authorization: Bearer <token>`; no or an unknown token gets 401 with
`WWW-Authenticate: Basic`, so git asks for credentials; a known user without write role
gets 403. When a push moved branches, the repository's `updated_at` is touched and each
moved branch is announced through the app's webhook sender (`webhooks.WEBHOOKS`), if any.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import functools
import logging
import os
import signal
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from bot.sandbox import gitstore
from bot.sandbox.push_payloads import ZERO, push_payload, read_push
from bot.sandbox.webhooks import WEBHOOKS
from bot.sandbox.world import User, World, WorldError

log = logging.getLogger(__name__)

Resolve = Callable[[str], str | None]

#: git reads no user or system configuration and never prompts, whatever the host has
_GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "HOME": "/nonexistent",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LC_ALL": "C",
}
_WRITE_ROLES = frozenset({"write", "maintain", "admin"})
_CHUNK = 64 * 1024
#: tokens git sends as the password when the token is the user name (GitHub's convention)
_PLACEHOLDER_PASSWORDS = frozenset({"", "x-oauth-basic"})


@functools.cache
def backend_path() -> str:
    """Where this git keeps `git-http-backend`: in `git --exec-path` (usually /usr/lib/git-core)."""
    try:
        found = subprocess.run(
            ["git", "--exec-path"], capture_output=True, text=True, check=True, env=_GIT_ENV
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        found = ""
    for folder in (found, "/usr/lib/git-core", "/usr/libexec/git-core"):
        if folder and Path(folder, "git-http-backend").is_file():
            return str(Path(folder, "git-http-backend"))
    return "git-http-backend"


def add_git_routes(app: web.Application, world: World, forge: str, *, resolve: Resolve) -> None:
    """Serve `forge`'s repositories of `world` over git's smart HTTP protocol on `app`."""
    backend = _Backend(world, forge, resolve, backend_path())
    app.router.add_get("/{repo:.+}/info/refs", backend.handle)
    app.router.add_post("/{repo:.+}/git-upload-pack", backend.handle)
    app.router.add_post("/{repo:.+}/git-receive-pack", backend.handle)


class _Backend:
    def __init__(self, world: World, forge: str, resolve: Resolve, program: str) -> None:
        self.world = world
        self.forge = forge
        self.resolve = resolve
        self.program = program
        # pushes to one repository take turns, so each push's moved refs are its own
        self._push_locks: dict[str, asyncio.Lock] = {}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        url_path = request.match_info["repo"]
        path = self.resolve(url_path)
        if path is None or not self._exists(path):
            raise web.HTTPNotFound(text=f"Repository not found: {url_path}\n")
        info = request.path.endswith("/info/refs")
        service = request.query.get("service") if info else request.path.rpartition("/")[2]
        if service not in ("git-upload-pack", "git-receive-pack"):
            raise web.HTTPForbidden(text="Only git's smart HTTP protocol is served here.\n")
        if service == "git-upload-pack":
            return await self._run(request, path, user=None)
        user = self._pusher(request, path)
        if info:
            return await self._run(request, path, user=user)
        git_dir = self.world.git_dir(self.forge, path)

        async def announce() -> None:
            after = dict(await asyncio.to_thread(gitstore.branches, git_dir))
            if before != after:
                await self._pushed(request, path, user, before, after)

        async with self._push_locks.setdefault(path, asyncio.Lock()):
            before = dict(await asyncio.to_thread(gitstore.branches, git_dir))
            return await self._run(request, path, user=user, before_end=announce)

    def _exists(self, path: str) -> bool:
        try:
            self.world.repo(self.forge, path)
        except WorldError:
            return False
        return self.world.git_dir(self.forge, path).is_dir()

    def _pusher(self, request: web.Request, path: str) -> User:
        token = _token(request.headers.get("Authorization", ""))
        user = self.world.user_by_token(self.forge, token) if token else None
        if user is None:
            raise web.HTTPUnauthorized(
                headers={"WWW-Authenticate": 'Basic realm="sandbox"'},
                text="Authentication required: give a sandbox token as the password.\n",
            )
        if self.world.role(self.forge, path, user.name) not in _WRITE_ROLES:
            raise web.HTTPForbidden(text=f"{user.name} may not push to {path}.\n")
        return user

    async def _run(
        self,
        request: web.Request,
        path: str,
        *,
        user: User | None,
        before_end: Callable[[], Awaitable[None]] | None = None,
    ) -> web.StreamResponse:
        """Stream the request through `git http-backend` and its answer back; `before_end`
        runs after the backend finished and before the answer ends, so a client whose push
        returned sees the World already updated."""
        suffix = request.path[len("/" + request.match_info["repo"]) :]
        environment = {
            **_GIT_ENV,
            "GIT_PROJECT_ROOT": str(self.world.root / "git" / self.forge),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": f"/{path}.git{suffix}",
            "REMOTE_USER": user.name if user else "",
            "REMOTE_ADDR": request.remote or "127.0.0.1",
            "QUERY_STRING": request.query_string,
            "CONTENT_TYPE": request.headers.get("Content-Type", ""),
            "REQUEST_METHOD": request.method,
            # protocol v2 is asked for in this header; http-backend reads it from here
            "HTTP_GIT_PROTOCOL": request.headers.get("Git-Protocol", ""),
        }
        # aiohttp already inflated a gzip body and the length is unknown, so no
        # CONTENT_LENGTH / HTTP_CONTENT_ENCODING: http-backend reads to end of input
        process = await asyncio.create_subprocess_exec(
            self.program,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=environment,
            # its own process group: a dropped client stops upload-pack/receive-pack too
            start_new_session=True,
        )
        assert process.stdin and process.stdout and process.stderr
        feeding = asyncio.create_task(_feed(request, process.stdin))
        errors = asyncio.create_task(process.stderr.read())
        try:
            status, headers = await _cgi_head(process.stdout)
            response = web.StreamResponse(status=status, headers=headers)
            await response.prepare(request)
            while chunk := await process.stdout.read(_CHUNK):
                await response.write(chunk)
            await feeding
            code = await process.wait()
            if before_end is not None and code == 0:
                await before_end()
            await response.write_eof()
        finally:
            feeding.cancel()
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        stderr = (await errors).decode("utf-8", "replace").strip()
        if code != 0 or stderr:
            log.info("git http-backend said", extra={"path": path, "code": code, "stderr": stderr})
        return response

    async def _pushed(
        self,
        request: web.Request,
        path: str,
        user: User,
        before: dict[str, str],
        after: dict[str, str],
    ) -> None:
        self.world.touch(self.forge, path)
        for branch in sorted(before.keys() | after.keys()):
            if before.get(branch) != after.get(branch) and after.get(branch):
                await asyncio.to_thread(self.world.follow_push, self.forge, path, branch)
        sender = request.app.get(WEBHOOKS)
        if sender is None:
            return
        for branch in sorted(before.keys() | after.keys()):
            old, new = before.get(branch, ZERO), after.get(branch, ZERO)
            if old == new:
                continue
            event = await asyncio.to_thread(
                read_push,
                self.world,
                self.forge,
                path,
                pusher=user,
                branch=branch,
                before=old,
                after=new,
                base_url=str(request.url.origin()),
            )
            name, body = push_payload(event)
            sender.post(self.forge, name, body)


def _token(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "token"):
        return value.strip() or None
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, _, password = decoded.partition(":")
    return (name if password in _PLACEHOLDER_PASSWORDS else password) or None


async def _feed(request: web.Request, stdin: asyncio.StreamWriter) -> None:
    try:
        async for chunk in request.content.iter_chunked(_CHUNK):
            stdin.write(chunk)
            await stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the backend stopped reading: its answer says why
    finally:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            stdin.close()


async def _cgi_head(stdout: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    """The CGI answer's status and headers; a backend that died early is a 500."""
    status, headers = 200, {}
    while True:
        line = (await stdout.readline()).decode("latin-1").rstrip("\r\n")
        if not line:
            break
        name, _, value = line.partition(":")
        if name.lower() == "status":
            code = value.strip().partition(" ")[0]
            status = int(code) if code.isdigit() else 500
        elif name.lower() != "content-length":  # the body is streamed, chunked
            headers[name.strip()] = value.strip()
    if not headers:
        return 500, {"Content-Type": "text/plain"}
    return status, headers
