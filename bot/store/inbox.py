"""The inbox: webhook and poller events queued for the workers, deduplicated, leased, retried.

An event is stored once: a second one with the same identity (`event_key`) or the same
forge delivery id is dropped by the unique constraints, in a batch as well as alone.
Workers claim events under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas
never wait on each other); a failure goes back to pending with a later `next_attempt_at`,
or to `dead` keeping its error once attempts run out. Nothing is ever deleted here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.errors import StoreError
from bot.store.inbox_records import ClaimedEvent, InboxEntry
from bot.store.models import InboxItem
from bot.store.records import InboxEvent, InboxState
from bot.store.sql import required
from bot.store.types import require_aware

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
#: rows per executemany; SQLAlchemy splits them further under each database's limits
CHUNK = 500
#: the longest error text kept (a traceback's last lines fit)
MAX_ERROR = 4000


def enqueue_batch(session: Session, events: Sequence[InboxEvent], *, now: datetime) -> list[bool]:
    """Queue `events` in one transaction; per event, True when it was new.

    Within the batch the first of several events with one identity or delivery id wins,
    as the unique constraints decide against rows stored earlier.
    """
    now = require_aware(now, field="now")
    stored: list[bool] = [False] * len(events)
    rows: list[tuple[int, dict[str, Any]]] = []
    keys: set[str] = set()
    deliveries: set[tuple[str, str]] = set()
    for index, event in enumerate(events):
        row = _row(event, now)
        delivery = (row["forge"], row["delivery_id"]) if row["delivery_id"] else None
        if row["event_key"] in keys or (delivery is not None and delivery in deliveries):
            continue
        keys.add(row["event_key"])
        if delivery is not None:
            deliveries.add(delivery)
        rows.append((index, row))
    if not rows:
        return stored
    insert = _INSERTS[session.get_bind().dialect.name]
    # one statement, compiled once and cached, run as an executemany: RETURNING names the
    # rows that went in (the others met a unique constraint)
    statement = (
        insert(InboxItem.__table__)
        .on_conflict_do_nothing()
        .returning(InboxItem.__table__.c.event_key)
    )
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        inserted = set(session.scalars(statement, [row for _, row in chunk]))
        for index, row in chunk:
            stored[index] = row["event_key"] in inserted
    return stored


def claim(
    session: Session,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int = 10,
    max_attempts: int,
) -> list[ClaimedEvent]:
    """Up to `limit` events due now, leased to `owner` until `now + lease`, oldest first.

    Due: pending ones whose `next_attempt_at` has come, and claimed ones whose lease ran
    out (their worker died). Such an orphan that already had `max_attempts` goes dead
    instead: an event that kills its worker must not kill every worker in turn.
    """
    now = require_aware(now, field="now")
    required(owner, field="lease owner")
    due = or_(
        and_(InboxItem.state == InboxState.PENDING, InboxItem.next_attempt_at <= now),
        and_(InboxItem.state == InboxState.CLAIMED, InboxItem.lease_expires_at <= now),
    )
    query = select(InboxItem).where(due).order_by(InboxItem.next_attempt_at, InboxItem.id)
    query = query.limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for row in session.scalars(query):
        if row.state == InboxState.CLAIMED and row.attempts >= max_attempts:
            row.state = InboxState.DEAD
            row.last_error = _clip(
                f"its worker stopped answering {row.attempts} times while handling it "
                f"(last error: {row.last_error or 'none'})"
            )
            row.lease_owner = None
            row.lease_expires_at = None
            continue
        row.state = InboxState.CLAIMED
        row.lease_owner = owner
        row.lease_expires_at = now + lease
        row.attempts += 1
        claimed.append(
            ClaimedEvent(
                id=row.id,
                forge=row.forge,
                event_key=row.event_key,
                event_type=row.event_type,
                payload=row.payload,
                delivery_id=row.delivery_id,
                received_at=row.received_at,
                attempts=row.attempts,
            )
        )
    return claimed


def finish(session: Session, event_id: int, *, owner: str) -> bool:
    """The event is handled; False when `owner` no longer held its lease."""
    result = session.execute(
        update(InboxItem)
        .where(*_held(event_id, owner))
        .values(state=InboxState.DONE, lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def fail(
    session: Session,
    event_id: int,
    *,
    owner: str,
    error: str,
    retry_at: datetime | None,
) -> InboxState | None:
    """Handling failed with `error`: pending again from `retry_at`, or dead when None.

    Returns the new state, or None when `owner` no longer held the lease.
    """
    state = InboxState.DEAD if retry_at is None else InboxState.PENDING
    values: dict[str, Any] = {
        "state": state,
        "last_error": _clip(error),
        "lease_owner": None,
        "lease_expires_at": None,
    }
    if retry_at is not None:
        values["next_attempt_at"] = require_aware(retry_at, field="retry_at")
    result = session.execute(
        update(InboxItem)
        .where(*_held(event_id, owner))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return state if result.rowcount else None  # type: ignore[attr-defined]


def release(session: Session, *, owner: str, now: datetime) -> int:
    """Give back every lease `owner` holds (a worker shutting down), due again at once and
    without counting the attempt it did not finish; returns how many."""
    now = require_aware(now, field="now")
    result = session.execute(
        update(InboxItem)
        .where(InboxItem.state == InboxState.CLAIMED, InboxItem.lease_owner == owner)
        .values(
            state=InboxState.PENDING,
            lease_owner=None,
            lease_expires_at=None,
            next_attempt_at=now,
            attempts=func.max(InboxItem.attempts - 1, 0)
            if session.get_bind().dialect.name == "sqlite"
            else func.greatest(InboxItem.attempts - 1, 0),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def lease_owners(session: Session) -> list[str]:
    """Who holds leases on claimed events now (so a replica can tell which of them died)."""
    return sorted(
        owner
        for owner in session.scalars(
            select(InboxItem.lease_owner).where(InboxItem.state == InboxState.CLAIMED).distinct()
        )
        if owner is not None
    )


def expire_leases(session: Session, *, owner: str, now: datetime) -> int:
    """End the leases `owner` holds now (its process is known to be dead): the events are
    due at once as orphans, their unfinished attempt counted as `claim` counts it."""
    now = require_aware(now, field="now")
    result = session.execute(
        update(InboxItem)
        .where(InboxItem.state == InboxState.CLAIMED, InboxItem.lease_owner == owner)
        .values(lease_expires_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def requeue(session: Session, event_id: int, *, now: datetime) -> bool:
    """A dead event gets another round of attempts (someone fixed the cause)."""
    result = session.execute(
        update(InboxItem)
        .where(InboxItem.id == event_id, InboxItem.state == InboxState.DEAD)
        .values(
            state=InboxState.PENDING, attempts=0, next_attempt_at=require_aware(now, field="now")
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def counts(session: Session) -> dict[InboxState, int]:
    """How many events are in each state (every state present, zero or more)."""
    found = dict.fromkeys(InboxState, 0)
    for state, count in session.execute(
        select(InboxItem.state, func.count()).group_by(InboxItem.state)
    ):
        found[InboxState(state)] = int(count)
    return found


def find(session: Session, event_key: str) -> InboxEntry | None:
    row = session.scalars(select(InboxItem).where(InboxItem.event_key == event_key)).one_or_none()
    return None if row is None else entry(row)


def keys_present(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of `keys` are stored (a benchmark's check that no accepted delivery is lost)."""
    found: set[str] = set()
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found |= set(
            session.scalars(select(InboxItem.event_key).where(InboxItem.event_key.in_(chunk)))
        )
    return found


