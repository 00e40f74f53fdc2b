"""What a comment thread is about, as the store knows it: the issue or merge request at a URL
is a package's tracking issue or an upstream request carrying one change.

The actions engineers log each tracking issue and each request the bot opened with its URL
(`actions.url`, the package and change in `actions.payload`), and a submitted change keeps
its request's URL in `change_targets.url`; either is enough to find the thread's subject.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.model import Target
from bot.store import inventory, targets
from bot.store.models import Action, Change, ChangeTarget
from bot.store.records import StoredChange, TargetState


@dataclass(frozen=True, slots=True)
class ThreadLink:
    """A thread the bot knows: `change_id` and `target` when it carries one change."""

    package: str
    change_id: str | None = None
    target: Target | None = None


def link_of(session: Session, urls: Sequence[str]) -> ThreadLink | None:
    """The subject of the thread found at any of `urls` (spellings of one URL), or None."""
    wanted = sorted({url for url in urls if url})
    if not wanted:
        return None
    for action in session.scalars(
        select(Action).where(Action.url.in_(wanted)).order_by(Action.updated_at.desc())
    ):
        link = _from_action(session, action)
        if link is not None:
            return link
    row = session.scalars(
        select(ChangeTarget)
        .where(ChangeTarget.url.in_(wanted))
        .order_by(ChangeTarget.updated_at.desc())
    ).first()
    if row is not None:
        change = session.get(Change, row.change_id)
        if change is not None:
            return ThreadLink(change.package, change.id, row.target)
    return None


def package_changes(session: Session, package: str) -> list[StoredChange]:
    """The package's current changes on every branch, by branch and name."""
    ids = session.scalars(
        select(Change.id)
        .where(Change.package == package, Change.gone_at.is_(None))
        .order_by(Change.branch, Change.name, Change.id)
    )
    return [change for change_id in ids if (change := inventory.get_change(session, change_id))]


def states_of(session: Session, change_ids: Sequence[str]) -> dict[str, list[TargetState]]:
    """Each change's status per target (targets with no status yet left out)."""
    found: dict[str, list[TargetState]] = {}
    for change_id in change_ids:
        found[change_id] = [
            state
            for target in Target
            if (state := targets.get_target_status(session, change_id, target)) is not None
        ]
    return found


def _from_action(session: Session, action: Action) -> ThreadLink | None:
    payload = action.payload or {}
    change_id = payload.get("change_id") if isinstance(payload.get("change_id"), str) else None
    package = payload.get("package") if isinstance(payload.get("package"), str) else None
    if package is None and change_id is not None:
        change = session.get(Change, change_id)
        package = change.package if change is not None else None
    if package is None and action.key.startswith("tracking-issue:"):
        package = action.key.removeprefix("tracking-issue:")
    if not package:
        return None
    target = _target(payload.get("target")) or _target(action.target)
    return ThreadLink(package, change_id, target if change_id else None)


def _target(value: object) -> Target | None:
    try:
        return Target(value) if isinstance(value, str) else None
    except ValueError:
        return None
