"""Commit identities kept in the store (and in memory for the pass): a commit's diff never
changes, so each sha costs one forge request ever."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.service.observe import Identity
from bot.store import Store


class StoredIdentities:
    """`observe.CommitIdentities` over the store; `write=False` (a dry run) keeps new ones
    in memory instead (a pass never reads a sha twice otherwise: shas are not shared
    between projects, so holding them all in memory would only grow the process)."""

    def __init__(self, store: Store, *, now: datetime, write: bool = True) -> None:
        self._store = store
        self._now = now
        self._write = write
        self._memory: dict[str, Identity] = {}
        self.read_from_store = 0

    async def known(self, shas: Sequence[str]) -> dict[str, Identity]:
        found = {sha: self._memory[sha] for sha in shas if sha in self._memory}
        missing = [sha for sha in shas if sha not in found]
        if missing:
            stored = await asyncio.to_thread(self._store.scans.known_commits, missing)
            self.read_from_store += len(stored)
            found.update(stored)
        return found

    async def remember(self, found: Mapping[str, Identity]) -> None:
        if self._write:
            await asyncio.to_thread(self._store.scans.remember_commits, found, now=self._now)
        else:
            self._memory.update(found)
