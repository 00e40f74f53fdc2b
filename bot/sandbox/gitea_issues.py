"""Gitea sandbox handlers for pull requests and issues, which share their numbers as on Gitea
(comments: `gitea_comments`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.sandbox import gitea_git
from bot.sandbox.gitea_events import issue_event, pull_event
from bot.sandbox.gitea_json import is_wip
from bot.sandbox.gitea_json_pulls import pull, pull_as_issue
from bot.sandbox.gitea_repos import can_write, index, view
from bot.sandbox.gitea_web import (
    FORGE,
    Call,
    GiteaError,
    Reply,
    json_reply,
    not_found,
    page_of,
)
from bot.sandbox.world import SandboxChange, SandboxRepo, WorldError

_SORTS = {
    "oldest": (lambda item: item.number, False),
    "recentupdate": (lambda item: (item.updated_at, item.number), True),
    "leastupdate": (lambda item: (item.updated_at, item.number), False),
}
_NEWEST = (lambda item: item.number, True)


#: the `issues` action of an edit that moved the issue to that state
_STATE_ACTIONS = {"open": "reopened", "closed": "closed"}


def _states(state: str) -> tuple[str, ...]:
    return {"open": ("open",), "closed": ("closed", "merged")}.get(
        state, ("open", "closed", "merged")
    )


# -- pull requests ---------------------------------------------------------------------


def list_pulls(call: Call) -> Reply:
    call.world.repo(FORGE, call.path)
    wanted = _states(call.query.get("state") or "open")
    changes = [c for c in call.world.changes(FORGE, call.path) if c.state in wanted]
    key, reverse = _SORTS.get(call.query.get("sort", ""), _NEWEST)
    page, headers = page_of(call, sorted(changes, key=key, reverse=reverse))
    rendering = view(call)
    return json_reply([pull(rendering, c) for c in page], headers=headers)


def get_pull(call: Call) -> Reply:
    return json_reply(pull(view(call), call.world.change(FORGE, call.path, index(call))))


def pull_diff(call: Call) -> Reply:
    diff = call.world.change_diff(FORGE, call.path, index(call))
    return Reply(200, diff, "text/plain; charset=utf-8")


def create_pull(call: Call) -> Reply:
    doer = call.signed_in()
    target = call.world.repo(FORGE, call.path)
    title, head, base = call.field("title"), call.field("head"), call.field("base")
    if not title or not head or not base:
        raise GiteaError(422, "[Title] [Head] [Base]: Required")
    source, branch = _head_repo(call, target, head)
    if source.path == target.path and branch == base:
        raise GiteaError(
            422, "Invalid PullRequest: There are no changes between the head and the base"
        )
    git_dir = call.world.git_dir(FORGE, target.path)
    if gitea_git.resolve(git_dir, f"refs/heads/{base}") is None:
        raise not_found(f"branch does not exist [name: {base}]")
    if gitea_git.resolve(call.world.git_dir(FORGE, source.path), f"refs/heads/{branch}") is None:
        raise not_found(f"branch does not exist [name: {branch}]")
    with call.world.writing():
        for existing in call.world.changes(FORGE, target.path):
            if (
                existing.state,
                existing.source_repo,
                existing.source_branch,
                existing.target_branch,
            ) == (
                "open",
                source.path,
                branch,
                base,
            ):
                raise GiteaError(
                    409,
                    f"pull request already exists for these targets [id: {existing.id}, "
                    f"issue_id: {existing.number}, head_repo_id: {source.id}, "
                    f"base_repo_id: {target.id}, head_branch: {branch}, base_branch: {base}]",
                )
        change = call.world.open_change(
            FORGE,
            target.path,
            title=title,
            body=call.field("body") or "",
            author=doer.name,
            source_repo=source.path,
            source_branch=branch,
            target_branch=base,
            draft=is_wip(title),
        )
    rendering = view(call)
    event = pull_event(rendering, change, sender=doer.name, action="opened")
    return replace(json_reply(pull(rendering, change), status=201), events=(event,))


def edit_pull(call: Call) -> Reply:
    """Title and body, by the poster or a writer; a draft is its title's WIP prefix."""
    doer = call.signed_in()
    change = call.world.change(FORGE, call.path, index(call))
    if change.author != doer.name and not can_write(call, doer):
        raise GiteaError(403, "only the poster or a writer may edit a pull request")
    title = call.field("title") or None
    edited = call.world.edit_change(
        FORGE,
        call.path,
        change.number,
        title=title,
        body=call.field("body"),
        draft=None if title is None else is_wip(title),
    )
    # Gitea answers a pull request edit with 201, as it does an issue edit
    return json_reply(pull(view(call), edited), status=201)


