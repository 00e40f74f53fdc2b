"""Reads the comments of the upstream requests the bot follows on forges that cannot send it
webhooks (CentOS Stream's GitLab, Fedora's Pagure, projects on GitHub) and feeds those that
may hold commands into the same inbox as the webhooks, as the same typed events.

The requests are those with a `submitted` status and a URL (the bot's own and those it
found). Each round asks only for comments updated since the previous round of that request
(minus an overlap, for clocks that disagree); a comment seen again is the same inbox event
(its identity is the comment and its version), so overlaps and restarts store nothing twice.
`poll_job` schedules it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.commands import PREFIX
from bot.domain.model import Status
from bot.forges.base import Comment, Forge, Thread, ThreadKind
from bot.ingest.events import CommentAction, CommentEvent, ThreadRef
from bot.ingest.events import ThreadKind as EventThreadKind
from bot.ingest.events.codec import encode
from bot.service.forge_urls import UrlKind, UrlMap
from bot.service.scheduler import Every, JobSpec
from bot.settings import ForgeRole, Settings
from bot.store import Store
from bot.store.records import InboxEvent

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
POLL = "comment-poll"


@dataclass(frozen=True, slots=True)
class PollRound:
    """What one round did."""

    threads: int
    comments: int
    queued: int
    failed: int


class CommentPoller:
    """Polls `forges` (configured names) for comments on the requests the bot follows."""

    def __init__(
        self,
        store: Store,
        adapters: Mapping[str, Forge],
        urls: UrlMap,
        *,
        forges: Collection[str],
        clock: Clock,
        lookback: timedelta = timedelta(days=7),
        overlap: timedelta = timedelta(minutes=10),
        on_new: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._adapters = adapters
        self._urls = urls
        self._forges = frozenset(forges)
        self._clock = clock
        self._lookback = lookback
        self._overlap = overlap
        self._on_new = on_new
        self._since: dict[tuple[str, Thread], datetime] = {}

    async def poll_once(self) -> PollRound:
        started = self._clock()
        threads = self._threads()
        comments = queued = failed = 0
        for (forge, thread), url in threads.items():
            since = self._since.get((forge, thread), started - self._lookback)
            try:
                found = await self._adapters[forge].list_comments(thread, since=since)
            except Exception as error:  # one request's outage must not stop the round
                failed += 1
                log.warning(
                    "comment poll failed", extra={"forge": forge, "url": url, "error": str(error)}
                )
                continue
            events = [
                _event(forge, thread, url, comment)
                for comment in found
                if PREFIX in comment.body.lower()
            ]
            comments += len(found)
            if events:
                stored = await asyncio.to_thread(self._store.inbox.enqueue, events, now=started)
                queued += sum(stored)
            self._since[(forge, thread)] = started - self._overlap
        if queued and self._on_new is not None:
            self._on_new()
        return PollRound(len(threads), comments, queued, failed)

    def _threads(self) -> dict[tuple[str, Thread], str]:
        """The requests to read: each submitted status's URL on a polled forge."""
        found: dict[tuple[str, Thread], str] = {}
        for state in self._store.list_target_states(status=Status.SUBMITTED):
            link = self._urls.link(state.url) if state.url else None
            if link is None or link.kind is not UrlKind.REQUEST or link.number is None:
                continue
            if link.forge in self._forges and link.forge in self._adapters:
                found.setdefault(
                    (link.forge, Thread(link.repo, ThreadKind.CHANGE, link.number)), state.url or ""
                )
        return found


def polled_forges(settings: Settings) -> list[str]:
    """Forges where the bot opens requests (target and project roles) that send it no
    webhooks (no secret configured)."""
    return [
        forge.name
        for forge in settings.forges
        if forge.role in (ForgeRole.TARGET, ForgeRole.PROJECT) and forge.webhook_secret is None
    ]


def poll_job(poller: CommentPoller, interval: timedelta) -> JobSpec:
    """The poll every `interval` (the `[chatops] poll_interval`)."""

    async def run() -> None:
        done = await poller.poll_once()
        log.info(
            "comments polled",
            extra={
                "threads": done.threads,
                "comments": done.comments,
                "queued": done.queued,
                "failed": done.failed,
            },
        )

    return JobSpec(POLL, Every(interval), run, jitter=interval / 10, misfire_grace_time=interval)


def _event(forge: str, thread: Thread, url: str, comment: Comment) -> InboxEvent:
    edited = comment.updated_at - comment.created_at > timedelta(seconds=1)
    event = CommentEvent(
        thread=ThreadRef(thread.repo.path, EventThreadKind.CHANGE, thread.number, url),
        comment_id=comment.id,
        author=comment.author,
        body=comment.body,
        action=CommentAction.EDITED if edited else CommentAction.CREATED,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
        url=comment.url,
    )
    return InboxEvent(
        forge=forge,
        event_key=f"{forge}:{event.identity}",
        event_type=str(event.kind),
        payload=encode(event),
    )
