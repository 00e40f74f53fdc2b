"""push_branch against the sandbox's git server: real git on both ends, over loopback HTTP."""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.forges.base import PushCredentials
from bot.forges.errors import AuthFailed, Conflict, Invalid, NotFound, Unavailable
from bot.forges.git_push import EmptyChange, GitAuthor, _failure, push_branch, run_git
from bot.sandbox import gitstore
from bot.sandbox.git_http import add_git_routes
from bot.sandbox.gitstore import Author
from bot.sandbox.world import World
from tests.forges.harness import Ticker

FORGE = "gitlab"
TOKEN = "glpat-sandbox-0123456789"
BOT = GitAuthor("upstream-bot", "upstream-bot@sandbox.test")
IMPORTER = Author("Importer", "importer@sandbox.test")


class Recorder:
    """The real runner, remembering each command line and environment it ran."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dict[str, str]]] = []

    async def __call__(
        self, argv: Sequence[str], env: Mapping[str, str], stdin: bytes | None, timeout: float
    ) -> tuple[int, bytes, bytes]:
        self.calls.append((list(argv), dict(env)))
        return await run_git(argv, env, stdin, timeout)


@pytest.fixture
def world(tmp_path: Path) -> World:
    world = World(tmp_path / "world", clock=Ticker())
    world.add_user(FORGE, "upstream-bot", token=TOKEN)
    world.add_user(FORGE, "reader", token="reader-token")
    world.create_repo(FORGE, "rpms/bash", default_branch="c10s")
    world.commit(
        FORGE,
        "rpms/bash",
        "c10s",
        {"bash.spec": b"Name: bash\n", "old.patch": b"old\n", "build.sh": b"#!/bin/sh\n"},
        message="Import",
        author=IMPORTER,
    )
    world.fork(FORGE, "rpms/bash", "upstream-bot")
    return world


@pytest.fixture
async def base_url(world: World) -> AsyncIterator[str]:
    app = web.Application()
    add_git_routes(app, world, FORGE, resolve=lambda p: p.removesuffix(".git"))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


def _push(base_url: str, **overrides):
    options = {
        "forge": FORGE,
        "clone_url": f"{base_url}/upstream-bot/bash.git",
        "source_url": f"{base_url}/rpms/bash.git",
        "base_ref": "c10s",
        "files": {"fix.patch": b"--- a\n+++ b\n", "old.patch": None, "build.sh": b"#!/bin/sh\nx\n"},
        "branch": "upstream-bot/c10s/abc123",
        "message": "Forward fix.patch\n\nFrom AlmaLinux.",
        "author": BOT,
        "credentials": PushCredentials("upstream-bot", TOKEN),
        "timeout": 30.0,
    }
    return push_branch(**(options | overrides))


async def test_push_commits_the_files_on_the_base_into_the_fork(world, base_url):
    sha = await _push(base_url)
    fork = world.git_dir(FORGE, "upstream-bot/bash")
    assert gitstore.branch_head(fork, "upstream-bot/c10s/abc123") == sha
    assert gitstore.read_blob(fork, sha, "fix.patch") == b"--- a\n+++ b\n"
    assert gitstore.read_blob(fork, sha, "old.patch") is None
    assert gitstore.read_blob(fork, sha, "bash.spec") == b"Name: bash\n"
    (commit,) = gitstore.log(fork, [sha], limit=1)
    assert (commit.author_name, commit.author_email) == (BOT.name, BOT.email)
    assert commit.message == "Forward fix.patch\n\nFrom AlmaLinux."
    source_head = gitstore.branch_head(world.git_dir(FORGE, "rpms/bash"), "c10s")
    assert gitstore.run_git(fork, "rev-parse", f"{sha}^").decode().strip() == source_head


async def test_an_executable_stays_executable(world, base_url):
    head = gitstore.branch_head(world.git_dir(FORGE, "rpms/bash"), "c10s")
    # make build.sh executable in the source through fast-import's mode
    gitstore.run_git(
        world.git_dir(FORGE, "rpms/bash"),
        "fast-import",
        "--quiet",
        stdin=(
            b"commit refs/heads/c10s\ncommitter I <i@x> 1 +0000\ndata 4\nexec\n"
            + f"from {head}\n".encode()
            + b"M 100755 inline build.sh\ndata 10\n#!/bin/sh\n\n"
        ),
    )
    sha = await _push(base_url)
    fork = world.git_dir(FORGE, "upstream-bot/bash")
    entries = {e.path: e.mode for e in gitstore.list_tree(fork, sha, "") or []}
    assert entries["build.sh"] == "100755"
    assert entries["fix.patch"] == "100644"


async def test_concurrent_jobs_share_nothing(world, base_url):
    shas = await asyncio.gather(
        *(
            _push(
                base_url, branch=f"upstream-bot/c10s/job{i}", files={f"job{i}.patch": b"%d\n" % i}
            )
            for i in range(4)
        )
    )
    fork = world.git_dir(FORGE, "upstream-bot/bash")
    for index, sha in enumerate(shas):
        assert gitstore.branch_head(fork, f"upstream-bot/c10s/job{index}") == sha
        names = {e.path for e in gitstore.list_tree(fork, sha, "") or []}
        assert f"job{index}.patch" in names
        assert not any(f"job{j}.patch" in names for j in range(4) if j != index)


async def test_the_token_is_never_in_argv_only_in_the_environment(base_url):
    recorder = Recorder()
    await _push(base_url, run=recorder)
    encoded = base64.b64encode(f"upstream-bot:{TOKEN}".encode()).decode()
    assert [argv[argv.index("--git-dir") + 2] for argv, _ in recorder.calls[1:]][-1] == "push"
    for argv, env in recorder.calls:
        assert not any(TOKEN in arg or encoded in arg for arg in argv), argv
        assert env["GIT_CONFIG_VALUE_0"] == f"Authorization: Basic {encoded}"
        assert env["GIT_CONFIG_KEY_0"] == f"http.{base_url}/.extraHeader"
        assert not any(TOKEN in value for value in env.values())


@pytest.mark.parametrize(
    ("user", "token"),
    [("upstream-bot", "wrong-token"), ("reader", "reader-token")],
    ids=["wrong-token", "no-write-role"],
)
async def test_refused_credentials_are_auth_failed_without_the_token(world, base_url, user, token):
    recorder = Recorder()
    with pytest.raises(AuthFailed) as raised:
        await _push(base_url, credentials=PushCredentials(user, token), run=recorder)
    message = str(raised.value)
    assert token not in message
    assert base64.b64encode(f"{user}:{token}".encode()).decode() not in message
    assert message.startswith("gitlab: git push failed: check the token")
    assert all(token not in arg for argv, _ in recorder.calls for arg in argv)
    fork = world.git_dir(FORGE, "upstream-bot/bash")
    assert gitstore.branch_head(fork, "upstream-bot/c10s/abc123") is None


async def test_a_moved_branch_is_a_conflict_unless_forced(world, base_url):
    await _push(base_url)
    # the target moved on; a new push built on it does not descend from the pushed commit
    world.commit(FORGE, "rpms/bash", "c10s", {"NEWS": b"n\n"}, message="News", author=IMPORTER)
    with pytest.raises(Conflict, match="moved on"):
        await _push(base_url, files={"fix.patch": b"v2\n"})
    sha = await _push(base_url, files={"fix.patch": b"v2\n"}, force=True)
    fork = world.git_dir(FORGE, "upstream-bot/bash")
    assert gitstore.read_blob(fork, "upstream-bot/c10s/abc123", "fix.patch") == b"v2\n"
    assert gitstore.branch_head(fork, "upstream-bot/c10s/abc123") == sha


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"source_url": "{base}/rpms/zsh.git"}, NotFound),
        ({"base_ref": "c11s"}, NotFound),
        ({"clone_url": "{base}/nobody/bash.git"}, NotFound),
        ({"files": {"bash.spec": b"Name: bash\n"}}, EmptyChange),
        ({"files": {"../escape": b"x"}}, Invalid),
        ({"clone_url": "http://upstream-bot:secret@127.0.0.1:1/x.git"}, Invalid),
    ],
    ids=[
        "no-source-repo",
        "no-base-branch",
        "no-fork",
        "nothing-changes",
        "bad-path",
        "creds-in-url",
    ],
)
async def test_other_failures_map_to_forge_errors(base_url, overrides, error):
    resolved = {
        k: v.format(base=base_url) if isinstance(v, str) else v for k, v in overrides.items()
    }
    with pytest.raises(error) as raised:
        await _push(base_url, **resolved)
    assert "secret" not in str(raised.value)


async def test_nothing_listening_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(Unavailable, match="git fetch failed: the forge did not answer"):
        await _push(url)


async def test_a_stalled_forge_times_out_as_unavailable():
    released = asyncio.Event()

    async def stall(request: web.Request) -> web.Response:
        await released.wait()
        return web.Response(status=503)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", stall)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        with pytest.raises(Unavailable, match="no answer within"):
            await _push(str(server.make_url("")).rstrip("/"), timeout=1.0)
    finally:
        released.set()
        await server.close()


@pytest.mark.parametrize(
    ("output", "error"),
    [
        ("!\trefs/x:refs/heads/b\t[rejected] (non-fetch first)", Conflict),
        ("!\tabc:refs/heads/b\t[rejected] (non-fast-forward)", Conflict),
        ("!\tabc:refs/heads/b\t[remote rejected] (pre-receive hook declined)", Conflict),
        ("fatal: Authentication failed for 'https://x/'", AuthFailed),
        ("fatal: unable to access 'https://x/': The requested URL returned error: 403", AuthFailed),
        ("fatal: could not read Username for 'https://x': terminal prompts disabled", AuthFailed),
        ("remote: Repository not found.\nfatal: repository 'https://x/' not found", NotFound),
        ("fatal: couldn't find remote ref c11s", NotFound),
        ("fatal: unable to access 'https://x/': Could not resolve host: x", Unavailable),
        (
            "fatal: unable to access 'https://x/': The requested URL returned error: 502",
            Unavailable,
        ),
    ],
    ids=[
        "fetch-first",
        "non-fast-forward",
        "hook-declined",
        "auth-failed",
        "http-403",
        "no-prompt",
        "repo-not-found",
        "no-remote-ref",
        "dns",
        "http-502",
    ],
)
def test_git_output_classification(output, error):
    assert type(_failure("gitlab", "push", output)) is error