def entry(row: InboxItem) -> InboxEntry:
    return InboxEntry(
        id=row.id,
        forge=row.forge,
        event_key=row.event_key,
        event_type=row.event_type,
        delivery_id=row.delivery_id,
        state=row.state,
        attempts=row.attempts,
        received_at=row.received_at,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
    )


def _row(event: InboxEvent, now: datetime) -> dict[str, Any]:
    key = required(event.event_key, field="inbox event_key")
    return {
        "forge": required(event.forge, field=f"inbox event {key}: forge"),
        "delivery_id": event.delivery_id or None,
        "event_key": key,
        "event_type": required(event.event_type, field=f"inbox event {key}: event_type"),
        "payload": _payload(event.payload, field=f"inbox event {key}: payload"),
        "received_at": now,
        "state": InboxState.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
    }


def _payload(value: Any, *, field: str) -> dict[str, Any]:
    """A JSON object as given; refuse what JSON cannot hold. Cheaper than `document` (no
    round trip): the inbox writes thousands of these a second."""
    if not isinstance(value, Mapping):
        raise StoreError(f"{field}: expected a mapping, got {type(value).__name__}")
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"{field}: not storable as JSON: {exc}") from None
    return dict(value)


def _held(event_id: int, owner: str) -> tuple[Any, ...]:
    return (
        InboxItem.id == event_id,
        InboxItem.state == InboxState.CLAIMED,
        InboxItem.lease_owner == owner,
    )


def _clip(text: str) -> str:
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"
