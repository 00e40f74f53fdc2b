"""An executor handler that does its action's work in memory: it records what it was asked
to make and answers as the real handlers do (done, with the status the action sets). For
tests of the policy, the caps and the executor that need no forge."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.model import Status
from bot.domain.policy import ActionKind, PlannedAction
from bot.service.executor import Outcome, StepHook
from bot.store.acting import StatusUpdate
from bot.store.records import ActionState

_AFTER = {ActionKind.REMIND: Status.REMINDED, ActionKind.OPEN_CHANGE: Status.SUBMITTED}
_OVER = frozenset({Status.PENDING, Status.REMINDED, Status.SNOOZED})


class RecordingHandler:
    """Makes every action it is given, once; `made` lists their keys in order."""

    def __init__(self, *, per_package: bool = False) -> None:
        self.per_package = per_package
        self.made: list[PlannedAction] = []
        self.looked_up: list[str] = []

    def group(self, action: PlannedAction) -> str:
        return action.package if self.per_package else action.key

    async def find(self, actions: Sequence[PlannedAction]) -> dict[str, Outcome]:
        self.looked_up.extend(action.key for action in actions)
        made = {action.key for action in self.made}
        return {action.key: _done(action) for action in actions if action.key in made}

    async def make(
        self, actions: Sequence[PlannedAction], *, step: StepHook
    ) -> dict[str, Outcome]:
        self.made.extend(actions)
        step("made")
        return {action.key: _done(action) for action in actions}


def _done(action: PlannedAction) -> Outcome:
    url = f"https://forge.example/{action.package}/{action.kind}/{action.change_id}"
    status = _AFTER[action.kind]
    return Outcome(
        ActionState.DONE, f"{action.kind} made", url=url,
        updates=(StatusUpdate(action.change_id, action.target, status, f"{status} by a test",
                              _OVER, url=url),),
    )
