"""Pagure's web-hook payloads as typed events.

Pagure posts its message-bus message in an envelope `{i, msg, msg_id, timestamp, topic}`;
the topic is bare in a web-hook (`pull-request.comment.added`) and prefixed on the bus
(`io.pagure.prod.pagure.pull-request.comment.added`), so both are read. A `*.comment.added`
message carries the whole thread with every comment: the new one is the newest. A
`*.comment.edited` message carries the edited comment itself.
"""

from __future__ import annotations

from bot.ingest.events.fields import Obj
from bot.ingest.events.model import (
    ChangeAction,
    ChangeStateEvent,
    CommentAction,
    CommentEvent,
    Event,
    MalformedPayload,
    PushEvent,
    ThreadKind,
    ThreadRef,
)

_STATES = {
    "pull-request.new": ChangeAction.OPENED,
    "pull-request.reopened": ChangeAction.REOPENED,
}
_THREADS = {
    "pull-request": ("pullrequest", ThreadKind.CHANGE),
    "issue": ("issue", ThreadKind.ISSUE),
}
_PATHS = {ThreadKind.CHANGE: "pull-request", ThreadKind.ISSUE: "issue"}


def topic_of(payload: Obj) -> str:
    """The bare topic: what follows "pagure." in a bus topic, else the topic as sent."""
    topic = payload.str("topic")
    return topic.rsplit(".pagure.", 1)[-1]


def parse(payload: Obj) -> Event | str:
    """The event, or why it is ignored."""
    topic = topic_of(payload)
    message = payload.obj("msg")
    thread_name, _, rest = topic.partition(".")
    if rest in ("comment.added", "comment.edited") and thread_name in _THREADS:
        return _comment(message, thread_name, edited=rest == "comment.edited")
    if topic == "pull-request.closed":
        merged = message.bool("merged")
        return _state(message, ChangeAction.MERGED if merged else ChangeAction.CLOSED)
    if topic in _STATES:
        return _state(message, _STATES[topic])
    if topic == "git.receive":
        return _push(message)
    return f"Pagure topic {topic!r} is not one the bot handles"


def _comment(message: Obj, thread_name: str, *, edited: bool) -> Event:
    key, kind = _THREADS[thread_name]
    parent = message.obj(key)
    repo = _thread_repo(message, parent, kind)
    if edited:
        comment = message.obj("comment")
    else:
        comments = parent.objs("comments")
        if not comments:
            raise MalformedPayload(f"msg.{key}.comments: a new comment's thread has no comments")
        comment = max(comments, key=lambda c: c.int("id"))
    number = parent.int("id")
    url = _thread_url(message, parent, repo, kind, number)
    return CommentEvent(
        thread=ThreadRef(repo=repo, kind=kind, number=number, url=url),
        comment_id=comment.ident("id"),
        author=comment.obj("user").str("name"),
        body=comment.text("comment"),
        action=CommentAction.EDITED if edited else CommentAction.CREATED,
        created_at=comment.time("date_created"),
        updated_at=comment.time("edited_on") or comment.time("date_created"),
        url=f"{url}#comment-{comment.ident('id')}" if url else None,
    )


def _state(message: Obj, action: ChangeAction) -> Event:
    pull = message.obj("pullrequest")
    repo = _thread_repo(message, pull, ThreadKind.CHANGE)
    number = pull.int("id")
    return ChangeStateEvent(
        thread=ThreadRef(
            repo=repo,
            kind=ThreadKind.CHANGE,
            number=number,
            url=_thread_url(message, pull, repo, ThreadKind.CHANGE, number),
        ),
        action=action,
        actor=message.opt_str("agent") or "",
        updated_at=pull.time("last_updated") or pull.time("updated_on"),
    )


def _push(message: Obj) -> Event:
    repo = message.obj("repo")
    path = message.opt_str("project_fullname") or repo.opt_str("fullname")
    if not path:
        namespace = repo.opt_str("namespace")
        path = f"{namespace}/{repo.str('name')}" if namespace else repo.str("name")
    branch = message.str("branch")
    return PushEvent(
        repo=path,
        ref=branch if branch.startswith("refs/") else f"refs/heads/{branch}",
        before=message.opt_str("old_commit") or "",
        after=message.str("start_commit"),
        pusher=message.opt_str("agent") or "",
        forced=message.bool("forced"),
    )


def _thread_repo(message: Obj, parent: Obj, kind: ThreadKind) -> str:
    """The project the thread belongs to: a pull request's target project, an issue's own."""
    project = parent.opt_obj("project") if kind is ThreadKind.CHANGE else None
    project = project or message.opt_obj("project") or parent.opt_obj("project")
    if project is not None and (fullname := project.opt_str("fullname")):
        return fullname
    if project_fullname := message.opt_str("project_fullname"):
        return project_fullname
    if project is None:
        raise MalformedPayload("msg: no project names the thread's repository")
    namespace = project.opt_str("namespace")
    name = project.str("name")
    return f"{namespace}/{name}" if namespace else name


def _thread_url(message: Obj, parent: Obj, repo: str, kind: ThreadKind, number: int) -> str | None:
    if url := parent.opt_str("full_url"):
        return url
    instance = message.opt_str("pagure_instance")
    if not instance:
        return None
    return f"{instance.rstrip('/')}/{repo}/{_PATHS[kind]}/{number}"
