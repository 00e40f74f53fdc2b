"""Inbox workers: claim stored events under a lease, hand each to its handler, and record how
it went: done, pending again after a backoff, or dead with its error after the last attempt.

Several workers (and replicas) run at once: the store's claims never give one event to two
of them. On shutdown a worker gives its leases back so another takes them at once. An event
whose stored form cannot be read is dead at once: no retry can fix it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.ingest.events import EventKind, MalformedPayload, StoredEvent
from bot.ingest.events.codec import decode
from bot.service.logs import log_context
from bot.store import Store
from bot.store.inbox_records import ClaimedEvent
from bot.store.records import InboxState

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
#: handles one event of one configured forge; raising means "try again later"
EventHandler = Callable[[str, StoredEvent], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff between attempts, with jitter so retries do not bunch up."""

    first: timedelta = timedelta(seconds=30)
    factor: float = 4.0
    longest: timedelta = timedelta(hours=2)

    def delay(self, attempt: int, jitter: float) -> timedelta:
        """The wait after failed attempt number `attempt` (1-based); `jitter` in [0, 1)."""
        seconds = self.first.total_seconds() * self.factor ** max(attempt - 1, 0)
        seconds = min(seconds, self.longest.total_seconds())
        return timedelta(seconds=seconds * (0.75 + 0.5 * jitter))


class InboxWorker:
    """One worker: `run(stop)` until `stop` is set, or `run_once()` for a single round."""

    def __init__(
        self,
        store: Store,
        handlers: Mapping[EventKind, EventHandler],
        *,
        owner: str,
        clock: Clock,
        max_attempts: int,
        lease: timedelta = timedelta(minutes=10),
        batch: int = 5,
        idle: float = 1.0,
        backoff: Backoff = Backoff(),
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._store = store
        self._handlers = dict(handlers)
        self.owner = owner
        self._clock = clock
        self._max_attempts = max_attempts
        self._lease = lease
        self._batch = batch
        self._idle = idle
        self._backoff = backoff
        self._jitter = jitter
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something new is in the inbox: stop idling."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                if await self.run_once():
                    continue
                self._wake.clear()
                waiters = [
                    asyncio.ensure_future(stop.wait()),
                    asyncio.ensure_future(self._wake.wait()),
                ]
                await asyncio.wait(waiters, timeout=self._idle, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
        finally:
            released = await asyncio.to_thread(
                self._store.inbox.release, owner=self.owner, now=self._clock()
            )
            if released:
                log.info("inbox leases released", extra={"owner": self.owner, "events": released})

    async def run_once(self) -> int:
        """Claim a batch and handle it; how many events were claimed."""
        claimed = await asyncio.to_thread(
            self._store.inbox.claim,
            owner=self.owner,
            now=self._clock(),
            lease=self._lease,
            limit=self._batch,
            max_attempts=self._max_attempts,
        )
        for event in claimed:
            with log_context(inbox_event=event.event_key, delivery_id=event.delivery_id):
                await self._handle(event)
        return len(claimed)

    async def _handle(self, claimed: ClaimedEvent) -> None:
        try:
            event = decode(claimed.event_type, claimed.payload)
        except MalformedPayload as error:
            await self._fail(claimed, f"unreadable stored event: {error}", retry=False)
            return
        handler = self._handlers.get(EventKind(claimed.event_type))
        try:
            if handler is not None:
                await handler(claimed.forge, event)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning(
                "inbox event failed", extra={"error": str(error), "attempt": claimed.attempts}
            )
            await self._fail(claimed, _describe(error), retry=True)
            return
        await asyncio.to_thread(self._store.inbox.finish, claimed.id, owner=self.owner)

    async def _fail(self, claimed: ClaimedEvent, error: str, *, retry: bool) -> None:
        retry_at = None
        if retry and claimed.attempts < self._max_attempts:
            retry_at = self._clock() + self._backoff.delay(claimed.attempts, self._jitter())
        state = await asyncio.to_thread(
            self._store.inbox.fail, claimed.id, owner=self.owner, error=error, retry_at=retry_at
        )
        if state is InboxState.DEAD:
            log.error("inbox event dead", extra={"error": error, "attempts": claimed.attempts})


def _describe(error: Exception) -> str:
    """The error and where it came from: its last frames, enough to find the cause."""
    frames = traceback.format_exception(type(error), error, error.__traceback__, limit=-3)
    return f"{type(error).__name__}: {error}\n" + "".join(frames[-4:-1]).rstrip()
