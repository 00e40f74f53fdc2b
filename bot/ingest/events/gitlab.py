"""GitLab's webhook payloads (X-Gitlab-Event) as typed events.

`Note Hook` is a comment (`object_attributes.noteable_type` `Issue` or `MergeRequest`;
notes on commits and snippets and GitLab's own system notes are ignored); `Merge Request
Hook` with action open/close/reopen/merge is a state change; `Push Hook` is a push.
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

#: a note hook without `action` (GitLab before 15.x) always reports a new note
_NOTE_ACTIONS = {"create": CommentAction.CREATED, "update": CommentAction.EDITED}
_MR_ACTIONS = {
    "open": ChangeAction.OPENED,
    "reopen": ChangeAction.REOPENED,
    "close": ChangeAction.CLOSED,
    "merge": ChangeAction.MERGED,
}
_THREADS = {
    "Issue": ("issue", ThreadKind.ISSUE),
    "MergeRequest": ("merge_request", ThreadKind.CHANGE),
}


def parse(event: str, payload: Obj) -> Event | str:
    """The event, or why it is ignored."""
    match event:
        case "Note Hook" | "Confidential Note Hook":
            return _note(payload)
        case "Merge Request Hook":
            return _merge_request(payload)
        case "Push Hook":
            return _push(payload)
    return f"GitLab event {event!r} is not one the bot handles"


def _note(payload: Obj) -> Event | str:
    note = payload.obj("object_attributes")
    noteable = note.str("noteable_type")
    if noteable not in _THREADS:
        return f"a note on a {noteable} is not on an issue or merge request"
    if note.bool("system"):
        return "a system note is GitLab's own"
    action = note.opt_str("action") or "create"
    if action not in _NOTE_ACTIONS:
        return f"note action {action!r} is not a new or edited note"
    key, kind = _THREADS[noteable]
    parent = payload.obj(key)
    thread = ThreadRef(
        repo=_project_path(payload),
        kind=kind,
        number=parent.int("iid"),
        # old hooks give the thread no url: the note's own, without its anchor, is the thread's
        url=parent.opt_str("url") or _without_anchor(note.opt_str("url")),
    )
    return CommentEvent(
        thread=thread,
        comment_id=note.ident("id"),
        author=payload.obj("user").str("username"),
        body=note.text("note"),
        action=_NOTE_ACTIONS[action],
        created_at=note.time("created_at"),
        updated_at=note.time("updated_at"),
        url=note.opt_str("url"),
    )


def _merge_request(payload: Obj) -> Event | str:
    attributes = payload.obj("object_attributes")
    action = attributes.opt_str("action")
    if action not in _MR_ACTIONS:
        return f"merge request action {action!r} does not change its state"
    thread = ThreadRef(
        repo=_project_path(payload),
        kind=ThreadKind.CHANGE,
        number=attributes.int("iid"),
        url=attributes.opt_str("url"),
    )
    return ChangeStateEvent(
        thread=thread,
        action=_MR_ACTIONS[action],
        actor=payload.obj("user").str("username"),
        updated_at=attributes.time("updated_at"),
    )


def _push(payload: Obj) -> Event:
    return PushEvent(
        repo=_project_path(payload),
        ref=payload.str("ref"),
        before=payload.str("before"),
        after=payload.str("after"),
        pusher=payload.opt_str("user_username") or payload.opt_str("user_name") or "",
    )


def _without_anchor(url: str | None) -> str | None:
    return url.partition("#")[0] or None if url else None


def _project_path(payload: Obj) -> str:
    return payload.obj("project").str("path_with_namespace")
