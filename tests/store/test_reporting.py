"""bot/store/reporting.py: scan runs and the snapshots trends are drawn from."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store import Store, StoreError
from bot.store.records import ScanStatus, SnapshotCounts

from .builders import NOW


def _counts(pending: int) -> SnapshotCounts:
    return SnapshotCounts(
        by_status={"pending": pending, "merged": 2}, by_kind={"bugfix": pending + 2},
        by_target={"fedora": pending}, by_branch={"a9": pending + 2},
        by_owner={"jdoe": pending}, by_age={"0-30d": pending, "90d+": 2},
    )


def test_latest_snapshots_come_newest_first(store: Store) -> None:
    for day in range(5):
        store.add_snapshot(_counts(day), now=NOW + timedelta(days=day))
    latest = store.latest_snapshots(3)
    assert [s.taken_at for s in latest] == [NOW + timedelta(days=d) for d in (4, 3, 2)]
    assert [s.counts for s in latest] == [_counts(4), _counts(3), _counts(2)]
    assert store.latest_snapshots(0) == []


def test_snapshots_taken_at_the_same_time_keep_insert_order(store: Store) -> None:
    first = store.add_snapshot(_counts(1), now=NOW)
    second = store.add_snapshot(_counts(2), now=NOW)
    assert [s.id for s in store.latest_snapshots(2)] == [second, first]


def test_a_scan_run_links_its_snapshot(store: Store) -> None:
    run = store.start_scan_run(now=NOW)
    store.finish_scan_run(run, status=ScanStatus.PARTIAL, now=NOW + timedelta(minutes=3),
                          packages_scanned=126, changes_seen=340, error="2 packages failed")
    store.add_snapshot(_counts(1), now=NOW + timedelta(minutes=3), scan_run_id=run)
    (snapshot,) = store.latest_snapshots(5)
    assert snapshot.scan_run_id == run


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"pending": -1}, r"by_status\['pending'\]: expected a count"),
        ({"pending": 1.5}, r"by_status\['pending'\]: expected a count"),
        ({"pending": True}, r"by_status\['pending'\]: expected a count"),
    ],
    ids=["negative", "float", "bool"],
)
def test_counts_must_be_counts(store: Store, counts: dict, message: str) -> None:
    bad = SnapshotCounts(by_status=counts, by_kind={}, by_target={}, by_branch={},
                         by_owner={}, by_age={})
    with pytest.raises(StoreError, match=message):
        store.add_snapshot(bad, now=NOW)
    assert store.latest_snapshots(1) == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.add_snapshot(_counts(1), now=NOW, scan_run_id=999),
         "snapshot: unknown scan run 999"),
        (lambda s: s.finish_scan_run(999, status=ScanStatus.OK, now=NOW, packages_scanned=0,
                                     changes_seen=0),
         "scan run 999: unknown"),
        (lambda s: s.latest_snapshots(-1), "n must be an int >= 0, got -1"),
    ],
    ids=["snapshot-of-unknown-run", "finish-unknown-run", "negative-n"],
)
def test_unknown_runs_and_bad_limits_are_refused(store: Store, call, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        call(store)
