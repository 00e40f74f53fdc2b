"""Overrides written by chat-ops commands: added, cleared (kept as history), and read back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.model import Target
from bot.domain.overrides import Override, OverrideKind
from bot.store.errors import StoreError
from bot.store.models import Change, OverrideRow
from bot.store.sql import required
from bot.store.types import require_aware


def add_override(session: Session, override: Override) -> int:
    """Store `override`; returns its id. The change must be known."""
    at = require_aware(override.at, field="override at")
    until = require_aware(override.until, field="override until") if override.until else None
    required(override.actor, field="override actor")
    if session.get(Change, override.change_id) is None:
        raise StoreError(f"override of {override.change_id}: unknown change")
    row = OverrideRow(
        change_id=override.change_id, target=override.target, kind=override.kind,
        value=override.value, until=until, actor=override.actor, at=at,
    )
    session.add(row)
    session.flush()
    return row.id


def clear_overrides(
    session: Session,
    change_id: str,
    kind: OverrideKind,
    *,
    target: Target | None,
    actor: str,
    now: datetime,
) -> int:
    """Clear the change's uncleared overrides of `kind` (for `target`, or for every target
    when None); returns how many were cleared."""
    now = require_aware(now, field="now")
    query = select(OverrideRow).where(
        OverrideRow.change_id == change_id,
        OverrideRow.kind == kind,
        OverrideRow.cleared_at.is_(None),
    )
    if target is not None:
        query = query.where(OverrideRow.target == target)
    rows = list(session.scalars(query))
    for row in rows:
        row.cleared_at = now
        row.cleared_by = actor
    return len(rows)


def overrides_of(
    session: Session, change_ids: Iterable[str] | None = None
) -> dict[str, list[Override]]:
    """Uncleared overrides by change id, oldest first; every change's when `change_ids` is
    None. Expired snoozes are included: `bot.domain.overrides.current` drops them."""
    query = select(OverrideRow).where(OverrideRow.cleared_at.is_(None))
    if change_ids is not None:
        wanted = sorted(set(change_ids))
        if not wanted:
            return {}
        query = query.where(OverrideRow.change_id.in_(wanted))
    found: dict[str, list[Override]] = {}
    for row in session.scalars(query.order_by(OverrideRow.at, OverrideRow.id)):
        found.setdefault(row.change_id, []).append(
            Override(
                change_id=row.change_id, kind=row.kind, value=row.value, actor=row.actor,
                at=row.at, target=row.target, until=row.until,
            )
        )
    return found
