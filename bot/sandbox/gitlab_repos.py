"""The GitLab sandbox's repository endpoints: projects and group listings, branches, raw files,
trees, commits and their diffs, compare, forks, users and project membership."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from bot.sandbox import gitlab_git as git
from bot.sandbox import gitlab_json as shape
from bot.sandbox import gitstore
from bot.sandbox.gitlab_http import (
    ACCESS_LEVELS,
    FORGE,
    WORLD,
    ApiError,
    at_least,
    not_found,
    number_of,
    origin,
    page_window,
    paginate,
    params,
    project_of,
    signed_in,
    user_of,
)
from bot.sandbox.world import SandboxRepo, World

_PROJECT_ORDER = {
    "id": lambda r: r.id,
    "name": lambda r: r.name,
    "path": lambda r: r.name,
    "created_at": lambda r: (r.created_at, r.id),
    "updated_at": lambda r: (r.updated_at, r.id),
    "last_activity_at": lambda r: (r.updated_at, r.id),
}


def routes() -> list[web.RouteDef]:
    base = "/api/v4"
    project = f"{base}/projects/{{id}}"
    return [
        web.get(f"{base}/user", current_user),
        web.get(f"{base}/users", list_users),
        web.get(f"{base}/groups/{{group}}/projects", group_projects),
        web.get(project, get_project),
        web.post(f"{project}/fork", fork),
        web.get(f"{project}/repository/branches", branches),
        web.get(f"{project}/repository/files/{{file_path}}/raw", raw_file),
        web.head(f"{project}/repository/files/{{file_path}}", file_head),
        web.get(f"{project}/repository/tree", tree),
        web.get(f"{project}/repository/commits", commits),
        web.get(f"{project}/repository/commits/{{sha}}", get_commit),
        web.get(f"{project}/repository/commits/{{sha}}/diff", commit_diff),
        web.get(f"{project}/repository/compare", compare),
        web.get(f"{project}/members/all/{{user_id}}", member),
    ]


async def current_user(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    return web.json_response(shape.current_user(world, signed_in(request), origin(request)))


async def list_users(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    wanted = request.query.get("username")
    names = [n for n in world.users(FORGE) if wanted is None or n.lower() == wanted.lower()]
    return paginate(request, names, lambda name: shape.user(world, name, origin(request)))


async def group_projects(request: web.Request) -> web.Response:
    """Projects directly in a group (or below it with `include_subgroups=true`)."""
    world = request.app[WORLD]
    group = _group_path(world, request.match_info["group"])
    nested = request.query.get("include_subgroups") == "true"
    found = [
        r
        for r in world.repos(FORGE)
        if r.namespace == group or (nested and r.namespace.startswith(f"{group}/"))
    ]
    order = request.query.get("order_by", "created_at")
    if order not in _PROJECT_ORDER:
        raise ApiError(400, "order_by does not have a valid value", key="error")
    found.sort(key=_PROJECT_ORDER[order], reverse=request.query.get("sort", "desc") == "desc")
    counts = shape.Counts.of(world)
    return paginate(request, found, lambda r: shape.project(world, r, origin(request), counts))


def _group_path(world: World, wanted: str) -> str:
    namespaces = {r.namespace for r in world.repos(FORGE)}
    groups = {n.rpartition("/")[0] for n in namespaces if "/" in n} | namespaces
    users = set(world.users(FORGE))
    for path in groups - users:
        if path == wanted or (wanted.isdigit() and shape.group_id(path) == int(wanted)):
            return path
    raise not_found("Group")


async def get_project(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    repo = project_of(request)
    return web.json_response(
        shape.project(world, repo, origin(request), shape.Counts.of(world))
    )


async def fork(request: web.Request) -> web.Response:
    """Fork into the caller's namespace, or `namespace_path`; an existing path is a 409."""
    world = request.app[WORLD]
    source = project_of(request)
    user = signed_in(request)
    values = await params(request)
    namespace = values.get("namespace_path") or values.get("namespace") or user.name
    if namespace != user.name and not user.admin:
        raise not_found("Target Namespace")
    target = f"{namespace}/{values.get('path') or source.name}"
    if any(r.path == target for r in world.repos(FORGE)):
        taken = ["has already been taken"]
        raise ApiError(409, {"name": taken, "path": taken})
    created = await asyncio.to_thread(
        world.fork, FORGE, source.path, user.name, target_path=target
    )
    # GitLab copies the repository in the background and says so in its first answer
    body = shape.project(
        world, created, origin(request), shape.Counts.of(world), import_status="scheduled"
    )
    return web.json_response(body, status=201)


