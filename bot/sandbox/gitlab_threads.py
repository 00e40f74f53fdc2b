"""The GitLab sandbox's issue and note endpoints: issues (numbered apart from merge
requests), notes on issues and merge requests, and award emoji on notes."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.sandbox import gitlab_events as events
from bot.sandbox import gitlab_json_threads as shape
from bot.sandbox.gitlab_http import (
    FORGE,
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
from bot.sandbox.gitlab_merge_requests import find_change
from bot.sandbox.world import SandboxComment, SandboxIssue, SandboxRepo, World, WorldError

#: where each kind of thread lives in the URL, and its name in the World
_KINDS = {"issues": "issue", "merge_requests": "change"}


def routes() -> list[web.RouteDef]:
    project = "/api/v4/projects/{id}"
    thread = f"{project}/{{kind:issues|merge_requests}}/{{iid}}"
    return [
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
        if (state == "all" or i.state == WORLD_STATES[state])
        and author_matches(request, world, i.author)
    ]
    here = origin(request)
    return paginate(request, ordered(request, found), lambda i: shape.issue(world, i, here))


def _issue(world: World, repo: SandboxRepo, number: int) -> SandboxIssue:
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
    events.notify(
        request, events.issue_event(world, created, sender=user.name, origin=origin(request))
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
    (_issue if kind == "issue" else find_change)(world, repo, number)
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
    found = ordered(request, world.comments(FORGE, repo.path, kind, number))
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
    events.notify(
        request, events.note_event(world, created, sender=user.name, origin=origin(request))
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
    here = origin(request)
    events.notify(
        request, events.note_event(world, edited, sender=user.name, origin=here, action="update")
    )
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
