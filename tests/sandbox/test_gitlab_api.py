"""The GitLab sandbox speaks GitLab's REST v4: JSON with the recorded answers' field names,
offset pages with X-Next-Page and Link, weak ETags with 304, GitLab's error bodies and status
codes, ids by URL-encoded path or number, and git over HTTP on the same server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import gitlab
import pytest
from multidict import CIMultiDict

from bot.sandbox.faults import Faults
from bot.sandbox.gitlab_api import build_app, clone_path
from bot.sandbox.gitstore import Author
from bot.sandbox.world import World
from tests.sandbox.conftest import Serve

AUTHOR = Author("Sandbox Importer", "importer@sandbox.test")
GROUP = "redhat/centos-stream/rpms"
BASH = f"{GROUP}/bash"
TOKENS = {"bot": "bot-token", "packager": "packager-token", "outsider": "outsider-token"}


def _seed(world: World, *, repos: int = 1) -> None:
    for user, token in TOKENS.items():
        world.add_user("gitlab", user, token=token)
    for index in range(repos):
        path = BASH if index == 0 else f"{GROUP}/pkg{index:02d}"
        world.create_repo(
            "gitlab", path, default_branch="c10s", members={"packager": "write", "bot": "read"}
        )
        head = world.commit(
            "gitlab",
            path,
            "c10s",
            {"bash.spec": b"Name: bash\n", "SOURCES/a.patch": b"--- a\n"},
            message="Import",
            author=AUTHOR,
        )
        world.commit(
            "gitlab", path, "topic", {"fix.patch": b"+x\n"}, message="Fix", author=AUTHOR,
            parent=head,
        )


class Client:
    """Raw HTTP against the sandbox, to see exactly what it answers."""

    def __init__(self, base: str, session: aiohttp.ClientSession) -> None:
        self.base = base
        self.session = session

    async def call(
        self, method: str, path: str, *, token: str | None = "bot-token", **kwargs: Any
    ) -> tuple[int, CIMultiDict[str], Any]:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["PRIVATE-TOKEN"] = token
        async with self.session.request(
            method, f"{self.base}/api/v4{path}", headers=headers, **kwargs
        ) as response:
            body = await response.read()
            data = json.loads(body) if body and "json" in response.content_type else body
            return response.status, CIMultiDict(response.headers), data


@pytest.fixture
async def client(world: World, serve: Serve):
    _seed(world, repos=7)
    base = await serve(build_app(world, faults=Faults()))
    async with aiohttp.ClientSession() as session:
        yield Client(base, session)


def _fields(corpus: Path, *names: str) -> dict[str, set[type]]:
    """The field names of recorded answers (the first item of a list), with their value types."""
    fields: dict[str, set[type]] = {}
    for name in names:
        data = json.loads((corpus / "forges" / "gitlab" / name).read_text(encoding="utf-8"))
        for key, value in (data[0] if isinstance(data, list) else data).items():
            fields.setdefault(key, set()).add(type(value))
    return fields


PROJECT = quote(BASH, safe="")


# -- shapes against the recorded answers ----------------------------------------------------


#: the fields the adapter reads (bot/forges/gitlab_parse.py), per kind of answer
_PROJECT_READS = {"path_with_namespace", "default_branch", "last_activity_at",
                  "http_url_to_repo", "web_url", "id", "visibility"}
_CHANGE_READS = {"iid", "title", "description", "state", "author", "source_branch",
                 "target_branch", "web_url", "created_at", "updated_at", "sha",
                 "source_project_id", "target_project_id", "work_in_progress", "diff_refs"}
_NOTE_READS = {"id", "author", "body", "created_at", "updated_at", "system"}


@pytest.mark.parametrize(
    ("samples", "path", "pick", "reads"),
    [
        (
            ["api.groups.projects.list.json"],
            f"/groups/{quote(GROUP, safe='')}/projects",
            0,
            _PROJECT_READS,
        ),
        (
            ["api.merge_requests.get.json", "api.merge_requests.get.go-gitlab.json"],
            f"/projects/{PROJECT}/merge_requests/1",
            None,
            _CHANGE_READS,
        ),
        (
            ["api.merge_requests.notes.list.json"],
            f"/projects/{PROJECT}/merge_requests/1/notes",
            0,
            _NOTE_READS,
        ),
        (
            ["api.projects.members.all.json"],
            f"/projects/{PROJECT}/members/all/2",
            None,
            {"access_level"},
        ),
    ],
    ids=["project", "merge-request", "note", "member"],
)
async def test_fields_are_gitlabs_own(client, world, corpus, samples, path, pick, reads):
    """Every field the sandbox sends exists in a real answer (the sandbox invents no names),
    with a value of the same JSON type; the fields the adapter reads are in both."""
    world.open_change(
        "gitlab", BASH, title="t", body="b", author="packager", source_repo=BASH,
        source_branch="topic", target_branch="c10s", shared_numbers=False,
    )
    world.add_comment("gitlab", BASH, "change", 1, author="packager", body="hi")
    status, _headers, data = await client.call("GET", path)
    assert status == 200
    ours = data[pick] if pick is not None else data
    # fields of GitLab releases newer than these recordings (GitLab's API entities have them)
    newer = {"merge_user", "topics", "updated_at", "squash_commit_sha", "internal", "locked"}
    real = _fields(corpus, *samples)
    assert sorted(set(ours) - set(real) - newer) == []
    assert reads <= set(ours) and reads <= set(real)
    mistyped = {
        key: type(value).__name__
        for key, value in ours.items()
        if key in real and value is not None and type(None) not in real[key]
        and type(value) not in real[key]
    }
    assert mistyped == {}


# -- pagination ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("per_page=3", {"X-Page": "1", "X-Next-Page": "2", "X-Prev-Page": "", "X-Total": "7"}),
        ("per_page=3&page=3", {"X-Page": "3", "X-Next-Page": "", "X-Prev-Page": "2"}),
        ("", {"X-Per-Page": "20", "X-Total-Pages": "1", "X-Next-Page": ""}),
        ("per_page=500", {"X-Per-Page": "100"}),
    ],
    ids=["first", "last", "default-20", "capped-at-100"],
)
async def test_pagination_headers(client, query, expected):
    status, headers, data = await client.call(
        "GET", f"/groups/{quote(GROUP, safe='')}/projects?{query}"
    )
    assert status == 200
    assert {k: headers[k] for k in expected} == expected
    assert len(data) == min(int(headers["X-Per-Page"]), 7 - (int(headers["X-Page"]) - 1) * 3)
    assert 'rel="first"' in headers["Link"] and 'rel="last"' in headers["Link"]
    assert ('rel="next"' in headers["Link"]) == bool(headers["X-Next-Page"])


async def test_python_gitlab_follows_the_link_headers(client):
    """python-gitlab's own `get_all` walks the pages by `Link: rel="next"`."""
    gl = gitlab.Gitlab(client.base, private_token="bot-token", per_page=2)
    group = gl.groups.get(GROUP, lazy=True)
    # python-gitlab blocks: run it off the loop that serves the sandbox
    found = await asyncio.to_thread(group.projects.list, get_all=True)
    assert sorted(p.path for p in found) == ["bash"] + [f"pkg{i:02d}" for i in range(1, 7)]


