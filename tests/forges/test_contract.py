"""One contract for every forge adapter, run against each adapter's sandbox server over HTTP.

Adapters and sandbox servers cannot drift apart: the same assertions hold for Gitea,
GitLab (python-gitlab), Pagure and GitHub (PyGithub).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.patch_id import patch_id
from bot.forges.base import (
    Capability,
    ChangeState,
    EntryType,
    IssueState,
    Permission,
    Reaction,
    RepoRef,
    Thread,
    ThreadKind,
)
from bot.forges.errors import (
    AuthFailed,
    Conflict,
    Invalid,
    NotFound,
    RateLimited,
    Unavailable,
    Unsupported,
)
from bot.forges.git_push import GitAuthor, push_branch
from bot.sandbox import gitstore
from bot.sandbox.faults import Faults
from bot.sandbox.world import World
from tests.forges.harness import (
    AUTHOR,
    BOT,
    OUTSIDER,
    PACKAGER,
    Harness,
    Started,
    Ticker,
    seed,
)
from tests.forges.harnesses import HARNESSES

MARKER = "<!-- upstream-bot:open-change:abc123:centos-stream:c9s -->"


@pytest.fixture(params=HARNESSES, ids=lambda h: h.name)
def harness(request) -> Harness:
    return request.param


@pytest.fixture
def world(tmp_path: Path, harness: Harness) -> World:
    world = World(tmp_path / "world", clock=Ticker())
    seed(world, harness)
    return world


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
async def started(world: World, harness: Harness, faults: Faults) -> AsyncIterator[Started]:
    running = await harness.start(world, faults, timeout=2.0)
    try:
        yield running
    finally:
        await running.close()


def _ref(harness: Harness, index: int = 0) -> RepoRef:
    return RepoRef(harness.namespace, f"pkg{index:02d}")


async def test_list_repos_reads_every_page(started: Started, harness: Harness, world: World):
    before = started.requests()
    repos = await started.forge.list_repos(harness.namespace)
    assert sorted(r.ref.name for r in repos) == [f"pkg{i:02d}" for i in range(7)]
    assert started.requests() - before >= 7 // harness.page_size + 1, "one request per page"
    first = next(r for r in repos if r.ref.name == "pkg00")
    assert first.default_branch == "main"
    assert first.updated_at.tzinfo is not None
    assert first.updated_at == world.repo(harness.name, first.ref.path).updated_at


async def test_get_repo_and_not_found(started: Started, harness: Harness):
    repo = await started.forge.get_repo(_ref(harness))
    assert repo.ref == _ref(harness) and repo.fork_of is None
    assert repo.clone_url.startswith(started.base_url)
    with pytest.raises(NotFound):
        await started.forge.get_repo(RepoRef(harness.namespace, "no-such-package"))


async def test_branches_have_their_heads(started: Started, harness: Harness, world: World):
    heads = {b.name: b.sha for b in await started.forge.list_branches(_ref(harness))}
    expected = dict(gitstore.branches(world.git_dir(harness.name, _ref(harness).path)))
    assert heads == expected


async def test_read_file_returns_exact_bytes(started: Started, harness: Harness, world: World):
    path = _ref(harness).path
    payload = b"\x00\xff binary \r\n and non-UTF-8 \xe9\n"
    world.commit(
        harness.name, path, "main", {"SOURCES/logo.bin": payload}, message="logo", author=AUTHOR
    )
    forge = started.forge
    assert await forge.read_file(_ref(harness), "SOURCES/logo.bin", ref="main") == payload
    assert await forge.read_file(_ref(harness), "README", ref="feature") == b"hello again\n"
    with pytest.raises(NotFound):
        await forge.read_file(_ref(harness), "missing.txt", ref="main")
    with pytest.raises(NotFound):
        await forge.read_file(_ref(harness), "README", ref="no-such-branch")


async def test_list_dir(started: Started, harness: Harness):
    top = {e.path: e.type for e in await started.forge.list_dir(_ref(harness), "", ref="main")}
    assert top == {"README": EntryType.FILE, "SOURCES": EntryType.DIR, "pkg00.spec": EntryType.FILE}
    inner = await started.forge.list_dir(_ref(harness), "SOURCES", ref="main")
    assert [(e.path, e.type) for e in inner] == [("SOURCES/a.patch", EntryType.FILE)]
    with pytest.raises(NotFound):
        await started.forge.list_dir(_ref(harness), "nothing-here", ref="main")


async def test_commits_newest_first_and_compare(started: Started, harness: Harness, world: World):
    commits = await started.forge.list_commits(_ref(harness), ref="main")
    assert [c.title for c in commits] == ["Update README", "Import pkg00"]
    assert commits[0].message.startswith("Update README\n\nLonger body.")
    assert commits[0].author_email == AUTHOR.email and commits[0].authored_at.tzinfo
    assert len(await started.forge.list_commits(_ref(harness), ref="main", limit=1)) == 1
    ahead = await started.forge.compare(_ref(harness), "main", "feature")
    assert [c.title for c in ahead] == ["Add fix"]
    world.commit(
        harness.name,
        _ref(harness).path,
        "feature",
        {"fix2.patch": b"2\n"},
        message="Add second fix",
        author=AUTHOR,
    )
    ahead = await started.forge.compare(_ref(harness), "main", "feature")
    assert [c.title for c in ahead] == ["Add second fix", "Add fix"], "newest first"


def _git_patch_id(git_dir: Path, sha: str) -> str:
    """What git itself says: `git show --format= --full-index <sha> | git patch-id --stable`
    (full blob names, as `git cherry` hashes a binary file)."""
    shown = gitstore.run_git(git_dir, "show", "--format=", "--full-index", sha)
    return gitstore.run_git(None, "patch-id", "--stable", stdin=shown).decode().split()[0]


async def test_commit_diff_matches_git(started: Started, harness: Harness, world: World):
    path = _ref(harness).path
    edited = world.commit(
        harness.name,
        path,
        "main",
        {"logo.bin": b"\x00\xff\x01", "README": b"hello once more\n", "SOURCES/a.patch": None},
        message="Edit, drop and add binary",
        author=AUTHOR,
    )
    git_dir = world.git_dir(harness.name, path)
    root = gitstore.log(git_dir, ["main"])[-1].sha
    for sha in (edited, root):
        diff = await started.forge.commit_diff(_ref(harness), sha)
        assert patch_id(diff) == _git_patch_id(git_dir, sha), sha
    assert b"hello once more" in await started.forge.commit_diff(_ref(harness), edited)
    with pytest.raises(NotFound):
        await started.forge.commit_diff(_ref(harness), "0123456789abcdef" * 2 + "01234567")


async def test_fork_then_open_change_then_find_it(started: Started, harness: Harness, world: World):
    forge = started.forge
    fork = await forge.fork(_ref(harness, 1))
    assert fork.fork_of == _ref(harness, 1)
    assert (await forge.fork(_ref(harness, 1))).ref == fork.ref, "forking again reuses the fork"
    head = dict(gitstore.branches(world.git_dir(harness.name, fork.ref.path)))["main"]
    world.commit(
        harness.name,
        fork.ref.path,
        "upstream-bot/pkg01/fix",
        {"fix.patch": b"x\n"},
        message="Carry the fix",
        author=AUTHOR,
        parent=head,
    )
    change = await forge.open_change(
        _ref(harness, 1),
        source=fork.ref,
        source_branch="upstream-bot/pkg01/fix",
        target_branch="main",
        title="Carry the fix",
        body=f"Why.\n\n{MARKER}",
        draft=True,
    )
    assert change.state is ChangeState.OPEN and change.author == BOT
    assert change.source == fork.ref and change.target == _ref(harness, 1)
    again = await forge.get_change(_ref(harness, 1), change.number)
    assert (again.title, again.source_branch, again.target_branch) == (
        "Carry the fix",
        "upstream-bot/pkg01/fix",
        "main",
    )
    assert MARKER in again.body
    for query in (
        {"marker": MARKER},
        {"author": BOT},
        {"source_branch": "upstream-bot/pkg01/fix"},
        {"state": ChangeState.OPEN},
    ):
        found = await forge.find_changes(_ref(harness, 1), **query)
        assert [c.number for c in found] == [change.number], query
    assert await forge.find_changes(_ref(harness, 1), state=ChangeState.MERGED) == []
    diff = await forge.change_diff(_ref(harness, 1), change.number)
    assert b"fix.patch" in diff and b"+x" in diff
    with pytest.raises(Conflict):
        await forge.open_change(
            _ref(harness, 1),
            source=fork.ref,
            source_branch="upstream-bot/pkg01/fix",
            target_branch="main",
            title="Again",
            body="",
            draft=False,
        )


async def test_change_states_follow_the_world(started: Started, harness: Harness, world: World):
    path = _ref(harness, 2).path
    world.commit(harness.name, path, "topic", {"t": b"t\n"}, message="t", author=AUTHOR)
    opened = world.open_change(
        harness.name,
        path,
        title="t",
        body="",
        author=PACKAGER,
        source_repo=path,
        source_branch="topic",
        target_branch="main",
        shared_numbers=harness.name != "gitlab",
    )
    world.set_change_state(harness.name, path, opened.number, "merged")
    change = await started.forge.get_change(_ref(harness, 2), opened.number)
    assert change.state is ChangeState.MERGED
    with pytest.raises(NotFound):
        await started.forge.get_change(_ref(harness, 2), 999)


async def test_comments_post_list_edit_react(started: Started, harness: Harness, world: World):
    forge = started.forge
    issue = await forge.open_issue(_ref(harness, 3), "Tracking: pkg03", f"Body\n{MARKER}")
    thread = Thread(_ref(harness, 3), ThreadKind.ISSUE, issue.number)
    first = await forge.post_comment(thread, "/upstream status")
    world.add_comment(
        harness.name,
        _ref(harness, 3).path,
        "issue",
        issue.number,
        author=PACKAGER,
        body="/upstream skip branding",
    )
    comments = await forge.list_comments(thread)
    assert [(c.author, c.body) for c in comments] == [
        (BOT, "/upstream status"),
        (PACKAGER, "/upstream skip branding"),
    ]
    later = await forge.list_comments(thread, since=first.created_at + timedelta(seconds=1))
    assert [c.author for c in later] == [PACKAGER]
    if Capability.EDIT_COMMENT in forge.capabilities:
        edited = await forge.edit_comment(thread, first.id, "/upstream status (edited)")
        assert edited.body == "/upstream status (edited)" and edited.id == first.id
    else:
        with pytest.raises(Unsupported):
            await forge.edit_comment(thread, first.id, "/upstream status (edited)")
    if Capability.REACT in forge.capabilities:
        await forge.react(thread, comments[1].id, Reaction.SEEN)
        stored = world.comment(harness.name, int(comments[1].id))
        assert (BOT, "eyes") in stored.reactions
    else:
        with pytest.raises(Unsupported):
            await forge.react(thread, comments[1].id, Reaction.SEEN)


async def test_issues_find_and_edit(started: Started, harness: Harness):
    forge = started.forge
    issue = await forge.open_issue(_ref(harness, 4), "Tracking: pkg04", f"Pending\n{MARKER}")
    assert issue.state is IssueState.OPEN and issue.author == BOT
    found = await forge.find_issues(_ref(harness, 4), marker=MARKER)
    assert [i.number for i in found] == [issue.number]
    assert await forge.find_issues(_ref(harness, 4), marker="<!-- nothing -->") == []
    edited = await forge.edit_issue(_ref(harness, 4), issue.number, body=f"Done\n{MARKER}")
    assert edited.body.startswith("Done") and edited.title == "Tracking: pkg04"


async def test_permissions(started: Started, harness: Harness):
    forge = started.forge
    assert await forge.permission(_ref(harness), PACKAGER) >= Permission.WRITE
    assert await forge.permission(_ref(harness), OUTSIDER) <= Permission.READ
    assert await forge.permission(_ref(harness), "nobody-at-all") is Permission.NONE


async def test_retries_5xx_and_429(started: Started, harness: Harness, faults: Faults):
    faults.statuses.extend([503, 429])
    faults.retry_after = 0.05
    before = started.requests()
    repo = await started.forge.get_repo(_ref(harness))
    assert repo.ref == _ref(harness)
    assert started.requests() - before >= 3


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, Invalid), (401, AuthFailed), (404, NotFound), (409, Conflict), (503, Unavailable)],
    ids=["400", "401", "404", "409", "503"],
)
async def test_each_status_maps_to_its_error(
    started: Started, harness: Harness, faults: Faults, status: int, error: type
):
    faults.statuses.extend([status] * 5)
    before = started.requests()
    with pytest.raises(error):
        await started.forge.list_branches(_ref(harness))
    tries = started.requests() - before
    assert tries == (3 if status == 503 else 1), "only outages are retried"


async def test_gives_up_after_the_retries(started: Started, harness: Harness, faults: Faults):
    faults.statuses.extend([502] * 10)
    with pytest.raises(Unavailable):
        await started.forge.get_repo(_ref(harness))


async def test_long_retry_after_is_not_waited(started: Started, harness: Harness, faults: Faults):
    faults.statuses.extend([429] * 3)
    faults.retry_after = 3600
    with pytest.raises(RateLimited) as raised:
        await started.forge.get_repo(_ref(harness))
    assert raised.value.retry_after is not None and raised.value.retry_after > 1000


async def test_timeouts_become_unavailable(world: World, harness: Harness):
    faults = Faults(delay=1.0, delayed_requests=10)
    running = await harness.start(world, faults, timeout=0.2)
    try:
        with pytest.raises(Unavailable):
            await running.forge.get_repo(_ref(harness))
    finally:
        await running.close()


async def test_revoked_token_is_auth_failed(started: Started, harness: Harness, world: World):
    # the adapter still sends the token it was started with; the forge no longer knows it
    world.users(harness.name)[BOT].token = "rotated-by-an-admin"
    with pytest.raises(AuthFailed):
        await started.forge.open_issue(_ref(harness), "t", "b")


async def test_push_with_the_adapters_credentials_then_open_a_change(
    started: Started, harness: Harness, world: World
):
    forge = started.forge
    upstream = await forge.get_repo(_ref(harness, 5))
    fork = await forge.fork(_ref(harness, 5))
    credentials = forge.push_credentials()
    assert credentials is not None
    sha = await push_branch(
        forge=harness.name,
        clone_url=fork.clone_url,
        source_url=upstream.clone_url,
        base_ref="main",
        files={"fix.patch": b"--- a\n+++ b\n"},
        branch="upstream-bot/pkg05/fix",
        message="Forward fix.patch",
        author=GitAuthor("upstream-bot", "bot@sandbox.test"),
        credentials=credentials,
        timeout=30.0,
    )
    assert (
        dict(gitstore.branches(world.git_dir(harness.name, fork.ref.path)))[
            "upstream-bot/pkg05/fix"
        ]
        == sha
    )
    change = await forge.open_change(
        _ref(harness, 5),
        source=fork.ref,
        source_branch="upstream-bot/pkg05/fix",
        target_branch="main",
        title="Forward fix.patch",
        body=MARKER,
    )
    assert b"fix.patch" in await forge.change_diff(_ref(harness, 5), change.number)


async def test_edit_change_title_body_and_draft(started: Started, harness: Harness, world: World):
    forge, repo = started.forge, _ref(harness, 6)
    fork = await forge.fork(repo)
    upstream = await forge.get_repo(repo)
    credentials = forge.push_credentials()
    assert credentials is not None
    push = {
        "forge": harness.name,
        "clone_url": fork.clone_url,
        "source_url": upstream.clone_url,
        "base_ref": "main",
        "branch": "upstream-bot/pkg06/fix",
        "message": "Forward fix.patch",
        "author": GitAuthor("upstream-bot", "bot@sandbox.test"),
        "credentials": credentials,
        "timeout": 30.0,
    }
    await push_branch(files={"fix.patch": b"first\n"}, **push)
    opened = await forge.open_change(
        repo,
        source=fork.ref,
        source_branch="upstream-bot/pkg06/fix",
        target_branch="main",
        title="Carry the fix",
        body=f"Needs a ticket.\n\n{MARKER}",
        draft=True,
    )
    assert opened.draft
    ready = await forge.edit_change(
        repo, opened.number, body=f"Resolves: RHEL-1\n\n{MARKER}", draft=False
    )
    for seen in (ready, await forge.get_change(repo, opened.number)):
        assert (seen.title, seen.draft, seen.state) == ("Carry the fix", False, ChangeState.OPEN)
        assert "Resolves: RHEL-1" in seen.body and MARKER in seen.body
    renamed = await forge.edit_change(repo, opened.number, title="Carry the better fix")
    assert (renamed.title, renamed.draft) == ("Carry the better fix", False)
    assert "Resolves: RHEL-1" in renamed.body, "a title edit keeps the body"
    back = await forge.edit_change(repo, opened.number, draft=True)
    assert (back.title, back.draft) == ("Carry the better fix", True)
    assert [c.number for c in await forge.find_changes(repo, marker=MARKER)] == [opened.number]
    # a forced push to the source branch moves the request along, as on a real forge
    await push_branch(files={"fix.patch": b"second\n"}, force=True, **push)
    diff = await forge.change_diff(repo, opened.number)
    assert b"+second" in diff and b"+first" not in diff
    with pytest.raises(NotFound):
        await forge.edit_change(repo, 999, body="x")
