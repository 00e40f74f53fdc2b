"""The act job's part of the store (``Store.acting``): tracked changes, owners, the action
log's history, claiming and completing actions, and the policy's decisions; each call one
transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.store import acting
from bot.store.acting import DecisionRow, StatusUpdate, StoredDecision, TrackedChange
from bot.store.records import ActionRecord, ActionState, StoredAction

Transaction = Callable[[str], AbstractContextManager[Session]]


class ActingStore:
    """Thin: each method opens one transaction through the owning ``Store``."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    def tracked_changes(self, *, packages: Sequence[str] | None = None) -> list[TrackedChange]:
        with self._transaction("reading the changes still owed upstream from") as session:
            return acting.tracked_changes(session, packages=packages)

    def set_owners(self, owners: Mapping[str, str | None]) -> int:
        with self._transaction("storing change owners in") as session:
            return acting.set_owners(session, owners)

    def done_actions(
        self,
        types: Iterable[str],
        *,
        since: datetime | None = None,
        states: Iterable[ActionState] = (ActionState.DONE,),
    ) -> list[StoredAction]:
        with self._transaction("reading the action log from") as session:
            return acting.done_actions(session, types, since=since, states=states)

    def claim_action(self, action: ActionRecord, *, now: datetime) -> bool:
        with self._transaction(f"claiming action {action.key} in") as session:
            return acting.claim_action(session, action, now=now)

    def complete_action(
        self,
        key: str,
        *,
        now: datetime,
        actor: str,
        url: str | None = None,
        result: Mapping[str, Any] | None = None,
        reason: str | None = None,
        updates: Sequence[StatusUpdate] = (),
    ) -> int:
        with self._transaction(f"completing action {key} in") as session:
            return acting.complete_action(
                session, key, now=now, actor=actor, url=url, result=result, reason=reason,
                updates=updates,
            )

    def replace_decisions(
        self, rows: Iterable[DecisionRow], *, scope: Sequence[str] | None, now: datetime
    ) -> int:
        with self._transaction("storing the policy's decisions in") as session:
            return acting.replace_decisions(session, rows, scope=scope, now=now)

    def decisions_of(self, change_ids: Sequence[str] | None = None) -> list[StoredDecision]:
        with self._transaction("reading the policy's decisions from") as session:
            return acting.decisions_of(session, change_ids)