# -- conditional requests -------------------------------------------------------------------


async def test_etag_and_304(client, world):
    status, headers, _ = await client.call("GET", f"/projects/{PROJECT}")
    tag = headers["ETag"]
    assert status == 200 and tag.startswith('W/"')
    status, again, body = await client.call(
        "GET", f"/projects/{PROJECT}", headers={"If-None-Match": tag}
    )
    assert (status, body, again["ETag"]) == (304, b"", tag)
    world.touch("gitlab", BASH)
    status, changed, _ = await client.call(
        "GET", f"/projects/{PROJECT}", headers={"If-None-Match": tag}
    )
    assert status == 200 and changed["ETag"] != tag


# -- the request limit ------------------------------------------------------------------------


async def test_per_user_request_limit(world, serve):
    _seed(world)
    now = [1_800_000_010.0]
    base = await serve(build_app(world, faults=Faults(), per_minute=2, clock=lambda: now[0]))
    async with aiohttp.ClientSession() as session:
        client = Client(base, session)
        first = await client.call("GET", f"/projects/{PROJECT}")
        assert first[1]["RateLimit-Remaining"] == "1"
        assert first[1]["RateLimit-Reset"] == "1800000060"
        await client.call("GET", f"/projects/{PROJECT}")
        other = await client.call("GET", f"/projects/{PROJECT}", token="packager-token")
        assert other[0] == 200, "the limit is per user"
        refused = await client.call("GET", f"/projects/{PROJECT}")
        assert refused[0] == 429 and refused[2] == b"Retry later\n"
        assert refused[1]["Retry-After"] == "50" and refused[1]["RateLimit-Remaining"] == "0"
        now[0] += 50
        assert (await client.call("GET", f"/projects/{PROJECT}"))[0] == 200, "a new minute"


