"""The web application over a store filled by real scans of a small sandbox world (the
sandbox forges on loopback, the real adapters, SQLite), served on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiohttp.test_utils import TestServer

from bot.app import build_forge
from bot.domain.commands import COMMANDS
from bot.sandbox import gitea_api, github_api, gitlab_api, pagure_api
from bot.sandbox.faults import Faults
from bot.sandbox.seed import seed_world
from bot.sandbox.server import start_sandbox
from bot.sandbox.truth import Truth
from bot.sandbox.world import World
from bot.service.scan import scan_once
from bot.service.telemetry import Telemetry
from bot.settings import Settings
from bot.store import Store, migrate, open_engine, session_factory
from bot.web.app import build_web_app
from tests.sandbox.seeded import NOW

APPS = {
    "gitea": gitea_api.build_app,
    "gitlab": gitlab_api.build_app,
    "pagure": pagure_api.build_app,
    "github": github_api.build_app,
}
#: Scans a week apart, so the trend has more than one point.
SCANS = 3


@dataclass
class SandboxSite:
    url: str
    truth: Truth
    store: Store
    telemetry: Telemetry


@asynccontextmanager
async def sandbox_site(
    settings: Settings, root: Path, *, packages: int
) -> AsyncIterator[SandboxSite]:
    """Seed a world of ``packages``, scan it ``SCANS`` times through its forges, and serve
    the dashboard over the result."""
    world = World(root / "world", clock=lambda: NOW)
    truth = seed_world(world, packages=packages, seed=0, now=NOW)
    running = await start_sandbox(world, apps=APPS, ports={}, faults=Faults())
    engine = open_engine(f"sqlite:///{root / 'bot.sqlite3'}")
    migrate(engine)
    store = Store(session_factory(engine))
    telemetry = Telemetry()
    forges = {}
    try:
        for forge in settings.forges:
            kind = str(forge.type)
            token = world.users(kind)["upstream-bot"].token
            forges[forge.name] = build_forge(forge, url=running.urls[kind], token=token,
                                             observer=telemetry)
        for week in range(SCANS - 1, -1, -1):
            await scan_once(settings=settings, forges=forges, store=store,
                            now=NOW - timedelta(weeks=week))
        app = build_web_app(settings, store, telemetry=telemetry, clock=lambda: NOW,
                            commands=COMMANDS)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        try:
            yield SandboxSite(str(server.make_url("/")).rstrip("/"), truth, store, telemetry)
        finally:
            await server.close()
    finally:
        for adapter in forges.values():
            await adapter.close()
        await running.close()
        engine.dispose()
