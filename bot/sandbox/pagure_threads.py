"""The sandbox Pagure's pull-request and issue endpoints (API v0), over the World.

As on Pagure: anyone logged in may open an issue or comment; opening a pull request needs
commit access to the repository the changes come from (401 ENOTHIGHENOUGH otherwise);
issues and pull requests share one numbering per project. Pagure neither refuses a second
pull request from the same branch nor returns the comment it adds: neither does this.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.sandbox import gitstore, pagure_events, pagure_json
from bot.sandbox.pagure_common import (
    ApiError,
    base_of,
    can_commit,
    form,
    in_thread,
    logged_in,
    paging,
    required,
    token_user,
    world_of,
)
from bot.sandbox.pagure_json import FORGE
from bot.sandbox.world import SandboxChange, SandboxIssue, World, WorldError

_AVATAR = "https://seccdn.libravatar.org/avatar/{}?s=30&d=retro"


def _page(items: list[Any], page: int, per_page: int) -> list[Any]:
    return items[(page - 1) * per_page : page * per_page]


def _change(world: World, path: str, number: str) -> SandboxChange:
    try:
        return world.change(FORGE, path, int(number))
    except WorldError:
        raise ApiError(404, "ENOREQ") from None


def _issue(world: World, path: str, number: str) -> SandboxIssue:
    try:
        return world.issue(FORGE, path, int(number))
    except WorldError:
        raise ApiError(404, "ENOISSUE") from None


def _status_filter(status: str | None, *, default: str) -> Callable[[str], bool]:
    """Pagure's `status` argument: absent means open, "all" everything, "0", "false" or
    "closed" everything not open; else that exact status ("Open", "Merged", "Closed")."""
    if status is None:
        return lambda shown: shown == default
    lowered = status.lower()
    if lowered == "all":
        return lambda _shown: True
    if lowered in ("0", "false", "closed") and status != "Closed":
        return lambda shown: shown != default
    return lambda shown: shown == status


async def _pull_requests(request: web.Request, path: str, _rest: list[str]) -> web.Response:
    world = world_of(request)
    page, per_page = paging(request)
    status, author = request.query.get("status"), request.query.get("author")
    keep = _status_filter(status, default="Open")
    base = base_of(request)

    def answer() -> dict[str, Any]:
        found = [
            c
            for c in reversed(world.changes(FORGE, path))
            if keep(pagure_json.pull_request_status(c)) and (author is None or c.author == author)
        ]
        return {
            "args": {
                "assignee": None,
                "author": author,
                "page": page,
                "per_page": per_page,
                "status": status,
                "tags": [],
            },
            "pagination": pagure_json.pagination(
                request.url, page=page, per_page=per_page, total=len(found)
            ),
            "requests": [
                pagure_json.pull_request(world, c, base) for c in _page(found, page, per_page)
            ],
            "total_requests": len(found),
        }

    return web.json_response(await in_thread(world, answer))


async def _pull_request(request: web.Request, path: str, rest: list[str]) -> web.Response:
    world = world_of(request)
    base = base_of(request)
    body = await in_thread(
        world, lambda: pagure_json.pull_request(world, _change(world, path, rest[1]), base)
    )
    return web.json_response(body)


async def _edit_pull_request(request: web.Request, path: str, rest: list[str]) -> web.Response:
    """The title (required) and the initial comment, by the author or a committer."""
    world = world_of(request)
    me = logged_in(request)
    fields = await form(request)
    required(fields, "title")
    base = base_of(request)

    def make() -> dict[str, Any]:
        found = _change(world, path, rest[1])
        if found.author != me.name and not can_commit(world, path, me.name):
            raise ApiError(401, "ENOTHIGHENOUGH")
        title = fields["title"].strip()
        body = fields.get("initial_comment")
        edited = world.edit_change(
            FORGE,
            path,
            found.number,
            title=title,
            body=None if body is None else body.strip(),
            draft=title.startswith(("[WIP]", "WIP:")),
        )
        return pagure_json.pull_request(world, edited, base)

    return web.json_response(await in_thread(world, make))


def _source(world: World, path: str, fields: dict[str, str]) -> str:
    """The World path the changes of a new pull request come from."""
    name = fields.get("repo_from")
    if not name:
        return path
    owner, namespace = fields.get("repo_from_username"), fields.get("repo_from_namespace")
    source = "/".join(p for p in ("fork" if owner else "", owner, namespace, name) if p)
    try:
        world.repo(FORGE, source)
    except WorldError:
        raise ApiError(404, "ENOPROJECT") from None
    return source


async def _new_pull_request(request: web.Request, path: str, _rest: list[str]) -> web.Response:
    world = world_of(request)
    me = logged_in(request)
    fields = await form(request)
    required(fields, "title", "branch_to", "branch_from")
    base = base_of(request)

    def make() -> tuple[dict[str, Any], list[pagure_events.PagureEvent]]:
        source = _source(world, path, fields)
        if not can_commit(world, source, me.name):
            raise ApiError(401, "ENOTHIGHENOUGH")
        if not gitstore.branch_head(world.git_dir(FORGE, source), fields["branch_from"]):
            message = "The branch from which you want to merge does not exist"
            raise ApiError(400, "EINVALIDREQ", errors=message)
        if not gitstore.branch_head(world.git_dir(FORGE, path), fields["branch_to"]):
            message = "The branch into which this pull-request should be merged does not exist"
            raise ApiError(400, "EINVALIDREQ", errors=message)
        change = world.open_change(
            FORGE,
            path,
            title=fields["title"],
            body=fields.get("initial_comment", "").strip(),
            author=me.name,
            source_repo=source,
            source_branch=fields["branch_from"],
            target_branch=fields["branch_to"],
        )
        event = pagure_events.pull_request_new_event(world, change, agent=me.name, base=base)
        return pagure_json.pull_request(world, change, base), [event]

    body, events = await in_thread(world, make)
    pagure_events.post(request, events)
    return web.json_response(body)


async def _comment(
    request: web.Request, path: str, rest: list[str], *, kind: str
) -> dict[str, Any]:
    world = world_of(request)
    me = logged_in(request)
    fields = await form(request)
    required(fields, "comment")
    base = base_of(request)

    def make() -> pagure_events.PagureEvent:
        if kind == "issue":
            _issue(world, path, rest[1])
        else:
            _change(world, path, rest[1])
        added = world.add_comment(
            FORGE, path, kind, int(rest[1]), author=me.name, body=fields["comment"]
        )
        return pagure_events.comment_event(world, added, agent=me.name, base=base)

    pagure_events.post(request, [await in_thread(world, make)])
    return {"message": "Comment added"}


async def _pull_request_comment(request: web.Request, path: str, rest: list[str]) -> web.Response:
    return web.json_response(await _comment(request, path, rest, kind="change"))


async def _issues(request: web.Request, path: str, _rest: list[str]) -> web.Response:
    world = world_of(request)
    token_user(request, required=False)
    page, per_page = paging(request)
    status, author = request.query.get("status"), request.query.get("author")
    keep = _status_filter(status, default="Open")
    base = base_of(request)

    def answer() -> dict[str, Any]:
        found = [
            i
            for i in reversed(world.issues(FORGE, path))
            if keep("Open" if i.state == "open" else "Closed")
            and (author is None or i.author == author)
        ]
        shown = _page(found, page, per_page)
        return {
            "args": {
                "assignee": None,
                "author": author,
                "milestones": [],
                "no_stones": None,
                "order": None,
                "priority": None,
                "since": None,
                "status": status,
                "tags": [],
            },
            "issues": [pagure_json.issue(world, i, base) for i in shown],
            "pagination": pagure_json.pagination(
                request.url, page=page, per_page=per_page, total=len(found)
            ),
            # Pagure counts the issues of the page here, not all of them
            "total_issues": len(shown),
        }

    return web.json_response(await in_thread(world, answer))


async def _issue_view(request: web.Request, path: str, rest: list[str]) -> web.Response:
    world = world_of(request)
    token_user(request, required=False)
    base = base_of(request)
    body = await in_thread(
        world, lambda: pagure_json.issue(world, _issue(world, path, rest[1]), base)
    )
    return web.json_response(body)


async def _new_issue(request: web.Request, path: str, _rest: list[str]) -> web.Response:
    world = world_of(request)
    me = logged_in(request)
    fields = await form(request)
    required(fields, "title", "issue_content")
    base = base_of(request)

    def make() -> dict[str, Any]:
        found = world.open_issue(
            FORGE, path, title=fields["title"], body=fields["issue_content"], author=me.name
        )
        return {"issue": pagure_json.issue(world, found, base), "message": "Issue created"}

    return web.json_response(await in_thread(world, make))


async def _edit_issue(request: web.Request, path: str, rest: list[str]) -> web.Response:
    world = world_of(request)
    me = logged_in(request)
    fields = await form(request)
    required(fields, "title", "issue_content")
    base = base_of(request)

    def make() -> dict[str, Any]:
        found = _issue(world, path, rest[1])
        if found.author != me.name and not can_commit(world, path, me.name):
            raise ApiError(401, "ENOTHIGHENOUGH")
        world.edit_issue(
            FORGE, path, found.number, title=fields["title"].strip(), body=fields["issue_content"]
        )
        return {"issue": pagure_json.issue(world, found, base), "message": "Issue edited"}

    return web.json_response(await in_thread(world, make))


async def _issue_comment(request: web.Request, path: str, rest: list[str]) -> web.Response:
    body = await _comment(request, path, rest, kind="issue")
    me = logged_in(request)
    return web.json_response({**body, "avatar_url": _AVATAR.format(me.name), "user": me.name})


ROUTES: list[
    tuple[str, tuple[str, ...], Callable[[web.Request, str, list[str]], Awaitable[web.Response]]]
] = [
    ("GET", ("pull-requests",), _pull_requests),
    ("POST", ("pull-request", "new"), _new_pull_request),
    ("GET", ("pull-request", "#"), _pull_request),
    ("POST", ("pull-request", "#"), _edit_pull_request),
    ("POST", ("pull-request", "#", "comment"), _pull_request_comment),
    ("GET", ("issues",), _issues),
    ("POST", ("new_issue",), _new_issue),
    ("GET", ("issue", "#"), _issue_view),
    ("POST", ("issue", "#"), _edit_issue),
    ("POST", ("issue", "#", "comment"), _issue_comment),
]
