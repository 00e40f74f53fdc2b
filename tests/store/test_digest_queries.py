"""bot/store/digest_queries.py: the rows a week's digests read, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import Status, Target
from bot.store import Store
from bot.store.records import InboxState, PackageRecord
from tests.service.digest_world import TRACKING, WEEK, at, seed


def _inputs(store: Store, *, since=None):
    start, end = at(2), at(9)
    return store.digest_inputs(since=since or at(23, 2), week_start=start, week_end=end,
                               trend_since=at(1, 1))


def test_pairs_steps_and_trend_rows(store: Store) -> None:
    seed(store)
    inputs = _inputs(store)
    pairs = {(p.change_id, p.target): p for p in inputs.pairs}
    assert len(pairs) == 9
    old = pairs[("c-old", Target.CENTOS_STREAM)]
    assert (old.package, old.branch, old.name, old.owner, old.status) == (
        "bash", "a9", "0001-fix-overflow.patch", "mira", Status.REMINDED
    )
    assert old.first_seen == at(5, 1)
    assert pairs[("c-draft", Target.CENTOS_STREAM)].evidence == {"draft": True}
    # transitions from `since` on, oldest first
    assert [(s.change_id, s.to_status) for s in inputs.steps] == [
        ("c-sub", Status.SUBMITTED), ("c-evil", Status.REJECTED)
    ]
    assert [s.taken_at for s in inputs.snapshots] == [at(23, 2), at(6)]
    assert [(r.status, r.error) for r in inputs.scan_runs] == [("failed", "gitea: 503"),
                                                               ("ok", None)]
    assert inputs.tracking_issues == {"bash": TRACKING}
    assert str(WEEK) == "2026-W10"


def test_changes_gone_before_the_history_starts_are_left_out(store: Store) -> None:
    seed(store)
    store.record_changes("grub2", "a10s", [], now=at(1, 2))  # every grub2 change is gone
    assert {p.package for p in _inputs(store).pairs} == {"bash"}
    kept = _inputs(store, since=at(1, 2) - timedelta(days=1)).pairs
    assert {p.package for p in kept} == {"bash", "grub2"}
    assert {p.gone_at for p in kept if p.package == "grub2"} == {at(1, 2)}


def test_health_rows(store: Store) -> None:
    seed(store)
    store.upsert_package(PackageRecord("zlib", "rpms/zlib", stale=True, last_error="timeout"),
                         now=at(7))
    rows = [
        {"forge": "gitea", "delivery_id": f"d{n}", "event_key": f"e{n}",
         "event_type": "comment", "payload": {}, "received_at": at(1 + n),
         "state": InboxState.DEAD if n % 2 else InboxState.DONE, "attempts": 1,
         "last_error": f"boom {n}"}
        for n in range(9)
    ]
    assert store.load_rows({"inbox": rows}) == 9
    inputs = _inputs(store)
    assert [(p.name, p.error) for p in inputs.stale] == [("zlib", "timeout")]
    assert inputs.dead_events == 4
    assert [e.error for e in inputs.dead_examples] == ["boom 7", "boom 5", "boom 3", "boom 1"]
