"""The GitLab sandbox's conversation endpoints: merge requests (with their diffs), issues,
notes on both, and award emoji on notes. Merge requests are numbered apart from issues."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from bot.sandbox import gitlab_git as git
from bot.sandbox import gitlab_json as shape
from bot.sandbox.gitlab_http import (
    FORGE,
    RAW_DIFFS,
    WORLD,
    ApiError,
    at_least,
    not_found,
    number_of,
    origin,
    paginate,
    params,
    project_of,
    required,
    signed_in,
)
from bot.sandbox.world import SandboxComment, SandboxRepo, World, WorldError

_DRAFT_PREFIXES = ("draft:", "[draft]", "(draft)")
_WORLD_STATES = {"opened": "open", "closed": "closed", "merged": "merged", "locked": "open"}
#: where each kind of thread lives in the URL, and its name in the World
_KINDS = {"issues": "issue", "merge_requests": "change"}


def routes() -> list[web.RouteDef]:
    project = "/api/v4/projects/{id}"
    thread = f"{project}/{{kind:issues|merge_requests}}/{{iid}}"
    return [
        web.get(f"{project}/merge_requests", list_merge_requests),
        web.post(f"{project}/merge_requests", create_merge_request),
        web.get(f"{project}/merge_requests/{{iid}}", get_merge_request),
        web.get(f"{project}/merge_requests/{{iid}}/diffs", merge_request_diffs),
        web.get(f"{project}/merge_requests/{{iid}}/raw_diffs", merge_request_raw_diffs),
        web.get(f"{project}/issues", list_issues),
        web.post(f"{project}/issues", create_issue),
        web.get(f"{project}/issues/{{iid}}", get_issue),
        web.put(f"{project}/issues/{{iid}}", update_issue),
        web.get(f"{thread}/notes", list_notes),
        web.post(f"{thread}/notes", create_note),
        web.get(f"{thread}/notes/{{note_id}}", get_note),
        web.put(f"{thread}/notes/{{note_id}}", update_note),
        web.get(f"{thread}/notes/{{note_id}}/award_emoji", list_awards),
        web.post(f"{thread}/notes/{{note_id}}/award_emoji", create_award),
    ]


def _ordered(request: web.Request, items: list[Any]) -> list[Any]:
    """GitLab's `order_by` (created_at, updated_at) and `sort` (default: newest first)."""
    order = request.query.get("order_by", "created_at")
    if order not in ("created_at", "updated_at"):
        raise ApiError(400, "order_by does not have a valid value", key="error")
    descending = request.query.get("sort", "desc") != "asc"
    return sorted(items, key=lambda i: (getattr(i, order), i.id), reverse=descending)


def _author_matches(request: web.Request, world: World, author: str) -> bool:
    name, number = request.query.get("author_username"), request.query.get("author_id")
    if name is not None and author.lower() != name.lower():
        return False
    return number is None or str(shape.user_id(world, author)) == number


# -- merge requests ---------------------------------------------------------------------


