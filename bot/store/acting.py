"""What acting on pending changes reads and writes: the changes still owed upstream with their
statuses, owners, the action log's history for reminders and caps, claiming and completing
an action (its status change in the same transaction), and the policy's decisions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from bot.domain.model import Status, Target
from bot.store import inventory, targets
from bot.store.errors import StoreError
from bot.store.models import Action, Change, ChangeTarget, PolicyDecision
from bot.store.records import ActionRecord, ActionState, StoredAction, StoredChange, TargetState
from bot.store.sql import document, insert_ignore, required
from bot.store.types import require_aware

#: Statuses of a pair the bot still tracks (acts on, or shows in a tracking issue).
TRACKED = frozenset({Status.PENDING, Status.REMINDED, Status.SNOOZED, Status.SUBMITTED})
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class TrackedChange:
    """A current change with at least one tracked pair, and its status in every target."""

    change: StoredChange
    states: tuple[TargetState, ...]


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """A status an action's success sets, only over one of `over` (a pair that moved on,
    say to merged, keeps its status)."""

    change_id: str
    target: Target
    status: Status
    reason: str
    over: frozenset[Status]
    url: str | None = None


@dataclass(frozen=True, slots=True)
class DecisionRow:
    change_id: str
    target: Target
    why: str
    reason: str
    until: datetime | None = None
    action_key: str | None = None
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class StoredDecision:
    row: DecisionRow
    decided_at: datetime


def tracked_changes(session: Session, *, packages: Sequence[str] | None = None
                    ) -> list[TrackedChange]:
    """Every current change with a pair in `TRACKED` (of `packages`, when given), by
    package, branch and id."""
    query = (
        select(ChangeTarget.change_id)
        .join(Change, Change.id == ChangeTarget.change_id)
        .where(ChangeTarget.status.in_(sorted(TRACKED)), Change.gone_at.is_(None))
        .distinct()
    )
    if packages:
        query = query.where(Change.package.in_(sorted(set(packages))))
    ids = sorted(session.scalars(query))
    found: list[TrackedChange] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        # one query per table loads the rows; the getters below then read the session's
        # identity map (which holds rows only while something refers to them: `loaded`)
        pairs: dict[str, list[Target]] = {}
        loaded: list[object] = []
        for pair in session.scalars(select(ChangeTarget).where(ChangeTarget.change_id.in_(chunk))):
            pairs.setdefault(pair.change_id, []).append(pair.target)
            loaded.append(pair)
        loaded.extend(session.scalars(select(Change).where(Change.id.in_(chunk))))
        for change_id in chunk:
            change = inventory.get_change(session, change_id)
            states = [
                state for target in pairs.get(change_id, [])
                if (state := targets.get_target_status(session, change_id, target))
            ]
            if change is not None:
                found.append(TrackedChange(change, tuple(sorted(states, key=lambda s: s.target))))
    found.sort(key=lambda t: (t.change.package, t.change.branch, t.change.record.id))
    return found


def set_owners(session: Session, owners: Mapping[str, str | None]) -> int:
    """Store each change's owner (a username or an email); returns how many changed."""
    changed = 0
    for change_id, owner in owners.items():
        row = session.get(Change, change_id)
        if row is None:
            raise StoreError(f"change {change_id}: unknown; cannot set its owner")
        if row.owner != owner:
            row.owner = owner
            changed += 1
    return changed


def done_actions(
    session: Session,
    types: Iterable[str],
    *,
    since: datetime | None = None,
    states: Iterable[ActionState] = (ActionState.DONE,),
) -> list[StoredAction]:
    """Real (not dry-run) actions of `types` in `states` (done, unless told), oldest first;
    `since` bounds `created_at`."""
    query = select(Action).where(
        Action.type.in_(sorted(set(types))),
        Action.dry_run.is_(False),
        Action.state.in_(sorted(set(states))),
    )
    if since is not None:
        query = query.where(Action.created_at >= require_aware(since, field="since"))
    return [_stored(row) for row in session.scalars(query.order_by(Action.created_at, Action.id))]


