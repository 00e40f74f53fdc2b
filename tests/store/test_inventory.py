"""bot/store/inventory.py: packages, branches, and a scan's changes (new, seen, gone, back)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.domain.model import DeclaredStatus, Kind, Operation
from bot.store import Store, StoreError
from bot.store.records import BranchRecord, PackageRecord, RecordResult, ScanStatus

from .builders import NOW, change, with_branch

LATER = NOW + timedelta(days=1)
MUCH_LATER = NOW + timedelta(days=2)


def test_upsert_package_inserts_then_overwrites(store: Store) -> None:
    first = PackageRecord(name="bash", repo="rpms/bash", etag='"v1"', updated_at=NOW)
    second = replace(first, etag='"v2"', stale=True, last_error="HTTP 503 from the forge")
    assert store.upsert_package(first, now=NOW) is True
    assert store.upsert_package(second, now=LATER) is False
    assert store.get_package("bash") == second
    assert store.get_package("zsh") is None


def test_upsert_branch_needs_its_package(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown package 'bash'; call upsert_package first"):
        store.upsert_branch(BranchRecord(package="bash", name="a9", base="c9"), now=NOW)


def test_upsert_branch_inserts_then_overwrites(store: Store) -> None:
    store.upsert_package(PackageRecord(name="bash", repo="rpms/bash"), now=NOW)
    first = BranchRecord(package="bash", name="a9", base="c9")
    second = replace(first, head="0" * 40, scan_status=ScanStatus.OK)
    assert store.upsert_branch(first, now=NOW) is True
    assert store.upsert_branch(second, now=LATER) is False
    assert store.get_branch("bash", "a9") == second
    assert store.get_branch("bash", "a10") is None


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (PackageRecord(name="", repo="rpms/x"), "package name: expected a non-empty string"),
        (PackageRecord(name="x", repo=" "), "package x: repo: expected a non-empty string"),
    ],
    ids=["no-name", "blank-repo"],
)
def test_package_fields_are_checked(store: Store, record: PackageRecord, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        store.upsert_package(record, now=NOW)


def test_a_scan_sequence_reports_new_seen_gone_and_returned(store: Store) -> None:
    with_branch(store)
    first = store.record_changes("bash", "a9", [change("a"), change("b")], now=NOW)
    second = store.record_changes("bash", "a9", [change("b"), change("c")], now=LATER)
    third = store.record_changes("bash", "a9", [change("a"), change("c")], now=MUCH_LATER)
    assert first == RecordResult(new=("a", "b"), seen=(), returned=(), gone=())
    assert second == RecordResult(new=("c",), seen=("b",), returned=(), gone=("a",))
    assert third == RecordResult(new=(), seen=("c",), returned=("a",), gone=("b",))


def test_stored_changes_keep_first_seen_and_track_last_seen_and_gone_at(store: Store) -> None:
    with_branch(store)
    store.record_changes("bash", "a9", [change("a"), change("b")], now=NOW)
    store.record_changes("bash", "a9", [change("a")], now=LATER)
    current = store.list_changes("bash", "a9")
    everything = store.list_changes("bash", "a9", include_gone=True)
    assert [(c.record.id, c.first_seen, c.last_seen, c.gone_at) for c in current] == [
        ("a", NOW, LATER, None)
    ]
    assert [(c.record.id, c.gone_at) for c in everything] == [("a", None), ("b", LATER)]


def test_recorded_fields_round_trip_and_follow_the_latest_scan(store: Store) -> None:
    with_branch(store)
    original = change("a", evidence={"lines": (1, 2), "nested": {"ok": True}})
    store.record_changes("bash", "a9", [original], now=NOW)
    (stored,) = store.list_changes("bash", "a9")
    assert stored.record == replace(original, evidence={"lines": [1, 2], "nested": {"ok": True}})
    reclassified = replace(
        original, kind=Kind.SECURITY, operation=Operation.MODIFIED, owner=None,
        declared_status=DeclaredStatus.ACCEPTED, evidence={}, missing_file=True,
    )
    store.record_changes("bash", "a9", [reclassified], now=LATER)
    (stored,) = store.list_changes("bash", "a9")
    assert stored.record == replace(reclassified, owner="jdoe"), "no owner given: kept"
    store.record_changes("bash", "a9", [replace(reclassified, owner="asmith")], now=LATER)
    (stored,) = store.list_changes("bash", "a9")
    assert stored.record.owner == "asmith", "an owner given replaces the stored one"


def test_a_rescan_keeps_the_owner_the_act_pass_stored(store: Store) -> None:
    with_branch(store)
    store.record_changes("bash", "a9", [change("a", owner=None)], now=NOW)
    store.acting.set_owners({"a": "mcastell"})
    store.record_changes("bash", "a9", [change("a", owner=None)], now=LATER)
    assert store.get_change("a").record.owner == "mcastell"  # type: ignore[union-attr]


def test_superseded_by_may_name_a_change_of_the_same_batch(store: Store) -> None:
    with_branch(store)
    store.record_changes(
        "bash", "a9", [change("old", superseded_by="new"), change("new")], now=NOW
    )
    by_id = {c.record.id: c.record for c in store.list_changes("bash", "a9")}
    assert by_id["old"].superseded_by == "new"
    assert by_id["new"].superseded_by is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ([change("a"), change("a")], "bash/a9: change id 'a' given twice in one scan"),
        ([change("a", superseded_by="ghost")], "superseded_by names unknown change 'ghost'"),
        ([change("")], "bash/a9: change id: expected a non-empty string"),
        ([change("a", content_id="")], "change a: content_id: expected a non-empty string"),
        ([change("a", evidence={"x": {1, 2}})], "change a: evidence: not storable as JSON"),
        ([change("a", evidence={"x": float("nan")})], "change a: evidence: not storable"),
    ],
    ids=["duplicate-id", "unknown-successor", "empty-id", "no-content-id", "set", "nan"],
)
def test_bad_scans_are_refused_whole(store: Store, changes: list, message: str) -> None:
    with_branch(store)
    store.record_changes("bash", "a9", [change("kept")], now=NOW)
    with pytest.raises(StoreError, match=message):
        store.record_changes("bash", "a9", changes, now=LATER)
    assert [c.record.id for c in store.list_changes("bash", "a9")] == ["kept"]


def test_an_id_of_another_branch_is_refused(store: Store) -> None:
    with_branch(store, branch="a9")
    with_branch(store, branch="a10")
    store.record_changes("bash", "a9", [change("same")], now=NOW)
    with pytest.raises(StoreError, match="'same' already belongs to bash/a9"):
        store.record_changes("bash", "a10", [change("same")], now=NOW)


def test_changes_need_a_known_branch(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown branch bash/a9; call upsert_branch first"):
        store.record_changes("bash", "a9", [change("a")], now=NOW)


def test_branches_do_not_see_each_others_changes(store: Store) -> None:
    with_branch(store, branch="a9")
    with_branch(store, branch="a10")
    store.record_changes("bash", "a9", [change("a9-x")], now=NOW)
    result = store.record_changes("bash", "a10", [change("a10-x")], now=NOW)
    assert result.gone == ()
    assert [c.record.id for c in store.list_changes("bash", "a9")] == ["a9-x"]


def test_list_packages_by_name_all_or_only_the_stale(store: Store) -> None:
    store.upsert_package(PackageRecord(name="zsh", repo="rpms/zsh"), now=NOW)
    store.upsert_package(
        PackageRecord(name="bash", repo="rpms/bash", stale=True, last_error="Unavailable: 503"),
        now=NOW,
    )
    assert [p.name for p in store.list_packages()] == ["bash", "zsh"]
    [stale] = store.list_packages(stale=True)
    assert (stale.name, stale.last_error) == ("bash", "Unavailable: 503")
    assert [p.name for p in store.list_packages(stale=False)] == ["zsh"]
