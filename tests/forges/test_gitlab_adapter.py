"""What the GitLab adapter does beyond the contract: conditional requests, notes read back only
as far as `since`, writes that survive a lost answer without a twin, rate-limit headers, the
diff of a merge request with or without `/raw_diffs`, forks that wait for GitLab's copy."""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.domain.patch_id import patch_id
from bot.forges.base import Permission, Reaction, RepoRef, Thread, ThreadKind
from bot.forges.calls import Budget, Caller
from bot.forges.errors import AuthFailed, Invalid, NotFound, RateLimited
from bot.forges.git_push import GitAuthor, push_branch
from bot.forges.gitlab import GitlabForge
from bot.sandbox import gitstore
from bot.sandbox.faults import Faults
from bot.sandbox.gitlab_api import build_app
from bot.sandbox.world import World
from tests.forges.harness import AUTHOR, BOT, PACKAGER, RETRY, Ticker, seed
from tests.forges.harness_gitlab import HARNESS

NS = HARNESS.namespace
PKG = RepoRef(NS, "pkg00")
Middleware = Callable[[web.Request, Callable[[web.Request], Awaitable[web.StreamResponse]]], object]


@dataclass
class Running:
    forge: GitlabForge
    caller: Caller
    faults: Faults
    sleeps: list[float]

    def requests(self) -> int:
        return self.faults.requests


@pytest.fixture
def world(tmp_path: Path) -> World:
    world = World(tmp_path / "world", clock=Ticker())
    seed(world, HARNESS, repos=1)
    return world


@pytest.fixture
async def start(world: World) -> AsyncIterator[Callable[..., Awaitable[Running]]]:
    runners: list[web.AppRunner] = []
    forges: list[GitlabForge] = []

    async def starter(
        *,
        middlewares: tuple[Middleware, ...] = (),
        raw_diffs: bool = True,
        clock: Callable[[], datetime] | None = None,
        token: str | None = None,
        per_minute: int | None = None,
        server_time: list[float] | None = None,
        cache_entries: int | None = None,
    ) -> Running:
        faults = Faults()
        app = build_app(
            world,
            faults=faults,
            raw_diffs=raw_diffs,
            per_minute=per_minute,
            clock=(lambda: server_time[0]) if server_time else time.time,
        )
        app.middlewares.extend(middlewares)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            if server_time:
                server_time[0] += seconds

        caller = Caller(
            forge="gitlab",
            budget=Budget(per_hour=100000, concurrency=4, clock=time.monotonic, sleep=sleep),
            timeout=2.0,
            policy=RETRY,
            sleep=sleep,
            jitter=random.random,
        )
        forge = GitlabForge(
            name="gitlab",
            base_url=f"http://127.0.0.1:{runner.addresses[0][1]}",
            token=token or world.users("gitlab")[BOT].token,
            caller=caller,
            page_size=HARNESS.page_size,
            **({"clock": clock} if clock else {}),
            **({"cache_entries": cache_entries} if cache_entries is not None else {}),
        )
        forges.append(forge)
        return Running(forge, caller, faults, sleeps)

    yield starter
    for forge in forges:
        await forge.close()
    for runner in runners:
        await runner.cleanup()


def _lose_first_answer(method: str) -> Middleware:
    """The forge does the work, then the connection drops before the answer arrives."""
    left = [1]

    @web.middleware
    async def middleware(request, handler):
        response = await handler(request)
        if request.method == method and request.path.startswith("/api/v4/") and left[0]:
            left[0] -= 1
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("answer lost on purpose")
        return response

    return middleware


async def test_conditional_reads_are_counted(start, world):
    running = await start()
    forge = running.forge
    first = await forge.get_repo(PKG)
    assert await forge.get_repo(PKG) == first and forge.cache_hits == 1
    world.touch("gitlab", PKG.path)
    assert (await forge.get_repo(PKG)).updated_at > first.updated_at
    await forge.list_branches(PKG)
    await forge.list_branches(PKG)
    assert forge.cache_hits == 2, "one page of two branches, revalidated by its ETag"


async def test_the_etag_cache_keeps_only_the_answers_used_last(start):
    forge = (await start(cache_entries=1)).forge
    await forge.get_repo(PKG)
    await forge.list_branches(PKG)  # takes the only place: the repository's answer goes
    await forge.get_repo(PKG)
    assert forge.cache_hits == 0
    await forge.get_repo(PKG)
    assert forge.cache_hits == 1


async def test_since_reads_back_no_further_than_needed(start, world):
    running = await start()
    issue = world.open_issue(
        "gitlab", PKG.path, title="t", body="b", author=PACKAGER, shared_numbers=False
    )
    notes = [
        world.add_comment("gitlab", PKG.path, "issue", issue.number, author=PACKAGER, body=f"n{i}")
        for i in range(7)
    ]
    thread = Thread(PKG, ThreadKind.ISSUE, issue.number)
    before = running.requests()
    found = await running.forge.list_comments(thread, since=notes[5].created_at)
    assert [c.body for c in found] == ["n5", "n6"]
    assert running.requests() - before == 1, "the newest page already reaches back past since"
    world.edit_comment("gitlab", notes[0].id, "n0, edited")
    found = await running.forge.list_comments(thread, since=notes[5].created_at)
    assert [c.body for c in found] == ["n0, edited", "n5", "n6"], "an edit counts as new"


