"""The GitLab sandbox's merge request endpoints: list, read, create (on the source project,
numbered apart from issues), update (title, description), and their diffs per file
(`/diffs`) or as git's text (`/raw_diffs`, GitLab 17.9+)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.sandbox import gitlab_events as events
from bot.sandbox import gitlab_git as git
from bot.sandbox import gitlab_json_threads as shape
from bot.sandbox.gitlab_http import (
    FORGE,
    RAW_DIFFS,
    WORLD,
    WORLD_STATES,
    ApiError,
    at_least,
    author_matches,
    not_found,
    number_of,
    ordered,
    origin,
    paginate,
    params,
    project_of,
    required,
    signed_in,
)
from bot.sandbox.world import SandboxChange, SandboxRepo, World, WorldError

_DRAFT_PREFIXES = ("draft:", "[draft]", "(draft)")


def routes() -> list[web.RouteDef]:
    requests = "/api/v4/projects/{id}/merge_requests"
    return [
        web.get(requests, list_merge_requests),
        web.post(requests, create_merge_request),
        web.get(f"{requests}/{{iid}}", get_merge_request),
        web.put(f"{requests}/{{iid}}", update_merge_request),
        web.get(f"{requests}/{{iid}}/diffs", merge_request_diffs),
        web.get(f"{requests}/{{iid}}/raw_diffs", merge_request_raw_diffs),
    ]


async def list_merge_requests(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    repo = project_of(request)
    state = request.query.get("state", "all")
    if state not in (*WORLD_STATES, "all"):
        raise ApiError(400, "state does not have a valid value", key="error")
    query = request.query
    found = [
        c
        for c in world.changes(FORGE, repo.path)
        if (state == "all" or c.state == WORLD_STATES[state])
        and author_matches(request, world, c.author)
        and query.get("source_branch", c.source_branch) == c.source_branch
        and query.get("target_branch", c.target_branch) == c.target_branch
    ]
    here = origin(request)
    return paginate(
        request, ordered(request, found), lambda c: shape.merge_request(world, c, here)
    )


async def get_merge_request(request: web.Request) -> web.Response:
    """One merge request, with the `diff_refs` a single answer adds to the listed fields."""
    world = request.app[WORLD]
    repo = project_of(request)
    change = find_change(world, repo, number_of(request, "iid"))
    git_dir = world.git_dir(FORGE, repo.path)
    start = await asyncio.to_thread(git.log, git_dir, [change.target_branch], limit=1)
    head = change.head_sha or ""
    base = await asyncio.to_thread(git.merge_base, git_dir, change.target_branch, head)
    body = shape.merge_request(world, change, origin(request))
    body["diff_refs"] = {
        "base_sha": base,
        "head_sha": head,
        "start_sha": start[0].sha if start else None,
    }
    return web.json_response(body)


async def update_merge_request(request: web.Request) -> web.Response:
    """Title and description, by the author or a developer of the target; the draft state
    follows the title's prefix, as GitLab reads it."""
    world = request.app[WORLD]
    repo = project_of(request)
    user = signed_in(request)
    change = find_change(world, repo, number_of(request, "iid"))
    if change.author != user.name and not at_least(world, repo, user, "write"):
        raise ApiError(403, "403 Forbidden")
    values = await params(request)
    title = values.get("title")
    change = await asyncio.to_thread(
        world.edit_change,
        FORGE,
        repo.path,
        change.number,
        title=title,
        body=values.get("description"),
        draft=None if title is None else title.lower().lstrip().startswith(_DRAFT_PREFIXES),
    )
    return web.json_response(shape.merge_request(world, change, origin(request)))


def find_change(world: World, repo: SandboxRepo, number: int) -> SandboxChange:
    try:
        return world.change(FORGE, repo.path, number)
    except WorldError:
        raise not_found("Merge Request") from None


async def merge_request_diffs(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    repo = project_of(request)
    number = number_of(request, "iid")
    find_change(world, repo, number)
    diff = await asyncio.to_thread(world.change_diff, FORGE, repo.path, number)
    return paginate(request, git.file_diffs(diff.decode("utf-8", "replace")), lambda d: d)


async def merge_request_raw_diffs(request: web.Request) -> web.Response:
    """git's diff text, as GitLab 17.9+ sends it (uncached); older GitLab has no such route."""
    world = request.app[WORLD]
    if not request.app[RAW_DIFFS]:
        raise ApiError(404, "404 Not Found", key="error")
    repo = project_of(request)
    number = number_of(request, "iid")
    find_change(world, repo, number)
    diff = await asyncio.to_thread(world.change_diff, FORGE, repo.path, number)
    return web.Response(
        body=diff,
        content_type="text/plain",
        charset="utf-8",
        headers={"Cache-Control": "no-cache, no-store"},
    )


async def create_merge_request(request: web.Request) -> web.Response:
    """Taken on the source project (a fork, or the target itself) by a developer of it."""
    world = request.app[WORLD]
    source = project_of(request)
    user = signed_in(request)
    values = await params(request)
    required(values, "source_branch", "target_branch", "title")
    target = source
    if values.get("target_project_id"):
        wanted = values["target_project_id"]
        target = next((r for r in world.repos(FORGE) if str(r.id) == wanted), None)
        if target is None:
            raise not_found("Project")
    if not at_least(world, source, user, "write"):
        raise ApiError(403, "403 Forbidden")
    if target.path not in (source.path, source.fork_of):
        raise ApiError(422, ["Source project is not a fork of the target project"])
    title, branch = values["title"], values["source_branch"]
    for other in world.changes(FORGE, target.path):
        if (other.state, other.source_repo, other.source_branch) == ("open", source.path, branch):
            already = "Another open merge request already exists for this source branch"
            raise ApiError(409, [f"{already}: !{other.number}"])
    try:
        change = await asyncio.to_thread(
            world.open_change,
            FORGE,
            target.path,
            title=title,
            body=values.get("description", ""),
            author=user.name,
            source_repo=source.path,
            source_branch=branch,
            target_branch=values["target_branch"],
            draft=title.lower().lstrip().startswith(_DRAFT_PREFIXES),
            shared_numbers=False,
        )
    except WorldError:
        raise ApiError(422, [f'Source branch "{branch}" does not exist']) from None
    events.notify(
        request,
        events.merge_request_event(world, change, sender=user.name, origin=origin(request)),
    )
    return web.json_response(shape.merge_request(world, change, origin(request)), status=201)
