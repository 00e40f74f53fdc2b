"""The inbox's part of the store (``Store.inbox``): events queued by the webhooks and the
poller, claimed by workers under leases; each call one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.store import inbox
from bot.store.inbox_records import ClaimedEvent, InboxEntry
from bot.store.records import InboxEvent, InboxState

Transaction = Callable[[str], AbstractContextManager[Session]]


class InboxStore:
    """Thin: each method opens one transaction through the owning ``Store``."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    def enqueue(self, events: Sequence[InboxEvent], *, now: datetime) -> list[bool]:
        """Queue `events` in one transaction (a group commit); per event, whether it was new."""
        with self._transaction(f"queueing {len(events)} events in") as session:
            return inbox.enqueue_batch(session, events, now=now)

    def claim(
        self, *, owner: str, now: datetime, lease: timedelta, limit: int, max_attempts: int
    ) -> list[ClaimedEvent]:
        with self._transaction("claiming inbox events in") as session:
            return inbox.claim(
                session, owner=owner, now=now, lease=lease, limit=limit, max_attempts=max_attempts
            )

    def finish(self, event_id: int, *, owner: str) -> bool:
        with self._transaction(f"finishing inbox event {event_id} in") as session:
            return inbox.finish(session, event_id, owner=owner)

    def fail(
        self, event_id: int, *, owner: str, error: str, retry_at: datetime | None
    ) -> InboxState | None:
        with self._transaction(f"recording the failure of inbox event {event_id} in") as session:
            return inbox.fail(session, event_id, owner=owner, error=error, retry_at=retry_at)

    def release(self, *, owner: str, now: datetime) -> int:
        with self._transaction(f"releasing the inbox leases of {owner} in") as session:
            return inbox.release(session, owner=owner, now=now)

    def lease_owners(self) -> list[str]:
        with self._transaction("reading the inbox's lease owners from") as session:
            return inbox.lease_owners(session)

    def expire_leases(self, *, owner: str, now: datetime) -> int:
        with self._transaction(f"ending the inbox leases of {owner} in") as session:
            return inbox.expire_leases(session, owner=owner, now=now)

    def requeue(self, event_id: int, *, now: datetime) -> bool:
        with self._transaction(f"requeueing inbox event {event_id} in") as session:
            return inbox.requeue(session, event_id, now=now)

    def counts(self) -> dict[InboxState, int]:
        with self._transaction("counting inbox events in") as session:
            return inbox.counts(session)

    def find(self, event_key: str) -> InboxEntry | None:
        with self._transaction(f"reading inbox event {event_key} from") as session:
            return inbox.find(session, event_key)

    def keys_present(self, keys: Sequence[str]) -> set[str]:
        with self._transaction("checking inbox event keys in") as session:
            return inbox.keys_present(session, keys)