@pytest.mark.parametrize("what", ["comment", "issue", "merge-request", "fork"])
async def test_a_lost_answer_creates_no_twin(start, world, what):
    running = await start(middlewares=(_lose_first_answer("POST"),))
    forge = running.forge
    if what == "comment":
        issue = world.open_issue(
            "gitlab", PKG.path, title="t", body="", author=PACKAGER, shared_numbers=False
        )
        await forge.post_comment(Thread(PKG, ThreadKind.ISSUE, issue.number), "hello")
        made = world.comments("gitlab", PKG.path, "issue", issue.number)
    elif what == "issue":
        await forge.open_issue(PKG, "Tracking", "body")
        made = world.issues("gitlab", PKG.path)
    elif what == "merge-request":
        world.commit("gitlab", PKG.path, "topic", {"t": b"t\n"}, message="t", author=AUTHOR)
        world.repo("gitlab", PKG.path).members[BOT] = "write"
        await forge.open_change(
            PKG, source=PKG, source_branch="topic", target_branch="main", title="Fix", body=""
        )
        made = world.changes("gitlab", PKG.path)
    else:
        await forge.fork(PKG)
        made = [r for r in world.repos("gitlab") if r.fork_of == PKG.path]
    assert len(made) == 1
    assert running.caller.retries >= 1, "the lost answer was retried"


async def test_rate_limit_reset_without_retry_after(start):
    now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

    @web.middleware
    async def limited(request, handler):
        reset = str(int(now.timestamp()) + 120)
        return web.json_response(
            {"message": "429 Too Many Requests"},
            status=429,
            headers={"RateLimit-Reset": reset, "RateLimit-Remaining": "0"},
        )

    running = await start(middlewares=(limited,), clock=lambda: now)
    with pytest.raises(RateLimited) as raised:
        await running.forge.get_repo(PKG)
    assert raised.value.retry_after == 120
    assert running.requests() == 1, "a pause longer than the policy allows is not waited"


async def test_waits_out_gitlabs_request_limit(start):
    """The sandbox's throttle answers 429 with Retry-After until the minute is over; the
    adapter pauses that long (here: a fake clock that the pause moves) and goes on."""
    server_time = [1_800_000_059.5]
    running = await start(per_minute=1, server_time=server_time)
    await running.forge.get_repo(PKG)
    repo = await running.forge.get_repo(RepoRef(NS, "pkg00"))
    assert repo.ref == PKG
    assert running.sleeps and running.sleeps[0] >= 1.0, "Retry-After: 1 is the least pause"


async def test_the_token_never_shows_in_errors(start, world):
    token = world.users("gitlab")[BOT].token
    running = await start()
    world.users("gitlab")[BOT].token = "rotated"
    with pytest.raises(AuthFailed) as refused:
        await running.forge.get_repo(PKG)
    world.users("gitlab")[BOT].token = token
    with pytest.raises(NotFound) as missing:
        await running.forge.read_file(PKG, "nothing", ref="main")
    for error in (refused.value, missing.value):
        assert token not in str(error) and "gitlab:" in str(error)
    assert running.forge.push_credentials().username == "oauth2"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("read", Permission.READ),
        ("triage", Permission.TRIAGE),
        ("write", Permission.WRITE),
        ("maintain", Permission.MAINTAIN),
        ("admin", Permission.ADMIN),
        (None, Permission.READ),
    ],
    ids=["guest", "reporter", "developer", "maintainer", "owner", "public-non-member"],
)
async def test_permission_from_access_levels(start, world, role, expected):
    members = world.repo("gitlab", PKG.path).members
    members.pop("outsider", None)
    if role:
        members["outsider"] = role
    running = await start()
    assert await running.forge.permission(PKG, "outsider") is expected


async def test_fork_waits_for_gitlabs_copy_then_is_found_again(start, world):
    running = await start()
    before = running.requests()
    fork = await running.forge.fork(PKG)
    assert fork.ref == RepoRef(BOT, "pkg00") and fork.fork_of == PKG
    # who am I, is there a fork, make it, is it copied yet (after one pause)
    assert running.requests() - before == 4 and len(running.sleeps) == 1
    before = running.requests()
    assert (await running.forge.fork(PKG)).ref == fork.ref
    assert running.requests() - before == 1


async def test_merge_requests_from_a_fork_name_it(start, world):
    running = await start()
    fork = await running.forge.fork(PKG)
    head = dict(gitstore.branches(world.git_dir("gitlab", fork.ref.path)))["main"]
    world.commit(
        "gitlab", fork.ref.path, "fix", {"f": b"f\n"}, message="f", author=AUTHOR, parent=head
    )
    await running.forge.open_change(
        PKG, source=fork.ref, source_branch="fix", target_branch="main", title="Fix", body=""
    )
    fresh = await start()
    found = await fresh.forge.find_changes(PKG)
    assert [c.source for c in found] == [fork.ref]
    before = fresh.requests()
    await fresh.forge.find_changes(PKG)
    assert fresh.requests() - before == 1, "the fork's path is remembered by its id"


