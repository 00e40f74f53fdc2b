"""What a stopping or dead process's leases become: its scan items given back by owner prefix
(bot/store/scan_work.py release_claims), its inbox leases ended so the events are orphans
that `claim` takes and counts (bot/store/inbox.py lease_owners, expire_leases)."""

from __future__ import annotations

from datetime import timedelta

from bot.store import Store
from bot.store.records import InboxEvent, InboxState, WorkState

from .builders import NOW

LEASE = timedelta(minutes=10)


def test_release_claims_gives_back_only_the_items_of_owners_with_the_prefix(store: Store) -> None:
    run = store.scans.open_run(now=NOW)
    store.scans.queue_work(run.id, {p: "new" for p in ("a", "b", "c", "d")}, now=NOW)
    store.scans.claim_work(run.id, owner="host:12:aaaa", now=NOW, lease=LEASE, limit=2)
    store.scans.claim_work(run.id, owner="host:123:bbbb", now=NOW, lease=LEASE, limit=1)
    # "host:12:" is not a prefix of "host:123:...", and a name with LIKE wildcards is literal
    assert store.scans.release_claims("host:1_:", now=NOW) == 0
    assert store.scans.release_claims("host:12:", now=NOW) == 2
    items = store.scans.work_items()
    assert {p: i.state for p, i in items.items()} == {
        "a": WorkState.PENDING, "b": WorkState.PENDING, "c": WorkState.CLAIMED,
        "d": WorkState.PENDING,
    }
    assert items["a"].lease_owner is None and items["c"].lease_owner == "host:123:bbbb"
    # another worker takes them at once, without waiting for the old lease
    taken = store.scans.claim_work(run.id, owner="other", now=NOW, lease=LEASE, limit=5)
    assert sorted(i.package for i in taken) == ["a", "b", "d"]


def _event(key: str) -> InboxEvent:
    return InboxEvent(forge="gitea", event_key=key, event_type="comment", payload={"k": key},
                      delivery_id=None)


def test_ended_inbox_leases_are_orphans_claimed_at_once_with_the_attempt_counted(
    store: Store,
) -> None:
    store.inbox.enqueue([_event("one"), _event("two"), _event("three")], now=NOW)
    dead = store.inbox.claim(owner="h:1:x:inbox-0", now=NOW, lease=LEASE, limit=2,
                             max_attempts=2)
    store.inbox.claim(owner="h:2:y:inbox-0", now=NOW, lease=LEASE, limit=1, max_attempts=2)
    assert store.inbox.lease_owners() == ["h:1:x:inbox-0", "h:2:y:inbox-0"]
    later = NOW + timedelta(seconds=5)
    assert store.inbox.claim(owner="w", now=later, lease=LEASE, limit=5, max_attempts=2) == []

    assert store.inbox.expire_leases(owner="h:1:x:inbox-0", now=later) == 2
    retaken = store.inbox.claim(owner="w", now=later, lease=LEASE, limit=5, max_attempts=2)
    assert sorted(e.event_key for e in retaken) == sorted(e.event_key for e in dead)
    assert all(e.attempts == 2 for e in retaken)
    assert store.inbox.lease_owners() == ["h:2:y:inbox-0", "w"]

    # an event whose workers keep dying goes dead instead of killing every worker in turn
    assert store.inbox.expire_leases(owner="w", now=later) == 2
    assert store.inbox.claim(owner="v", now=later, lease=LEASE, limit=5, max_attempts=2) == []
    assert store.inbox.counts()[InboxState.DEAD] == 2
