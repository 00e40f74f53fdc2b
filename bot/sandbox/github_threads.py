"""The GitHub sandbox's conversation endpoints: issues (whose list includes pull requests,
as GitHub's does), their comments and the reactions to those."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from bot.sandbox import github_events as events
from bot.sandbox.github_common import (
    FORGE,
    PUSH_ROLES,
    ApiError,
    association,
    existing_repo,
    invalid,
    json_answer,
    json_body,
    matches_state,
    not_found,
    number_of,
    page_of,
    role_of,
    run,
    signed_in,
    site_of,
    state_filter,
    world_of,
)
from bot.sandbox.github_json import REACTIONS, Json, Site, numeric_id
from bot.sandbox.github_json_threads import comment_json, issue_json, reaction_json
from bot.sandbox.webhooks import WEBHOOKS
from bot.sandbox.world import SandboxChange, SandboxComment, SandboxIssue, User, World, WorldError


def _thread(world: World, path: str, number: int) -> SandboxIssue | SandboxChange:
    """Issues and pull requests share numbers on GitHub; the issues API serves both."""
    try:
        return world.issue(FORGE, path, number)
    except WorldError:
        pass
    try:
        return world.change(FORGE, path, number)
    except WorldError:
        raise not_found() from None


def _issue(world: World, site: Site, thread: SandboxIssue | SandboxChange) -> Json:
    kind = "change" if isinstance(thread, SandboxChange) else "issue"
    count = len(world.comments(FORGE, thread.repo, kind, thread.number))
    return issue_json(
        site,
        thread,
        comments=count,
        association=association(world, thread.repo, thread.author),
    )


#: the `issues` action of an edit that moved the issue to that state
_STATE_ACTIONS = {"open": "reopened", "closed": "closed"}


def _notify(request: web.Request, event: tuple[str, bytes]) -> None:
    """Queue `event` for the app's hooks, if the sandbox runs with any."""
    sender = request.app.get(WEBHOOKS)
    if sender is not None:
        sender.post(FORGE, *event)


def _may_edit(world: World, path: str, user: User, author: str) -> None:
    if user.name != author and role_of(world, path, user) not in PUSH_ROLES:
        raise ApiError(403, "Must have admin rights to Repository.")


def _since(request: web.Request) -> datetime | None:
    value = request.query.get("since")
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid("Issue", "since") from None


async def list_issues(request: web.Request) -> web.Response:
    repo = await existing_repo(request)
    world = world_of(request)
    wanted, creator, since = state_filter(request), request.query.get("creator"), _since(request)
    threads: list[SandboxIssue | SandboxChange] = [
        *await run(world.issues, FORGE, repo.path),
        *await run(world.changes, FORGE, repo.path),
    ]
    chosen = [
        t
        for t in threads
        if matches_state(t.state, wanted)
        and (creator is None or t.author == creator)
        and (since is None or t.updated_at >= since)
    ]
    sort = "updated_at" if request.query.get("sort") == "updated" else "created_at"
    descending = request.query.get("direction", "desc") != "asc"
    chosen.sort(key=lambda t: (getattr(t, sort), t.number), reverse=descending)
    chunk, headers = page_of(request, chosen)
    site = site_of(request)
    return json_answer([_issue(world, site, t) for t in chunk], headers=headers)


async def get_issue(request: web.Request) -> web.Response:
    repo = await existing_repo(request)
    world = world_of(request)
    thread = await run(_thread, world, repo.path, number_of(request))
    return json_answer(await run(_issue, world, site_of(request), thread))


async def create_issue(request: web.Request) -> web.Response:
    user = signed_in(request)
    repo = await existing_repo(request)
    body = await json_body(request)
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        raise invalid("Issue", "title", "missing_field")
    world = world_of(request)
    issue = await run(
        world.open_issue,
        FORGE,
        repo.path,
        title=title,
        body=str(body.get("body") or ""),
        author=user.name,
    )
    _notify(
        request,
        await run(
            events.issue_event, world, site_of(request), issue, sender=user.name, action="opened"
        ),
    )
    return json_answer(await run(_issue, world, site_of(request), issue), status=201)


async def edit_issue(request: web.Request) -> web.Response:
    user = signed_in(request)
    repo = await existing_repo(request)
    world = world_of(request)
    body = await json_body(request)
    thread = await run(_thread, world, repo.path, number_of(request))
    _may_edit(world, repo.path, user, thread.author)
    state, was = body.get("state"), thread.state
    if state is not None and state not in ("open", "closed"):
        raise invalid("Issue", "state")
    title, text = body.get("title"), body.get("body")
    if isinstance(thread, SandboxIssue):
        thread = await run(
            world.edit_issue, FORGE, repo.path, thread.number, title=title, body=text, state=state
        )
    else:
        await run(_edit_change, world, thread, title, text, state)
    action = "edited" if thread.state == was else _STATE_ACTIONS.get(thread.state, "edited")
    _notify(
        request,
        await run(
            events.issue_event, world, site_of(request), thread, sender=user.name, action=action
        ),
    )
    return json_answer(await run(_issue, world, site_of(request), thread))


