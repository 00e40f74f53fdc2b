"""Inbox workers on a real SQLite inbox: events handled and done, failures retried after a
backoff and kept as dead with their error, unreadable events dead at once, leases given back
when a worker stops, several workers sharing the work without handling anything twice; and
the group-commit writer that the webhooks store through."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.ingest.events import (
    CommentAction,
    CommentEvent,
    EventKind,
    PushEvent,
    ThreadKind,
    ThreadRef,
)
from bot.ingest.events.codec import encode
from bot.service.inbox import Backoff, InboxWorker
from bot.service.inbox_writer import InboxWriter, WriterClosed
from bot.store import Store, StoreError, migrate, open_engine, session_factory
from bot.store.records import InboxEvent, InboxState

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    engine = open_engine(f"sqlite:///{tmp_path / 'inbox.sqlite3'}")
    migrate(engine)
    try:
        yield Store(session_factory(engine))
    finally:
        engine.dispose()


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _comment(number: int) -> InboxEvent:
    event = CommentEvent(ThreadRef("rpms/bash", ThreadKind.ISSUE, 4, None), str(number),
                         "alice", f"/upstream status {number}", CommentAction.CREATED)
    return InboxEvent("almalinux", f"almalinux:{event.identity}", str(event.kind), encode(event))


def _worker(store: Store, handlers, clock: Clock, owner: str = "w1", **options) -> InboxWorker:
    return InboxWorker(store, handlers, owner=owner, clock=clock, max_attempts=3,
                       jitter=lambda: 0.5, **options)


async def test_events_are_handled_as_typed_events_and_done(store: Store) -> None:
    seen = []

    async def comment(forge, event):
        seen.append((forge, event))

    store.inbox.enqueue([_comment(1), _comment(2)], now=NOW)
    worker = _worker(store, {EventKind.COMMENT: comment}, Clock())
    assert await worker.run_once() == 2
    assert [(f, e.comment_id, type(e)) for f, e in seen] == [
        ("almalinux", "1", CommentEvent), ("almalinux", "2", CommentEvent)
    ]
    assert store.inbox.counts()[InboxState.DONE] == 2
    assert await worker.run_once() == 0


async def test_a_failing_event_is_retried_after_a_backoff_then_kept_as_dead(store: Store) -> None:
    attempts = []

    async def broken(forge, event):
        attempts.append(event.comment_id)
        raise RuntimeError("the forge said no")

    clock = Clock()
    store.inbox.enqueue([_comment(1)], now=NOW)
    worker = _worker(store, {EventKind.COMMENT: broken}, clock,
                     backoff=Backoff(first=timedelta(seconds=30), factor=4))
    await worker.run_once()
    entry = store.inbox.find(_comment(1).event_key)
    assert entry.state is InboxState.PENDING
    assert entry.next_attempt_at == NOW + timedelta(seconds=30)  # jitter 0.5: the middle
    assert "RuntimeError: the forge said no" in entry.last_error
    assert "broken" in entry.last_error  # where it failed
    assert await worker.run_once() == 0  # not due yet
    clock.now = NOW + timedelta(seconds=30)
    await worker.run_once()
    assert store.inbox.find(_comment(1).event_key).next_attempt_at == clock.now + timedelta(
        seconds=120)
    clock.now += timedelta(seconds=120)
    await worker.run_once()
    entry = store.inbox.find(_comment(1).event_key)
    assert (entry.state, entry.attempts) == (InboxState.DEAD, 3)
    assert "the forge said no" in entry.last_error
    assert attempts == ["1", "1", "1"]


async def test_an_unreadable_event_is_dead_at_once(store: Store) -> None:
    store.inbox.enqueue([InboxEvent("almalinux", "k", "comment", {"thread": "?"})], now=NOW)
    await _worker(store, {}, Clock()).run_once()
    entry = store.inbox.find("k")
    assert entry.state is InboxState.DEAD and "unreadable stored event" in entry.last_error


async def test_an_event_kind_without_a_handler_is_done(store: Store) -> None:
    push = PushEvent("rpms/bash", "refs/heads/a9", "a" * 40, "b" * 40, "alice")
    store.inbox.enqueue([InboxEvent("almalinux", "p", "push", encode(push))], now=NOW)
    await _worker(store, {}, Clock()).run_once()
    assert store.inbox.find("p").state is InboxState.DONE


async def test_a_stopped_worker_gives_its_leases_back(store: Store) -> None:
    started = asyncio.Event()

    async def slow(forge, event):
        started.set()
        await asyncio.sleep(3600)

    store.inbox.enqueue([_comment(1), _comment(2)], now=NOW)
    worker = _worker(store, {EventKind.COMMENT: slow}, Clock(), batch=2)
    task = asyncio.create_task(worker.run(asyncio.Event()))
    await started.wait()
    assert store.inbox.counts()[InboxState.CLAIMED] == 2
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    counts = store.inbox.counts()
    assert (counts[InboxState.PENDING], counts[InboxState.CLAIMED]) == (2, 0)
    claimed = store.inbox.claim(owner="w2", now=NOW, lease=timedelta(minutes=1), limit=5,
                                max_attempts=3)
    assert [e.attempts for e in claimed] == [1, 1]


async def test_several_workers_share_the_work_and_handle_each_event_once(store: Store) -> None:
    handled: list[str] = []
    stop = asyncio.Event()

    async def comment(forge, event):
        handled.append(event.comment_id)
        await asyncio.sleep(0)
        if len(handled) == 40:
            stop.set()

    store.inbox.enqueue([_comment(n) for n in range(40)], now=NOW)
    workers = [_worker(store, {EventKind.COMMENT: comment}, Clock(), owner=f"w{n}", idle=0.05)
               for n in range(3)]
    await asyncio.wait_for(asyncio.gather(*(w.run(stop) for w in workers)), timeout=60)
    assert sorted(handled, key=int) == [str(n) for n in range(40)]
    assert store.inbox.counts()[InboxState.DONE] == 40


def test_backoff_grows_to_its_ceiling() -> None:
    backoff = Backoff(first=timedelta(seconds=30), factor=4, longest=timedelta(hours=2))
    delays = [backoff.delay(attempt, 0.5).total_seconds() for attempt in range(1, 7)]
    assert delays == [30, 120, 480, 1920, 7200, 7200]
    assert backoff.delay(1, 0.0).total_seconds() == 22.5
    assert backoff.delay(1, 0.999).total_seconds() < 37.5


async def test_the_writer_commits_concurrent_events_in_few_batches(store: Store) -> None:
    writer = InboxWriter(store.inbox.enqueue, clock=Clock())
    await writer.start()
    events = [_comment(n) for n in range(300)]
    stored = await asyncio.gather(*(writer.submit(e) for e in events))
    again = await asyncio.gather(*(writer.submit(e) for e in events[:10]))
    await writer.close()
    assert stored == [True] * 300 and again == [False] * 10
    assert writer.batches < 50  # grouped: far fewer transactions than events
    assert store.inbox.counts()[InboxState.PENDING] == 300
    with pytest.raises(WriterClosed):
        await writer.submit(_comment(999))


async def test_a_batch_that_cannot_be_stored_fails_every_waiting_delivery() -> None:
    def broken(events, *, now):
        raise StoreError("the database is gone")

    writer = InboxWriter(broken, clock=Clock())
    await writer.start()
    results = await asyncio.gather(*(writer.submit(_comment(n)) for n in range(5)),
                                   return_exceptions=True)
    assert all(isinstance(r, StoreError) for r in results)
    # the writer keeps going: the next batch is tried again
    with pytest.raises(StoreError):
        await writer.submit(_comment(9))
    await writer.close()
