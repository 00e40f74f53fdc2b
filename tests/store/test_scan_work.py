"""bot/store/scan_work.py: scan runs that resume, work items queued once, claimed under a
lease (skipping locked rows on PostgreSQL), finished or failed with a retry time."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.store import Store, session_factory
from bot.store.records import PackageRecord, ScanStatus, WorkState
from bot.store.scan_records import PackageResult

from .builders import NOW

LEASE = timedelta(minutes=10)


def test_a_run_left_running_is_resumed_and_older_ones_are_closed(store: Store) -> None:
    first = store.scans.open_run(now=NOW)
    second = store.scans.open_run(now=NOW, resume=False)
    assert not first.resumed and second.id != first.id
    store.scans.queue_work(first.id, {"bash": "new"}, now=NOW)
    resumed = store.scans.open_run(now=NOW + timedelta(minutes=1))
    assert resumed.resumed and resumed.id == second.id
    # the older run's open item now belongs to the run that goes on
    assert resumed.work == {WorkState.PENDING: 1}
    closed = store.scans.run_state(first.id)
    assert closed.status is ScanStatus.FAILED


def test_queueing_twice_queues_once_and_leaves_live_leases_and_backoffs(store: Store) -> None:
    run = store.scans.open_run(now=NOW)
    assert store.scans.queue_work(run.id, {"bash": "new", "zsh": "new"}, now=NOW) == [
        "bash", "zsh"
    ]
    assert store.scans.queue_work(run.id, {"bash": "updated"}, now=NOW) == []
    [claimed] = store.scans.claim_work(run.id, owner="a", now=NOW, lease=LEASE)
    store.scans.fail_work("zsh", repo="rpms/zsh", error="Unavailable: down", now=NOW,
                          retry_at=NOW + timedelta(hours=1))
    later = store.scans.open_run(now=NOW, resume=False)
    # bash is being worked on under a live lease, zsh waits for its retry time
    assert store.scans.queue_work(later.id, {"bash": "x", "zsh": "x"}, now=NOW) == []
    due = NOW + timedelta(hours=1)
    assert store.scans.queue_work(later.id, {"bash": "x", "zsh": "x"}, now=due) == ["bash", "zsh"]
    assert claimed.package == "bash"


def test_claims_take_pending_items_then_expired_or_orphaned_leases(store: Store) -> None:
    run = store.scans.open_run(now=NOW)
    store.scans.queue_work(run.id, {"a": "new", "b": "new", "c": "new"}, now=NOW)
    one = store.scans.claim_work(run.id, owner="w1", now=NOW, lease=LEASE, limit=2)
    assert [i.package for i in one] == ["a", "b"]
    assert all(i.state is WorkState.CLAIMED and i.lease_owner == "w1" for i in one)
    two = store.scans.claim_work(run.id, owner="w2", now=NOW, lease=LEASE, limit=5)
    assert [i.package for i in two] == ["c"]
    assert store.scans.claim_work(run.id, owner="w2", now=NOW, lease=LEASE) == []
    assert store.scans.lease_owners(run.id) == ["w1", "w2"]
    # w1 died: its items are claimable at once, without waiting for the lease
    taken = store.scans.claim_work(run.id, owner="w3", now=NOW, lease=LEASE, limit=5,
                                   orphans=["w1"])
    assert [i.package for i in taken] == ["a", "b"]
    expired = store.scans.claim_work(run.id, owner="w4", now=NOW + LEASE * 2, lease=LEASE,
                                     limit=5, only=["b", "c"])
    assert [i.package for i in expired] == ["b", "c"], "only the packages asked for"


def test_a_failure_counts_attempts_keeps_the_error_and_marks_the_package_stale(
    store: Store,
) -> None:
    store.upsert_package(PackageRecord("bash", "rpms/bash"), now=NOW)
    run = store.scans.open_run(now=NOW)
    for attempt in (1, 2):
        store.scans.queue_work(run.id, {"bash": "retry"}, now=NOW + timedelta(hours=attempt))
        store.scans.claim_work(run.id, owner="w", now=NOW, lease=LEASE)
        assert store.scans.fail_work(
            "bash", repo="rpms/bash", error=f"Unavailable: {attempt}", now=NOW,
            retry_at=NOW + timedelta(hours=attempt + 1),
        ) == attempt
    item = store.scans.work_items()["bash"]
    assert (item.state, item.attempts, item.last_error) == (WorkState.FAILED, 2, "Unavailable: 2")
    package = store.get_package("bash")
    assert package is not None and package.stale and package.last_error == "Unavailable: 2"
    # a package that failed on its first scan is stored, stale
    store.scans.queue_work(run.id, {"zsh": "new"}, now=NOW)
    store.scans.fail_work("zsh", repo="rpms/zsh", error="boom", now=NOW, retry_at=NOW)
    assert store.get_package("zsh") == PackageRecord("zsh", "rpms/zsh", stale=True,
                                                     last_error="boom")


def test_a_run_closes_once_when_nothing_is_open(store: Store) -> None:
    run = store.scans.open_run(now=NOW)
    store.scans.queue_work(run.id, {"a": "new", "b": "new"}, now=NOW)
    store.scans.claim_work(run.id, owner="w", now=NOW, lease=LEASE, limit=2)
    store.scans.fail_work("b", repo="rpms/b", error="AuthFailed: no", now=NOW, retry_at=NOW)
    assert store.scans.close_run(run.id, now=NOW, changes_seen=0) is False, "a is open"
    store.scans.save_package(PackageResult(PackageRecord("a", "rpms/a"), (), ()), now=NOW,
                             actor="t")
    assert store.scans.close_run(run.id, now=NOW, changes_seen=3) is True
    assert store.scans.close_run(run.id, now=NOW, changes_seen=3) is False, "closed once"
    state = store.scans.run_state(run.id)
    assert state.status is ScanStatus.PARTIAL
    assert state.work == {WorkState.DONE: 1, WorkState.FAILED: 1}


@pytest.mark.postgres
def test_concurrent_claimers_on_postgresql_never_share_an_item(
    store_engine: Engine, store: Store
) -> None:
    if store_engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite lets one writer in at a time")
    run = store.scans.open_run(now=NOW)
    packages = {f"p{i:03d}": "new" for i in range(60)}
    store.scans.queue_work(run.id, packages, now=NOW)
    got: dict[str, list[str]] = {}

    def worker(name: str) -> None:
        mine = Store(session_factory(store_engine))
        got[name] = []
        while batch := mine.scans.claim_work(run.id, owner=name, now=NOW, lease=LEASE, limit=3):
            got[name] += [i.package for i in batch]

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [p for items in got.values() for p in items]
    assert sorted(claimed) == sorted(packages)