def _head_repo(call: Call, target: SandboxRepo, head: str) -> tuple[SandboxRepo, str]:
    """`branch`, `owner:branch` (the owner's fork of the target) or `owner/repo:branch`."""
    where, sep, branch = head.rpartition(":")
    if not sep:
        return target, head
    owner, slash, name = where.partition("/")
    if slash:
        return call.world.repo(FORGE, f"{owner}/{name}"), branch
    if owner == target.namespace:
        return target, branch
    fork = next(
        (r for r in call.world.repos(FORGE, owner) if r.fork_of == target.path),
        None,
    )
    if fork is None:
        raise not_found(f"repository does not exist [owner: {owner}, fork of: {target.path}]")
    return fork, branch


# -- issues ------------------------------------------------------------------------------


def list_issues(call: Call) -> Reply:
    call.world.repo(FORGE, call.path)
    wanted = _states(call.query.get("state") or "open")
    kind = call.query.get("type")
    author = call.query.get("created_by")
    items: list[Any] = []
    if kind != "pulls":
        items += [i for i in call.world.issues(FORGE, call.path) if i.state in wanted]
    if kind != "issues":
        items += [c for c in call.world.changes(FORGE, call.path) if c.state in wanted]
    if author:
        items = [item for item in items if item.author == author]
    page, headers = page_of(call, sorted(items, key=lambda item: item.number, reverse=True))
    rendering = view(call)
    return json_reply(
        [
            pull_as_issue(rendering, item)
            if isinstance(item, SandboxChange)
            else rendering.issue(item)
            for item in page
        ],
        headers=headers,
    )


def get_issue(call: Call) -> Reply:
    number = index(call)
    rendering = view(call)
    try:
        return json_reply(rendering.issue(call.world.issue(FORGE, call.path, number)))
    except WorldError:
        return json_reply(pull_as_issue(rendering, call.world.change(FORGE, call.path, number)))


def create_issue(call: Call) -> Reply:
    doer = call.signed_in()
    call.world.repo(FORGE, call.path)
    title = call.field("title")
    if not title:
        raise GiteaError(422, "[Title]: Required")
    made = call.world.open_issue(
        FORGE, call.path, title=title, body=call.field("body") or "", author=doer.name
    )
    rendering = view(call)
    event = issue_event(rendering, made, sender=doer.name, action="opened")
    return replace(json_reply(rendering.issue(made), status=201), events=(event,))


def edit_issue(call: Call) -> Reply:
    doer = call.signed_in()
    issue = call.world.issue(FORGE, call.path, index(call))
    if issue.author != doer.name and not can_write(call, doer):
        raise GiteaError(403, "only the poster or a writer may edit an issue")
    state, issue_state = call.field("state"), issue.state
    if state not in (None, "open", "closed"):
        raise GiteaError(422, f"[State]: invalid value {state!r}")
    edited = call.world.edit_issue(
        FORGE,
        call.path,
        issue.number,
        title=call.field("title") or None,
        body=call.field("body"),
        state=state,
    )
    rendering = view(call)
    action = "edited" if edited.state == issue_state else _STATE_ACTIONS[edited.state]
    event = issue_event(rendering, edited, sender=doer.name, action=action)
    # Gitea answers an edit with 201
    return replace(json_reply(rendering.issue(edited), status=201), events=(event,))
