"""The audit log of chat-ops: every command someone gave, who, where, and how it ended.

A command is claimed under a key before it runs (`claim_command`), so a redelivered webhook,
an edited comment or a poll that sees the comment again finds it taken and runs nothing. A
run cut short by an outage gives its key back (`release_command`) so the retry runs it; the
entry stays, saying what happened. A claim names its holder (the inbox event running it):
when that worker dies mid-command the claim stays "started", and the retry of the same
event, which the inbox gives to one worker at a time, takes it over (`Claim.RESUMED`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.errors import StoreError
from bot.store.inbox_records import AuditRecord
from bot.store.models import AuditEntry
from bot.store.sql import insert_ignore, required
from bot.store.types import require_aware

STARTED = "started"
#: the longest outcome kept: a reply's first lines
MAX_OUTCOME = 2000


class Claim(StrEnum):
    """How a command's claim was won."""

    NEW = "new"
    #: an earlier run by the same holder never finished (its worker died): run it again,
    #: minding what that run may already have done
    RESUMED = "resumed"


def claim_command(
    session: Session,
    key: str,
    *,
    holder: str,
    actor: str,
    location: str,
    command: str,
    now: datetime,
) -> Claim | None:
    """Log a command about to run; None when its key is taken (it ran, or another event runs
    it); RESUMED when `holder` claimed it before and never finished."""
    inserted = insert_ignore(
        session,
        AuditEntry,
        {
            "key": required(key, field="audit key"),
            "holder": required(holder, field=f"audit {key}: holder"),
            "actor": required(actor, field=f"audit {key}: actor"),
            "location": required(location, field=f"audit {key}: location")[:2048],
            "command": command,
            "outcome": STARTED,
            "at": require_aware(now, field="now"),
        },
    )
    if inserted:
        return Claim.NEW
    row = session.scalars(select(AuditEntry).where(AuditEntry.key == key)).one_or_none()
    if row is not None and row.outcome == STARTED and row.holder == holder:
        return Claim.RESUMED
    return None


def finish_command(session: Session, key: str, *, outcome: str) -> None:
    """Record how the claimed command ended."""
    row = _claimed(session, key)
    row.outcome = _clip(outcome)


def release_command(session: Session, key: str, *, outcome: str) -> None:
    """The command could not finish (an outage): keep the entry, free the key for a retry."""
    row = _claimed(session, key)
    row.outcome = _clip(outcome)
    row.key = None


def record(
    session: Session, *, actor: str, location: str, command: str, outcome: str, now: datetime
) -> int:
    """An entry that claims nothing (a refused or malformed command); returns its id."""
    row = AuditEntry(
        actor=required(actor, field="audit actor"),
        location=required(location, field="audit location")[:2048],
        command=command,
        outcome=_clip(outcome),
        at=require_aware(now, field="now"),
    )
    session.add(row)
    session.flush()
    return row.id


def entries(session: Session, *, limit: int = 100, actor: str | None = None) -> list[AuditRecord]:
    """The newest entries first."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    return [
        AuditRecord(
            id=row.id,
            actor=row.actor,
            location=row.location,
            command=row.command,
            outcome=row.outcome,
            at=row.at,
        )
        for row in session.scalars(query)
    ]


def _claimed(session: Session, key: str) -> AuditEntry:
    row = session.scalars(select(AuditEntry).where(AuditEntry.key == key)).one_or_none()
    if row is None:
        raise StoreError(f"audit entry {key!r}: not claimed; claim_command must come first")
    return row


def _clip(text: str) -> str:
    return text if len(text) <= MAX_OUTCOME else text[: MAX_OUTCOME - 1] + "…"
