"""Overrides written by chat-ops commands: added, cleared (kept as history), and read back.

Adding or clearing a skip, link or snooze re-decides the change's waiting pairs in the
same transaction (`redecide`), so a command takes effect without waiting for the package
to change and be scanned again; snoozes that ran out are re-decided by each scan.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.domain import pair_status
from bot.domain.model import Status, Target
from bot.domain.overrides import Override, OverrideKind
from bot.domain.pair_status import BENDING, PairStatus
from bot.store import targets
from bot.store.errors import StoreError
from bot.store.models import Change, ChangeTarget, OverrideRow
from bot.store.records import TargetState
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
    if override.kind in BENDING:
        redecide(session, [override.change_id], now=at, actor=override.actor)
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
    if rows and kind in BENDING:
        session.flush()
        redecide(session, [change_id], now=now, actor=actor)
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


def redecide(session: Session, change_ids: Iterable[str], *, now: datetime, actor: str) -> int:
    """Apply the overrides in force at `now` again to every waiting (or overridden) pair of
    these changes; returns how many transitions that wrote."""
    wanted = sorted(set(change_ids))
    if not wanted:
        return 0
    held = overrides_of(session, wanted)
    rows = list(session.scalars(
        select(ChangeTarget).where(ChangeTarget.change_id.in_(wanted))
        .order_by(ChangeTarget.change_id, ChangeTarget.target)
        .with_for_update()
    ))
    changed = 0
    for row in rows:
        stored = PairStatus(row.status, row.reason, row.evidence or {}, row.url, row.until)
        found = pair_status.redecide(stored, held.get(row.change_id, []), target=row.target,
                                     now=now)
        if found is None:
            continue
        changed += targets.set_target_status(
            session, row.change_id, row.target, found.status, reason=found.reason,
            evidence=found.evidence, now=now, actor=actor, url=found.url, until=found.until,
        )
    return changed


def expire_snoozes(session: Session, *, now: datetime, actor: str) -> int:
    """Re-decide the changes with a snoozed pair whose snooze ran out by `now` (back to the
    status it softened); returns how many transitions that wrote. No forge is asked."""
    now = require_aware(now, field="now")
    ids = session.scalars(
        select(ChangeTarget.change_id).distinct().where(
            ChangeTarget.status == Status.SNOOZED,
            or_(ChangeTarget.until.is_(None), ChangeTarget.until <= now),
        )
    )
    return redecide(session, list(ids), now=now, actor=actor)


def pair_of(state: TargetState) -> PairStatus:
    """A stored state as the domain's `PairStatus`."""
    return PairStatus(state.status, state.reason, state.evidence, state.url, state.until)
