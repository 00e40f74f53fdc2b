"""Group commit for the inbox: webhook handlers hand events to one writer, which stores
whatever has queued up in a single transaction and then answers every waiting handler.

One transaction per delivery caps a SQLite inbox at a few hundred deliveries a second;
batching what arrives while the previous batch commits costs no latency when it is quiet
and scales with load. A handler is answered only after the batch holding its event is
committed, so a 202 always means the event is stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from bot.store.records import InboxEvent

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
#: stores a batch, answering per event whether it was new (`Store.inbox.enqueue`)
Enqueue = Callable[..., list[bool]]

#: the most events one transaction takes; more wait for the next one
MAX_BATCH = 500


class WriterClosed(RuntimeError):
    """The writer is shutting down and takes no more events."""


class InboxWriter:
    """Owns one background task and one database thread; `start` before `submit`."""

    def __init__(self, enqueue: Enqueue, *, clock: Clock, max_batch: int = MAX_BATCH) -> None:
        self._enqueue = enqueue
        self._clock = clock
        self._max_batch = max_batch
        self._queue: asyncio.Queue[tuple[InboxEvent, asyncio.Future[bool]]] | None = None
        self._task: asyncio.Task[None] | None = None
        # SQLite takes one writer at a time: one thread, so batches never contend
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox-writer")
        self.batches = 0
        self.events = 0

    async def start(self) -> None:
        if self._task is None:
            self._queue = asyncio.Queue()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="inbox-writer")

    async def submit(self, event: InboxEvent) -> bool:
        """Store `event`; True when it was new, False when an equal one was stored before.

        Raises what the store raised when its batch could not be committed.
        """
        if self._queue is None or self._task is None or self._task.done():
            raise WriterClosed("the inbox writer is not running")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((event, future))
        return await future

    async def close(self) -> None:
        """Commit what is queued, then stop."""
        task, self._task = self._task, None
        if task is not None and self._queue is not None:
            await self._queue.put((_STOP, asyncio.get_running_loop().create_future()))
            await task
        self._thread.shutdown(wait=True)

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            stopping = any(event is _STOP for event, _ in batch)
            batch = [(event, future) for event, future in batch if event is not _STOP]
            if batch:
                await self._commit(loop, batch)

    async def _commit(
        self,
        loop: asyncio.AbstractEventLoop,
        batch: Sequence[tuple[InboxEvent, asyncio.Future[bool]]],
    ) -> None:
        events = [event for event, _ in batch]
        try:
            stored = await loop.run_in_executor(self._thread, self._store, events)
        except Exception as error:
            log.exception("inbox batch not stored", extra={"events": len(events)})
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        self.batches += 1
        self.events += len(events)
        for (_, future), new in zip(batch, stored, strict=True):
            if not future.done():
                future.set_result(new)

    def _store(self, events: list[InboxEvent]) -> list[bool]:
        return self._enqueue(events, now=self._clock())


#: the sentinel `close` queues so the task commits what came before it and ends
_STOP = InboxEvent(forge="-", event_key="-", event_type="-", payload={})