def _edit_change(
    world: World, change: SandboxChange, title: str | None, body: str | None, state: str | None
) -> None:
    # the World edits issues only; a pull request edited through the issues API changes here
    with world.writing():
        change.title = change.title if title is None else title
        change.body = change.body if body is None else body
        if state is not None and change.state != "merged":
            change.state = state
        change.updated_at = world.clock()


async def list_comments(request: web.Request) -> web.Response:
    repo = await existing_repo(request)
    world = world_of(request)
    thread = await run(_thread, world, repo.path, number_of(request))
    kind = "change" if isinstance(thread, SandboxChange) else "issue"
    since = _since(request)
    comments = [
        c
        for c in await run(world.comments, FORGE, repo.path, kind, thread.number)
        if since is None or c.updated_at >= since
    ]
    chunk, headers = page_of(request, comments)
    site = site_of(request)
    answer = [
        comment_json(site, c, association=association(world, repo.path, c.author)) for c in chunk
    ]
    return json_answer(answer, headers=headers)


async def create_comment(request: web.Request) -> web.Response:
    user = signed_in(request)
    repo = await existing_repo(request)
    world = world_of(request)
    body = await json_body(request)
    text = body.get("body")
    if not isinstance(text, str) or not text:
        raise invalid("IssueComment", "body", "missing_field")
    thread = await run(_thread, world, repo.path, number_of(request))
    kind = "change" if isinstance(thread, SandboxChange) else "issue"
    comment = await run(
        world.add_comment, FORGE, repo.path, kind, thread.number, author=user.name, body=text
    )
    site = site_of(request)
    _notify(
        request,
        await run(events.comment_event, world, site, comment, sender=user.name, action="created"),
    )
    answer = comment_json(site, comment, association=association(world, repo.path, user.name))
    return json_answer(answer, status=201)


async def edit_comment(request: web.Request) -> web.Response:
    user = signed_in(request)
    repo = await existing_repo(request)
    world = world_of(request)
    comment = await _comment_in(request, world, repo.path)
    body = await json_body(request)
    text = body.get("body")
    if not isinstance(text, str) or not text:
        raise invalid("IssueComment", "body", "missing_field")
    _may_edit(world, repo.path, user, comment.author)
    old_body = comment.body
    edited = await run(world.edit_comment, FORGE, comment.id, text)
    site = site_of(request)
    _notify(
        request,
        await run(
            events.comment_event,
            world,
            site,
            edited,
            sender=user.name,
            action="edited",
            old_body=old_body,
        ),
    )
    answer = comment_json(site, edited, association=association(world, repo.path, edited.author))
    return json_answer(answer)


async def _comment_in(request: web.Request, world: World, path: str) -> SandboxComment:
    try:
        comment = await run(world.comment, FORGE, number_of(request, "id"))
    except WorldError:
        raise not_found() from None
    if comment.repo != path:
        raise not_found()
    return comment


async def react(request: web.Request) -> web.Response:
    user = signed_in(request)
    repo = await existing_repo(request)
    world = world_of(request)
    comment = await _comment_in(request, world, repo.path)
    content = (await json_body(request)).get("content")
    if content not in REACTIONS:
        raise invalid("Reaction", "content")
    known = (user.name, content) in comment.reactions
    await run(world.react, FORGE, comment.id, user.name, content)
    reaction_id = numeric_id(f"{comment.id}:{user.name}:{content}")
    answer = reaction_json(site_of(request), reaction_id, user.name, content, comment.updated_at)
    # GitHub answers 200 with the reaction the user had already given, 201 for a new one
    return json_answer(answer, status=200 if known else 201)


def routes(prefix: str) -> list[web.RouteDef]:
    repo = f"{prefix}/repos/{{owner}}/{{repo}}"
    return [
        web.get(f"{repo}/issues", list_issues),
        web.post(f"{repo}/issues", create_issue),
        web.get(f"{repo}/issues/{{number:\\d+}}", get_issue),
        web.patch(f"{repo}/issues/{{number:\\d+}}", edit_issue),
        web.get(f"{repo}/issues/{{number:\\d+}}/comments", list_comments),
        web.post(f"{repo}/issues/{{number:\\d+}}/comments", create_comment),
        web.patch(f"{repo}/issues/comments/{{id:\\d+}}", edit_comment),
        web.post(f"{repo}/issues/comments/{{id:\\d+}}/reactions", react),
    ]
