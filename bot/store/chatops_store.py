"""Chat-ops' part of the store (``Store.chatops``): the audit log with its command claims,
and what a comment thread is about; each call one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy.orm import Session

from bot.store import audit, threads
from bot.store.inbox_records import AuditRecord
from bot.store.records import StoredChange, TargetState
from bot.store.threads import ThreadLink

Transaction = Callable[[str], AbstractContextManager[Session]]


class ChatopsStore:
    """Thin: each method opens one transaction through the owning ``Store``."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    def claim_command(
        self, key: str, *, holder: str, actor: str, location: str, command: str, now: datetime
    ) -> audit.Claim | None:
        with self._transaction(f"claiming command {key} in") as session:
            return audit.claim_command(
                session,
                key,
                holder=holder,
                actor=actor,
                location=location,
                command=command,
                now=now,
            )

    def finish_command(self, key: str, *, outcome: str) -> None:
        with self._transaction(f"finishing command {key} in") as session:
            audit.finish_command(session, key, outcome=outcome)

    def release_command(self, key: str, *, outcome: str) -> None:
        with self._transaction(f"releasing command {key} in") as session:
            audit.release_command(session, key, outcome=outcome)

    def audit(self, *, actor: str, location: str, command: str, outcome: str, now: datetime) -> int:
        with self._transaction("writing the audit log in") as session:
            return audit.record(
                session,
                actor=actor,
                location=location,
                command=command,
                outcome=outcome,
                now=now,
            )

    def audit_entries(self, *, limit: int = 100, actor: str | None = None) -> list[AuditRecord]:
        with self._transaction("reading the audit log from") as session:
            return audit.entries(session, limit=limit, actor=actor)

    def thread_link(self, urls: Sequence[str]) -> ThreadLink | None:
        with self._transaction("finding what a thread is about in") as session:
            return threads.link_of(session, urls)

    def package_changes(self, package: str) -> list[StoredChange]:
        with self._transaction(f"reading the changes of {package} from") as session:
            return threads.package_changes(session, package)

    def states_of(self, change_ids: Sequence[str]) -> dict[str, list[TargetState]]:
        with self._transaction("reading upstream statuses from") as session:
            return threads.states_of(session, change_ids)