@pytest.mark.parametrize("raw_diffs", [True, False], ids=["raw-diffs", "rebuilt-from-diffs"])
async def test_change_diff_has_gits_patch_id(start, world, raw_diffs):
    path = PKG.path
    world.commit("gitlab", path, "main", {"logo.png": b"\x00\x01"}, message="l", author=AUTHOR)
    world.commit(
        "gitlab",
        path,
        "topic",
        {"logo.png": b"\x00\x02", "README": b"hello, changed\n", "new.patch": b"+x\n"},
        message="t",
        author=AUTHOR,
        parent=dict(gitstore.branches(world.git_dir("gitlab", path)))["main"],
    )
    change = world.open_change(
        "gitlab",
        path,
        title="t",
        body="",
        author=PACKAGER,
        source_repo=path,
        source_branch="topic",
        target_branch="main",
        shared_numbers=False,
    )
    running = await start(raw_diffs=raw_diffs)
    diff = await running.forge.change_diff(PKG, change.number)
    expected = world.change_diff("gitlab", path, change.number)
    assert patch_id(diff) == patch_id(expected) is not None
    assert (diff == expected) is raw_diffs


async def test_reacting_twice_is_not_an_error(start, world):
    running = await start()
    issue = world.open_issue(
        "gitlab", PKG.path, title="t", body="", author=PACKAGER, shared_numbers=False
    )
    note = world.add_comment(
        "gitlab", PKG.path, "issue", issue.number, author=PACKAGER, body="/upstream status"
    )
    thread = Thread(PKG, ThreadKind.ISSUE, issue.number)
    await running.forge.react(thread, str(note.id), Reaction.DONE)
    await running.forge.react(thread, str(note.id), Reaction.DONE)
    assert world.comment("gitlab", note.id).reactions == [(BOT, "+1")]


async def test_groups_nested_and_missing(start):
    running = await start()
    assert await running.forge.list_repos("redhat/centos-stream") == []
    with pytest.raises(NotFound):
        await running.forge.list_repos("no-such-group")


async def test_history_by_path_and_compare_order(start, world):
    for n in range(4):
        world.commit(
            "gitlab",
            PKG.path,
            "main",
            {"README": f"v{n}\n".encode()},
            message=f"readme {n}",
            author=AUTHOR,
        )
    world.commit("gitlab", PKG.path, "main", {"other": b"o\n"}, message="other", author=AUTHOR)
    running = await start()
    before = running.requests()
    commits = await running.forge.list_commits(PKG, ref="main", path="README", limit=4)
    assert [c.title for c in commits] == [f"readme {n}" for n in (3, 2, 1, 0)]
    assert running.requests() - before == 2, "pages of three, stopped at the limit"
    ahead = await running.forge.compare(PKG, "feature", "main")
    assert [c.title for c in ahead][:2] == ["other", "readme 3"], "newest first"


async def test_timestamps_are_read_in_utc(start, world):
    running = await start()
    repo = await running.forge.get_repo(PKG)
    assert repo.updated_at.utcoffset() == timedelta(0)
    assert repo.updated_at == world.repo("gitlab", PKG.path).updated_at


async def test_push_to_the_fork_with_oauth2_then_open_the_merge_request(start, world):
    """The whole CentOS Stream path: fork, push over HTTPS as `oauth2` with the token, open a
    draft merge request from the fork, read its diff back."""
    running = await start()
    forge = running.forge
    fork = await forge.fork(PKG)
    upstream = await forge.get_repo(PKG)
    credentials = forge.push_credentials()
    assert credentials.username == "oauth2"
    sha = await push_branch(
        forge="gitlab",
        clone_url=fork.clone_url,
        source_url=upstream.clone_url,
        base_ref="main",
        files={"fix.patch": b"--- a\n+++ b\n"},
        branch="upstream-bot/c10s/abc123",
        message="Forward fix.patch",
        author=GitAuthor("upstream-bot", "bot@sandbox.test"),
        credentials=credentials,
        timeout=30.0,
    )
    change = await forge.open_change(
        PKG,
        source=fork.ref,
        source_branch="upstream-bot/c10s/abc123",
        target_branch="main",
        title="Forward fix.patch",
        body="Resolves: RHEL-?",
        draft=True,
    )
    assert (change.head_sha, change.draft, change.source) == (sha, True, fork.ref)
    assert b"+++ b/fix.patch" in await forge.change_diff(PKG, change.number)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html>Sign in</html>", "text/html"),
        (b"[1, 2]", "application/json"),
        (b'{"id": 1}', "application/json"),
        (b"{not json", "application/json"),
    ],
    ids=["html-from-a-proxy", "list-for-an-object", "fields-missing", "broken-json"],
)
async def test_unreadable_answers_are_invalid(start, body, content_type):
    @web.middleware
    async def garbled(request, handler):
        return web.Response(body=body, content_type=content_type)

    running = await start(middlewares=(garbled,))
    with pytest.raises(Invalid, match="read project"):
        await running.forge.get_repo(PKG)
