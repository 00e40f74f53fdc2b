"""Gitea sandbox handlers for pull requests, issues, comments and reactions; issues and pull
requests share their numbers and their comment threads, as on Gitea."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.sandbox import gitea_git
from bot.sandbox.gitea_json import View, access_mode, is_wip, stamp
from bot.sandbox.gitea_json_pulls import pull, reaction, title_of
from bot.sandbox.gitea_repos import view
from bot.sandbox.gitea_web import (
    FORGE,
    Call,
    GiteaError,
    Reply,
    json_reply,
    not_found,
    page_of,
)
from bot.sandbox.world import SandboxChange, SandboxComment, SandboxRepo, User, WorldError

#: Gitea's default `[ui] REACTIONS`
REACTIONS = ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")
_SORTS = {
    "oldest": (lambda item: item.number, False),
    "recentupdate": (lambda item: (item.updated_at, item.number), True),
    "leastupdate": (lambda item: (item.updated_at, item.number), False),
}
_NEWEST = (lambda item: item.number, True)


def _index(call: Call) -> int:
    return int(call.params["index"])


def _writer(call: Call, user: User) -> bool:
    return access_mode(call.world, call.path, user.name) in ("write", "admin", "owner")


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
    return json_reply(pull(view(call), call.world.change(FORGE, call.path, _index(call))))


def pull_diff(call: Call) -> Reply:
    diff = call.world.change_diff(FORGE, call.path, _index(call))
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
    return json_reply(pull(view(call), change), status=201)


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


def _pull_as_issue(rendering: View, change: SandboxChange) -> dict[str, Any]:
    """A pull request as the issues endpoints show it: an issue with `pull_request` set."""
    data = pull(rendering, change)
    repo = rendering.world.repo(FORGE, change.repo)
    merged = change.state == "merged"
    return {
        "id": data["id"],
        "url": f"{rendering.api}/repos/{change.repo}/issues/{change.number}",
        "html_url": data["html_url"],
        "number": change.number,
        "user": data["user"],
        "original_author": "",
        "original_author_id": 0,
        "title": title_of(change),
        "body": change.body,
        "ref": "",
        "assets": [],
        "labels": [],
        "milestone": None,
        "assignee": None,
        "assignees": None,
        "state": data["state"],
        "is_locked": False,
        "comments": data["comments"],
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
        "closed_at": data["closed_at"],
        "due_date": None,
        "pull_request": {
            "merged": merged,
            "merged_at": data["merged_at"],
            "draft": data["draft"],
            "html_url": data["html_url"],
        },
        "repository": {
            "id": repo.id,
            "name": repo.name,
            "owner": repo.namespace,
            "full_name": repo.path,
        },
        "pin_order": 0,
    }


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
            _pull_as_issue(rendering, item)
            if isinstance(item, SandboxChange)
            else rendering.issue(item)
            for item in page
        ],
        headers=headers,
    )


def get_issue(call: Call) -> Reply:
    number = _index(call)
    rendering = view(call)
    try:
        return json_reply(rendering.issue(call.world.issue(FORGE, call.path, number)))
    except WorldError:
        return json_reply(_pull_as_issue(rendering, call.world.change(FORGE, call.path, number)))


def create_issue(call: Call) -> Reply:
    doer = call.signed_in()
    call.world.repo(FORGE, call.path)
    title = call.field("title")
    if not title:
        raise GiteaError(422, "[Title]: Required")
    made = call.world.open_issue(
        FORGE, call.path, title=title, body=call.field("body") or "", author=doer.name
    )
    return json_reply(view(call).issue(made), status=201)


def edit_issue(call: Call) -> Reply:
    doer = call.signed_in()
    issue = call.world.issue(FORGE, call.path, _index(call))
    if issue.author != doer.name and not _writer(call, doer):
        raise GiteaError(403, "only the poster or a writer may edit an issue")
    state = call.field("state")
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
    # Gitea answers an edit with 201
    return json_reply(view(call).issue(edited), status=201)


# -- comments and reactions --------------------------------------------------------------


def _thread_kind(call: Call, number: int) -> str:
    try:
        call.world.issue(FORGE, call.path, number)
        return "issue"
    except WorldError:
        call.world.change(FORGE, call.path, number)
        return "change"


def list_comments(call: Call) -> Reply:
    number = _index(call)
    found = call.world.comments(FORGE, call.path, _thread_kind(call, number), number)
    since, before = call.query.get("since"), call.query.get("before")
    rendering = view(call)
    shown = [rendering.comment(c) for c in found]
    # RFC 3339 in UTC compares as text; Gitea filters on the update time
    if since:
        shown = [c for c in shown if c["updated_at"] >= _utc(since)]
    if before:
        shown = [c for c in shown if c["updated_at"] < _utc(before)]
    return json_reply(shown, headers={"X-Total-Count": str(len(shown))})


def _utc(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise GiteaError(422, f"invalid time {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return stamp(moment) or ""


def create_comment(call: Call) -> Reply:
    doer = call.signed_in()
    number = _index(call)
    body = call.field("body")
    if body is None:
        raise GiteaError(422, "[Body]: Required")
    made = call.world.add_comment(
        FORGE, call.path, _thread_kind(call, number), number, author=doer.name, body=body
    )
    return json_reply(view(call).comment(made), status=201)


def _comment(call: Call) -> SandboxComment:
    found = call.world.comment(FORGE, int(call.params["id"]))
    if found.repo != call.path:
        raise not_found(f"comment does not exist [id: {found.id}]")
    return found


def get_comment(call: Call) -> Reply:
    return json_reply(view(call).comment(_comment(call)))


def edit_comment(call: Call) -> Reply:
    doer = call.signed_in()
    found = _comment(call)
    if found.author != doer.name and not _writer(call, doer):
        raise GiteaError(403, "only the poster or a writer may edit a comment")
    body = call.field("body")
    if body is None:
        raise GiteaError(422, "[Body]: Required")
    return json_reply(view(call).comment(call.world.edit_comment(FORGE, found.id, body)))


def list_reactions(call: Call) -> Reply:
    found = _comment(call)
    rendering = view(call)
    return json_reply([reaction(rendering, u, r, found.created_at) for u, r in found.reactions])


def add_reaction(call: Call) -> Reply:
    doer = call.signed_in()
    found = _comment(call)
    content = call.field("content")
    if content not in REACTIONS:
        raise GiteaError(403, f"'{content}' is not an allowed reaction")
    existed = (doer.name, content) in found.reactions
    call.world.react(FORGE, found.id, doer.name, content)
    answer = reaction(view(call), doer.name, content, found.created_at)
    return json_reply(answer, status=200 if existed else 201)
