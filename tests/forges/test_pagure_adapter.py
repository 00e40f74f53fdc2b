"""The Pagure adapter against the sandbox Pagure, for what the contract suite does not cover:
Pagure's own gaps and quirks, and writes that a retry must not repeat."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.forges.base import (
    ChangeState,
    IssueState,
    Permission,
    PushCredentials,
    Reaction,
    RepoRef,
    Thread,
    ThreadKind,
)
from bot.forges.calls import Budget, Caller, RetryPolicy
from bot.forges.errors import AuthFailed, Invalid, NotFound
from bot.forges.pagure import PagureForge
from bot.sandbox.faults import Faults
from bot.sandbox.pagure_api import build_app
from bot.sandbox.world import World
from tests.forges.harness import AUTHOR, BOT, PACKAGER, Started, Ticker, seed
from tests.forges.harness_pagure import HARNESS

PKG = RepoRef("rpms", "pkg00")


@pytest.fixture
def world(tmp_path: Path) -> World:
    world = World(tmp_path / "world", clock=Ticker())
    seed(world, HARNESS, repos=2)
    return world


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
async def started(world: World, faults: Faults) -> AsyncIterator[Started]:
    running = await HARNESS.start(world, faults, timeout=2.0)
    try:
        yield running
    finally:
        await running.close()


def _topic(world: World, files: list[dict[str, bytes]]) -> int:
    """A pull request from branch `topic` of rpms/pkg00, one commit per item of `files`."""
    for index, changed in enumerate(files):
        world.commit("pagure", PKG.path, "topic", changed, message=f"topic {index}", author=AUTHOR)
    change = world.open_change(
        "pagure",
        PKG.path,
        title="t",
        body="",
        author=PACKAGER,
        source_repo=PKG.path,
        source_branch="topic",
        target_branch="main",
    )
    return change.number


async def test_list_repos_leaves_forks_out(started: Started):
    await started.forge.fork(RepoRef("rpms", "pkg01"))
    repos = await started.forge.list_repos("rpms")
    assert sorted(r.ref.path for r in repos) == ["rpms/pkg00", "rpms/pkg01"]


async def test_get_repo_asks_the_default_branch(started: Started, world: World):
    world.create_repo("pagure", "rpms/bash", default_branch="rawhide")
    world.commit("pagure", "rpms/bash", "rawhide", {"bash.spec": b"x"}, message="i", author=AUTHOR)
    assert (await started.forge.get_repo(RepoRef("rpms", "bash"))).default_branch == "rawhide"
    listed = {r.ref.name: r for r in await started.forge.list_repos("rpms")}
    assert listed["bash"].default_branch == "main", "the listing has none: the configured one"


async def test_draft_is_a_wip_title(started: Started, world: World):
    world.commit("pagure", PKG.path, "topic", {"t": b"t\n"}, message="t", author=AUTHOR)
    # a pull request from the repository itself needs commit access to it
    world.repo("pagure", PKG.path).members[BOT] = "write"
    change = await started.forge.open_change(
        PKG,
        source=PKG,
        source_branch="topic",
        target_branch="main",
        title="Fix",
        body="b",
        draft=True,
    )
    assert (change.title, change.draft) == ("Fix", True)
    assert world.change("pagure", PKG.path, change.number).title == "[WIP] Fix"
    again = await started.forge.get_change(PKG, change.number)
    assert (again.title, again.draft) == ("Fix", True)


async def test_empty_file_reads_as_empty(started: Started, world: World, faults: Faults):
    world.commit("pagure", PKG.path, "main", {"EMPTY": b""}, message="empty", author=AUTHOR)
    before = faults.requests
    assert await started.forge.read_file(PKG, "EMPTY", ref="main") == b""
    assert faults.requests - before == 2, "Pagure's raw route 404s; its tree tells"


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        pytest.param("read_file", "SOURCES", id="read-a-directory"),
        pytest.param("list_dir", "README", id="list-a-file"),
    ],
)
async def test_wrong_kind_of_path_is_not_found(started: Started, call: str, argument: str):
    with pytest.raises(NotFound):
        await getattr(started.forge, call)(PKG, argument, ref="main")


async def test_comment_edits_and_reactions_are_refused(started: Started):
    thread = Thread(PKG, ThreadKind.ISSUE, 1)
    with pytest.raises(Invalid, match="no way to edit a comment"):
        await started.forge.edit_comment(thread, "1", "new")
    with pytest.raises(Invalid, match="no way to react"):
        await started.forge.react(thread, "1", Reaction.SEEN)


async def test_pull_request_comments(started: Started, world: World):
    number = _topic(world, [{"t": b"t\n"}])
    world.add_comment("pagure", PKG.path, "change", number, author=PACKAGER, body="/upstream help")
    thread = Thread(PKG, ThreadKind.CHANGE, number)
    posted = await started.forge.post_comment(thread, "Here is help.")
    found = await started.forge.list_comments(thread)
    assert [(c.author, c.body) for c in found] == [
        (PACKAGER, "/upstream help"),
        (BOT, "Here is help."),
    ]
    assert found[-1] == posted
    assert posted.url.endswith(f"/rpms/pkg00/pull-request/{number}#comment-{posted.id}")


async def test_diff_is_each_commit_in_turn(started: Started, world: World):
    number = _topic(world, [{"a": b"1\n"}, {"a": b"2\n"}])
    diff = await started.forge.change_diff(PKG, number)
    assert diff.count(b"diff --git a/a b/a") == 2, "Pagure's .diff does not squash"


async def test_closed_changes_and_issues_are_found_by_state(started: Started, world: World):
    number = _topic(world, [{"t": b"t\n"}])
    world.set_change_state("pagure", PKG.path, number, "closed")
    assert [c.number for c in await started.forge.find_changes(PKG, state=ChangeState.CLOSED)] == [
        number
    ]
    assert await started.forge.find_changes(PKG, state=ChangeState.OPEN) == []
    issue = await started.forge.open_issue(PKG, "t", "b")
    world.edit_issue("pagure", PKG.path, issue.number, state="closed")
    closed = await started.forge.find_issues(PKG, state=IssueState.CLOSED)
    assert [i.number for i in closed] == [issue.number]


async def test_history_of_a_path_and_a_missing_branch(started: Started):
    commits = await started.forge.list_commits(PKG, ref="main", path="SOURCES")
    assert [c.title for c in commits] == ["Import pkg00"]
    with pytest.raises(NotFound):
        await started.forge.compare(PKG, "main", "no-such-branch")


async def test_a_revoked_token_fails_where_pagure_reads_it(started: Started, world: World):
    world.users("pagure")[BOT].token = "rotated"
    assert (await started.forge.get_repo(PKG)).ref == PKG, "project reads ignore the token"
    with pytest.raises(AuthFailed):
        await started.forge.find_issues(PKG)


async def test_fork_owner_is_admin_and_pushes_with_the_token(started: Started, world: World):
    fork = await started.forge.fork(PKG)
    assert await started.forge.permission(fork.ref, BOT) is Permission.ADMIN
    token = world.users("pagure")[BOT].token
    assert started.forge.push_credentials() == PushCredentials(BOT, token)


async def test_a_retried_creation_lands_once(world: World, faults: Faults):
    # the first POST lands but its answer comes too late; the retry, a second later, finds
    # the issue instead of opening a second one
    late = {"POST": 1}

    @web.middleware
    async def answer_late(request: web.Request, handler):
        answer = await handler(request)
        if late.get(request.method, 0) > 0:
            late[request.method] -= 1
            await asyncio.sleep(0.6)
        return answer

    app = build_app(world, faults=faults)
    app.middlewares.append(answer_late)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    budget = Budget(per_hour=1000, concurrency=2, clock=time.monotonic, sleep=asyncio.sleep)
    policy = RetryPolicy(attempts=3, base_delay=1.0, max_delay=1.0)
    forge = PagureForge(
        name="pagure",
        base_url=f"http://127.0.0.1:{runner.addresses[0][1]}",
        token=world.users("pagure")[BOT].token,
        username=BOT,
        caller=Caller("pagure", budget, 0.3, policy, asyncio.sleep, lambda: 1.0),
        page_size=3,
    )
    try:
        issue = await forge.open_issue(PKG, "Tracking", "Once")
    finally:
        await forge.close()
        await runner.cleanup()
    assert [i.number for i in world.issues("pagure", PKG.path)] == [issue.number]
    assert faults.requests == 2, "the late POST, then one look instead of a second POST"
