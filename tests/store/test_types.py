"""bot/store/types.py: timestamps come back aware and in UTC, enums come back as StrEnums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, text

from bot.domain.model import ChangeType, Status, Target
from bot.store import Store, StoreError
from bot.store.records import PackageRecord

from .builders import NOW, change, with_branch

PARIS_SUMMER = timezone(timedelta(hours=2))
MUMBAI = timezone(timedelta(hours=5, minutes=30))
HONOLULU = timezone(timedelta(hours=-10))


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC),
        datetime(2026, 7, 1, 23, 59, 59, tzinfo=PARIS_SUMMER),
        datetime(2026, 1, 1, 0, 0, tzinfo=MUMBAI),
        datetime(2025, 12, 31, 20, 0, tzinfo=HONOLULU),
    ],
    ids=["utc-microseconds", "plus-two", "plus-five-thirty", "minus-ten-across-new-year"],
)
def test_aware_datetimes_round_trip_as_the_same_instant_in_utc(
    store: Store, moment: datetime
) -> None:
    store.upsert_package(PackageRecord(name="bash", repo="rpms/bash", updated_at=moment), now=NOW)
    stored = store.get_package("bash")
    assert stored is not None and stored.updated_at is not None
    assert stored.updated_at == moment
    assert stored.updated_at.utcoffset() == timedelta(0)
    assert stored.updated_at.isoformat() == moment.astimezone(UTC).isoformat()


def test_naive_datetimes_are_refused(store: Store) -> None:
    naive = datetime(2026, 3, 2, 9, 30)
    with pytest.raises(StoreError, match="naive datetime 2026-03-02T09:30:00"):
        store.upsert_package(PackageRecord(name="bash", repo="rpms/bash"), now=naive)
    with pytest.raises(StoreError, match="naive datetime"):
        store.upsert_package(
            PackageRecord(name="bash", repo="rpms/bash", updated_at=naive), now=NOW
        )
    assert store.get_package("bash") is None


def test_time_ordering_in_sql_follows_the_instant(store: Store, store_engine: Engine) -> None:
    # 09:00+02:00 is before 08:30 UTC; SQL comparisons must agree on both databases.
    with_branch(store)
    store.record_changes("bash", "a9", [change("x")], now=NOW)
    early = datetime(2026, 3, 3, 9, 0, tzinfo=PARIS_SUMMER)
    late = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
    store.set_target_status("x", Target.FEDORA, Status.PENDING, reason=None, evidence=None,
                            now=late, actor="scan")
    store.set_target_status("x", Target.FEDORA, Status.REMINDED, reason=None, evidence=None,
                            now=early, actor="scan")
    history = store.status_history("x", Target.FEDORA)
    assert [step.to_status for step in history] == [Status.REMINDED, Status.PENDING]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("pach", "writing ChangeType: 'pach' is not one of: patch, spec-edit, source"),
        ("", "writing ChangeType: '' is not one of"),
    ],
    ids=["typo", "empty"],
)
def test_enum_values_are_checked_on_write(store: Store, value: str, message: str) -> None:
    with_branch(store)
    with pytest.raises(StoreError, match=message):
        store.record_changes("bash", "a9", [change("x", type=value)], now=NOW)
    assert store.list_changes("bash", "a9") == []


def test_enum_columns_read_back_as_str_enums(store: Store) -> None:
    with_branch(store)
    store.record_changes("bash", "a9", [change("x", type="spec-edit")], now=NOW)
    (stored,) = store.list_changes("bash", "a9")
    assert stored.record.type is ChangeType.SPEC_EDIT


def test_an_unknown_stored_value_is_a_store_error_on_read(
    store: Store, store_engine: Engine
) -> None:
    with_branch(store)
    store.record_changes("bash", "a9", [change("x")], now=NOW)
    with store_engine.begin() as connection:
        connection.execute(text("UPDATE changes SET kind = 'from-the-future'"))
    with pytest.raises(StoreError, match="reading Kind: 'from-the-future' is not one of"):
        store.list_changes("bash", "a9")
