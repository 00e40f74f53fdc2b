"""The GitHub adapter beyond the contract: reading recorded GitHub answers, mapping GitHub's
failures, following `Link` pages, conditional requests, and the PyGithub client pool."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from threading import current_thread
from typing import Any

import github
import pytest
from github.GithubException import GithubException, RateLimitExceededException

from bot.forges import github_decode as decode
from bot.forges.base import (
    ChangeState,
    EntryType,
    IssueState,
    Permission,
    PushCredentials,
    RepoRef,
    Thread,
    ThreadKind,
)
from bot.forges.errors import (
    AuthFailed,
    Conflict,
    ForgeError,
    Invalid,
    NotFound,
    RateLimited,
    Unavailable,
)
from bot.forges.github import GithubForge
from bot.forges.github_client import EtagCache, forge_error, next_link
from bot.sandbox import gitstore
from bot.sandbox.faults import Faults
from bot.sandbox.github_api import API_PREFIX, build_app
from bot.sandbox.github_json import INLINE_LIMIT
from bot.sandbox.world import World
from tests.forges.harness import AUTHOR, BOT, PACKAGER, Ticker, make_caller, seed
from tests.forges.harness_github import HARNESS, serve

DATA = Path(__file__).resolve().parents[1] / "data" / "github"
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
REPO = RepoRef(HARNESS.namespace, "pkg00")


def _requester() -> github.Requester.Requester:
    # a lazy client never sends a request on its own; decoding needs only its requester
    return github.Github(base_url="http://127.0.0.1:9/api/v3", lazy=True).requester


def _own(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def _recorded(corpus: Path, name: str) -> Any:
    return json.loads((corpus / "forges" / "github" / name).read_text())


# -- reading recorded answers ------------------------------------------------------------


def test_open_pull_request_from_a_recorded_answer(corpus: Path):
    change = decode.change(_requester(), _recorded(corpus, "api.pulls.get.open.json"))
    assert (change.number, change.state, change.author) == (72, ChangeState.OPEN, "mfocko")
    assert change.target == RepoRef("packit", "hello-world") and change.target_branch == "master"
    assert (change.source_branch, change.head_sha) == (
        "test_source",
        "7cf6d0cbeca285ecbeb19a0067cb243783b3c768",
    )
    assert change.created_at == datetime(2019, 11, 27, 11, 19, 20, tzinfo=UTC)


def test_merged_pull_request_from_a_recorded_answer(corpus: Path):
    change = decode.change(_requester(), _recorded(corpus, "api.pulls.get.merged.json"))
    assert change.state is ChangeState.MERGED


def test_a_pull_request_in_a_list_has_no_merged_key_but_merged_at():
    data = _own("pulls.list.merged.json")[0]
    assert "merged" not in data
    change = decode.change(_requester(), data)
    assert change.state is ChangeState.MERGED
    assert change.body == "", "a null body is an empty body"
    # the fork is gone (`repo: null`): its owner still shows in the label
    assert change.source == RepoRef("upstream-bot", "tool")


def test_recorded_comments(corpus: Path):
    comments = [
        decode.comment_from(_requester(), item)
        for item in _recorded(corpus, "api.issues.comments.list.json")
    ]
    assert [(c.id, c.author) for c in comments] == [
        ("460276424", "lachmanfrantisek"),
        ("460322348", "TomasTomecek"),
    ]
    assert comments[0].url.endswith("#issuecomment-460276424")


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("api.collaborators.permission.admin.json", Permission.ADMIN),
        ("api.collaborators.permission.write.json", Permission.WRITE),
        ("api.collaborators.permission.read.json", Permission.READ),
        ("api.collaborators.permission.none.json", Permission.NONE),
    ],
    ids=["admin", "write", "read-without-role-name", "none"],
)
def test_recorded_permissions(corpus: Path, sample: str, expected: Permission):
    assert decode.permission(_recorded(corpus, sample)) is expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"permission": "write", "role_name": "maintain"}, Permission.MAINTAIN),
        ({"permission": "read", "role_name": "triage"}, Permission.TRIAGE),
        ({"permission": "write", "role_name": "release-manager"}, Permission.WRITE),
        ({"permission": "something-new"}, Permission.NONE),
    ],
    ids=["maintain", "triage", "custom-role-falls-back", "unknown"],
)
def test_role_name_before_the_legacy_permission(data: dict[str, str], expected: Permission):
    assert decode.permission(data) is expected


def test_recorded_repository_list(corpus: Path):
    repo = decode.repo(_requester(), _recorded(corpus, "api.repos.list.go-scm.json")[0])
    assert (repo.ref, repo.default_branch) == (RepoRef("octocat", "Hello-World"), "master")
    assert repo.clone_url == "https://github.com/octocat/Hello-World.git"
    assert repo.fork_of is None, "list answers carry no parent"
    # pushed_at is newer than updated_at in the recording's terms? take the later of the two
    assert repo.updated_at == datetime(2011, 1, 26, 19, 14, 43, tzinfo=UTC)


def test_issue_list_leaves_pull_requests_out():
    listed = _own("issues.list.json")
    kept = [decode.issue_from(_requester(), i) for i in listed if not decode.is_pull_request(i)]
    assert [(i.number, i.state) for i in kept] == [(13, IssueState.OPEN)]


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("contents.file.json", b"Name: tool\nVersion: 1.0\nRelease: 1\n"),
        ("contents.large.json", None),
    ],
    ids=["inline-base64", "over-1MB"],
)
def test_file_bytes(sample: str, expected: bytes | None):
    assert decode.file_bytes(decode.content(_requester(), _own(sample))) == expected


# -- GitHub's failures -------------------------------------------------------------------


def _failure(status: int, message: str, headers: dict[str, str], **extra: Any) -> GithubException:
    data = {"message": message, **extra}
    kind = RateLimitExceededException if "rate limit" in message.lower() else GithubException
    return kind(status, data, headers)


@pytest.mark.parametrize(
    ("failure", "expected", "retry_after"),
    [
        (
            _failure(
                403,
                "API rate limit exceeded for user ID 1.",
                {
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(int(NOW.timestamp()) + 120),
                },
            ),
            RateLimited,
            120.0,
        ),
        (
            _failure(403, "You have exceeded a secondary rate limit.", {"Retry-After": "30"}),
            RateLimited,
            30.0,
        ),
        (
            _failure(403, "You have exceeded a secondary rate limit.", {}),
            RateLimited,
            60.0,
        ),
        (_failure(429, "Too many requests", {"Retry-After": "5"}), RateLimited, 5.0),
        (_failure(401, "Bad credentials", {}), AuthFailed, None),
        (
            _failure(403, "Must have push access to view collaborator permission.", {}),
            AuthFailed,
            None,
        ),
        (_failure(404, "Not Found", {}), NotFound, None),
        (
            _failure(
                422,
                "Validation Failed",
                {},
                errors=[
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": "A pull request already exists for upstream-bot:fix.",
                    }
                ],
            ),
            Conflict,
            None,
        ),
        (
            _failure(
                422,
                "Validation Failed",
                {},
                errors=[{"resource": "Issue", "code": "missing_field", "field": "title"}],
            ),
            Invalid,
            None,
        ),
        (_failure(502, "Server Error", {}), Unavailable, None),
    ],
    ids=[
        "primary-limit",
        "secondary-limit",
        "secondary-limit-no-header",
        "429",
        "bad-credentials",
        "no-push-access",
        "not-found",
        "pull-exists",
        "validation",
        "502",
    ],
)
def test_github_failures_become_forge_errors(
    failure: GithubException, expected: type[ForgeError], retry_after: float | None
):
    error = forge_error("github", failure, doing="reading x", now=NOW)
    assert type(error) is expected
    assert str(error).startswith("github: reading x: HTTP")
    if retry_after is not None:
        assert isinstance(error, RateLimited) and error.retry_after == retry_after


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            '<http://h:1/api/v3/orgs/o/repos?page=2>; rel="next", '
            '<http://h:1/api/v3/orgs/o/repos?page=4>; rel="last"',
            "http://h:1/api/v3/orgs/o/repos?page=2",
        ),
        ('<http://h:1/api/v3/x?page=1>; rel="prev"', None),
        ('<http://elsewhere:1/api/v3/x?page=2>; rel="next"', None),
        ("", None),
    ],
    ids=["next", "last-page", "other-host", "no-link"],
)
def test_next_link(link: str, expected: str | None):
    assert next_link({"link": link}, base_url="http://h:1/api/v3") == expected


def test_etag_cache_forgets_the_least_recently_used():
    cache = EtagCache(max_entries=2)
    for key in ("a", "b"):
        cache.store(key, f'W/"{key}"', {}, "[]")
    assert cache.lookup("a") is not None  # "a" is now the most recent
    cache.store("c", 'W/"c"', {}, "[]")
    assert (cache.lookup("a"), cache.lookup("b")) != (None, None)
    assert cache.lookup("b") is None and cache.lookup("c") is not None
    cache.store("d", None, {}, "[]")
    assert cache.lookup("d") is None, "answers without an ETag are not kept"


# -- against the sandbox -------------------------------------------------------------------


class Running:
    def __init__(self, forge: GithubForge, world: World, faults: Faults) -> None:
        self.forge, self.world, self.faults = forge, world, faults


@pytest.fixture
def world(tmp_path: Path) -> World:
    world = World(tmp_path / "world", clock=Ticker())
    seed(world, HARNESS)
    return world


async def _start(world: World, faults: Faults, **app_options: Any) -> tuple[GithubForge, Any]:
    runner, root = await serve(build_app(world, faults=faults, **app_options))
    forge = GithubForge(
        name="github",
        base_url=f"{root}{API_PREFIX}",
        token=world.users("github")[BOT].token,
        caller=make_caller("github", timeout=2.0),
        page_size=HARNESS.page_size,
        now=lambda: NOW,
    )
    return forge, runner


@pytest.fixture
async def running(world: World) -> AsyncIterator[Running]:
    faults = Faults()
    forge, runner = await _start(world, faults)
    try:
        yield Running(forge, world, faults)
    finally:
        await forge.close()
        await runner.cleanup()


async def _requests(running: Running, call) -> int:
    before = running.faults.requests
    await call
    return running.faults.requests - before


async def test_one_request_per_call(running: Running):
    forge = running.forge
    assert await _requests(running, forge.get_repo(REPO)) == 1, "no lazy completion"
    assert await _requests(running, forge.list_repos(HARNESS.namespace)) == 3, "7 repos, 3 a page"
    assert await _requests(running, forge.open_issue(REPO, "t", "b")) == 1
    assert await _requests(running, forge.fork(REPO)) == 1


async def test_unchanged_answers_come_from_the_etag_cache(running: Running):
    forge = running.forge
    first = await forge.list_branches(REPO)
    assert forge.cache.hits == 0
    assert await forge.list_branches(REPO) == first
    assert forge.cache.hits == 1
    running.world.commit("github", REPO.path, "main", {"n": b"n"}, message="n", author=AUTHOR)
    changed = await forge.list_branches(REPO)
    assert changed != first and forge.cache.hits == 1


async def test_a_users_repositories_after_one_look_at_the_organizations(running: Running):
    running.world.fork("github", REPO.path, BOT)
    forge = running.forge
    assert await _requests(running, forge.list_repos(BOT)) == 2, "orgs/ 404, then users/"
    assert await _requests(running, forge.list_repos(BOT)) == 1, "remembered as a user"
    with pytest.raises(NotFound):
        await forge.list_repos("nobody-here")


async def test_files_directories_and_large_files(running: Running):
    big = os.urandom(INLINE_LIMIT + 1)
    running.world.commit(
        "github", REPO.path, "main", {"SOURCES/big": big}, message="b", author=AUTHOR
    )
    forge = running.forge
    assert await _requests(running, forge.read_file(REPO, "SOURCES/big", ref="main")) == 2
    assert await forge.read_file(REPO, "SOURCES/big", ref="main") == big
    with pytest.raises(NotFound, match="directory"):
        await forge.read_file(REPO, "SOURCES", ref="main")
    with pytest.raises(NotFound, match="file"):
        await forge.list_dir(REPO, "README", ref="main")
    entries = {e.path: (e.type, e.size) for e in await forge.list_dir(REPO, "SOURCES", ref="main")}
    assert entries["SOURCES/big"] == (EntryType.FILE, len(big))


async def test_diff_keeps_its_exact_bytes(running: Running):
    world, path = running.world, REPO.path
    main = dict(gitstore.branches(world.git_dir("github", path)))["main"]
    world.commit(
        "github", path, "latin", {"x.patch": b"caf\xe9\n"}, message="l", author=AUTHOR, parent=main
    )
    change = world.open_change(
        "github",
        path,
        title="l",
        body="",
        author=PACKAGER,
        source_repo=path,
        source_branch="latin",
        target_branch="main",
    )
    diff = await running.forge.change_diff(REPO, change.number)
    assert b"+caf\xe9\n" in diff


async def test_closed_and_merged_are_told_apart(running: Running):
    world, path = running.world, REPO.path
    numbers = {}
    for state in ("closed", "merged"):
        world.commit("github", path, state, {state: b"x"}, message=state, author=AUTHOR)
        change = world.open_change(
            "github",
            path,
            title=state,
            body="",
            author=PACKAGER,
            source_repo=path,
            source_branch=state,
            target_branch="main",
        )
        world.set_change_state("github", path, change.number, state)
        numbers[state] = change.number
    forge = running.forge
    closed = await forge.find_changes(REPO, state=ChangeState.CLOSED)
    merged = await forge.find_changes(REPO, state=ChangeState.MERGED)
    assert ([c.number for c in closed], [c.number for c in merged]) == (
        [numbers["closed"]],
        [numbers["merged"]],
    )


async def test_issues_leave_pull_requests_out(running: Running):
    world, path = running.world, REPO.path
    world.open_change(
        "github",
        path,
        title="pr",
        body="m",
        author=BOT,
        source_repo=path,
        source_branch="feature",
        target_branch="main",
    )
    issue = await running.forge.open_issue(REPO, "Tracking", "m")
    assert [i.number for i in await running.forge.find_issues(REPO, author=BOT)] == [issue.number]


@pytest.mark.parametrize(
    ("role", "expected"),
    [("maintain", Permission.MAINTAIN), ("triage", Permission.TRIAGE), ("admin", Permission.ADMIN)],
    ids=["maintain", "triage", "admin"],
)
async def test_permission_with_push_access(running: Running, role: str, expected: Permission):
    repo = running.world.repo("github", REPO.path)
    repo.members[BOT] = "write"
    repo.members["someone"] = role
    running.world.add_user("github", "someone")
    assert await running.forge.permission(REPO, "someone") is expected
    assert await running.forge.permission(REPO, "nobody-at-all") is Permission.NONE
    with pytest.raises(NotFound):
        await running.forge.permission(RepoRef(HARNESS.namespace, "missing"), "someone")


async def test_permission_without_push_access_is_refused(running: Running):
    running.world.repo("github", REPO.path).members[BOT] = "read"
    with pytest.raises(AuthFailed, match="push access"):
        await running.forge.permission(REPO, PACKAGER)


async def test_spent_rate_limit_names_the_reset(world: World):
    reset_base = NOW.timestamp() - 600
    forge, runner = await _start(world, Faults(), rate_limit=1, clock=lambda: reset_base)
    try:
        await forge.get_repo(REPO)
        with pytest.raises(RateLimited) as raised:
            await forge.get_repo(RepoRef(HARNESS.namespace, "pkg01"))
    finally:
        await forge.close()
        await runner.cleanup()
    assert raised.value.retry_after == 3000.0, "reset an hour after the window opened"


async def test_no_server_is_unavailable(world: World):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    forge = GithubForge(
        name="github",
        base_url=f"http://127.0.0.1:{port}{API_PREFIX}",
        token="t",
        caller=make_caller("github", timeout=2.0),
    )
    with pytest.raises(Unavailable, match="connection failed"):
        await forge.get_repo(REPO)
    await forge.close()


async def test_the_token_stays_out_of_errors(running: Running):
    token = running.world.users("github")[BOT].token
    running.world.users("github")[BOT].token = "rotated"
    with pytest.raises(AuthFailed) as raised:
        await running.forge.get_repo(REPO)
    assert token not in str(raised.value)
    assert running.forge.push_credentials() == PushCredentials("x-access-token", token)


async def test_comment_ids_are_numbers(running: Running):
    thread = Thread(REPO, ThreadKind.ISSUE, 1)
    with pytest.raises(Invalid, match="not a GitHub comment id"):
        await running.forge.edit_comment(thread, "abc", "x")


async def test_concurrent_calls_share_a_few_clients(running: Running):
    refs = [RepoRef(HARNESS.namespace, f"pkg{i:02d}") for i in range(7)] * 3
    repos = await asyncio.gather(*(running.forge.get_repo(r) for r in refs))
    assert [r.ref for r in repos] == refs
    # the Caller lets 4 calls run at once; PyGithub clients are never shared between them
    assert running.forge._http.clients.created <= 4


async def test_stock_git_pushes_to_the_fork_with_the_push_credentials(
    running: Running, tmp_path: Path
):
    fork = await running.forge.fork(REPO)
    credentials = running.forge.push_credentials()
    askpass = tmp_path / "askpass.sh"
    # git asks for the user name and the password; the token stays in the environment
    askpass.write_text(
        '#!/bin/sh\ncase "$1" in Username*) echo "$PUSH_USER";; *) echo "$PUSH_TOKEN";; esac\n'
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

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", *args], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
        )

    for args in (
        ("clone", "--quiet", fork.clone_url, "work"),
        ("-C", "work", "checkout", "--quiet", "-b", "upstream-bot/fix"),
        ("-C", "work", "commit", "--quiet", "--allow-empty", "-m", "Carry the fix"),
        ("-C", "work", "push", "--quiet", "origin", "upstream-bot/fix"),
    ):
        done = await asyncio.to_thread(git, *args)
        assert done.returncode == 0, done.stderr
        assert credentials.token not in done.stderr
    heads = await running.forge.list_branches(fork.ref)
    assert "upstream-bot/fix" in {h.name for h in heads}


async def test_calls_run_in_the_adapters_own_threads(running: Running):
    # calls the Caller gave up on keep their threads until PyGithub's own timeout; in an own
    # pool they cannot starve the loop's default executor, which the rest of the bot uses
    name = await running.forge._http.call("naming the thread", lambda _c: current_thread().name)
    assert name.startswith("github")


async def test_reads_without_a_token_go_out_anonymously(world: World):
    faults = Faults()
    runner, root = await serve(build_app(world, faults=faults))
    forge = GithubForge(
        name="github", base_url=f"{root}{API_PREFIX}", token="",
        caller=make_caller("github", timeout=2.0), page_size=HARNESS.page_size,
    )
    try:
        assert (await forge.get_repo(REPO)).ref == REPO
        assert "main" in {branch.name for branch in await forge.list_branches(REPO)}
        assert (await forge.read_file(REPO, "README", ref="main")).startswith(b"hello")
    finally:
        await forge.close()
        await runner.cleanup()
