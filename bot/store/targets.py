"""How the upstream status of a (change, target) pair is written, and its history kept.

A transition is history: it is written only when the status or the reason changes, so
re-running a scan that finds the same thing leaves the history as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.model import Status, Target
from bot.store.errors import StoreError
from bot.store.models import Change, ChangeTarget, StatusTransition
from bot.store.records import TargetState, Transition
from bot.store.sql import document, insert_ignore, required
from bot.store.types import require_aware


def set_target_status(
    session: Session,
    change_id: str,
    target: Target,
    status: Status,
    *,
    reason: str | None,
    evidence: Mapping[str, Any] | None,
    now: datetime,
    actor: str,
    url: str | None = None,
    until: datetime | None = None,
) -> bool:
    """Set the pair's current status; True when that wrote a transition.

    Same status and reason: only evidence, url and ``until`` are refreshed. The first
    status of a pair is a transition from None.
    """
    now = require_aware(now, field="now")
    required(actor, field="actor")
    where = f"change {change_id} / {target}"
    evidence_doc = document(evidence, field=f"{where}: evidence")
    if until is not None:
        until = require_aware(until, field=f"{where}: until")
    if session.get(Change, change_id) is None:
        raise StoreError(f"{where}: unknown change; record_changes must store it first")
    current = {"reason": reason, "evidence": evidence_doc, "url": url, "until": until}
    values = {"change_id": change_id, "target": target, "status": status, **current}
    if insert_ignore(session, ChangeTarget, {**values, "updated_at": now}):
        _add_transition(session, values, from_status=None, now=now, actor=actor)
        return True
    # Lock the pair so two workers deciding at once write one transition each, in order.
    row = session.scalars(
        select(ChangeTarget)
        .where(ChangeTarget.change_id == change_id, ChangeTarget.target == target)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    changed = row.status != status or row.reason != reason
    if changed:
        _add_transition(session, values, from_status=row.status, now=now, actor=actor)
    if changed or (row.evidence, row.url, row.until) != (evidence_doc, url, until):
        row.status = status
        row.reason = reason
        row.evidence = evidence_doc
        row.url = url
        row.until = until
        row.updated_at = now
    return changed


def get_target_status(session: Session, change_id: str, target: Target) -> TargetState | None:
    row = session.get(ChangeTarget, (change_id, target))
    if row is None:
        return None
    return _state(row)


def _state(row: ChangeTarget) -> TargetState:
    return TargetState(
        change_id=row.change_id, target=row.target, status=row.status, reason=row.reason,
        evidence=row.evidence, url=row.url, until=row.until, updated_at=row.updated_at,
    )


def list_target_states(
    session: Session, *, status: Status, target: Target | None = None
) -> list[TargetState]:
    """Every (change, target) pair whose current status is ``status`` (in ``target`` only,
    when given), by change id and target."""
    query = (
        select(ChangeTarget)
        .where(ChangeTarget.status == status)
        .order_by(ChangeTarget.change_id, ChangeTarget.target)
    )
    if target is not None:
        query = query.where(ChangeTarget.target == target)
    return [_state(row) for row in session.scalars(query)]


def status_history(session: Session, change_id: str, target: Target) -> list[Transition]:
    """The pair's transitions, oldest first (ties in time keep the order they were written)."""
    rows = session.scalars(
        select(StatusTransition)
        .where(StatusTransition.change_id == change_id, StatusTransition.target == target)
        .order_by(StatusTransition.at, StatusTransition.id)
    )
    return [
        Transition(
            change_id=row.change_id, target=row.target, from_status=row.from_status,
            to_status=row.to_status, reason=row.reason, evidence=row.evidence, at=row.at,
            actor=row.actor,
        )
        for row in rows
    ]


def _add_transition(
    session: Session,
    values: Mapping[str, Any],
    *,
    from_status: Status | None,
    now: datetime,
    actor: str,
) -> None:
    session.add(
        StatusTransition(
            change_id=values["change_id"], target=values["target"], from_status=from_status,
            to_status=values["status"], reason=values["reason"], evidence=values["evidence"],
            at=now, actor=actor,
        )
    )
