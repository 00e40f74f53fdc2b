"""Saving a package's scan: a status found is settled against the stored one (a pending
finding keeps a reminder) and bent by the overrides in force, in the save's transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.domain.model import Status, Target
from bot.domain.overrides import Override, OverrideKind
from bot.store import Store
from bot.store.records import BranchRecord, PackageRecord
from bot.store.scan_records import BranchResult, PackageResult, StatusRow

from .builders import NOW, change

LATER = NOW + timedelta(days=1)
FOUND = "not found in Fedora rawhide"


def _save(store: Store, status: Status, reason: str, *, at=NOW, **evidence: Any) -> int:
    result = PackageResult(
        PackageRecord("bash", "rpms/bash"),
        (BranchResult(BranchRecord("bash", "a9", "c9"), (change("c1"),)),),
        (StatusRow("c1", Target.FEDORA, status, reason,
                   {"target_branch": "rawhide", **evidence}),),
    )
    return store.scans.save_package(result, now=at, actor="scan").transitions


def _state(store: Store) -> tuple[Status, str | None, dict[str, Any]]:
    state = store.get_target_status("c1", Target.FEDORA)
    assert state is not None
    return state.status, state.reason, dict(state.evidence)


@pytest.fixture
def reminded(store: Store) -> Store:
    _save(store, Status.PENDING, FOUND, age_days=3)
    state = store.get_target_status("c1", Target.FEDORA)
    assert state is not None
    store.set_target_status("c1", Target.FEDORA, Status.REMINDED, reason="reminded @jdoe",
                            evidence={**state.evidence, "action": "remind:1"}, now=NOW,
                            actor="act")
    return store


def test_a_pending_finding_keeps_the_reminder_and_refreshes_its_age(reminded: Store) -> None:
    assert _save(reminded, Status.PENDING, FOUND, at=LATER, age_days=4) == 0
    assert _state(reminded) == (Status.REMINDED, "reminded @jdoe",
                                {"target_branch": "rawhide", "age_days": 4, "action": "remind:1"})
    assert [t.to_status for t in reminded.status_history("c1", Target.FEDORA)] == [
        Status.PENDING, Status.REMINDED]


def test_another_finding_replaces_the_reminder(reminded: Store) -> None:
    assert _save(reminded, Status.PRESENT, "present in fedora rawhide", at=LATER) == 1
    assert _state(reminded)[:2] == (Status.PRESENT, "present in fedora rawhide")


def test_the_overrides_in_force_bend_what_the_scan_found(store: Store) -> None:
    _save(store, Status.PENDING, FOUND, age_days=3)
    store.add_override(Override("c1", OverrideKind.SNOOZE, "2d", "alice", NOW,
                                until=NOW + timedelta(days=2)))
    assert _save(store, Status.PENDING, FOUND, at=LATER, age_days=4) == 0, "still snoozed"
    assert _state(store)[0] is Status.SNOOZED
    # the snooze ran out: the scan's finding is written as it is
    assert _save(store, Status.PENDING, FOUND, at=LATER + timedelta(days=1), age_days=5) == 1
    assert _state(store) == (Status.PENDING, FOUND, {"target_branch": "rawhide", "age_days": 5})


def test_a_skip_stays_on_rescans_until_a_forge_shows_more(store: Store) -> None:
    _save(store, Status.PENDING, FOUND)
    store.add_override(Override("c1", OverrideKind.SKIP, "not ours", "alice", NOW))
    assert _save(store, Status.PENDING, FOUND, at=LATER) == 0
    assert _state(store)[:2] == (Status.NOT_NEEDED, "skipped by @alice: not ours")
    assert _save(store, Status.MERGED, "merged in fedora rawhide as !3", at=LATER) == 1
    assert _state(store)[0] is Status.MERGED
