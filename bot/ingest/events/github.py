"""GitHub's webhook payloads (X-GitHub-Event) as typed events.

`issue_comment` covers comments on issues and pull requests alike (the issue carries a
`pull_request` key on a pull request); `pull_request` with `closed` and `merged: true` is a
merge; `push`; `ping` when a hook is created.
"""

from __future__ import annotations

from bot.ingest.events.fields import Obj
from bot.ingest.events.model import (
    ChangeAction,
    ChangeStateEvent,
    CommentAction,
    CommentEvent,
    Event,
    PingEvent,
    PushEvent,
    ThreadKind,
    ThreadRef,
)

_COMMENT_ACTIONS = {"created": CommentAction.CREATED, "edited": CommentAction.EDITED}
_CHANGE_ACTIONS = {"opened": ChangeAction.OPENED, "reopened": ChangeAction.REOPENED}


def parse(event: str, payload: Obj) -> Event | str:
    """The event, or why it is ignored."""
    match event:
        case "issue_comment":
            return _comment(payload)
        case "pull_request":
            return _pull_request(payload)
        case "push":
            return _push(payload)
        case "ping":
            return PingEvent(hook_id=payload.ident("hook_id") if payload.has("hook_id") else None)
    return f"GitHub event {event!r} is not one the bot handles"


def _comment(payload: Obj) -> Event | str:
    action = payload.str("action")
    if action not in _COMMENT_ACTIONS:
        return f"issue_comment {action!r} is not a new or edited comment"
    issue = payload.obj("issue")
    comment = payload.obj("comment")
    kind = ThreadKind.CHANGE if issue.has("pull_request") else ThreadKind.ISSUE
    thread = ThreadRef(
        repo=payload.obj("repository").str("full_name"),
        kind=kind,
        number=issue.int("number"),
        url=issue.opt_str("html_url"),
    )
    user = comment.obj("user")
    return CommentEvent(
        thread=thread,
        comment_id=comment.ident("id"),
        author=user.str("login"),
        body=comment.text("body"),
        action=_COMMENT_ACTIONS[action],
        created_at=comment.time("created_at"),
        updated_at=comment.time("updated_at"),
        url=comment.opt_str("html_url"),
        author_is_bot=user.opt_str("type") == "Bot",
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
        actor=payload.obj("sender").str("login"),
        updated_at=pull.time("updated_at"),
    )


def _push(payload: Obj) -> Event:
    pusher = payload.opt_obj("pusher")
    sender = payload.opt_obj("sender")
    name = (pusher.opt_str("name") if pusher else None) or (
        sender.opt_str("login") if sender else None
    )
    return PushEvent(
        repo=payload.obj("repository").str("full_name"),
        ref=payload.str("ref"),
        before=payload.str("before"),
        after=payload.str("after"),
        pusher=name or "",
        forced=payload.bool("forced"),
    )
