"""The plain values of the inbox (events waiting for workers) and of the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.records import InboxState, JsonObject


@dataclass(frozen=True, slots=True)
class ClaimedEvent:
    """An inbox event leased to one worker; `attempts` counts this one."""

    id: int
    forge: str
    event_key: str
    event_type: str
    payload: JsonObject
    delivery_id: str | None
    received_at: datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """An inbox event as the dashboard shows it: where it stands and its last error."""

    id: int
    forge: str
    event_key: str
    event_type: str
    delivery_id: str | None
    state: InboxState
    attempts: int
    received_at: datetime
    next_attempt_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One command someone gave the bot (or one thing the bot did for them), and how it ended."""

    id: int
    actor: str
    location: str
    command: str
    outcome: str
    at: datetime