async def branches(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    repo = project_of(request)
    user = user_of(request)
    can_push = user is not None and at_least(world, repo, user, "write")
    git_dir = world.git_dir(FORGE, repo.path)
    heads = sorted(await asyncio.to_thread(git.branch_heads, git_dir))

    def render(head: tuple[str, str]) -> object:
        entry = git.log(git_dir, [head[1]], limit=1)[0]
        return shape.branch(head[0], entry, repo, origin(request), can_push=can_push)

    return await asyncio.to_thread(paginate, request, heads, render)


async def raw_file(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    repo = project_of(request)
    ref = request.query.get("ref") or repo.default_branch
    path = request.match_info["file_path"]
    git_dir = world.git_dir(FORGE, repo.path)
    if not await asyncio.to_thread(git.resolves, git_dir, ref):
        raise not_found("Commit")
    content = await asyncio.to_thread(gitstore.read_blob, git_dir, ref, path)
    if content is None:
        raise not_found("File")
    return web.Response(body=content, content_type="text/plain", charset="utf-8")


async def file_head(request: web.Request) -> web.Response:
    """A file's metadata in `X-Gitlab-*` headers, as GitLab answers HEAD on a file."""
    world = request.app[WORLD]
    repo = project_of(request)
    ref = request.query.get("ref")
    if not ref:
        raise ApiError(400, "ref is missing", key="error")
    path = request.match_info["file_path"]
    git_dir = world.git_dir(FORGE, repo.path)
    found = await asyncio.to_thread(git.blob, git_dir, ref, path)
    if found is None:
        raise not_found("File")
    commit = (await asyncio.to_thread(git.log, git_dir, [ref], limit=1))[0].sha
    headers = {
        "X-Gitlab-Blob-Id": found[0],
        "X-Gitlab-Commit-Id": commit,
        "X-Gitlab-File-Name": path.rpartition("/")[2],
        "X-Gitlab-File-Path": path,
        "X-Gitlab-Ref": ref,
        "X-Gitlab-Size": str(found[1]),
        "X-Gitlab-Encoding": "base64",
    }
    return web.Response(status=200, headers=headers)


async def tree(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    repo = project_of(request)
    ref = request.query.get("ref") or repo.default_branch
    items = await asyncio.to_thread(
        git.tree, world.git_dir(FORGE, repo.path), ref, request.query.get("path", "")
    )
    if items is None:
        raise not_found("Tree")
    return paginate(request, items, shape.tree_item)


async def commits(request: web.Request) -> web.Response:
    """A branch's history, newest first; an unknown ref gives an empty list, as on GitLab."""
    world = request.app[WORLD]
    repo = project_of(request)
    ref = request.query.get("ref_name") or repo.default_branch
    path = request.query.get("path") or None
    git_dir = world.git_dir(FORGE, repo.path)
    total = await asyncio.to_thread(git.count, git_dir, [ref], path=path)
    # only the page asked for is read from git
    start, stop, headers = page_window(request, total)
    entries = await asyncio.to_thread(
        git.log, git_dir, [ref], path=path, skip=start, limit=stop - start
    )
    here = origin(request)
    return web.json_response([shape.commit(e, repo, here) for e in entries], headers=headers)


async def get_commit(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    repo = project_of(request)
    git_dir = world.git_dir(FORGE, repo.path)
    sha = request.match_info["sha"]
    if not await asyncio.to_thread(git.resolves, git_dir, sha):
        raise not_found("Commit")
    entries = await asyncio.to_thread(git.log, git_dir, [sha], limit=1)
    return web.json_response(shape.commit(entries[0], repo, origin(request)))


async def commit_diff(request: web.Request) -> web.Response:
    """A commit's per-file diffs against its first parent, paged like GitLab's."""
    world = request.app[WORLD]
    repo = project_of(request)
    sha = request.match_info["sha"]
    diff = await asyncio.to_thread(gitstore.commit_diff, world.git_dir(FORGE, repo.path), sha)
    if diff is None:
        raise not_found("Commit")
    return paginate(request, git.file_diffs(diff.decode("utf-8", "replace")), lambda d: d)


async def compare(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    repo = project_of(request)
    base, head = request.query.get("from", ""), request.query.get("to", "")
    git_dir = world.git_dir(FORGE, repo.path)
    for ref in (base, head):
        if not ref or not await asyncio.to_thread(git.resolves, git_dir, ref):
            raise not_found("Ref")
    straight = request.query.get("straight") == "true"
    entries = await asyncio.to_thread(git.log, git_dir, [head, f"^{base}"])
    diff = await asyncio.to_thread(_diff, git_dir, base, head, straight)
    here = origin(request)
    return web.json_response(
        {
            "commit": shape.commit(entries[0], repo, here) if entries else None,
            "commits": [shape.commit(e, repo, here) for e in reversed(entries)],
            "diffs": git.file_diffs(diff),
            "compare_timeout": False,
            "compare_same_ref": base == head,
            "web_url": f"{here}/{repo.path}/-/compare/{base}...{head}",
        }
    )


def _diff(git_dir: Path, base: str, head: str, straight: bool) -> str:
    spec = f"{base}..{head}" if straight else f"{base}...{head}"
    out = gitstore.run_git(git_dir, "diff", "--no-color", "--full-index", spec)
    return out.decode("utf-8", "replace")


async def member(request: web.Request) -> web.Response:
    """A member's access, inherited from the namespace's owner too; non-members are a 404."""
    world = request.app[WORLD]
    repo = project_of(request)
    wanted = number_of(request, "user_id")
    name = next((n for n in world.users(FORGE) if shape.user_id(world, n) == wanted), None)
    level = _access_level(repo, name) if name else None
    if name is None or level is None:
        raise ApiError(404, "404 Not found")
    return web.json_response(shape.member(world, name, level, origin(request)))


def _access_level(repo: SandboxRepo, name: str) -> int | None:
    if name in repo.members:
        return ACCESS_LEVELS[repo.members[name]]
    if repo.namespace == name:
        return ACCESS_LEVELS["admin"]
    return None
