"""Gitea's and Forgejo's webhook payloads (X-Gitea-Event / X-Forgejo-Event) as typed events.

`issue_comment` covers issues and pull requests: current releases say `is_pull` (and
X-Gitea-Event-Type `pull_request_comment`), older ones only give the issue a
`pull_request` object. `pull_request` with `closed` and `merged: true` is a merge. Gitea
sends no ping: its "Test delivery" is a `push`.
"""

from __future__ import annotations

from bot.ingest.events.fields import Obj
from bot.ingest.events.model import (
    ChangeAction,
    ChangeStateEvent,
    CommentAction,
    CommentEvent,
    Event,
    PushEvent,
    ThreadKind,
    ThreadRef,
)

_COMMENT_ACTIONS = {"created": CommentAction.CREATED, "edited": CommentAction.EDITED}
_CHANGE_ACTIONS = {"opened": ChangeAction.OPENED, "reopened": ChangeAction.REOPENED}


def parse(event: str, event_type: str | None, payload: Obj) -> Event | str:
    """The event, or why it is ignored; `event_type` is the finer X-Gitea-Event-Type."""
    match event:
        case "issue_comment" | "pull_request_comment":
            return _comment(payload, on_pull=event_type == "pull_request_comment")
        case "pull_request":
            return _pull_request(payload)
        case "push":
            return _push(payload)
    return f"Gitea event {event!r} is not one the bot handles"


def _comment(payload: Obj, *, on_pull: bool) -> Event | str:
    action = payload.str("action")
    if action not in _COMMENT_ACTIONS:
        return f"issue_comment {action!r} is not a new or edited comment"
    issue = payload.obj("issue")
    repository = payload.obj("repository")
    is_pull = on_pull or payload.bool("is_pull") or issue.has("pull_request")
    kind = ThreadKind.CHANGE if is_pull else ThreadKind.ISSUE
    number = issue.int("number")
    url = issue.opt_str("html_url")
    if url is None and (web := repository.opt_str("html_url")):
        url = f"{web}/{'pulls' if is_pull else 'issues'}/{number}"
    comment = payload.obj("comment")
    return CommentEvent(
        thread=ThreadRef(repo=repository.str("full_name"), kind=kind, number=number, url=url),
        comment_id=comment.ident("id"),
        author=_login(comment.obj("user")),
        body=comment.text("body"),
        action=_COMMENT_ACTIONS[action],
        created_at=comment.time("created_at"),
        updated_at=comment.time("updated_at"),
        url=comment.opt_str("html_url"),
    )


def _pull_request(payload: Obj) -> Event | str:
    action = payload.str("action")
    pull = payload.obj("pull_request")
    if action == "closed":
        state = ChangeAction.MERGED if pull.bool("merged") else ChangeAction.CLOSED
    elif action in _CHANGE_ACTIONS:
        state = _CHANGE_ACTIONS[action]
    else:
        return f"pull_request {action!r} does not change the pull request's state"
    number = payload.int("number") if payload.has("number") else pull.int("number")
    thread = ThreadRef(
        repo=payload.obj("repository").str("full_name"),
        kind=ThreadKind.CHANGE,
        number=number,
        url=pull.opt_str("html_url"),
    )
    return ChangeStateEvent(
        thread=thread,
        action=state,
        actor=_login(payload.obj("sender")),
        updated_at=pull.time("updated_at"),
    )


def _push(payload: Obj) -> Event:
    pusher = payload.opt_obj("pusher") or payload.opt_obj("sender")
    return PushEvent(
        repo=payload.obj("repository").str("full_name"),
        ref=payload.str("ref"),
        before=payload.str("before"),
        after=payload.str("after"),
        pusher=_login(pusher) if pusher else "",
    )


def _login(user: Obj) -> str:
    """`login`, or `username` (Gitea sends both; very old Gogs-shaped bodies only the latter)."""
    return user.opt_str("login") or user.str("username")