# -- ids, errors and permissions -------------------------------------------------------------


async def test_project_by_encoded_path_or_number_only(client, world):
    number = world.repo("gitlab", BASH).id
    by_id = await client.call("GET", f"/projects/{number}")
    by_path = await client.call("GET", f"/projects/{PROJECT}")
    assert by_id[2]["path_with_namespace"] == by_path[2]["path_with_namespace"] == BASH
    status, _, _ = await client.call("GET", f"/projects/{BASH}")
    assert status == 404, "an unencoded path is not a project id"


@pytest.mark.parametrize(
    ("method", "path", "token", "payload", "status", "body"),
    [
        ("GET", "/projects/nope%2Fnothing", "bot-token", None, 404,
         {"message": "404 Project Not Found"}),
        ("GET", f"/projects/{PROJECT}", "revoked", None, 401, {"message": "401 Unauthorized"}),
        ("POST", f"/projects/{PROJECT}/issues", None, {"title": "t"}, 401,
         {"message": "401 Unauthorized"}),
        ("POST", f"/projects/{PROJECT}/issues", "bot-token", {"description": "d"}, 400,
         {"error": "title is missing"}),
        ("GET", f"/projects/{PROJECT}/repository/files/none.txt/raw?ref=c10s", "bot-token", None,
         404, {"message": "404 File Not Found"}),
        ("GET", f"/projects/{PROJECT}/repository/tree?path=none&ref=c10s", "bot-token", None, 404,
         {"message": "404 Tree Not Found"}),
        ("GET", f"/projects/{PROJECT}/merge_requests/9", "bot-token", None, 404,
         {"message": "404 Merge Request Not Found"}),
        ("POST", f"/projects/{PROJECT}/merge_requests", "outsider-token",
         {"source_branch": "topic", "target_branch": "c10s", "title": "t"}, 403,
         {"message": "403 Forbidden"}),
        ("POST", f"/projects/{PROJECT}/fork", "bot-token", {"namespace_path": "packager"}, 404,
         {"message": "404 Target Namespace Not Found"}),
    ],
    ids=["no-project", "bad-token", "anonymous-write", "missing-title", "no-file", "no-tree",
         "no-merge-request", "not-a-developer", "foreign-namespace"],
)
async def test_errors_have_gitlabs_bodies(client, method, path, token, payload, status, body):
    got = await client.call(method, path, token=token, json=payload)
    assert (got[0], got[2]) == (status, body)


async def test_conflicts(client):
    """A second fork to the same path, or a second open merge request from the same branch."""
    fork = f"/projects/{PROJECT}/fork"
    first = await client.call("POST", fork, json={})
    assert first[0] == 201 and first[2]["forked_from_project"]["path_with_namespace"] == BASH
    assert first[2]["import_status"] == "scheduled"
    again = await client.call("POST", fork, json={})
    assert again[0] == 409 and again[2]["message"]["path"] == ["has already been taken"]
    fields = {"source_branch": "topic", "target_branch": "c10s", "title": "Draft: fix"}
    created = await client.call(
        "POST", f"/projects/{PROJECT}/merge_requests", token="packager-token", json=fields
    )
    assert created[0] == 201 and created[2]["draft"] is True and created[2]["iid"] == 1
    twice = await client.call(
        "POST", f"/projects/{PROJECT}/merge_requests", token="packager-token", json=fields
    )
    assert twice[0] == 409
    assert twice[2]["message"][0].startswith("Another open merge request already exists")


