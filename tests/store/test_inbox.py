"""bot/store/inbox.py: events stored once (alone or in a batch), leased, retried, dead, released."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.store import Store, session_factory
from bot.store.records import InboxEvent, InboxState

from .builders import NOW

LEASE = timedelta(minutes=2)


def _event(key: str, delivery: str | None = None, forge: str = "gitea") -> InboxEvent:
    return InboxEvent(
        forge=forge, event_key=key, event_type="comment", payload={"k": key}, delivery_id=delivery
    )


def _claim(store: Store, owner: str = "w1", *, at=NOW, limit: int = 10, max_attempts: int = 3):
    return store.inbox.claim(
        owner=owner, now=at, lease=LEASE, limit=limit, max_attempts=max_attempts
    )


def test_a_batch_stores_each_new_event_once(store: Store) -> None:
    assert store.inbox.enqueue([_event("a", "d1")], now=NOW) == [True]
    stored = store.inbox.enqueue(
        [
            _event("b", "d2"),
            _event("a", "d9"),  # identity seen before
            _event("c", "d1"),  # delivery id seen before
            _event("b", "d3"),  # identity earlier in this batch
            _event("d", "d2"),  # delivery id earlier in this batch
            _event("e", None),  # no delivery id (Pagure): identity alone
            _event("f", None),
            _event("g", "d1", forge="github"),  # another forge's ids are its own
        ],
        now=NOW,
    )
    assert stored == [True, False, False, False, False, True, True, True]
    assert store.inbox.counts()[InboxState.PENDING] == 5


def test_a_large_batch_goes_in_chunks(store: Store) -> None:
    events = [_event(f"k{index}", f"d{index}") for index in range(350)]
    assert store.inbox.enqueue(events, now=NOW) == [True] * 350
    assert store.inbox.keys_present([e.event_key for e in events] + ["absent"]) == {
        e.event_key for e in events
    }


def test_claim_leases_due_events_oldest_first(store: Store) -> None:
    store.inbox.enqueue([_event("old")], now=NOW)
    store.inbox.enqueue([_event("new")], now=NOW + timedelta(seconds=1))
    first = _claim(store, limit=1, at=NOW + timedelta(seconds=5))
    assert [(e.event_key, e.attempts, e.payload) for e in first] == [("old", 1, {"k": "old"})]
    # the leased one is not due for anyone else; the other is
    second = _claim(store, "w2", at=NOW + timedelta(seconds=5))
    assert [e.event_key for e in second] == ["new"]
    assert _claim(store, "w3", at=NOW + timedelta(seconds=6)) == []


def test_finish_needs_the_lease(store: Store) -> None:
    store.inbox.enqueue([_event("a")], now=NOW)
    (event,) = _claim(store)
    assert store.inbox.finish(event.id, owner="someone-else") is False
    assert store.inbox.finish(event.id, owner="w1") is True
    assert store.inbox.find("a").state is InboxState.DONE
    assert _claim(store, at=NOW + timedelta(hours=1)) == []


def test_a_failure_retries_later_then_dies_keeping_its_error(store: Store) -> None:
    store.inbox.enqueue([_event("a")], now=NOW)
    (event,) = _claim(store)
    retry_at = NOW + timedelta(seconds=30)
    state = store.inbox.fail(event.id, owner="w1", error="forge down", retry_at=retry_at)
    assert state is InboxState.PENDING
    assert _claim(store, at=retry_at - timedelta(seconds=1)) == []
    (again,) = _claim(store, at=retry_at)
    assert again.attempts == 2
    assert store.inbox.fail(again.id, owner="w1", error="still down", retry_at=None) is (
        InboxState.DEAD
    )
    entry = store.inbox.find("a")
    assert (entry.state, entry.attempts, entry.last_error) == (InboxState.DEAD, 2, "still down")
    assert _claim(store, at=NOW + timedelta(days=1)) == []
    assert store.inbox.requeue(entry.id, now=NOW + timedelta(days=1)) is True
    (revived,) = _claim(store, at=NOW + timedelta(days=1))
    assert revived.attempts == 1


def test_an_expired_lease_is_claimed_again_and_dies_after_max_attempts(store: Store) -> None:
    store.inbox.enqueue([_event("poison")], now=NOW)
    at = NOW
    for attempt in (1, 2):
        (event,) = _claim(store, f"w{attempt}", at=at, max_attempts=2)
        assert event.attempts == attempt
        at += LEASE  # the worker died: nobody finishes it
    assert _claim(store, "w3", at=at, max_attempts=2) == []
    entry = store.inbox.find("poison")
    assert entry.state is InboxState.DEAD
    assert "stopped answering 2 times" in entry.last_error


def test_release_gives_leases_back_without_counting_the_attempt(store: Store) -> None:
    store.inbox.enqueue([_event("a"), _event("b"), _event("c")], now=NOW)
    assert len(_claim(store, "w1", limit=2)) == 2
    assert len(_claim(store, "w2", limit=1)) == 1
    assert store.inbox.release(owner="w1", now=NOW + timedelta(seconds=1)) == 2
    again = _claim(store, "w3", at=NOW + timedelta(seconds=1))
    assert sorted(e.attempts for e in again) == [1, 1]
    assert store.inbox.counts()[InboxState.CLAIMED] == 3


@pytest.mark.parametrize("replicas", [2])
def test_concurrent_claimers_never_share_an_event(store_engine: Engine, replicas: int) -> None:
    """Two stores on one database, claiming in turns from threads: every event once."""
    import threading

    stores = [Store(session_factory(store_engine)) for _ in range(replicas)]
    stores[0].inbox.enqueue([_event(f"k{index}") for index in range(60)], now=NOW)
    taken: list[list[str]] = [[] for _ in stores]

    def drain(index: int) -> None:
        while claimed := stores[index].inbox.claim(
            owner=f"r{index}", now=NOW, lease=LEASE, limit=3, max_attempts=3
        ):
            taken[index].extend(e.event_key for e in claimed)

    threads = [threading.Thread(target=drain, args=(index,)) for index in range(replicas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [key for keys in taken for key in keys]
    assert sorted(every) == sorted(f"k{index}" for index in range(60))
