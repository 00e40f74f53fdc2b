"""The Gitea adapter against the Gitea sandbox, for what the contract suite does not cover:
permissions as Gitea grants them, ETag reuse, paging past the server's cap, forks into an
organization, user namespaces, and creates that happen once when an answer is lost."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.forges.base import ChangeState, Permission, RepoRef, Thread, ThreadKind
from bot.forges.errors import AuthFailed, Conflict, NotFound, Unavailable
from bot.forges.gitea import GiteaForge
from bot.sandbox import gitstore
from bot.sandbox.faults import Faults
from bot.sandbox.gitea_api import build_app
from bot.sandbox.world import World
from tests.forges.harness import AUTHOR, BOT, OUTSIDER, PACKAGER, Ticker, make_caller, seed
from tests.forges.harness_gitea import HARNESS

PKG0 = RepoRef("rpms", "pkg00")
PKG1 = RepoRef("rpms", "pkg01")


@dataclass(slots=True)
class Running:
    forge: GiteaForge
    faults: Faults
    base_url: str


Connect = Callable[..., Awaitable[Running]]
Middleware = Callable[[web.Request, Any], Awaitable[web.StreamResponse]]


@pytest.fixture
def world(tmp_path: Path) -> World:
    world = World(tmp_path / "world", clock=Ticker())
    seed(world, HARNESS, repos=3)
    return world


@pytest.fixture
async def connect(world: World) -> AsyncIterator[Connect]:
    """Serve the sandbox (optionally with an extra middleware and page cap) and log in as BOT."""
    cleanups: list[Callable[[], Awaitable[None]]] = []

    async def start(
        *, page_cap: int = 50, middleware: Middleware | None = None, **options: Any
    ) -> Running:
        faults = Faults()
        app = build_app(world, faults=faults, page_cap=page_cap)
        if middleware is not None:
            app.middlewares.append(web.middleware(middleware))
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        options.setdefault("page_size", 3)
        forge = GiteaForge(
            name="gitea",
            base_url=base_url,
            token=world.users("gitea")[BOT].token,
            caller=make_caller("gitea", timeout=2.0),
            **options,
        )
        cleanups.extend([forge.close, runner.cleanup])
        return Running(forge, faults, base_url)

    yield start
    for cleanup in reversed(cleanups):
        await cleanup()


# -- permissions -----------------------------------------------------------------------


async def test_a_read_only_bot_is_told_it_needs_admin(connect: Connect, world: World):
    world.repo("gitea", PKG0.path).members[BOT] = "read"
    running = await connect()
    with pytest.raises(AuthFailed) as raised:
        await running.forge.permission(PKG0, PACKAGER)
    assert "make the bot an admin of rpms/pkg00" in str(raised.value)
    assert str(raised.value).count("gitea:") == 1


async def test_anyone_may_ask_for_their_own_permission(connect: Connect, world: World):
    world.repo("gitea", PKG0.path).members[BOT] = "read"
    running = await connect()
    assert await running.forge.permission(PKG0, BOT) is Permission.READ


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (PACKAGER, Permission.WRITE),
        (OUTSIDER, Permission.READ),
        ("nobody-at-all", Permission.NONE),
    ],
    ids=["writer", "outsider", "no-such-user"],
)
async def test_permissions_for_a_repo_admin_bot(connect: Connect, world: World, user, expected):
    world.repo("gitea", PKG0.path).members[BOT] = "admin"
    running = await connect()
    assert await running.forge.permission(PKG0, user) is expected


async def test_permission_on_a_missing_repo_is_not_found(connect: Connect, world: World):
    world.users("gitea")[BOT].admin = True
    running = await connect()
    with pytest.raises(NotFound):
        await running.forge.permission(RepoRef("rpms", "no-such-package"), PACKAGER)


async def test_the_namespace_owner_counts_as_admin(connect: Connect, world: World):
    world.create_repo("gitea", f"{PACKAGER}/scratch")
    world.users("gitea")[BOT].admin = True
    running = await connect()
    assert await running.forge.permission(RepoRef(PACKAGER, "scratch"), PACKAGER) is (
        Permission.ADMIN
    )


# -- conditional requests and paging -----------------------------------------------------


async def test_unchanged_reads_are_revalidated_not_resent(connect: Connect, world: World):
    running = await connect()
    forge = running.forge
    for _ in range(2):
        repo = await forge.get_repo(PKG0)
        heads = await forge.list_branches(PKG0)
        readme = await forge.read_file(PKG0, "README", ref="main")
        top = await forge.list_dir(PKG0, "", ref="main")
    assert forge.etag_hits == 4
    assert repo.ref == PKG0 and readme == b"hello again\n" and len(top) == 3
    assert {h.name for h in heads} == {"main", "feature"}
    world.commit("gitea", PKG0.path, "main", {"README": b"changed\n"}, message="m", author=AUTHOR)
    assert await forge.read_file(PKG0, "README", ref="main") == b"changed\n"
    assert forge.etag_hits == 4, "a changed file is read again, not taken from the cache"


async def test_pages_past_the_server_cap(connect: Connect, world: World):
    for index in range(3, 12):
        world.create_repo("gitea", f"rpms/pkg{index:02d}")
    running = await connect(page_cap=5, page_size=50)
    before = running.faults.requests
    repos = await running.forge.list_repos("rpms")
    assert len(repos) == 12
    assert running.faults.requests - before == 3, "three pages of the server's five"


async def test_a_user_namespace_is_listed_too(connect: Connect, world: World):
    world.fork("gitea", PKG1.path, BOT)
    running = await connect()
    repos = await running.forge.list_repos(BOT)
    assert [(r.ref, r.fork_of) for r in repos] == [(RepoRef(BOT, "pkg01"), PKG1)]
    with pytest.raises(NotFound):
        await running.forge.list_repos("no-such-namespace")


# -- reads --------------------------------------------------------------------------------


async def test_commits_of_a_path_and_a_limit(connect: Connect, world: World):
    for number in range(4):
        world.commit(
            "gitea", PKG0.path, "main", {f"n{number}": b"x"}, message=f"n{number}", author=AUTHOR
        )
    running = await connect()
    titles = [c.title for c in await running.forge.list_commits(PKG0, ref="main", limit=5)]
    assert titles == ["n3", "n2", "n1", "n0", "Update README"]
    on_readme = await running.forge.list_commits(PKG0, ref="main", path="README")
    assert [c.title for c in on_readme] == ["Update README", "Import pkg00"]


async def test_compare_lists_newest_first(connect: Connect, world: World):
    world.commit("gitea", PKG0.path, "feature", {"b": b"b"}, message="second", author=AUTHOR)
    running = await connect()
    ahead = await running.forge.compare(PKG0, "main", "feature")
    assert [c.title for c in ahead] == ["second", "Add fix"]
    assert await running.forge.compare(PKG0, "feature", "main") == []
    with pytest.raises(NotFound):
        await running.forge.compare(PKG0, "main", "no-such-branch")


async def test_list_dir_of_a_file_is_not_found(connect: Connect):
    running = await connect()
    with pytest.raises(NotFound, match="is a file, not a directory"):
        await running.forge.list_dir(PKG0, "README", ref="main")


async def test_closed_and_merged_are_told_apart(connect: Connect, world: World):
    numbers = {}
    for state in ("closed", "merged", "open"):
        world.commit("gitea", PKG0.path, state, {state: b"x"}, message=state, author=AUTHOR)
        made = world.open_change(
            "gitea",
            PKG0.path,
            title=state,
            body="",
            author=PACKAGER,
            source_repo=PKG0.path,
            source_branch=state,
            target_branch="main",
        )
        if state != "open":
            world.set_change_state("gitea", PKG0.path, made.number, state)
        numbers[state] = made.number
    forge = (await connect()).forge
    for state in ChangeState:
        found = await forge.find_changes(PKG0, state=state)
        assert [c.number for c in found] == [numbers[state.value]], state
    assert len(await forge.find_changes(PKG0)) == 3


# -- forks --------------------------------------------------------------------------------


async def test_forks_go_to_the_configured_organization(connect: Connect, world: World):
    world.create_repo("gitea", "bot-forks/readme", members={BOT: "admin"})
    running = await connect(fork_organization="bot-forks")
    fork = await running.forge.fork(PKG1)
    assert (fork.ref, fork.fork_of) == (RepoRef("bot-forks", "pkg01"), PKG1)
    assert (await running.forge.fork(PKG1)).ref == fork.ref


async def test_forking_where_an_unrelated_repo_sits_is_a_conflict(connect: Connect, world: World):
    world.create_repo("gitea", f"{BOT}/pkg02")
    running = await connect(username=BOT)
    with pytest.raises(Conflict, match="is not its fork"):
        await running.forge.fork(RepoRef("rpms", "pkg02"))


# -- creates happen once ------------------------------------------------------------------


def lose_answer(method: str, path_end: str) -> tuple[Middleware, list[int]]:
    """A middleware that lets the first matching write happen, then drops its answer."""
    lost: list[int] = []

    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        response = await handler(request)
        if request.method == method and request.path.endswith(path_end) and not lost:
            lost.append(response.status)
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("the answer got lost on the way")
        return response

    return middleware, lost


async def test_a_comment_whose_answer_is_lost_is_posted_once(connect: Connect, world: World):
    issue = world.open_issue("gitea", PKG0.path, title="t", body="b", author=PACKAGER)
    middleware, lost = lose_answer("POST", "/comments")
    running = await connect(middleware=middleware)
    thread = Thread(PKG0, ThreadKind.ISSUE, issue.number)
    posted = await running.forge.post_comment(thread, "<!-- upstream-bot:k1 --> hi")
    stored = world.comments("gitea", PKG0.path, "issue", issue.number)
    assert lost == [201]
    assert [c.id for c in stored] == [int(posted.id)]


async def test_an_issue_whose_answer_is_lost_is_opened_once(connect: Connect, world: World):
    middleware, lost = lose_answer("POST", "/issues")
    running = await connect(middleware=middleware)
    opened = await running.forge.open_issue(PKG0, "Tracking: pkg00", "<!-- k2 -->")
    assert lost == [201]
    assert [i.number for i in world.issues("gitea", PKG0.path)] == [opened.number]


async def test_a_pull_request_whose_answer_is_lost_is_opened_once(connect: Connect, world: World):
    fork = world.fork("gitea", PKG1.path, BOT)
    head = dict(gitstore.branches(world.git_dir("gitea", fork.path)))["main"]
    world.commit("gitea", fork.path, "fix", {"f": b"f"}, message="fix", author=AUTHOR, parent=head)
    middleware, lost = lose_answer("POST", "/pulls")
    running = await connect(middleware=middleware)
    change = await running.forge.open_change(
        PKG1,
        source=RepoRef(BOT, "pkg01"),
        source_branch="fix",
        target_branch="main",
        title="Fix",
        body="<!-- k3 -->",
        draft=True,
    )
    assert lost == [201]
    assert [c.number for c in world.changes("gitea", PKG1.path)] == [change.number]
    assert change.draft and change.title == "Fix"
    assert world.change("gitea", PKG1.path, change.number).title == "WIP: Fix"


# -- secrets and lifecycle ------------------------------------------------------------------


async def test_the_token_stays_out_of_errors(connect: Connect, world: World):
    token = world.users("gitea")[BOT].token
    running = await connect()
    world.users("gitea")[BOT].token = "rotated"
    with pytest.raises(AuthFailed) as refused:
        await running.forge.open_issue(PKG0, "t", "b")
    assert token not in str(refused.value)
    dead = GiteaForge(
        name="gitea",
        base_url="http://127.0.0.1:9",
        token=token,
        caller=make_caller("gitea", timeout=1.0),
    )
    async with dead:
        with pytest.raises(Unavailable) as unreachable:
            await dead.get_repo(PKG0)
    assert token not in str(unreachable.value)


@pytest.mark.parametrize(
    ("username", "expected"),
    [(BOT, BOT), (None, "upstream-bot")],
    ids=["configured", "default"],
)
def test_push_credentials(username, expected):
    forge = GiteaForge(
        name="gitea",
        base_url="https://git.example.org",
        token="t0k",
        caller=make_caller("gitea", timeout=1.0),
        username=username,
    )
    assert (forge.push_credentials().username, forge.push_credentials().token) == (expected, "t0k")


async def test_stock_git_pushes_to_the_fork_with_the_push_credentials(
    connect: Connect, world: World, tmp_path: Path
):
    running = await connect(username=BOT)
    fork = await running.forge.fork(PKG1)
    credentials = running.forge.push_credentials()
    askpass = tmp_path / "askpass.sh"
    # git asks for the user name and the password; the token stays in the environment
    askpass.write_text(
        '#!/bin/sh\ncase "$1" in Username*) echo "$PUSH_USER" ;; *) echo "$PUSH_TOKEN" ;; esac\n'
    )
    askpass.chmod(0o700)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": str(askpass),
        "PUSH_USER": credentials.username,
        "PUSH_TOKEN": credentials.token,
        "GIT_AUTHOR_NAME": "Bot",
        "GIT_AUTHOR_EMAIL": "bot@sandbox.test",
        "GIT_COMMITTER_NAME": "Bot",
        "GIT_COMMITTER_EMAIL": "bot@sandbox.test",
    }
    work = tmp_path / "work"
    steps = [
        ["clone", "--quiet", fork.clone_url, str(work)],
        ["-C", str(work), "checkout", "--quiet", "-b", "upstream-bot/fix"],
        ["-C", str(work), "commit", "--quiet", "--allow-empty", "-m", "Carry the fix"],
        ["-C", str(work), "push", "--quiet", "origin", "upstream-bot/fix"],
    ]
    for step in steps:
        done = await asyncio.to_thread(
            subprocess.run, ["git", *step], capture_output=True, env=env, check=False
        )
        assert done.returncode == 0, done.stderr
        assert credentials.token.encode() not in done.stderr
    pushed = dict(gitstore.branches(world.git_dir("gitea", fork.ref.path)))
    assert "upstream-bot/fix" in pushed


async def test_reads_without_a_token_go_out_anonymously(world: World):
    seen: list[str | None] = []

    async def headers(request: web.Request, handler: Any) -> web.StreamResponse:
        seen.append(request.headers.get("Authorization"))
        return await handler(request)

    app = build_app(world, faults=Faults())
    app.middlewares.append(web.middleware(headers))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    forge = GiteaForge(
        name="gitea", base_url=f"http://127.0.0.1:{runner.addresses[0][1]}", token="",
        caller=make_caller("gitea", timeout=2.0), page_size=3,
    )
    try:
        assert (await forge.get_repo(PKG0)).ref == PKG0
        assert "main" in {branch.name for branch in await forge.list_branches(PKG0)}
        assert seen and set(seen) == {None}
    finally:
        await forge.close()
        await runner.cleanup()
