"""The executor on a real SQLite store with in-memory handlers: the action log before and
after, nothing made twice, what the forge already has is not made again, a failure is
retried by the next run, and a dry run calls no handler and logs nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.model import ChangeType, Kind, Operation, Status, Target
from bot.domain.policy import ActionKind, PlannedAction
from bot.forges.errors import Unavailable
from bot.service.executor import Executor, Handler, Outcome, Step, StepHook
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.records import ActionState, BranchRecord, ChangeRecord, PackageRecord
from tests.fakes.handlers import RecordingHandler

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    engine = open_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    migrate(engine)
    store = Store(session_factory(engine))
    store.upsert_package(PackageRecord("bash", "rpms/bash"), now=NOW)
    store.upsert_branch(BranchRecord("bash", "a9", "c9"), now=NOW)
    store.record_changes("bash", "a9", [
        ChangeRecord(id=f"c{n}", type=ChangeType.PATCH, operation=Operation.ADDED,
                     name=f"{n}.patch", content_id=f"x{n}") for n in range(3)
    ], now=NOW)
    for n in range(3):
        store.set_target_status(f"c{n}", Target.FEDORA, Status.PENDING, reason="pending",
                                evidence={}, now=NOW, actor="scan")
    return store


def action(n: int, kind: ActionKind = ActionKind.REMIND) -> PlannedAction:
    return PlannedAction(kind=kind, key=f"{kind}:c{n}:fedora:1", change_id=f"c{n}",
                         analysis_id=f"a{n}", package="bash", branch="a9", name=f"{n}.patch",
                         target=Target.FEDORA, target_branch="rawhide", reason="due",
                         first_seen=NOW, change_kind=Kind.BUGFIX)


class Flaky(RecordingHandler):
    """Fails with an outage the first time it is asked to make anything."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def make(self, actions: Sequence[PlannedAction], *, step: StepHook
                   ) -> dict[str, Outcome]:
        if not self.failed:
            self.failed = True
            raise Unavailable("almalinux", "forge down")
        return await super().make(actions, step=step)


async def test_each_action_is_logged_before_and_after_and_made_once(store: Store) -> None:
    handler = RecordingHandler(per_package=True)
    steps: list[str] = []
    executor = Executor(store, {ActionKind.REMIND: handler}, dry_run=False, step=steps.append)
    first = await executor.run([action(0), action(1)], now=NOW)
    assert [a.key for a in handler.made] == [action(0).key, action(1).key]
    assert steps == [Step.CLAIMED, Step.LOOKED_UP, "made", Step.BEFORE_RECORD, Step.LOGGED,
                     Step.BEFORE_RECORD, Step.LOGGED]
    assert first.count(ActionState.DONE) == 2
    logged = store.get_action(action(0).key)
    assert logged is not None and logged.state is ActionState.DONE and logged.url
    assert store.get_target_status("c0", Target.FEDORA).status is Status.REMINDED  # type: ignore[union-attr]
    again = await executor.run([action(0), action(1), action(2)], now=NOW + timedelta(hours=1))
    assert again.already_done == [action(0).key, action(1).key]
    assert [a.key for a in handler.made] == [action(n).key for n in range(3)]


async def test_what_the_forge_already_has_is_recorded_not_made(store: Store) -> None:
    handler = RecordingHandler()
    handler.made.append(action(0))  # made by a run whose database write was lost
    executed = await Executor(store, {ActionKind.REMIND: handler}, dry_run=False).run(
        [action(0)], now=NOW)
    assert len(handler.made) == 1 and handler.looked_up == [action(0).key]
    assert executed.outcomes[action(0).key].state is ActionState.DONE


async def test_a_failed_action_is_logged_failed_and_retried_by_the_next_run(store: Store) -> None:
    handler = Flaky()
    executor = Executor(store, {ActionKind.REMIND: handler}, dry_run=False)
    failed = await executor.run([action(0)], now=NOW)
    assert failed.outcomes[action(0).key].state is ActionState.FAILED
    logged = store.get_action(action(0).key)
    assert logged is not None and logged.state is ActionState.FAILED
    assert "forge down" in (logged.record.reason or "")
    retried = await executor.run([action(0)], now=NOW + timedelta(hours=1))
    assert retried.outcomes[action(0).key].state is ActionState.DONE


async def test_a_dry_run_calls_no_handler_and_logs_nothing(store: Store) -> None:
    handler = RecordingHandler()
    handlers: dict[ActionKind, Handler] = {ActionKind.REMIND: handler}
    dry = await Executor(store, handlers, dry_run=True).run([action(0), action(1)], now=NOW)
    assert [a.key for a in dry.planned] == [action(0).key, action(1).key]
    assert not dry.outcomes and not handler.made and not handler.looked_up
    assert store.get_action(action(0).key) is None


async def test_an_action_kind_without_a_handler_is_an_error(store: Store) -> None:
    with pytest.raises(ValueError, match="no handler for open-change"):
        await Executor(store, {}, dry_run=False).run([action(0, ActionKind.OPEN_CHANGE)],
                                                     now=NOW)
