"""The sandbox Pagure's web routes the adapter reads because the API lacks them: a file's
raw bytes (`/<repo>/raw/<ref>/f/<path>`) and a pull request's diff or patch
(`/<repo>/pull-request/<n>.diff`, `.patch`) and a commit's diff against its first parent
(`/<repo>/c/<sha>.diff`). Like Pagure, they answer HTML errors."""

from __future__ import annotations

from aiohttp import web

from bot.sandbox import gitstore
from bot.sandbox.pagure_common import commit_exists, in_thread, locate, world_of
from bot.sandbox.pagure_json import FORGE
from bot.sandbox.world import World, WorldError


def _not_found(why: str) -> web.Response:
    page = f"<html><body><h1>Page not found (404)</h1><p>{why}</p></body></html>"
    return web.Response(status=404, text=page, content_type="text/html")


async def serve(request: web.Request) -> web.StreamResponse:
    world = world_of(request)
    parts = [p for p in request.match_info["tail"].split("/") if p]
    path, rest = await in_thread(world, lambda: locate(world, parts))
    if path is None:
        return _not_found("Project not found")
    if rest[:1] == ["raw"] and "f" in rest[2:]:
        split = rest.index("f", 2)
        identifier, filename = "/".join(rest[1:split]), "/".join(rest[split + 1 :])
        return await in_thread(world, lambda: _raw(world, path, identifier, filename))
    if len(rest) == 2 and rest[0] == "pull-request":
        number, _, kind = rest[1].partition(".")
        if number.isdigit() and kind in ("diff", "patch"):
            return await in_thread(world, lambda: _diff(world, path, int(number), kind))
    if len(rest) == 2 and rest[0] == "c" and rest[1].endswith(".diff"):
        sha = rest[1].removesuffix(".diff")
        return await in_thread(world, lambda: _commit_diff(world, path, sha))
    return _not_found("Not found")


def _commit_diff(world: World, path: str, sha: str) -> web.Response:
    diff = gitstore.commit_diff(world.git_dir(FORGE, path), sha)
    if diff is None:
        return _not_found("Commit not found")
    return web.Response(body=diff, content_type="text/plain", charset="utf-8")


def _raw(world: World, path: str, identifier: str, filename: str) -> web.Response:
    git_dir = world.git_dir(FORGE, path)
    heads = dict(gitstore.branches(git_dir))
    if not heads:
        return _not_found("Empty repo cannot have a file")
    if identifier in heads:
        revision = heads[identifier]
    elif commit_exists(git_dir, identifier):
        revision = identifier
    elif "master" in heads:
        # Pagure's quirk: with a master branch, an unknown ref reads the default branch
        revision = heads.get(world.repo(FORGE, path).default_branch, heads["master"])
    else:
        return _not_found("Branch not found")
    data = gitstore.read_blob(git_dir, revision, filename)
    if data is None:
        return _not_found("File not found")
    if not data:
        return _not_found("No content found")  # Pagure has no answer for an empty file
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return web.Response(body=data, content_type="application/octet-stream")
    return web.Response(body=data, content_type="text/plain", charset="utf-8")


def _diff(world: World, path: str, number: int, kind: str) -> web.Response:
    try:
        change = world.change(FORGE, path, number)
    except WorldError:
        return _not_found("Pull-request not found")
    git_dir = world.git_dir(FORGE, path)
    commits = f"refs/heads/{change.target_branch}..refs/pull/{number}/head"
    if kind == "patch":
        out = gitstore.run_git(git_dir, "format-patch", "--stdout", "--full-index", commits)
    else:
        # Pagure's .diff is each commit's diff in turn, not one diff of the whole request
        out = gitstore.run_git(
            git_dir, "log", "--reverse", "--format=", "-p", "--full-index", "--no-color", commits
        )
    return web.Response(body=out, content_type="text/plain", charset="utf-8")
