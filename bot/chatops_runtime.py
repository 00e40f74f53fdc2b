"""Composition of chat-ops for a serving process: the webhook receiver and its group-commit
writer, the inbox workers, the command runner with its handlers, and the comment poller.

A process that serves webhooks builds one runtime, mounts `routes()` on the web app
(`build_web_app(..., routes=[runtime.routes()])`), adds `jobs()` to its scheduler, and calls
`start()` once its loop runs and `stop()` when it shuts down (the workers then give their
leases back). Nothing starts at import or construction time.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web

from bot.domain.model import Target
from bot.domain.submission import SubmitOutcome
from bot.forges.base import Forge
from bot.service.chatops import HANDLERS, Chatops, ChatopsDeps, PermissionCache
from bot.service.comment_poller import CommentPoller, poll_job, polled_forges
from bot.service.forge_urls import url_map_from_settings
from bot.service.inbox import InboxWorker
from bot.service.inbox_handlers import event_handlers
from bot.service.inbox_writer import InboxWriter
from bot.service.scheduler import JobSpec
from bot.service.submission import SubmitDeps, set_reference, submit_change
from bot.settings import Settings
from bot.store import Store
from bot.web.webhooks import WebhookReceiver, sources_from_settings

Clock = Callable[[], datetime]
Refresh = Callable[[str], None]


@dataclass
class ChatopsRuntime:
    """The running parts; see the module docstring for their life cycle."""

    receiver: WebhookReceiver
    writer: InboxWriter
    workers: list[InboxWorker]
    chatops: Chatops
    poller: CommentPoller | None
    poll_interval: timedelta
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def routes(self) -> list[web.RouteDef]:
        return self.receiver.routes()

    def jobs(self) -> list[JobSpec]:
        if self.poller is None:
            return []
        return [poll_job(self.poller, self.poll_interval)]

    def wake(self) -> None:
        for worker in self.workers:
            worker.wake()

    async def start(self) -> None:
        await self.writer.start()
        self._stop.clear()
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(worker.run(self._stop), name=f"inbox-{worker.owner}")
            for worker in self.workers
        ]

    async def stop(self) -> None:
        """Stop taking events, finish the ones in hand, give back the leases, commit what
        the webhooks queued."""
        self._stop.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.writer.close()


def build_chatops_runtime(
    settings: Settings,
    store: Store,
    forges: Mapping[str, Forge],
    *,
    clock: Clock,
    refresh: Refresh | None = None,
    submit_deps: SubmitDeps | None = None,
    owner: str | None = None,
) -> ChatopsRuntime:
    """Everything chat-ops needs, from the settings; `submit_deps` enables `/upstream submit`
    and `/upstream jira` (in the policy's dry-run mode submissions are only planned)."""
    config = settings.chatops
    submit = ticket = None
    if submit_deps is not None:
        dry_run = settings.policy.dry_run

        async def submit(
            change_id: str, target: Target, *, actor: str, now: datetime
        ) -> SubmitOutcome:
            return await submit_change(
                submit_deps, change_id, target, actor=actor, now=now, dry_run=dry_run
            )

        async def ticket(
            change_id: str, target: Target, reference: str, *, actor: str, now: datetime
        ) -> SubmitOutcome:
            return await set_reference(
                submit_deps, change_id, target, reference, actor=actor, now=now
            )

    urls = url_map_from_settings(settings)
    deps = ChatopsDeps(
        settings=settings,
        store=store,
        forges=forges,
        clock=clock,
        permissions=PermissionCache(config.permission_ttl, clock),
        urls=urls,
        submit=submit,
        set_reference=ticket,
        refresh=refresh,
    )
    chatops = Chatops(deps, HANDLERS)
    handlers = event_handlers(chatops, store, refresh=refresh)
    identity = owner or f"{socket.gethostname()}:{os.getpid()}"
    workers = [
        InboxWorker(
            store,
            handlers,
            owner=f"{identity}:inbox-{index}",
            clock=clock,
            max_attempts=config.max_attempts,
        )
        for index in range(config.workers)
    ]
    writer = InboxWriter(store.inbox.enqueue, clock=clock)

    def wake() -> None:
        for worker in workers:
            worker.wake()

    receiver = WebhookReceiver(
        sources_from_settings(settings),
        writer,
        max_body_size=config.max_body_size,
        refresh=refresh,
        on_new=wake,
    )
    polled = [name for name in polled_forges(settings) if name in forges]
    poller = None
    if polled and config.poll_interval.total_seconds() > 0:
        poller = CommentPoller(store, forges, urls, forges=polled, clock=clock, on_new=wake)
    return ChatopsRuntime(receiver, writer, workers, chatops, poller, config.poll_interval)
