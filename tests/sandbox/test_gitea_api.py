"""The Gitea sandbox speaks like Gitea/Forgejo: the JSON field sets of recorded Forgejo answers,
`page`/`limit` paging capped at the server's maximum with `Link` and `X-Total-Count`, ETags
with 304, Gitea's error bodies and statuses, and stock git clones of `clone_url`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict

from bot.sandbox import gitstore
from bot.sandbox.faults import Faults
from bot.sandbox.gitea_api import build_app
from bot.sandbox.world import World
from tests.forges.harness import AUTHOR, BOT, OUTSIDER, PACKAGER, seed
from tests.forges.harness_gitea import HARNESS
from tests.sandbox.conftest import Serve

API = "/api/v1"


@dataclass(slots=True)
class Client:
    """Raw HTTP against the sandbox, logged in as `user` unless told otherwise."""

    base: str
    session: aiohttp.ClientSession
    world: World

    def auth(self, user: str | None, scheme: str = "token") -> dict[str, str]:
        if user is None:
            return {}
        return {"Authorization": f"{scheme} {self.world.users('gitea')[user].token}"}

    async def call(
        self,
        method: str,
        path: str,
        *,
        user: str | None = BOT,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, CIMultiDict[str], bytes]:
        async with self.session.request(
            method,
            self.base + API + path,
            json=body,
            headers={**self.auth(user), **(headers or {})},
        ) as answer:
            # header names compare without case, as HTTP says (Go and aiohttp write `Etag`)
            return answer.status, CIMultiDict(answer.headers), await answer.read()

    async def json(self, method: str, path: str, **options: Any) -> tuple[int, Any]:
        status, _headers, body = await self.call(method, path, **options)
        return status, json.loads(body) if body else None


async def _client(world: World, serve: Serve, *, page_cap: int = 50) -> Client:
    base = await serve(build_app(world, faults=Faults(), page_cap=page_cap))
    return Client(base, aiohttp.ClientSession(), world)


@pytest.fixture
async def client(world: World, serve: Serve) -> AsyncIterator[Client]:
    seed(world, HARNESS)
    made = await _client(world, serve)
    yield made
    await made.session.close()


def _open_change(world: World, path: str = "rpms/pkg00", branch: str = "topic") -> int:
    world.commit("gitea", path, branch, {"t": b"t\n"}, message="t", author=AUTHOR)
    return world.open_change(
        "gitea",
        path,
        title="Topic",
        body="Body",
        author=PACKAGER,
        source_repo=path,
        source_branch=branch,
        target_branch="main",
    ).number


# -- JSON shaped like recorded Forgejo answers ----------------------------------------------


def _sample(corpus: Path, name: str) -> Any:
    return json.loads((corpus / "forges" / "gitea" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.corpus
async def test_repository_has_forgejo_s_fields(client: Client, corpus: Path):
    sample = _sample(corpus, "api.user.repos.list")[0]
    status, repo = await client.json("GET", "/repos/rpms/pkg00")
    assert status == 200
    assert set(repo) == set(sample)
    assert set(repo["owner"]) == set(sample["owner"])
    assert set(repo["permissions"]) == set(sample["permissions"])
    assert repo["full_name"] == "rpms/pkg00" and repo["clone_url"].endswith("/rpms/pkg00.git")


@pytest.mark.corpus
@pytest.mark.parametrize("variant", ["open", "merged"])
async def test_pull_request_has_forgejo_s_fields(client: Client, corpus: Path, variant: str):
    sample = _sample(corpus, f"api.pulls.get.{variant}")
    number = _open_change(client.world)
    if variant == "merged":
        client.world.set_change_state("gitea", "rpms/pkg00", number, "merged")
    status, pull = await client.json("GET", f"/repos/rpms/pkg00/pulls/{number}")
    assert status == 200
    assert set(pull) == set(sample)
    for end in ("base", "head"):
        assert set(pull[end]) == set(sample[end])
        assert set(pull[end]["repo"]) == set(sample[end]["repo"])
    assert set(pull["user"]) == set(sample["user"])
    assert (pull["state"], pull["merged"]) == (sample["state"], sample["merged"])
    assert (pull["merged_at"] is None) == (sample["merged_at"] is None)


@pytest.mark.corpus
async def test_comments_have_forgejo_s_fields(client: Client, corpus: Path):
    sample = _sample(corpus, "api.issues.comments.list")
    headers = _sample(corpus, "api.issues.comments.list.headers")
    number = _open_change(client.world)
    client.world.add_comment("gitea", "rpms/pkg00", "change", number, author=PACKAGER, body="LGTM")
    status, found, body = await client.call("GET", f"/repos/rpms/pkg00/issues/{number}/comments")
    comments = json.loads(body)
    assert status == 200 and len(comments) == 1
    assert set(comments[0]) == set(sample[0])
    assert found["X-Total-Count"] == "1" and "x-total-count" in headers
    assert comments[0]["pull_request_url"].endswith(f"/rpms/pkg00/pulls/{number}")
    assert comments[0]["issue_url"] == ""


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("asked", "mode"),
    [("upstream-bot", "owner"), (PACKAGER, "write"), (OUTSIDER, "read")],
    ids=["namespace-owner", "writer", "reader"],
)
async def test_permission_has_forgejo_s_fields(
    client: Client, corpus: Path, world: World, asked: str, mode: str
):
    sample = _sample(corpus, "api.collaborators.permission.owner")
    world.create_repo("gitea", "upstream-bot/scratch", members={PACKAGER: "write"})
    status, found = await client.json(
        "GET", f"/repos/upstream-bot/scratch/collaborators/{asked}/permission"
    )
    assert status == 200
    assert set(found) == set(sample) and set(found["user"]) == set(sample["user"])
    assert (found["permission"], found["role_name"]) == (mode, mode)


# -- paging -----------------------------------------------------------------------------------


def _rels(headers: CIMultiDict[str]) -> list[str]:
    return [
        part.split('rel="')[1].rstrip('"') for part in headers.get("Link", "").split(",") if part
    ]


@pytest.mark.parametrize(
    ("query", "names", "rels"),
    [
        ("limit=3", ["pkg00", "pkg01", "pkg02"], ["next", "last"]),
        ("limit=3&page=2", ["pkg03", "pkg04", "pkg05"], ["next", "last", "first", "prev"]),
        ("limit=3&page=3", ["pkg06"], ["first", "prev"]),
        ("limit=3&page=4", [], ["first", "prev"]),
        ("", [f"pkg{i:02d}" for i in range(7)], []),
    ],
    ids=["first", "middle", "last", "past-the-end", "default-size"],
)
async def test_org_repos_pages(client: Client, query: str, names: list[str], rels: list[str]):
    status, headers, body = await client.call("GET", f"/orgs/rpms/repos?{query}")
    assert status == 200
    assert [r["name"] for r in json.loads(body)] == names
    assert headers["X-Total-Count"] == "7"
    assert _rels(headers) == rels


async def test_limit_is_capped_by_the_server(world: World, serve: Serve):
    seed(world, HARNESS)
    capped = await _client(world, serve, page_cap=5)
    try:
        for query in ("limit=100", ""):
            status, repos = await capped.json("GET", f"/orgs/rpms/repos?{query}")
            assert status == 200 and len(repos) == 5, query
    finally:
        await capped.session.close()


async def test_link_keeps_the_other_parameters(client: Client):
    _status, headers, _body = await client.call("GET", "/repos/rpms/pkg00/commits?sha=main&limit=1")
    next_url = next(p for p in headers["Link"].split(",") if 'rel="next"' in p)
    assert "sha=main" in next_url and "limit=1" in next_url and "page=2" in next_url
    assert (headers["X-Total"], headers["X-HasMore"], headers["X-PageCount"]) == ("2", "true", "2")


# -- ETags ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/repos/rpms/pkg00",
        "/repos/rpms/pkg00/branches",
        "/repos/rpms/pkg00/contents?ref=main",
        "/repos/rpms/pkg00/contents/SOURCES/a.patch?ref=feature",
        "/repos/rpms/pkg00/raw/README?ref=main",
    ],
    ids=["repo", "branches", "contents-dir", "contents-file", "raw"],
)
async def test_reads_answer_304_to_their_etag(client: Client, path: str):
    status, headers, body = await client.call("GET", path)
    assert status == 200 and body and headers["ETag"].startswith('"')
    status, again, body = await client.call("GET", path, headers={"If-None-Match": headers["ETag"]})
    assert (status, body, again["ETag"]) == (304, b"", headers["ETag"])
    status, _headers, body = await client.call("GET", path, headers={"If-None-Match": '"other"'})
    assert status == 200 and body


async def test_raw_etag_is_the_blob_id(client: Client, world: World):
    blob = gitstore.run_git(world.git_dir("gitea", "rpms/pkg00"), "rev-parse", "main:README")
    _status, headers, _body = await client.call("GET", "/repos/rpms/pkg00/raw/README?ref=main")
    assert headers["ETag"] == f'"{blob.decode().strip()}"'


async def test_lists_without_etags_in_gitea_send_none(client: Client):
    _status, headers, _body = await client.call("GET", "/repos/rpms/pkg00/pulls")
    assert "ETag" not in headers


# -- errors, auth and permissions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "user", "body", "status", "message"),
    [
        ("GET", "/repos/rpms/nope", BOT, None, 404, "The target couldn't be found."),
        ("GET", "/repos/rpms/pkg00/raw/nope?ref=main", BOT, None, 404, "couldn't be found"),
        ("GET", "/repos/rpms/pkg00/raw/README?ref=nope", BOT, None, 404, "couldn't be found"),
        ("GET", "/repos/rpms/pkg00/pulls/99", BOT, None, 404, "couldn't be found"),
        ("POST", "/repos/rpms/pkg00/issues", None, {"title": "t"}, 401, "token is required"),
        ("POST", "/repos/rpms/pkg00/issues", BOT, {"body": "no title"}, 422, "Required"),
        (
            "GET",
            f"/repos/rpms/pkg00/collaborators/{PACKAGER}/permission",
            OUTSIDER,
            None,
            403,
            "Only admins can query all permissions",
        ),
        (
            "POST",
            "/repos/rpms/pkg00/pulls",
            BOT,
            {"head": "main", "base": "main", "title": "t"},
            422,
            "no changes between the head and the base",
        ),
        (
            "POST",
            "/repos/rpms/pkg00/pulls",
            BOT,
            {"head": "no-such", "base": "main", "title": "t"},
            404,
            "couldn't be found",
        ),
    ],
    ids=[
        "repo-404",
        "file-404",
        "ref-404",
        "pull-404",
        "write-without-token-401",
        "missing-title-422",
        "permission-of-others-403",
        "same-head-and-base-422",
        "missing-head-404",
    ],
)
async def test_errors_like_gitea(client: Client, method, path, user, body, status, message):
    got, found = await client.json(method, path, user=user, body=body)
    assert got == status
    assert message in found["message"] + " ".join(found.get("errors") or [])
    assert found["url"].endswith("/api/swagger")


async def test_an_unknown_token_is_401_even_for_reads(client: Client):
    got, _headers, _body = await client.call(
        "GET", "/repos/rpms/pkg00", user=None, headers={"Authorization": "token nope"}
    )
    assert got == 401


async def test_bearer_is_accepted_like_token(client: Client):
    async with client.session.get(
        client.base + API + "/user", headers=client.auth(PACKAGER, "Bearer")
    ) as answer:
        assert answer.status == 200 and (await answer.json())["login"] == PACKAGER


async def test_a_second_pull_request_for_the_same_branches_conflicts(client: Client):
    client.world.commit("gitea", "rpms/pkg00", "topic", {"t": b"t"}, message="t", author=AUTHOR)
    request = {"head": "topic", "base": "main", "title": "WIP: Topic", "body": "b"}
    status, made = await client.json("POST", "/repos/rpms/pkg00/pulls", body=request)
    assert status == 201 and made["draft"] is True and made["title"] == "WIP: Topic"
    status, refused = await client.json("POST", "/repos/rpms/pkg00/pulls", body=request)
    assert status == 409 and "already exists" in refused["message"]


async def test_a_second_fork_conflicts(client: Client):
    status, fork = await client.json("POST", "/repos/rpms/pkg01/forks", body={})
    assert status == 202 and fork["fork"] and fork["parent"]["full_name"] == "rpms/pkg01"
    status, refused = await client.json("POST", "/repos/rpms/pkg01/forks", body={})
    assert status == 409 and "already exists" in refused["message"]


async def test_only_the_poster_or_a_writer_edits(client: Client, world: World):
    issue = world.open_issue("gitea", "rpms/pkg00", title="t", body="b", author=PACKAGER)
    note = world.add_comment(
        "gitea", "rpms/pkg00", "issue", issue.number, author=PACKAGER, body="x"
    )
    for path in (
        f"/repos/rpms/pkg00/issues/{issue.number}",
        f"/repos/rpms/pkg00/issues/comments/{note.id}",
    ):
        refused, _body = await client.json("PATCH", path, user=OUTSIDER, body={"body": "y"})
        allowed, _body = await client.json("PATCH", path, user=PACKAGER, body={"body": "y"})
        assert (refused, allowed) in ((403, 201), (403, 200)), path


async def test_reactions(client: Client, world: World):
    issue = world.open_issue("gitea", "rpms/pkg00", title="t", body="b", author=PACKAGER)
    note = world.add_comment(
        "gitea", "rpms/pkg00", "issue", issue.number, author=PACKAGER, body="x"
    )
    path = f"/repos/rpms/pkg00/issues/comments/{note.id}/reactions"
    statuses = [
        (await client.json("POST", path, body={"content": c}))[0] for c in ("eyes", "eyes", "party")
    ]
    assert statuses == [201, 200, 403]
    _status, listed = await client.json("GET", path)
    assert [(r["user"]["login"], r["content"]) for r in listed] == [(BOT, "eyes")]


# -- issues and pull requests share numbers and threads -------------------------------------


async def test_issues_and_pulls_share_numbers_and_comment_threads(client: Client, world: World):
    _status, issue = await client.json("POST", "/repos/rpms/pkg00/issues", body={"title": "t"})
    number = _open_change(world)
    assert (issue["number"], number) == (1, 2)
    status, _note = await client.json(
        "POST", f"/repos/rpms/pkg00/issues/{number}/comments", body={"body": "on the PR"}
    )
    assert status == 201
    assert [c.body for c in world.comments("gitea", "rpms/pkg00", "change", number)] == [
        "on the PR"
    ]
    _status, both = await client.json("GET", "/repos/rpms/pkg00/issues?state=all")
    assert [(i["number"], i["pull_request"] is not None) for i in both] == [(2, True), (1, False)]
    _status, only = await client.json("GET", "/repos/rpms/pkg00/issues?state=all&type=issues")
    assert [i["number"] for i in only] == [1]


async def test_a_world_draft_shows_gitea_s_title_prefix(client: Client, world: World):
    main = dict(gitstore.branches(world.git_dir("gitea", "rpms/pkg00")))["main"]
    world.commit(
        "gitea", "rpms/pkg00", "topic", {"t": b"t\n"}, message="t", author=AUTHOR, parent=main
    )
    made = world.open_change(
        "gitea",
        "rpms/pkg00",
        title="Topic",
        body="",
        author=PACKAGER,
        source_repo="rpms/pkg00",
        source_branch="topic",
        target_branch="main",
        draft=True,
    )
    _status, pull = await client.json("GET", f"/repos/rpms/pkg00/pulls/{made.number}")
    assert (pull["title"], pull["draft"]) == ("WIP: Topic", True)
    assert (pull["changed_files"], pull["additions"], pull["deletions"]) == (1, 1, 0)


async def test_comments_since_filters_on_update_time(client: Client, world: World):
    issue = world.open_issue("gitea", "rpms/pkg00", title="t", body="b", author=PACKAGER)
    first = world.add_comment(
        "gitea", "rpms/pkg00", "issue", issue.number, author=PACKAGER, body="1"
    )
    world.add_comment("gitea", "rpms/pkg00", "issue", issue.number, author=PACKAGER, body="2")
    since = first.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    _status, all_of = await client.json(
        "GET", f"/repos/rpms/pkg00/issues/{issue.number}/comments?since={since}"
    )
    world.edit_comment("gitea", first.id, "1 edited")
    later = world.comment("gitea", first.id).updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    _status, edited = await client.json(
        "GET", f"/repos/rpms/pkg00/issues/{issue.number}/comments?since={later}"
    )
    assert [c["body"] for c in all_of] == ["1", "2"]
    assert [c["body"] for c in edited] == ["1 edited"]


async def test_commits_of_an_empty_repository_conflict(client: Client, world: World):
    world.create_repo("gitea", "rpms/empty")
    status, found = await client.json("GET", "/repos/rpms/empty/commits")
    assert status == 409 and found["message"] == "Git Repository is empty."


# -- git over HTTP ---------------------------------------------------------------------------


async def test_stock_git_clones_the_clone_url(client: Client, tmp_path: Path):
    _status, repo = await client.json("GET", "/repos/rpms/pkg00")
    target = tmp_path / "clone"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
    }
    done = await _git(["clone", "--quiet", repo["clone_url"], str(target)], env)
    assert done.returncode == 0, done.stderr
    assert (target / "README").read_bytes() == b"hello again\n"


async def _git(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return await asyncio.to_thread(
        subprocess.run, ["git", *args], capture_output=True, env=env, check=False
    )
