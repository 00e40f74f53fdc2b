"""bot/store/targets.py: current status per (change, target) and its transition history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.model import Status, Target
from bot.store import Store, StoreError
from bot.store.records import TargetState

from .builders import NOW, change, with_branch

URL = "https://gitlab.com/redhat/centos-stream/rpms/bash/-/merge_requests/7"


@pytest.fixture
def tracked(store: Store) -> Store:
    with_branch(store)
    store.record_changes("bash", "a9", [change("x")], now=NOW)
    return store


def _set(store: Store, status: Status, reason: str | None, minute: int, **extra: object) -> bool:
    return store.set_target_status(
        "x", Target.CENTOS_STREAM, status, reason=reason, evidence=extra.pop("evidence", None),
        now=NOW + timedelta(minutes=minute), actor=str(extra.pop("actor", "scan")), **extra,
    )


def test_transitions_are_written_only_when_status_or_reason_change(tracked: Store) -> None:
    steps = [
        (Status.PENDING, None, True),
        (Status.PENDING, None, False),
        (Status.REMINDED, "owner pinged", True),
        (Status.REMINDED, "owner pinged", False),
        (Status.REMINDED, "owner pinged again", True),
        (Status.SUBMITTED, "owner pinged again", True),
    ]
    written = [_set(tracked, status, reason, minute) for minute, (status, reason, _) in
               enumerate(steps)]
    assert written == [expected for _, _, expected in steps]
    history = tracked.status_history("x", Target.CENTOS_STREAM)
    assert [(h.from_status, h.to_status, h.reason) for h in history] == [
        (None, Status.PENDING, None),
        (Status.PENDING, Status.REMINDED, "owner pinged"),
        (Status.REMINDED, Status.REMINDED, "owner pinged again"),
        (Status.REMINDED, Status.SUBMITTED, "owner pinged again"),
    ]
    assert [h.at for h in history] == [NOW + timedelta(minutes=m) for m in (0, 2, 4, 5)]


def test_history_with_equal_times_keeps_write_order(tracked: Store) -> None:
    for status in (Status.PENDING, Status.SUBMITTED, Status.MERGED):
        _set(tracked, status, None, 0)
    history = tracked.status_history("x", Target.CENTOS_STREAM)
    assert [h.to_status for h in history] == [Status.PENDING, Status.SUBMITTED, Status.MERGED]


def test_history_is_ordered_by_time_not_by_write(tracked: Store) -> None:
    _set(tracked, Status.PENDING, None, 10)
    _set(tracked, Status.SUBMITTED, None, 5)
    history = tracked.status_history("x", Target.CENTOS_STREAM)
    assert [h.to_status for h in history] == [Status.SUBMITTED, Status.PENDING]


def test_current_state_holds_the_latest_details(tracked: Store) -> None:
    until = datetime(2026, 4, 1, tzinfo=UTC)
    _set(tracked, Status.SUBMITTED, "MR opened", 0, url=URL, evidence={"mr": 7})
    _set(tracked, Status.SNOOZED, "/upstream snooze 30d", 1, until=until, actor="@jdoe")
    assert tracked.get_target_status("x", Target.CENTOS_STREAM) == TargetState(
        change_id="x", target=Target.CENTOS_STREAM, status=Status.SNOOZED,
        reason="/upstream snooze 30d", evidence={}, url=None, until=until,
        updated_at=NOW + timedelta(minutes=1),
    )
    assert tracked.status_history("x", Target.CENTOS_STREAM)[-1].actor == "@jdoe"


def test_new_evidence_alone_refreshes_state_without_history(tracked: Store) -> None:
    _set(tracked, Status.SUBMITTED, "MR opened", 0, url=URL, evidence={"state": "opened"})
    assert _set(tracked, Status.SUBMITTED, "MR opened", 3, url=URL,
                evidence={"state": "opened", "approvals": 1}) is False
    state = tracked.get_target_status("x", Target.CENTOS_STREAM)
    assert state is not None
    assert (state.evidence, state.updated_at) == (
        {"state": "opened", "approvals": 1}, NOW + timedelta(minutes=3)
    )
    assert len(tracked.status_history("x", Target.CENTOS_STREAM)) == 1


def test_targets_have_separate_histories(tracked: Store) -> None:
    _set(tracked, Status.PENDING, None, 0)
    tracked.set_target_status("x", Target.FEDORA, Status.PRESENT, reason="in rawhide",
                              evidence={"commit": "abc"}, now=NOW, actor="scan")
    assert [h.to_status for h in tracked.status_history("x", Target.FEDORA)] == [Status.PRESENT]
    assert [h.to_status for h in tracked.status_history("x", Target.CENTOS_STREAM)] == [
        Status.PENDING
    ]
    assert tracked.get_target_status("x", Target.PROJECT) is None


@pytest.mark.parametrize(
    ("change_id", "target", "status", "actor", "message"),
    [
        ("ghost", Target.FEDORA, Status.PENDING, "scan", "change ghost / fedora: unknown change"),
        ("x", "gitlab", Status.PENDING, "scan", "'gitlab' is not one of: centos-stream"),
        ("x", Target.FEDORA, "done", "scan", "writing Status: 'done' is not one of"),
        ("x", Target.FEDORA, Status.PENDING, "", "actor: expected a non-empty string"),
    ],
    ids=["unknown-change", "unknown-target", "unknown-status", "no-actor"],
)
def test_bad_status_writes_are_refused(
    tracked: Store, change_id: str, target: Target, status: Status, actor: str, message: str
) -> None:
    with pytest.raises(StoreError, match=message):
        tracked.set_target_status(change_id, target, status, reason=None, evidence=None,
                                  now=NOW, actor=actor)
    assert tracked.get_target_status("x", Target.FEDORA) is None


def test_history_survives_a_change_going_away(tracked: Store) -> None:
    _set(tracked, Status.PENDING, None, 0)
    tracked.record_changes("bash", "a9", [], now=NOW + timedelta(days=1))
    assert len(tracked.status_history("x", Target.CENTOS_STREAM)) == 1


def test_list_target_states_finds_the_pairs_in_one_status(tracked: Store) -> None:
    tracked.record_changes("bash", "a9", [change("x"), change("y")], now=NOW)
    _set(tracked, Status.SUBMITTED, "in !7", 0, url=URL)
    tracked.set_target_status(
        "y", Target.FEDORA, Status.SUBMITTED, reason="in #3", evidence=None, now=NOW,
        actor="scan",
    )
    tracked.set_target_status(
        "y", Target.CENTOS_STREAM, Status.PENDING, reason=None, evidence=None, now=NOW,
        actor="scan",
    )
    found = tracked.list_target_states(status=Status.SUBMITTED)
    assert [(s.change_id, s.target, s.url) for s in found] == [
        ("x", Target.CENTOS_STREAM, URL),
        ("y", Target.FEDORA, None),
    ]
    only = tracked.list_target_states(status=Status.SUBMITTED, target=Target.FEDORA)
    assert [s.change_id for s in only] == ["y"]
    assert tracked.list_target_states(status=Status.MERGED) == []
