"""The GitHub sandbox speaks GitHub's REST v3: JSON shaped like the recorded answers, `Link`
pages, ETags with 304, the primary rate limit, error bodies, and git on the same server."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import github
import pytest
from multidict import CIMultiDict

from bot.sandbox.faults import Faults
from bot.sandbox.github_api import API_PREFIX, build_app, clone_path
from bot.sandbox.github_json import INLINE_LIMIT
from bot.sandbox.gitstore import Author
from bot.sandbox.world import World
from tests.sandbox.conftest import Serve

AUTHOR = Author("Sandbox Importer", "importer@sandbox.test")
ORG = "upstream-projects"
REPO = f"{ORG}/tool"
TOKENS = {
    "bot": "bot-token",
    "packager": "packager-token",
    "keeper": "keeper-token",
    "triager": "triager-token",
    "outsider": "outsider-token",
}
ROLES = {"packager": "write", "keeper": "maintain", "triager": "triage", "bot": "read"}


def _seed(world: World, *, repos: int = 1) -> None:
    for user, token in TOKENS.items():
        world.add_user("github", user, token=token)
    for index in range(repos):
        path = REPO if index == 0 else f"{ORG}/tool{index:02d}"
        world.create_repo("github", path, default_branch="main", members=dict(ROLES))
        head = world.commit(
            "github",
            path,
            "main",
            {"README": b"hello\n", "src/a.c": b"int a;\n"},
            message="Import",
            author=AUTHOR,
        )
        world.commit(
            "github", path, "topic", {"fix": b"\xe9\n"}, message="Fix", author=AUTHOR, parent=head
        )


class Client:
    """A raw HTTP client of the sandbox API, to see exactly what it answers."""

    def __init__(self, session: aiohttp.ClientSession, root: str) -> None:
        self.session = session
        self.root = root

    async def request(
        self, method: str, path: str, *, user: str | None = "bot", **kwargs: Any
    ) -> tuple[int, CIMultiDict[str], Any]:
        headers = dict(kwargs.pop("headers", {}))
        if user is not None:
            headers["Authorization"] = f"token {TOKENS[user]}"
        url = path if path.startswith("http") else f"{self.root}{API_PREFIX}{path}"
        async with self.session.request(method, url, headers=headers, **kwargs) as answer:
            body = await answer.read()
            is_json = answer.content_type == "application/json"
            data = json.loads(body) if body and is_json else body
            return answer.status, CIMultiDict(answer.headers), data


@pytest.fixture
async def sandbox(world: World, serve: Serve) -> AsyncIterator[Client]:
    _seed(world, repos=7)
    root = await serve(build_app(world, faults=Faults(), page_cap=5))
    async with aiohttp.ClientSession() as session:
        yield Client(session, root)


def _sample(corpus: Path, name: str) -> dict[str, Any]:
    data = json.loads((corpus / "forges" / "github" / name).read_text())
    return data[0] if isinstance(data, list) else data


def _open_pull(world: World, *, author: str = "packager") -> int:
    return world.open_change(
        "github",
        REPO,
        title="Fix",
        body="Why",
        author=author,
        source_repo=REPO,
        source_branch="topic",
        target_branch="main",
    ).number


# -- shapes, against the recorded answers ----------------------------------------------

#: keys GitHub sends only in some answers: single repositories (counts, merge settings)
_SINGLE_REPO_ONLY = {
    "allow_merge_commit",
    "allow_rebase_merge",
    "allow_squash_merge",
    "network_count",
    "subscribers_count",
}


async def test_repository_list_has_the_recorded_keys(sandbox: Client, corpus: Path):
    status, _, listed = await sandbox.request("GET", f"/orgs/{ORG}/repos")
    assert status == 200
    for sample in ("api.repos.list.go-scm.json", "api.orgs.repos.list.2012.json"):
        expected = _sample(corpus, sample)
        assert set(expected) - set(listed[0]) <= _SINGLE_REPO_ONLY, sample
        assert set(expected["owner"]) <= set(listed[0]["owner"]), sample
    assert listed[0]["owner"]["type"] == "Organization"
    assert "parent" not in listed[0], "lists carry no parent"


async def test_pull_request_has_the_recorded_keys(sandbox: Client, world: World, corpus: Path):
    number = _open_pull(world)
    status, _, pull = await sandbox.request("GET", f"/repos/{REPO}/pulls/{number}")
    assert status == 200
    expected = _sample(corpus, "api.pulls.get.open.json")
    assert set(expected) <= set(pull)
    for part in ("head", "base"):
        assert set(expected[part]) <= set(pull[part])
        assert set(expected[part]["repo"]) - set(pull[part]["repo"]) <= _SINGLE_REPO_ONLY
    assert (pull["head"]["label"], pull["merged"], pull["merged_at"]) == (
        f"{ORG}:topic",
        False,
        None,
    )


async def test_pull_list_leaves_out_merged_like_github(sandbox: Client, world: World):
    number = _open_pull(world)
    world.set_change_state("github", REPO, number, "merged")
    _, _, pulls = await sandbox.request("GET", f"/repos/{REPO}/pulls", params={"state": "all"})
    assert "merged" not in pulls[0] and pulls[0]["merged_at"] is not None
    assert pulls[0]["state"] == "closed"


async def test_comments_have_the_recorded_keys(sandbox: Client, world: World, corpus: Path):
    number = _open_pull(world)
    world.add_comment("github", REPO, "change", number, author="packager", body="/upstream x")
    _, _, comments = await sandbox.request("GET", f"/repos/{REPO}/issues/{number}/comments")
    expected = _sample(corpus, "api.issues.comments.list.json")
    assert set(expected) <= set(comments[0])
    assert set(expected["user"]) <= set(comments[0]["user"])
    assert comments[0]["html_url"].endswith(
        f"/{REPO}/pull/{number}#issuecomment-{comments[0]['id']}"
    )


@pytest.mark.parametrize(
    ("user", "permission", "role_name"),
    [
        ("packager", "write", "write"),
        ("keeper", "write", "maintain"),
        ("triager", "read", "triage"),
        ("outsider", "read", "read"),
    ],
    ids=["write", "maintain-is-legacy-write", "triage-is-legacy-read", "outsider"],
)
async def test_permission_legacy_level_and_role_name(
    sandbox: Client, corpus: Path, user: str, permission: str, role_name: str
):
    status, _, data = await sandbox.request(
        "GET", f"/repos/{REPO}/collaborators/{user}/permission", user="packager"
    )
    assert status == 200
    assert (data["permission"], data["role_name"], data["user"]["login"]) == (
        permission,
        role_name,
        user,
    )
    assert set(_sample(corpus, "api.collaborators.permission.write.json")) <= set(data)


@pytest.mark.parametrize(
    ("user", "who", "status"),
    [("bot", "packager", 403), ("packager", "nobody", 404), (None, "packager", 401)],
    ids=["no-push-access", "unknown-user", "anonymous"],
)
async def test_permission_refusals(
    sandbox: Client, corpus: Path, user: str | None, who: str, status: int
):
    code, _, body = await sandbox.request(
        "GET", f"/repos/{REPO}/collaborators/{who}/permission", user=user
    )
    assert code == status
    assert set(_sample(corpus, "api.collaborators.permission.403.json")) <= set(body)


# -- pagination --------------------------------------------------------------------------


async def test_link_header_walks_every_page(sandbox: Client):
    names, url, pages = [], f"/orgs/{ORG}/repos?per_page=3&sort=full_name", 0
    while url:
        status, headers, listed = await sandbox.request("GET", url)
        assert status == 200
        names += [r["name"] for r in listed]
        links = dict(
            (part.split("; ")[1][5:-1], part.split("; ")[0][1:-1])
            for part in headers.get("Link", "").split(", ")
            if part
        )
        url = links.get("next")
        pages += 1
    assert pages == 3
    assert names == ["tool", *[f"tool{i:02d}" for i in range(1, 7)]]


async def test_per_page_is_capped(sandbox: Client):
    _, headers, listed = await sandbox.request("GET", f"/orgs/{ORG}/repos?per_page=100")
    assert len(listed) == 5 and 'rel="next"' in headers["Link"]


async def test_pygithub_follows_the_link_headers(sandbox: Client):
    def names() -> list[str]:
        client = github.Github(
            base_url=f"{sandbox.root}{API_PREFIX}",
            auth=github.Auth.Token(TOKENS["bot"]),
            per_page=2,
            retry=None,
            lazy=True,
        )
        try:
            return [r.name for r in client.get_organization(ORG).get_repos(sort="full_name")]
        finally:
            client.close()

    assert len(await asyncio.to_thread(names)) == 7


async def test_user_and_org_listings(sandbox: Client, world: World):
    world.fork("github", REPO, "bot")
    assert (await sandbox.request("GET", "/orgs/bot/repos"))[0] == 404, "a user is no org"
    _, _, mine = await sandbox.request("GET", "/users/bot/repos")
    assert [(r["full_name"], r["fork"]) for r in mine] == [("bot/tool", True)]
    assert (await sandbox.request("GET", "/users/nobody/repos"))[0] == 404


# -- conditional requests and the rate limit ----------------------------------------------


async def test_etag_and_304_that_costs_nothing(sandbox: Client):
    status, headers, _ = await sandbox.request("GET", f"/repos/{REPO}")
    assert status == 200 and headers["ETag"].startswith('W/"')
    used = int(headers["X-RateLimit-Used"])
    status, again, body = await sandbox.request(
        "GET", f"/repos/{REPO}", headers={"If-None-Match": headers["ETag"]}
    )
    assert (status, body) == (304, b"")
    assert again["ETag"] == headers["ETag"]
    assert int(again["X-RateLimit-Used"]) == used, "a 304 is free"
    _, other, _ = await sandbox.request("GET", f"/repos/{REPO}", user="packager")
    assert other["ETag"] != headers["ETag"], "the answer differs per caller (permissions)"


async def test_a_change_gives_a_new_etag(sandbox: Client, world: World):
    _, headers, _ = await sandbox.request("GET", f"/repos/{REPO}/branches")
    world.commit("github", REPO, "main", {"new": b"x"}, message="New", author=AUTHOR)
    status, _, _ = await sandbox.request(
        "GET", f"/repos/{REPO}/branches", headers={"If-None-Match": headers["ETag"]}
    )
    assert status == 200


async def test_primary_rate_limit(world: World, serve: Serve):
    _seed(world)
    root = await serve(build_app(world, faults=Faults(), rate_limit=2, clock=lambda: 1_800_000_000))
    async with aiohttp.ClientSession() as session:
        client = Client(session, root)
        _, headers, _ = await client.request("GET", f"/repos/{REPO}")
        await client.request("GET", f"/repos/{REPO}", headers={"If-None-Match": headers["ETag"]})
        assert (await client.request("GET", f"/repos/{REPO}"))[0] == 200
        status, limited, body = await client.request("GET", f"/repos/{REPO}")
    assert status == 403
    assert limited["X-RateLimit-Remaining"] == "0"
    assert limited["X-RateLimit-Reset"] == str(1_800_000_000 + 3600)
    assert body["message"].startswith("API rate limit exceeded")


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "user", "status", "message"),
    [
        ("GET", f"/repos/{ORG}/missing", "bot", 404, "Not Found"),
        ("GET", f"/repos/{REPO}", "nobody", 401, "Bad credentials"),
        ("POST", f"/repos/{REPO}/issues", None, 401, "Requires authentication"),
        ("POST", f"/repos/{REPO}/issues", "bot", 422, "Validation Failed"),
        (
            "GET",
            f"/repos/{REPO}/contents/README?ref=nope",
            "bot",
            404,
            "No commit found for the ref nope",
        ),
    ],
    ids=["missing-repo", "bad-token", "anonymous-write", "missing-title", "unknown-ref"],
)
async def test_error_bodies(
    sandbox: Client, method: str, path: str, user: str | None, status: int, message: str
):
    headers = {"Authorization": "token wrong"} if user == "nobody" else {}
    code, _, body = await sandbox.request(
        method, path, user=None if user == "nobody" else user, headers=headers, json={}
    )
    assert (code, body["message"]) == (status, message)
    assert body["documentation_url"].startswith("https://docs.github.com/")


async def test_duplicate_pull_request_is_422_already_exists(sandbox: Client, world: World):
    _open_pull(world, author="bot")
    status, _, body = await sandbox.request(
        "POST",
        f"/repos/{REPO}/pulls",
        json={"title": "Again", "head": f"{ORG}:topic", "base": "main"},
    )
    assert status == 422
    assert "already exists" in body["errors"][0]["message"]


async def test_editing_someone_elses_comment_needs_push_access(sandbox: Client, world: World):
    issue = world.open_issue("github", REPO, title="t", body="b", author="packager")
    comment = world.add_comment("github", REPO, "issue", issue.number, author="packager", body="x")
    url = f"/repos/{REPO}/issues/comments/{comment.id}"
    assert (await sandbox.request("PATCH", url, json={"body": "y"}))[0] == 403
    assert (await sandbox.request("PATCH", url, user="keeper", json={"body": "y"}))[0] == 200


# -- issues, contents, forks, diffs ---------------------------------------------------------


async def test_issue_list_includes_pull_requests_marked(sandbox: Client, world: World):
    number = _open_pull(world)
    world.open_issue("github", REPO, title="Tracking", body="b", author="bot")
    _, _, issues = await sandbox.request("GET", f"/repos/{REPO}/issues", params={"state": "all"})
    marked = {i["number"]: "pull_request" in i for i in issues}
    assert marked == {number: True, number + 1: False}
    _, _, mine = await sandbox.request("GET", f"/repos/{REPO}/issues", params={"creator": "bot"})
    assert [i["title"] for i in mine] == ["Tracking"]


async def test_contents_file_directory_and_large_file(sandbox: Client, world: World):
    big = os.urandom(INLINE_LIMIT + 10)
    world.commit("github", REPO, "main", {"big.bin": big}, message="Big", author=AUTHOR)
    _, _, readme = await sandbox.request("GET", f"/repos/{REPO}/contents/README")
    assert (readme["type"], readme["encoding"]) == ("file", "base64")
    assert base64.b64decode(readme["content"]) == b"hello\n"
    _, _, top = await sandbox.request("GET", f"/repos/{REPO}/contents/")
    assert {e["path"]: e["type"] for e in top} == {
        "README": "file",
        "big.bin": "file",
        "src": "dir",
    }
    _, _, large = await sandbox.request("GET", f"/repos/{REPO}/contents/big.bin")
    assert (large["encoding"], large["content"], large["size"]) == ("none", "", len(big))
    _, _, blob = await sandbox.request("GET", f"/repos/{REPO}/git/blobs/{large['sha']}")
    assert base64.b64decode(blob["content"]) == big


async def test_fork_is_accepted_with_its_parent(sandbox: Client):
    status, _, fork = await sandbox.request("POST", f"/repos/{REPO}/forks")
    assert status == 202
    assert (fork["full_name"], fork["fork"], fork["parent"]["full_name"]) == (
        "bot/tool",
        True,
        REPO,
    )


async def test_diff_media_type(sandbox: Client, world: World):
    number = _open_pull(world)
    status, headers, diff = await sandbox.request(
        "GET", f"/repos/{REPO}/pulls/{number}", headers={"Accept": "application/vnd.github.diff"}
    )
    assert status == 200 and headers["Content-Type"].startswith("application/vnd.github.diff")
    assert b"+\xe9" in diff, "the diff keeps its bytes"


@pytest.mark.parametrize(
    ("url_path", "repo"),
    [("o/r.git", "o/r"), ("o/r", "o/r"), ("o/r/x.git", None), ("r.git", None)],
    ids=["dot-git", "bare", "too-deep", "no-owner"],
)
def test_clone_path(url_path: str, repo: str | None):
    assert clone_path(url_path) == repo


async def test_stock_git_clones_from_the_api_server(sandbox: Client, tmp_path: Path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
    }
    _, _, repo = await sandbox.request("GET", f"/repos/{REPO}")
    cloned = await asyncio.to_thread(
        subprocess.run,
        ["git", "clone", "--quiet", repo["clone_url"], str(tmp_path / "c")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert cloned.returncode == 0, cloned.stderr
    assert (tmp_path / "c" / "README").read_text() == "hello\n"


async def test_compare_pages_and_unrelated_histories(sandbox: Client, world: World):
    head = world.commit("github", REPO, "topic", {"2": b"2"}, message="Two", author=AUTHOR)
    _, _, whole = await sandbox.request("GET", f"/repos/{REPO}/compare/main...topic")
    assert (whole["status"], whole["ahead_by"], whole["behind_by"]) == ("ahead", 2, 0)
    assert [c["commit"]["message"] for c in whole["commits"]] == ["Fix", "Two"], "oldest first"
    _, headers, paged = await sandbox.request(
        "GET", f"/repos/{REPO}/compare/main...topic", params={"per_page": "1"}
    )
    assert [c["sha"] for c in paged["commits"]] == [whole["commits"][0]["sha"]]
    assert 'rel="next"' in headers["Link"] and whole["commits"][1]["sha"] == head
    world.commit("github", REPO, "orphan", {"o": b"o"}, message="Orphan", author=AUTHOR)
    status, _, body = await sandbox.request("GET", f"/repos/{REPO}/compare/main...orphan")
    assert (status, body["message"]) == (404, "No common ancestor between main and orphan.")
