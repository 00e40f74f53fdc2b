"""Runs the actions the policy planned, each once, whatever crashes in between.

For each group of actions (a handler says which run together: a package owner's reminders
share one comment), the executor claims every action in the action log before anything
happens, asks the handler for what the bot already made on the forge (its hidden marker
`<!-- upstream-bot:<key> -->`), has the handler make only the rest, and then records each
outcome with its status change in one transaction. A run that dies anywhere leaves
actions claimed but not done; the next run claims them again and the marker lookup finds
what the dead run made, so nothing is made twice. A crash, a lost database or a second
replica never opens a second merge request or posts a second reminder.

Dry-run is this one switch: a dry executor claims nothing, calls no handler and writes
nothing; it returns the plan it would run.

The step hook hears each point of no return (`Step`, plus the handlers' own steps); the
crash tests stop a real process there. Production passes none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.domain.policy import ActionKind, PlannedAction
from bot.forges.errors import ForgeError
from bot.store import Store
from bot.store.acting import StatusUpdate
from bot.store.records import ActionRecord, ActionState

log = logging.getLogger(__name__)

StepHook = Callable[[str], None]
ACTOR = "act"


class Step(StrEnum):
    """The executor's own points of no return, in order."""

    CLAIMED = "claimed"
    LOOKED_UP = "looked-up"
    BEFORE_RECORD = "before-record"
    LOGGED = "outcome-logged"


def no_step(_step: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one action ended; `updates` are the statuses its success sets."""

    state: ActionState
    reason: str
    url: str | None = None
    result: Mapping[str, Any] = field(default_factory=dict)
    updates: tuple[StatusUpdate, ...] = ()


class Handler(Protocol):
    """Does one kind of action on the forges."""

    def group(self, action: PlannedAction) -> str:
        """Actions with the same group are found and made together."""
        ...

    async def find(self, actions: Sequence[PlannedAction]) -> dict[str, Outcome]:
        """What the bot already made for these actions (by its markers), by action key."""
        ...

    async def make(
        self, actions: Sequence[PlannedAction], *, step: StepHook
    ) -> dict[str, Outcome]:
        """Make what is missing; an action left out of the answer failed."""
        ...


@dataclass(slots=True)
class Executed:
    """What one executor run did."""

    dry_run: bool
    #: the actions in the order they were taken up (all of them, in a dry run)
    planned: list[PlannedAction] = field(default_factory=list)
    #: action key -> its outcome (empty in a dry run)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    #: actions an earlier run had already done
    already_done: list[str] = field(default_factory=list)

    def count(self, state: ActionState) -> int:
        return sum(1 for outcome in self.outcomes.values() if outcome.state is state)


class Executor:
    """Runs planned actions through the handler of their kind."""

    def __init__(
        self,
        store: Store,
        handlers: Mapping[ActionKind, Handler],
        *,
        dry_run: bool,
        step: StepHook = no_step,
    ) -> None:
        self.store = store
        self.handlers = dict(handlers)
        self.dry_run = dry_run
        self.step = step

    async def run(self, actions: Sequence[PlannedAction], *, now: datetime) -> Executed:
        executed = Executed(dry_run=self.dry_run)
        missing = sorted({str(a.kind) for a in actions if a.kind not in self.handlers})
        if missing:
            raise ValueError(f"executor: no handler for {', '.join(missing)} actions")
        for handler, group in self._groups(actions):
            executed.planned.extend(group)
            if not self.dry_run:
                await self._run_group(handler, group, now=now, executed=executed)
        return executed

    def _groups(
        self, actions: Sequence[PlannedAction]
    ) -> list[tuple[Handler, list[PlannedAction]]]:
        grouped: dict[tuple[ActionKind, str], list[PlannedAction]] = {}
        for action in actions:
            handler = self.handlers[action.kind]
            grouped.setdefault((action.kind, handler.group(action)), []).append(action)
        return [(self.handlers[kind], group) for (kind, _), group in grouped.items()]

    async def _run_group(
        self,
        handler: Handler,
        group: list[PlannedAction],
        *,
        now: datetime,
        executed: Executed,
    ) -> None:
        claimed = []
        for action in group:
            if self.store.acting.claim_action(_record(action), now=now):
                claimed.append(action)
            else:
                executed.already_done.append(action.key)
        if not claimed:
            return
        self.step(Step.CLAIMED)
        try:
            outcomes = await handler.find(claimed)
            self.step(Step.LOOKED_UP)
            rest = [action for action in claimed if action.key not in outcomes]
            if rest:
                outcomes.update(await handler.make(rest, step=self.step))
        except ForgeError as error:
            log.warning("actions failed", extra={"keys": [a.key for a in claimed],
                                                 "error": str(error)})
            failed = Outcome(ActionState.FAILED, f"{type(error).__name__}: {error}")
            outcomes = {action.key: failed for action in claimed}
        for action in claimed:
            outcome = outcomes.get(action.key) or Outcome(
                ActionState.FAILED, "the handler gave no outcome"
            )
            self.step(Step.BEFORE_RECORD)
            self._record_outcome(action, outcome, now=now)
            self.step(Step.LOGGED)
            executed.outcomes[action.key] = outcome

    def _record_outcome(self, action: PlannedAction, outcome: Outcome, *, now: datetime) -> None:
        if outcome.state is ActionState.DONE:
            self.store.acting.complete_action(
                action.key, now=now, actor=ACTOR, url=outcome.url, result=outcome.result,
                reason=outcome.reason, updates=outcome.updates,
            )
        else:
            self.store.finish_action(
                action.key, state=outcome.state, now=now, url=outcome.url,
                result=outcome.result, reason=outcome.reason,
            )


def _record(action: PlannedAction) -> ActionRecord:
    return ActionRecord(
        key=action.key, type=str(action.kind), target=str(action.target),
        payload=action.payload(), reason=action.reason,
    )
