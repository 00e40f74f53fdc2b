"""The bot's logs that make side effects happen once: actions and the inbox (the digest
ledger is in ``digest_ledger``).

Each "record" or "claim" is a single insert that a unique key turns into a no-op the
second time, so a redelivered webhook, a retried job or a second replica gets False.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.errors import StoreError
from bot.store.models import Action, InboxItem
from bot.store.records import (
    ActionRecord,
    ActionState,
    InboxEvent,
    InboxState,
    StoredAction,
)
from bot.store.sql import document, insert_ignore, required
from bot.store.types import require_aware


def record_action(session: Session, action: ActionRecord, *, now: datetime) -> bool:
    """Log a planned action; False when an action with this key was already logged."""
    now = require_aware(now, field="now")
    key = required(action.key, field="action key")
    return insert_ignore(session, Action, {
        "key": key,
        "type": required(action.type, field=f"action {key}: type"),
        "target": action.target,
        "payload": document(action.payload, field=f"action {key}: payload"),
        "state": ActionState.PLANNED,
        "reason": action.reason,
        "dry_run": action.dry_run,
        "created_at": now,
        "updated_at": now,
    })


def finish_action(
    session: Session,
    key: str,
    *,
    state: ActionState,
    now: datetime,
    url: str | None = None,
    result: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Record how a logged action ended."""
    row = session.scalars(select(Action).where(Action.key == key)).one_or_none()
    if row is None:
        raise StoreError(f"action {key!r}: not logged; record_action must come first")
    row.state = state
    row.url = url
    row.result = None if result is None else document(result, field=f"action {key}: result")
    row.reason = reason
    row.updated_at = require_aware(now, field="now")


def get_action(session: Session, key: str) -> StoredAction | None:
    row = session.scalars(select(Action).where(Action.key == key)).one_or_none()
    if row is None:
        return None
    record = ActionRecord(
        key=row.key, type=row.type, target=row.target, payload=row.payload,
        dry_run=row.dry_run, reason=row.reason,
    )
    return StoredAction(
        record=record, state=row.state, url=row.url, result=row.result,
        created_at=row.created_at, updated_at=row.updated_at,
    )


def enqueue_inbox(session: Session, event: InboxEvent, *, now: datetime) -> bool:
    """Queue an event for the workers; False when its identity or delivery id was seen."""
    now = require_aware(now, field="now")
    key = required(event.event_key, field="inbox event_key")
    return insert_ignore(session, InboxItem, {
        "forge": required(event.forge, field=f"inbox event {key}: forge"),
        "delivery_id": event.delivery_id,
        "event_key": key,
        "event_type": required(event.event_type, field=f"inbox event {key}: event_type"),
        "payload": document(event.payload, field=f"inbox event {key}: payload"),
        "received_at": now,
        "state": InboxState.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
    })
