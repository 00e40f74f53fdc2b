"""A served sandbox world for the act job's tests: forges that count the write requests
they answer, settings with the policy these tests use (a real run, auto-submit to CentOS
Stream), owners for the sandbox's packagers, and the change the stories follow."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app import build_forge
from bot.commands.opened import sandbox_settings
from bot.domain.change import scoped_id
from bot.domain.model import ChangeType, Kind, Status, Target
from bot.forges.base import Forge
from bot.sandbox.faults import Faults
from bot.sandbox.seed import seed_world
from bot.sandbox.seed_names import ALMA_PEOPLE
from bot.sandbox.server import RunningSandbox, start_sandbox
from bot.sandbox.truth import Truth
from bot.sandbox.world import World
from bot.settings import Settings, load_settings
from bot.settings.schema import OwnerSettings
from bot.store import Store, migrate, open_engine, session_factory
from tests.sandbox.seeded import NOW
from tests.service.served import APPS, ROOT

#: the scan that first sees every change
SCANNED = NOW + timedelta(hours=1)
DAY = timedelta(days=1)
#: requests that only read, whatever their method (git fetches POST to upload-pack)
_READS = ("GET", "HEAD", "OPTIONS")


def counting(factory: Callable[..., web.Application], writes: Counter[str], kind: str
             ) -> Callable[..., web.Application]:
    """The sandbox app factory, its app counting the requests that may write."""

    def build(world: World, **options: Any) -> web.Application:
        app = factory(world, **options)

        @web.middleware
        async def count(request: web.Request,
                        handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                        ) -> web.StreamResponse:
            if request.method not in _READS and not request.path.endswith("git-upload-pack"):
                writes[kind] += 1
            return await handler(request)

        app.middlewares.append(count)
        return app

    return build


def owners() -> tuple[OwnerSettings, ...]:
    """The sandbox's packagers, each under the local part of their address."""
    return tuple(
        OwnerSettings(person.email.split("@")[0], f"{person.name} <{person.email}>")
        for person in ALMA_PEOPLE
    )


def acting_settings(settings: Settings, **policy: Any) -> Settings:
    """A real run: 14 days of grace, a reminder every 30 days, auto-submit to CentOS Stream
    a week after the first reminder, no approval needed for a first merge request."""
    knobs: dict[str, Any] = {
        "dry_run": False, "grace_period": 14 * DAY, "reminder_cadence": 30 * DAY,
        "submit_after": 7 * DAY, "auto_submit": (Target.CENTOS_STREAM,),
        "approve_first_submission": False,
    }
    knobs.update(policy)
    return replace(settings, policy=replace(settings.policy, **knobs), owners=owners())


@dataclass(frozen=True)
class Story:
    """The change the end-to-end stories follow: a pending bugfix patch for CentOS Stream."""

    package: str
    branch: str
    change_id: str
    name: str
    target_branch: str


def pending_bugfix(truth: Truth) -> Story:
    for package, branch, change, row in truth.rows():
        if (row.status is Status.PENDING and row.target is Target.CENTOS_STREAM
                and change.type is ChangeType.PATCH and change.kind is Kind.BUGFIX):
            return Story(package.name, branch.branch, scoped_id(package.name, branch.branch,
                                                                change.id),
                         change.name, row.branch)
    raise AssertionError("the seeded world has no pending bugfix for CentOS Stream")


@dataclass
class ActingWorld:
    root: Path
    settings: Settings
    world: World
    truth: Truth
    running: RunningSandbox
    forges: dict[str, Forge]
    store: Store
    writes: Counter[str]
    database: Path
    tokens: dict[str, str]

    def process_config(self, path: Path) -> Path:
        """What a bot process of its own needs to join this world (see act_process.py)."""
        path.write_text(json.dumps({
            "database": str(self.database), "urls": self.running.urls, "tokens": self.tokens,
            "work_root": str(self.root / "work"),
        }))
        return path


@asynccontextmanager
async def acting_world(tmp_path: Path, *, packages: int = 10, seed: int = 0
                       ) -> AsyncIterator[ActingWorld]:
    world = World(tmp_path / "world", clock=lambda: NOW)
    truth = seed_world(world, packages=packages, seed=seed, now=NOW)
    writes: Counter[str] = Counter()
    apps = {kind: counting(factory, writes, kind) for kind, factory in APPS.items()}
    faults = {kind: Faults(stall=0.2, retry_after=0.05) for kind in APPS}
    running = await start_sandbox(world, apps=apps, ports={}, faults=faults)
    settings = acting_settings(
        sandbox_settings(load_settings(ROOT / "config/sandbox.toml", environ={}), running.urls)
    )
    database = tmp_path / "bot.sqlite3"
    engine = open_engine(f"sqlite:///{database}")
    migrate(engine)
    tokens = {kind: world.users(kind)["upstream-bot"].token for kind in APPS}
    forges: dict[str, Forge] = {
        forge.name: build_forge(forge, token=tokens[str(forge.type)]) for forge in settings.forges
    }
    (tmp_path / "work").mkdir()
    try:
        yield ActingWorld(tmp_path, settings, world, truth, running, forges,
                          Store(session_factory(engine)), writes, database, tokens)
    finally:
        for adapter in forges.values():
            await adapter.close()
        await running.close()
        engine.dispose()


def at(days: float) -> datetime:
    """`days` after the first scan."""
    return SCANNED + timedelta(days=days)