def claim_action(session: Session, action: ActionRecord, *, now: datetime) -> bool:
    """Take `action` for running: True when it is new, or logged before and not done (by a
    run that died after claiming it, or that failed); False when it is done."""
    now = require_aware(now, field="now")
    key = required(action.key, field="action key")
    values = {
        "key": key, "type": required(action.type, field=f"action {key}: type"),
        "target": action.target,
        "payload": document(action.payload, field=f"action {key}: payload"),
        "state": ActionState.PLANNED, "reason": action.reason, "dry_run": action.dry_run,
        "created_at": now, "updated_at": now,
    }
    if insert_ignore(session, Action, values):
        return True
    row = session.scalars(
        select(Action).where(Action.key == key).with_for_update()
    ).one()
    if row.state is ActionState.DONE and not row.dry_run:
        return False
    row.type, row.target, row.payload = values["type"], action.target, values["payload"]
    row.state, row.reason, row.dry_run = ActionState.PLANNED, action.reason, action.dry_run
    row.updated_at = now
    return True


def complete_action(
    session: Session,
    key: str,
    *,
    now: datetime,
    actor: str,
    url: str | None = None,
    result: Mapping[str, Any] | None = None,
    reason: str | None = None,
    updates: Sequence[StatusUpdate] = (),
) -> int:
    """Mark the action done and apply its status updates in one transaction; returns how
    many statuses changed."""
    now = require_aware(now, field="now")
    row = session.scalars(select(Action).where(Action.key == key)).one_or_none()
    if row is None:
        raise StoreError(f"action {key!r}: not logged; claim it first")
    row.state, row.url, row.reason, row.updated_at = ActionState.DONE, url, reason, now
    row.result = None if result is None else document(result, field=f"action {key}: result")
    changed = 0
    for update in updates:
        current = targets.get_target_status(session, update.change_id, update.target)
        if current is None or current.status not in update.over:
            continue
        changed += targets.set_target_status(
            session, update.change_id, update.target, update.status, reason=update.reason,
            evidence={**current.evidence, "action": key}, now=now, actor=actor,
            url=update.url or current.url,
        )
    return changed


def replace_decisions(
    session: Session,
    rows: Iterable[DecisionRow],
    *,
    scope: Sequence[str] | None,
    now: datetime,
) -> int:
    """Make the stored decisions of the changes in `scope` (None: all) equal to `rows`."""
    now = require_aware(now, field="now")
    if scope is None:
        session.execute(delete(PolicyDecision))
    else:
        ids = sorted(set(scope))
        for start in range(0, len(ids), _CHUNK):
            session.execute(delete(PolicyDecision).where(
                PolicyDecision.change_id.in_(ids[start : start + _CHUNK])))
    values = [
        {"change_id": row.change_id, "target": row.target, "why": row.why,
         "reason": row.reason, "until": row.until, "action_key": row.action_key,
         "dry_run": row.dry_run, "decided_at": now}
        for row in {(r.change_id, r.target): r for r in rows}.values()
    ]
    if values:
        session.execute(insert(PolicyDecision), values)
    return len(values)


def decisions_of(
    session: Session, change_ids: Sequence[str] | None = None
) -> list[StoredDecision]:
    query = select(PolicyDecision).order_by(PolicyDecision.change_id, PolicyDecision.target)
    if change_ids is not None:
        query = query.where(PolicyDecision.change_id.in_(sorted(set(change_ids))))
    return [
        StoredDecision(DecisionRow(r.change_id, r.target, r.why, r.reason, r.until,
                                   r.action_key, r.dry_run), r.decided_at)
        for r in session.scalars(query)
    ]


def _stored(row: Action) -> StoredAction:
    record = ActionRecord(key=row.key, type=row.type, target=row.target, payload=row.payload,
                          dry_run=row.dry_run, reason=row.reason)
    return StoredAction(record=record, state=row.state, url=row.url, result=row.result,
                        created_at=row.created_at, updated_at=row.updated_at)
