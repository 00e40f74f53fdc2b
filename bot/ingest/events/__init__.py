"""Webhook payloads of each forge, parsed into typed events (pure: bytes and headers in).

`read_delivery(forge, headers, body)` gives a `Delivery`; `codec` stores events in the inbox.
"""

from bot.ingest.events.delivery import read_delivery
from bot.ingest.events.model import (
    ChangeAction,
    ChangeStateEvent,
    CommentAction,
    CommentEvent,
    Delivery,
    Event,
    EventKind,
    ForgeKind,
    MalformedPayload,
    PingEvent,
    PushEvent,
    StoredEvent,
    ThreadKind,
    ThreadRef,
)

__all__ = [
    "ChangeAction",
    "ChangeStateEvent",
    "CommentAction",
    "CommentEvent",
    "Delivery",
    "Event",
    "EventKind",
    "ForgeKind",
    "MalformedPayload",
    "PingEvent",
    "PushEvent",
    "StoredEvent",
    "ThreadKind",
    "ThreadRef",
    "read_delivery",
]
