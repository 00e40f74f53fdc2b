"""What the scanner remembers between runs to skip what did not change: each watched
repository's last update (listed and seen), and the identities of commit diffs by sha."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.models import CommitIdentity, WatchedRepo
from bot.store.scan_records import RepoUpdate, WatchState
from bot.store.sql import insert_ignore, required
from bot.store.types import require_aware

#: a commit's identity: its diff's patch id (None when git gives none) and hunk ids
Identity = tuple[str | None, tuple[str, ...]]


def record_listing(
    session: Session, forge: str, namespace: str, listed: Sequence[RepoUpdate]
) -> None:
    """Remember each listed repository's last update as the listing showed it."""
    required(forge, field="forge")
    paths = [r.path for r in listed]
    rows = {
        row.path: row
        for row in session.scalars(
            select(WatchedRepo).where(WatchedRepo.forge == forge, WatchedRepo.path.in_(paths))
        )
    } if paths else {}
    for repo in listed:
        row = rows.get(repo.path)
        if row is None:
            row = WatchedRepo(forge=forge, path=required(repo.path, field="repository path"),
                              namespace=namespace)
            session.add(row)
            rows[repo.path] = row
        row.listed_update = require_aware(repo.updated_at, field=f"{repo.path}: updated_at")


def watch_states(
    session: Session, forge: str, namespace: str | None = None
) -> dict[str, WatchState]:
    """The watched repositories of a forge (or of one namespace on it), by path."""
    # plain rows, not ORM objects: every scan reads thousands of them
    query = select(
        WatchedRepo.forge, WatchedRepo.path, WatchedRepo.namespace, WatchedRepo.listed_update,
        WatchedRepo.seen_update, WatchedRepo.observed_at,
    ).where(WatchedRepo.forge == forge)
    if namespace is not None:
        query = query.where(WatchedRepo.namespace == namespace)
    return {row.path: WatchState(*row) for row in session.execute(query)}


def listing_mark(session: Session, forge: str, namespace: str) -> datetime | None:
    """The newest last update any listing of the namespace showed (None: never listed)."""
    return session.scalar(
        select(func.max(WatchedRepo.listed_update)).where(
            WatchedRepo.forge == forge, WatchedRepo.namespace == namespace
        )
    )


def known_commits(session: Session, shas: Iterable[str]) -> dict[str, Identity]:
    wanted = sorted(set(shas))
    found: dict[str, Identity] = {}
    # bounded IN lists: SQLite allows 32766 parameters, PostgreSQL 65535
    for start in range(0, len(wanted), 1000):
        for row in session.scalars(
            select(CommitIdentity).where(CommitIdentity.sha.in_(wanted[start : start + 1000]))
        ):
            found[row.sha] = (row.patch_id, tuple((row.hunks or {}).get("hunks", ())))
    return found


def remember_commits(
    session: Session, identities: Mapping[str, Identity], *, now: datetime
) -> int:
    """Store commit identities not stored yet; returns how many were new."""
    now = require_aware(now, field="now")
    added = 0
    for sha, (patch_id, hunks) in sorted(identities.items()):
        added += insert_ignore(session, CommitIdentity, {
            "sha": required(sha, field="commit sha"), "patch_id": patch_id,
            "hunks": {"hunks": list(hunks)}, "stored_at": now,
        })
    return added
