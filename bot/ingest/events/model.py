"""The typed events a forge's webhook (or the comment poller) can tell the bot about.

Raw payload dicts stop at the per-forge parsers; everything after works on these frozen
records. Each event knows its own identity: the same comment, push or state change seen
twice (a replayed webhook with a new delivery id, a webhook and a poll) has one identity.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class ForgeKind(StrEnum):
    """Which forge dialect a delivery speaks: one webhook endpoint each."""

    GITEA = "gitea"
    GITLAB = "gitlab"
    GITHUB = "github"
    PAGURE = "pagure"


class EventKind(StrEnum):
    COMMENT = "comment"
    PUSH = "push"
    CHANGE_STATE = "change-state"
    PING = "ping"


class ThreadKind(StrEnum):
    """Where a comment lives; the values are those of `bot.forges.base.ThreadKind`."""

    ISSUE = "issue"
    CHANGE = "change"


class CommentAction(StrEnum):
    CREATED = "created"
    EDITED = "edited"


class ChangeAction(StrEnum):
    """What happened to a merge request / pull request."""

    OPENED = "opened"
    CLOSED = "closed"
    MERGED = "merged"
    REOPENED = "reopened"


@dataclass(frozen=True, slots=True)
class ThreadRef:
    """An issue or change request: `repo` is its repository's path ("rpms/bash")."""

    repo: str
    kind: ThreadKind
    number: int
    url: str | None = None


@dataclass(frozen=True, slots=True)
class CommentEvent:
    """A comment written or edited on an issue or a change request."""

    thread: ThreadRef
    comment_id: str
    author: str
    body: str
    action: CommentAction
    created_at: datetime | None = None
    updated_at: datetime | None = None
    url: str | None = None
    #: the forge says the author is an app or bot account (GitHub's sender type "Bot")
    author_is_bot: bool = False

    @property
    def kind(self) -> EventKind:
        return EventKind.COMMENT

    @property
    def identity(self) -> str:
        """A created comment is itself; an edit is the comment at its new version."""
        thread = self.thread
        base = f"comment:{thread.repo}:{thread.kind}:{thread.number}:{self.comment_id}"
        if self.action is CommentAction.CREATED:
            return f"{base}:created"
        return f"{base}:edited:{version(self.updated_at, self.body)}"


@dataclass(frozen=True, slots=True)
class PushEvent:
    """A branch (or tag) of a repository moved from `before` to `after`."""

    repo: str
    ref: str
    before: str
    after: str
    pusher: str
    forced: bool = False

    @property
    def kind(self) -> EventKind:
        return EventKind.PUSH

    @property
    def branch(self) -> str | None:
        return self.ref.removeprefix("refs/heads/") if self.ref.startswith("refs/heads/") else None

    @property
    def identity(self) -> str:
        return f"push:{self.repo}:{self.ref}:{self.before}:{self.after}"


@dataclass(frozen=True, slots=True)
class ChangeStateEvent:
    """A change request was opened, closed, merged or reopened."""

    thread: ThreadRef
    action: ChangeAction
    actor: str
    updated_at: datetime | None = None

    @property
    def kind(self) -> EventKind:
        return EventKind.CHANGE_STATE

    @property
    def identity(self) -> str:
        stamp = version(self.updated_at, "")
        return f"change:{self.thread.repo}:{self.thread.number}:{self.action}:{stamp}"


@dataclass(frozen=True, slots=True)
class PingEvent:
    """A forge checking that the hook answers (GitHub's `ping`); nothing to store."""

    hook_id: str | None = None

    @property
    def kind(self) -> EventKind:
        return EventKind.PING

    @property
    def identity(self) -> str:
        return f"ping:{self.hook_id or ''}"


Event = CommentEvent | PushEvent | ChangeStateEvent | PingEvent
#: the events that go to the inbox (a ping is answered and forgotten)
StoredEvent = CommentEvent | PushEvent | ChangeStateEvent


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook request as understood: the forge's event name, its delivery id (None
    when the forge sends none), and the event, or why it is ignored."""

    forge: ForgeKind
    name: str
    delivery_id: str | None
    event: Event | None
    ignored: str | None = None


class MalformedPayload(ValueError):
    """A delivery that claims to be an event we handle but is not shaped like one."""


def version(moment: datetime | None, body: str) -> str:
    """A version stamp: the time to the second when known, else a digest of the content.

    Seconds only, so a webhook's "2015-05-17 17:06:40 UTC" and an API's
    "2015-05-17T17:06:40.176Z" name the same version.
    """
    if moment is not None:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return "sha256-" + hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:16]
