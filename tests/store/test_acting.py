"""Store.acting: tracked changes, owners, claiming and completing actions with their status
change, the action log's history, and the policy's decisions; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import Status, Target
from bot.store import Store
from bot.store.acting import DecisionRow, StatusUpdate
from bot.store.records import ActionRecord, ActionState

from .builders import NOW, change, with_branch

LATER = NOW + timedelta(hours=2)
CS, FEDORA = Target.CENTOS_STREAM, Target.FEDORA


def _status(store: Store, change_id: str, target: Target, status: Status) -> None:
    store.set_target_status(change_id, target, status, reason=str(status), evidence={},
                            now=NOW, actor="scan")


def test_tracked_changes_are_the_current_ones_with_a_pair_still_owed(store: Store) -> None:
    with_branch(store)
    with_branch(store, "zsh")
    store.record_changes("bash", "a9", [change("a"), change("b"), change("gone")], now=NOW)
    store.record_changes("zsh", "a9", [change("z")], now=NOW)
    _status(store, "a", CS, Status.MERGED)
    _status(store, "a", FEDORA, Status.PENDING)
    _status(store, "b", CS, Status.PRESENT)
    _status(store, "gone", CS, Status.PENDING)
    _status(store, "z", FEDORA, Status.SUBMITTED)
    store.record_changes("bash", "a9", [change("a"), change("b")], now=LATER)
    tracked = store.acting.tracked_changes()
    assert [(t.change.record.id, [(s.target, s.status) for s in t.states]) for t in tracked] == [
        ("a", [(CS, Status.MERGED), (FEDORA, Status.PENDING)]),
        ("z", [(FEDORA, Status.SUBMITTED)]),
    ]
    assert [t.change.record.id for t in store.acting.tracked_changes(packages=["zsh"])] == ["z"]


def test_owners_are_stored(store: Store) -> None:
    with_branch(store)
    store.record_changes("bash", "a9", [change("a", owner=None)], now=NOW)
    assert store.acting.set_owners({"a": "mcastell"}) == 1
    assert store.acting.set_owners({"a": "mcastell"}) == 0
    assert store.get_change("a").record.owner == "mcastell"  # type: ignore[union-attr]


def test_an_action_is_claimed_until_done_and_its_status_set_with_it(store: Store) -> None:
    with_branch(store)
    store.record_changes("bash", "a9", [change("a")], now=NOW)
    _status(store, "a", CS, Status.PENDING)
    _status(store, "a", FEDORA, Status.MERGED)
    record = ActionRecord(key="remind:a:centos-stream:1", type="remind", target="centos-stream",
                          payload={"change_id": "a"})
    assert store.acting.claim_action(record, now=NOW)
    # a run that died after claiming leaves it planned: the next run takes it again
    assert store.acting.claim_action(record, now=LATER)
    over = frozenset({Status.PENDING})
    changed = store.acting.complete_action(
        record.key, now=LATER, actor="act", url="http://issue/1", result={"issue": 1},
        updates=[StatusUpdate("a", CS, Status.REMINDED, "reminded", over),
                 StatusUpdate("a", FEDORA, Status.REMINDED, "reminded", over)],
    )
    assert changed == 1
    assert store.get_target_status("a", CS).status is Status.REMINDED  # type: ignore[union-attr]
    assert store.get_target_status("a", FEDORA).status is Status.MERGED  # type: ignore[union-attr]
    assert not store.acting.claim_action(record, now=LATER)
    done = store.get_action(record.key)
    assert done is not None and (done.state, done.url) == (ActionState.DONE, "http://issue/1")


def test_done_actions_leave_out_dry_runs_other_states_and_older_ones(store: Store) -> None:
    for key, dry, state in (("open-change:1", False, ActionState.DONE),
                            ("open-change:2", True, ActionState.PLANNED),
                            ("open-change:3", False, ActionState.FAILED),
                            ("open-change:4", False, ActionState.PLANNED)):
        store.record_action(ActionRecord(key=key, type="open-change", dry_run=dry), now=NOW)
        if state is not ActionState.PLANNED:
            store.finish_action(key, state=state, now=NOW)
    store.record_action(ActionRecord(key="open-change:5", type="open-change"), now=LATER)
    store.record_action(ActionRecord(key="remind:x", type="remind"), now=LATER)
    keys = [a.record.key for a in store.acting.done_actions(["open-change"])]
    assert keys == ["open-change:1"]
    claimed = store.acting.done_actions(["open-change"], states=[ActionState.PLANNED])
    assert [a.record.key for a in claimed] == ["open-change:4", "open-change:5"]
    assert [a.record.key for a in store.acting.done_actions(
        ["open-change"], since=LATER, states=[ActionState.PLANNED])] == ["open-change:5"]


def test_decisions_are_replaced_in_their_scope(store: Store) -> None:
    with_branch(store)
    store.record_changes("bash", "a9", [change("a"), change("b")], now=NOW)
    rows = [DecisionRow("a", CS, "grace-period", "in the grace period", until=LATER),
            DecisionRow("b", CS, "remind", "first reminder", action_key="remind:b:cs:1")]
    assert store.acting.replace_decisions(rows, scope=None, now=NOW) == 2
    store.acting.replace_decisions(
        [DecisionRow("a", CS, "remind", "first reminder", dry_run=True)], scope=["a"], now=LATER)
    found = {(d.row.change_id, d.row.why, d.row.dry_run, d.row.until, d.decided_at)
             for d in store.acting.decisions_of()}
    assert found == {("a", "remind", True, None, LATER), ("b", "remind", False, None, NOW)}
    assert [d.row.change_id for d in store.acting.decisions_of(["b"])] == ["b"]
