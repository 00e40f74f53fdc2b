"""What chat-ops works with, injected by the composition layer: the store, the forge adapters
by configured name, a clock, the actions' callables (submit a change, give it its ticket,
refresh a package), and who may do what (forge permissions, cached briefly)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.commands import Role
from bot.domain.model import Target
from bot.domain.submission import SubmitOutcome
from bot.forges.base import Forge, Permission, RepoRef
from bot.service.forge_urls import UrlMap
from bot.settings import Settings
from bot.store import Store

Clock = Callable[[], datetime]
Refresh = Callable[[str], None]

#: the least forge permission each role needs on the package's downstream repository
NEEDED = {
    Role.ANYONE: Permission.NONE,
    Role.TRIAGER: Permission.TRIAGE,
    Role.MAINTAINER: Permission.WRITE,
}


class Submit(Protocol):
    """`bot.service.submission.submit_change` with its dependencies bound."""

    def __call__(
        self, change_id: str, target: Target, *, actor: str, now: datetime
    ) -> Awaitable[SubmitOutcome]: ...


class SetReference(Protocol):
    """`bot.service.submission.set_reference` with its dependencies bound."""

    def __call__(
        self, change_id: str, target: Target, ticket: str, *, actor: str, now: datetime
    ) -> Awaitable[SubmitOutcome]: ...


class PermissionCache:
    """A user's permission on a repository, asked of the forge at most once per `ttl`."""

    def __init__(self, ttl: timedelta, clock: Clock) -> None:
        self._ttl = ttl
        self._clock = clock
        self._known: dict[tuple[str, str, str], tuple[datetime, Permission]] = {}

    async def permission(self, forge: Forge, repo: RepoRef, user: str) -> Permission:
        key = (forge.name, repo.path, user)
        now = self._clock()
        held = self._known.get(key)
        if held is not None and now - held[0] < self._ttl:
            return held[1]
        found = await forge.permission(repo, user)
        self._known[key] = (now, found)
        if len(self._known) > 10_000:  # a long-running process meets many names
            self._known = {k: v for k, v in self._known.items() if now - v[0] < self._ttl}
        return found


@dataclass(frozen=True, slots=True)
class ChatopsDeps:
    """Everything command handlers may use; `submit`, `set_reference` and `refresh` are
    None where the deployment does not provide them (the reply says so)."""

    settings: Settings
    store: Store
    forges: Mapping[str, Forge]
    clock: Clock
    permissions: PermissionCache
    urls: UrlMap
    submit: Submit | None = None
    set_reference: SetReference | None = None
    refresh: Refresh | None = None

    @property
    def marker_prefix(self) -> str:
        return self.settings.distribution.marker_prefix

    @property
    def downstream(self) -> str:
        return self.settings.downstream_forge.name

    def bot_name(self, forge: str) -> str | None:
        """The bot's own account on `forge` (its comments hold no commands)."""
        try:
            return self.settings.forge(forge).username
        except KeyError:
            return None