async def test_merge_requests_number_apart_from_issues(client):
    issue = await client.call("POST", f"/projects/{PROJECT}/issues", json={"title": "i"})
    change = await client.call(
        "POST",
        f"/projects/{PROJECT}/merge_requests",
        token="packager-token",
        json={"source_branch": "topic", "target_branch": "c10s", "title": "m"},
    )
    assert (issue[2]["iid"], change[2]["iid"]) == (1, 1)
    assert change[2]["web_url"].endswith(f"/{BASH}/-/merge_requests/1")


async def test_notes_sort_edit_and_award(client, world):
    issue = (await client.call("POST", f"/projects/{PROJECT}/issues", json={"title": "i"}))[2]
    notes = f"/projects/{PROJECT}/issues/{issue['iid']}/notes"
    first = (await client.call("POST", notes, json={"body": "one"}))[2]
    await client.call("POST", notes, token="packager-token", json={"body": "two"})
    newest_first = (await client.call("GET", notes))[2]
    assert [n["body"] for n in newest_first] == ["two", "one"], "GitLab's default: sort=desc"
    oldest_first = (await client.call("GET", f"{notes}?sort=asc&order_by=created_at"))[2]
    assert [n["body"] for n in oldest_first] == ["one", "two"]
    refused = await client.call(
        "PUT", f"{notes}/{first['id']}", token="packager-token", json={"body": "x"}
    )
    assert refused[0] == 403, "only the author edits a note"
    award = f"{notes}/{first['id']}/award_emoji"
    assert (await client.call("POST", award, json={"name": "thumbsup"}))[0] == 201
    twice = await client.call("POST", award, json={"name": "thumbsup"})
    assert twice[:3:2] == (404, {"message": "404 Award Emoji Name has already been taken"})
    assert ("bot", "+1") in world.comment("gitlab", first["id"]).reactions


async def test_member_levels(client, world):
    world.repo("gitlab", BASH).members.update({"outsider": "maintain"})
    levels = {}
    for name in TOKENS:
        users = (await client.call("GET", f"/users?username={name}"))[2]
        found = await client.call("GET", f"/projects/{PROJECT}/members/all/{users[0]['id']}")
        levels[name] = found[2].get("access_level") if found[0] == 200 else found[0]
    assert levels == {"bot": 10, "packager": 30, "outsider": 40}


async def test_diffs_are_per_file_hunks(client, world):
    world.open_change(
        "gitlab", BASH, title="t", body="", author="packager", source_repo=BASH,
        source_branch="topic", target_branch="c10s", shared_numbers=False,
    )
    status, headers, diffs = await client.call("GET", f"/projects/{PROJECT}/merge_requests/1/diffs")
    assert status == 200 and headers["X-Total"] == "1"
    assert diffs[0]["new_path"] == "fix.patch" and diffs[0]["new_file"] is True
    assert diffs[0]["a_mode"] == "0" and diffs[0]["b_mode"] == "100644"
    assert diffs[0]["diff"].startswith("@@ -0,0 +1 @@") and "++x" in diffs[0]["diff"]


# -- git on the same server -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_path", "expected"),
    [(f"{BASH}.git", BASH), (BASH, BASH), ("api/v4/x.git", None), ("bash.git", None)],
    ids=["with-suffix", "without", "api", "no-namespace"],
)
def test_clone_path(url_path, expected):
    assert clone_path(url_path) == expected


async def test_git_clone_from_http_url_to_repo(client, tmp_path):
    url = (await client.call("GET", f"/projects/{PROJECT}"))[2]["http_url_to_repo"]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"}
    result = await asyncio.to_thread(
        subprocess.run,
        ["git", "clone", "--quiet", "--branch", "c10s", url, str(tmp_path / "bash")],
        capture_output=True, env=env, check=False, timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "bash" / "bash.spec").read_bytes() == b"Name: bash\n"