async def list_merge_requests(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    repo = project_of(request)
    state = request.query.get("state", "all")
    if state not in (*_WORLD_STATES, "all"):
        raise ApiError(400, "state does not have a valid value", key="error")
    query = request.query
    found = [
        c
        for c in world.changes(FORGE, repo.path)
        if (state == "all" or c.state == _WORLD_STATES[state])
        and _author_matches(request, world, c.author)
        and query.get("source_branch", c.source_branch) == c.source_branch
        and query.get("target_branch", c.target_branch) == c.target_branch
    ]
    here = origin(request)
    return paginate(
        request, _ordered(request, found), lambda c: shape.merge_request(world, c, here)
    )


async def get_merge_request(request: web.Request) -> web.Response:
    """One merge request, with the `diff_refs` a single answer adds to the listed fields."""
    world = request.app[WORLD]
    repo = project_of(request)
    change = _change(world, repo, number_of(request, "iid"))
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


def _change(world: World, repo: SandboxRepo, number: int) -> Any:
    try:
        return world.change(FORGE, repo.path, number)
    except WorldError:
        raise not_found("Merge Request") from None


async def merge_request_diffs(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    repo = project_of(request)
    number = number_of(request, "iid")
    _change(world, repo, number)
    diff = await asyncio.to_thread(world.change_diff, FORGE, repo.path, number)
    return paginate(request, git.file_diffs(diff.decode("utf-8", "replace")), lambda d: d)


async def merge_request_raw_diffs(request: web.Request) -> web.Response:
    """git's diff text, as GitLab 17.9+ sends it (uncached); older GitLab has no such route."""
    world = request.app[WORLD]
    if not request.app[RAW_DIFFS]:
        raise ApiError(404, "404 Not Found", key="error")
    repo = project_of(request)
    number = number_of(request, "iid")
    _change(world, repo, number)
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
    return web.json_response(shape.merge_request(world, change, origin(request)), status=201)


# -- issues -----------------------------------------------------------------------------


async def list_issues(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    repo = project_of(request)
    state = request.query.get("state", "all")
    if state not in ("opened", "closed", "all"):
        raise ApiError(400, "state does not have a valid value", key="error")
    found = [
        i
        for i in world.issues(FORGE, repo.path)
        if (state == "all" or i.state == _WORLD_STATES[state])
        and _author_matches(request, world, i.author)
    ]
    here = origin(request)
    return paginate(request, _ordered(request, found), lambda i: shape.issue(world, i, here))


def _issue(world: World, repo: SandboxRepo, number: int) -> Any:
    try:
        return world.issue(FORGE, repo.path, number)
    except WorldError:
        raise not_found("Issue") from None


async def get_issue(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    found = _issue(world, project_of(request), number_of(request, "iid"))
    return web.json_response(shape.issue(world, found, origin(request)))


async def create_issue(request: web.Request) -> web.Response:
    """Anyone signed in may open an issue on a public project."""
    world = request.app[WORLD]
    repo = project_of(request)
    user = signed_in(request)
    values = await params(request)
    required(values, "title")
    created = await asyncio.to_thread(
        world.open_issue,
        FORGE,
        repo.path,
        title=values["title"],
        body=values.get("description", ""),
        author=user.name,
        shared_numbers=False,
    )
    return web.json_response(shape.issue(world, created, origin(request)), status=201)


async def update_issue(request: web.Request) -> web.Response:
    """The author or a reporter (triage) and above may edit an issue."""
    world = request.app[WORLD]
    repo = project_of(request)
    user = signed_in(request)
    found = _issue(world, repo, number_of(request, "iid"))
    if found.author != user.name and not at_least(world, repo, user, "triage"):
        raise ApiError(403, "403 Forbidden")
    values = await params(request)
    event = values.get("state_event")
    edited = await asyncio.to_thread(
        world.edit_issue,
        FORGE,
        repo.path,
        found.number,
        title=values.get("title"),
        body=values.get("description"),
        state={"close": "closed", "reopen": "open"}.get(event or ""),
    )
    return web.json_response(shape.issue(world, edited, origin(request)))


# -- notes and award emoji ----------------------------------------------------------------


def _thread(request: web.Request) -> tuple[World, SandboxRepo, str, int]:
    world = request.app[WORLD]
    repo = project_of(request)
    kind = _KINDS[request.match_info["kind"]]
    number = number_of(request, "iid")
    (_issue if kind == "issue" else _change)(world, repo, number)
    return world, repo, kind, number


def _note(request: web.Request) -> tuple[World, SandboxComment]:
    world, repo, kind, number = _thread(request)
    try:
        found = world.comment(FORGE, number_of(request, "note_id"))
    except WorldError:
        raise not_found("Note") from None
    if (found.repo, found.kind, found.number) != (repo.path, kind, number):
        raise not_found("Note")
    return world, found


async def list_notes(request: web.Request) -> web.Response:
    world, repo, kind, number = _thread(request)
    found = _ordered(request, world.comments(FORGE, repo.path, kind, number))
    here = origin(request)
    return paginate(request, found, lambda n: shape.note(world, n, here))


async def get_note(request: web.Request) -> web.Response:
    world, found = _note(request)
    return web.json_response(shape.note(world, found, origin(request)))


async def create_note(request: web.Request) -> web.Response:
    world, repo, kind, number = _thread(request)
    user = signed_in(request)
    values = await params(request)
    required(values, "body")
    created = await asyncio.to_thread(
        world.add_comment, FORGE, repo.path, kind, number, author=user.name, body=values["body"]
    )
    return web.json_response(shape.note(world, created, origin(request)), status=201)


async def update_note(request: web.Request) -> web.Response:
    """Only a note's author (or an administrator) may edit it."""
    world, found = _note(request)
    user = signed_in(request)
    if found.author != user.name and not user.admin:
        raise ApiError(403, "403 Forbidden")
    values = await params(request)
    required(values, "body")
    edited = await asyncio.to_thread(world.edit_comment, FORGE, found.id, values["body"])
    return web.json_response(shape.note(world, edited, origin(request)))


async def list_awards(request: web.Request) -> web.Response:
    world, found = _note(request)
    here = origin(request)
    return paginate(
        request, found.reactions, lambda pair: shape.award(world, found, *pair, here)
    )


async def create_award(request: web.Request) -> web.Response:
    """A second award of the same emoji by the same user is GitLab's 404 "already taken"."""
    world, found = _note(request)
    user = signed_in(request)
    values = await params(request)
    required(values, "name")
    name = shape.EMOJI_TO_WORLD.get(values["name"], values["name"])
    if (user.name, name) in found.reactions:
        raise ApiError(404, "404 Award Emoji Name has already been taken")
    await asyncio.to_thread(world.react, FORGE, found.id, user.name, name)
    return web.json_response(
        shape.award(world, found, user.name, name, origin(request)), status=201
    )
