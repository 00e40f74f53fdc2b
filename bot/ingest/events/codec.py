"""Typed events to and from the JSON the inbox stores, so workers get back what the
webhook (or the poller) understood, not the forge's raw payload."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.ingest.events.fields import Obj
from bot.ingest.events.model import (
    ChangeAction,
    ChangeStateEvent,
    CommentAction,
    CommentEvent,
    EventKind,
    MalformedPayload,
    PushEvent,
    StoredEvent,
    ThreadKind,
    ThreadRef,
)


def encode(event: StoredEvent) -> dict[str, Any]:
    """The event as a JSON object; `decode` gives it back equal."""
    if isinstance(event, CommentEvent):
        return {
            "thread": _thread(event.thread),
            "comment_id": event.comment_id,
            "author": event.author,
            "body": event.body,
            "action": str(event.action),
            "created_at": _time(event.created_at),
            "updated_at": _time(event.updated_at),
            "url": event.url,
            "author_is_bot": event.author_is_bot,
        }
    if isinstance(event, PushEvent):
        return {
            "repo": event.repo,
            "ref": event.ref,
            "before": event.before,
            "after": event.after,
            "pusher": event.pusher,
            "forced": event.forced,
        }
    return {
        "thread": _thread(event.thread),
        "action": str(event.action),
        "actor": event.actor,
        "updated_at": _time(event.updated_at),
    }


def decode(kind: str, data: Mapping[str, Any]) -> StoredEvent:
    """The event `encode` stored under `kind` (an EventKind value)."""
    fields = Obj(data)
    try:
        match EventKind(kind):
            case EventKind.COMMENT:
                return CommentEvent(
                    thread=_read_thread(fields.obj("thread")),
                    comment_id=fields.str("comment_id"),
                    author=fields.text("author"),
                    body=fields.text("body"),
                    action=CommentAction(fields.str("action")),
                    created_at=fields.time("created_at"),
                    updated_at=fields.time("updated_at"),
                    url=fields.opt_str("url"),
                    author_is_bot=fields.bool("author_is_bot"),
                )
            case EventKind.PUSH:
                return PushEvent(
                    repo=fields.str("repo"),
                    ref=fields.str("ref"),
                    before=fields.text("before"),
                    after=fields.str("after"),
                    pusher=fields.text("pusher"),
                    forced=fields.bool("forced"),
                )
            case EventKind.CHANGE_STATE:
                return ChangeStateEvent(
                    thread=_read_thread(fields.obj("thread")),
                    action=ChangeAction(fields.str("action")),
                    actor=fields.text("actor"),
                    updated_at=fields.time("updated_at"),
                )
    except ValueError as error:
        raise MalformedPayload(f"stored {kind} event: {error}") from None
    raise MalformedPayload(f"stored event of kind {kind!r}: not one the inbox keeps")


def _thread(thread: ThreadRef) -> dict[str, Any]:
    return {
        "repo": thread.repo,
        "kind": str(thread.kind),
        "number": thread.number,
        "url": thread.url,
    }


def _read_thread(fields: Obj) -> ThreadRef:
    return ThreadRef(
        repo=fields.str("repo"),
        kind=ThreadKind(fields.str("kind")),
        number=fields.int("number"),
        url=fields.opt_str("url"),
    )


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
