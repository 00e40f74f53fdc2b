"""The sandbox Pagure speaks Pagure API v0: the shapes of the real recorded answers, Pagure's
paging and error bodies, its web routes, and stock git over HTTP."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox import gitstore
from bot.sandbox.faults import Faults
from bot.sandbox.gitstore import Author
from bot.sandbox.pagure_api import build_app, git_path
from bot.sandbox.world import World

WHO = Author("Ann Packager", "ann@example.test")
OWNER, PACKAGER, OUTSIDER = "owner", "packager", "outsider"


def _seed(world: World, *, repos: int = 7) -> None:
    for name in (OWNER, PACKAGER, OUTSIDER):
        world.add_user("pagure", name)
    for index in range(repos):
        path = f"rpms/pkg{index:02d}"
        world.create_repo(
            "pagure", path, default_branch="rawhide", members={OWNER: "admin", PACKAGER: "write"}
        )
        world.commit(
            "pagure",
            path,
            "rawhide",
            {"pkg.spec": b"Name: pkg\n", "SOURCES/a.patch": b"a\n", "logo.bin": b"\x89\xff\x00"},
            message="Import",
            author=WHO,
        )


def _token(world: World, user: str) -> dict[str, str]:
    return {"Authorization": f"token {world.users('pagure')[user].token}"}


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
async def base(world: World, serve, faults: Faults) -> str:
    _seed(world)
    return await serve(build_app(world, faults=faults))


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


async def _get(http, url: str, **kwargs) -> tuple[int, object]:
    async with http.get(url, **kwargs) as answer:
        body = await answer.read()
        kind = answer.content_type
        return answer.status, json.loads(body) if kind == "application/json" else body


async def _post(http, url: str, data: dict[str, str], **kwargs) -> tuple[int, object]:
    async with http.post(url, data=data, **kwargs) as answer:
        return answer.status, await answer.json()


def _real(corpus: Path, name: str) -> dict:
    return json.loads((corpus / "forges" / "pagure" / name).read_text(encoding="utf-8"))


async def _open_pull_request(http, base: str, world: World) -> dict:
    world.commit("pagure", "rpms/pkg00", "topic", {"t": b"t\n"}, message="Topic", author=WHO)
    status, body = await _post(
        http,
        f"{base}/api/0/rpms/pkg00/pull-request/new",
        {"title": "T", "branch_to": "rawhide", "branch_from": "topic", "initial_comment": "Why"},
        headers=_token(world, PACKAGER),
    )
    assert status == 200
    return body


# -- the shapes of real answers ----------------------------------------------------------


async def test_project_has_the_real_fields(base, http, corpus):
    real = _real(corpus, "api.project.get.json")
    status, ours = await _get(http, f"{base}/api/0/rpms/pkg00")
    assert status == 200
    assert set(ours) == set(real)
    assert set(ours["access_users"]) == set(real["access_users"])
    assert set(ours["access_groups"]) == set(real["access_groups"])
    assert set(ours["user"]) == set(real["user"])
    assert ours["access_users"] == {
        "admin": [],
        "collaborator": [],
        "commit": [PACKAGER],
        "owner": [OWNER],
        "ticket": [],
    }
    assert ours["date_modified"].isdigit() and ours["url_path"] == "rpms/pkg00"


async def test_project_listing_has_the_real_fields(base, http, corpus):
    real = _real(corpus, "api.projects.list.json")
    status, ours = await _get(http, f"{base}/api/0/projects", params={"namespace": "rpms"})
    assert status == 200
    assert set(ours) == set(real)
    assert set(ours["args"]) == set(real["args"])
    assert set(ours["pagination"]) == set(real["pagination"])
    assert set(ours["projects"][0]) == set(real["projects"][0])


async def test_pull_request_has_the_real_fields(base, http, world, corpus):
    real = _real(corpus, "api.pull-request.get.json")
    opened = await _open_pull_request(http, base, world)
    post = f"{base}/api/0/rpms/pkg00/pull-request/{opened['id']}/comment"
    status, added = await _post(http, post, {"comment": "Looks fine"}, headers=_token(world, OWNER))
    assert (status, added) == (200, {"message": "Comment added"}), "no comment in the answer"
    status, ours = await _get(http, f"{base}/api/0/rpms/pkg00/pull-request/{opened['id']}")
    assert status == 200
    assert set(ours) == set(real)
    assert set(ours["comments"][0]) == set(real["comments"][0])
    assert set(real["project"]) <= set(ours["project"])
    assert (ours["status"], ours["branch"], ours["branch_from"]) == ("Open", "rawhide", "topic")
    assert ours["commit_stop"] == world.change("pagure", "rpms/pkg00", opened["id"]).head_sha


async def test_pull_request_listing_has_the_real_fields(base, http, world, corpus):
    real = _real(corpus, "api.pull-requests.list.json")
    await _open_pull_request(http, base, world)
    url = f"{base}/api/0/rpms/pkg00/pull-requests"
    status, ours = await _get(http, url, params={"status": "All"})
    assert status == 200
    assert set(ours) == set(real)
    assert set(ours["args"]) == set(real["args"])
    assert set(ours["pagination"]) == set(real["pagination"])
    assert [r["status"] for r in ours["requests"]] == ["Open"]
    _, merged = await _get(http, url, params={"status": "Merged"})
    assert merged["requests"] == []


# -- paging ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "names", "has_next", "has_prev"),
    [
        pytest.param(1, ["pkg00", "pkg01", "pkg02"], True, False, id="first"),
        pytest.param(3, ["pkg06"], False, True, id="last"),
        pytest.param(4, [], False, True, id="past-the-end"),
    ],
)
async def test_project_pages(base, http, page, names, has_next, has_prev):
    params = {"namespace": "rpms", "page": str(page), "per_page": "3"}
    _, body = await _get(http, f"{base}/api/0/projects", params=params)
    assert [p["name"] for p in body["projects"]] == names
    assert body["pagination"]["pages"] == 3 and body["total_projects"] == 7
    assert (body["pagination"]["next"] is not None) is has_next
    assert (body["pagination"]["prev"] is not None) is has_prev
    if has_next:
        assert "page=" + str(page + 1) in body["pagination"]["next"]
        assert "namespace=rpms" in body["pagination"]["next"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        pytest.param({"per_page": "101"}, "EINVALIDPERPAGEVALUE", id="per-page-over-100"),
        pytest.param({"per_page": "0"}, "EINVALIDPERPAGEVALUE", id="per-page-zero"),
        pytest.param({"page": "0"}, "EINVALIDREQ", id="page-zero"),
        pytest.param({"page": "two"}, "EINVALIDREQ", id="page-not-a-number"),
    ],
)
async def test_bad_paging_is_refused(base, http, params, code):
    status, body = await _get(http, f"{base}/api/0/projects", params=params)
    assert (status, body["error_code"]) == (400, code)


async def test_page_cap_is_a_knob(world, serve, http):
    _seed(world, repos=1)
    base = await serve(build_app(world, faults=Faults(), page_cap=50))
    status, body = await _get(http, f"{base}/api/0/projects", params={"per_page": "60"})
    assert status == 400 and "between 1 and 50" in body["error"]


async def test_forks_keep_their_namespace_and_can_be_left_out(base, http, world):
    status, _ = await _post(
        http,
        f"{base}/api/0/fork",
        {"repo": "pkg01", "namespace": "rpms"},
        headers=_token(world, OUTSIDER),
    )
    assert status == 200
    _, listed = await _get(
        http, f"{base}/api/0/projects", params={"namespace": "rpms", "per_page": "100"}
    )
    forks = [p for p in listed["projects"] if p["parent"]]
    assert [(p["fullname"], p["namespace"]) for p in forks] == [
        ("forks/outsider/rpms/pkg01", "rpms")
    ]
    params = {"namespace": "rpms", "fork": "false", "per_page": "100"}
    _, without = await _get(http, f"{base}/api/0/projects", params=params)
    assert len(without["projects"]) == 7


# -- errors, auth, permissions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        pytest.param("/api/0/rpms/nope", 404, "ENOPROJECT", id="no-project"),
        pytest.param("/api/0/rpms/pkg00/pull-request/99", 404, "ENOREQ", id="no-pull-request"),
        pytest.param("/api/0/rpms/pkg00/issue/99", 404, "ENOISSUE", id="no-issue"),
        pytest.param("/api/0/user/nobody", 404, "ENOUSER", id="no-user"),
        pytest.param("/api/0/rpms/pkg00/tree/rawhide/f/nope", 404, "EFILENOTFOUND", id="no-file"),
        pytest.param("/api/0/rpms/pkg00/tree/no-branch", 404, "EFILENOTFOUND", id="no-ref"),
    ],
)
async def test_error_bodies(base, http, path, status, code):
    got, body = await _get(http, base + path)
    assert (got, body["error_code"]) == (status, code)
    assert isinstance(body["error"], str) and body["error"]


async def test_tokens(base, http, world):
    new_issue = f"{base}/api/0/rpms/pkg00/new_issue"
    fields = {"title": "T", "issue_content": "C"}
    status, body = await _post(http, new_issue, fields)
    assert (status, body["error_code"]) == (401, "EINVALIDTOK"), "writing needs a token"
    bad = {"Authorization": "token not-a-token"}
    assert (await _get(http, f"{base}/api/0/rpms/pkg00/issues"))[0] == 200, "no token: fine"
    assert (await _get(http, f"{base}/api/0/rpms/pkg00/issues", headers=bad))[0] == 401
    assert (await _get(http, f"{base}/api/0/rpms/pkg00", headers=bad))[0] == 200, "not read"
    status, body = await _post(http, new_issue, fields, headers=_token(world, OUTSIDER))
    assert status == 200 and body["message"] == "Issue created", "anyone may open an issue"


async def test_write_rules(base, http, world):
    issue_url = f"{base}/api/0/rpms/pkg00/new_issue"
    status, body = await _post(http, issue_url, {"title": "T"}, headers=_token(world, OWNER))
    assert (status, body["errors"]) == (400, {"issue_content": ["This field is required."]})
    _, made = await _post(
        http, issue_url, {"title": "T", "issue_content": "C"}, headers=_token(world, OWNER)
    )
    edit = f"{base}/api/0/rpms/pkg00/issue/{made['issue']['id']}"
    fields = {"title": "T2", "issue_content": "C2"}
    status, body = await _post(http, edit, fields, headers=_token(world, OUTSIDER))
    assert (status, body["error_code"]) == (401, "ENOTHIGHENOUGH")
    status, body = await _post(http, edit, fields, headers=_token(world, PACKAGER))
    assert (status, body["issue"]["title"], body["message"]) == (200, "T2", "Issue edited")
    world.commit("pagure", "rpms/pkg00", "topic", {"t": b"t\n"}, message="T", author=WHO)
    pull = {"title": "T", "branch_to": "rawhide", "branch_from": "topic"}
    url = f"{base}/api/0/rpms/pkg00/pull-request/new"
    status, body = await _post(http, url, pull, headers=_token(world, OUTSIDER))
    assert (status, body["error_code"]) == (401, "ENOTHIGHENOUGH"), "needs commit on the source"
    status, body = await _post(
        http, url, {**pull, "branch_from": "nope"}, headers=_token(world, PACKAGER)
    )
    assert (status, body["error_code"]) == (400, "EINVALIDREQ")


async def test_forking_twice_is_refused(base, http, world):
    fields = {"repo": "pkg02", "namespace": "rpms"}
    status, body = await _post(http, f"{base}/api/0/fork", fields, headers=_token(world, OUTSIDER))
    assert (status, body) == (200, {"message": 'Repo "rpms/pkg02" cloned to "outsider/rpms/pkg02"'})
    status, body = await _post(http, f"{base}/api/0/fork", fields, headers=_token(world, OUTSIDER))
    assert (status, body["error_code"]) == (400, "ENOCODE")
    assert body["error"] == 'Repo "forks/outsider/rpms/pkg02" already exists'


async def test_wrong_method_is_405(base, http):
    async with http.delete(f"{base}/api/0/rpms/pkg00/issues") as answer:
        assert answer.status == 405


async def test_faults_apply(base, http, faults):
    faults.statuses.append(503)
    assert (await _get(http, f"{base}/api/0/rpms/pkg00"))[0] == 503
    assert (await _get(http, f"{base}/api/0/rpms/pkg00"))[0] == 200


async def test_no_etag_as_on_pagure(base, http):
    async with http.get(f"{base}/api/0/rpms/pkg00", headers={"If-None-Match": '"x"'}) as answer:
        assert answer.status == 200 and "ETag" not in answer.headers


# -- branches, tree, raw files, diffs ----------------------------------------------------


async def test_branches_with_and_without_commits(base, http, world):
    url = f"{base}/api/0/rpms/pkg00/git/branches"
    _, names = await _get(http, url)
    assert names == {"branches": ["rawhide"], "default": "rawhide", "total_branches": 1}
    _, heads = await _get(http, url, params={"with_commits": "true"})
    head = dict(gitstore.branches(world.git_dir("pagure", "rpms/pkg00")))["rawhide"]
    assert heads["branches"] == {"rawhide": head} and heads["default"] == {"rawhide": head}


async def test_tree_folders_first_and_files(base, http):
    _, root = await _get(http, f"{base}/api/0/rpms/pkg00/tree/rawhide")
    first = root["content"][0]
    assert (first["path"], first["type"]) == ("SOURCES", "folder")
    assert root["type"] == "folder" and root["name"] is None
    _, inner = await _get(http, f"{base}/api/0/rpms/pkg00/tree/rawhide/f/SOURCES")
    assert [e["path"] for e in inner["content"]] == ["SOURCES/a.patch"]
    assert inner["content"][0]["content_url"].endswith("/rpms/pkg00/raw/rawhide/f/SOURCES/a.patch")
    _, one = await _get(http, f"{base}/api/0/rpms/pkg00/tree/rawhide/f/pkg.spec")
    assert one["type"] == "file"


async def test_raw_files(base, http, world):
    world.commit("pagure", "rpms/pkg00", "rawhide", {"EMPTY": b""}, message="e", author=WHO)
    async with http.get(f"{base}/rpms/pkg00/raw/rawhide/f/logo.bin") as answer:
        assert (answer.status, await answer.read()) == (200, b"\x89\xff\x00")
        assert answer.content_type == "application/octet-stream"
    for path in ("raw/rawhide/f/EMPTY", "raw/nope/f/pkg.spec", "raw/rawhide/f/nope"):
        async with http.get(f"{base}/rpms/pkg00/{path}") as answer:
            assert answer.status == 404 and answer.content_type == "text/html", path


async def test_diff_and_patch_of_a_pull_request(base, http, world):
    opened = await _open_pull_request(http, base, world)
    status, diff = await _get(http, f"{base}/rpms/pkg00/pull-request/{opened['id']}.diff")
    assert status == 200 and b"diff --git a/t b/t" in diff and b"+t" in diff
    status, patch = await _get(http, f"{base}/rpms/pkg00/pull-request/{opened['id']}.patch")
    assert status == 200 and b"Subject: [PATCH] Topic" in patch


# -- git over HTTP -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_path", "path"),
    [
        pytest.param("rpms/bash.git", "rpms/bash", id="project"),
        pytest.param("forks/alice/rpms/bash.git", "fork/alice/rpms/bash", id="fork"),
        pytest.param("rpms/bash", None, id="without-dot-git"),
    ],
)
def test_git_paths(url_path, path):
    assert git_path(url_path) == path


async def test_stock_git_clones_and_pushes_to_a_fork(base, http, world, tmp_path):
    fields = {"repo": "pkg00", "namespace": "rpms"}
    await _post(http, f"{base}/api/0/fork", fields, headers=_token(world, OUTSIDER))
    token = world.users("pagure")[OUTSIDER].token
    env = {"GIT_TERMINAL_PROMPT": "0", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}

    async def git(*args: str, cwd: Path | None = None) -> None:
        # in a thread: the server answering git runs on this test's event loop
        await asyncio.to_thread(
            subprocess.run, ["git", *args], cwd=cwd, env=env, capture_output=True, check=True
        )

    work = tmp_path / "work"
    await git("clone", "--quiet", f"{base}/forks/outsider/rpms/pkg00.git", str(work))
    assert (work / "pkg.spec").read_bytes() == b"Name: pkg\n"
    (work / "fix.patch").write_text("fix\n")
    await git("add", "fix.patch", cwd=work)
    await git("-c", "user.name=O", "-c", "user.email=o@x", "commit", "-qm", "Fix", cwd=work)
    helper = f"!f() {{ echo username=outsider; echo password={token}; }}; f"
    await git(
        "-c", f"credential.helper={helper}", "push", "-q", "origin", "HEAD:refs/heads/fix", cwd=work
    )
    _, heads = await _get(
        http, f"{base}/api/0/fork/outsider/rpms/pkg00/git/branches", params={"with_commits": "1"}
    )
    assert set(heads["branches"]) == {"rawhide", "fix"}
