"""The web application over a seeded SQLite store, served on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Engine

from bot.domain.commands import COMMANDS
from bot.service.telemetry import Telemetry
from bot.settings import Settings, load_settings
from bot.store import Store, migrate, open_engine, session_factory
from bot.web.app import build_web_app
from tests.fakes.dashboard import NOW, Seeded, seed_dashboard

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Site:
    client: TestClient
    store: Store
    seeded: Seeded
    telemetry: Telemetry


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(ROOT / "config/sandbox.toml", environ={})


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'web.sqlite3'}")
    migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()


async def serve(settings: Settings, engine: Engine, *, hostile: bool) -> AsyncIterator[Site]:
    store = Store(session_factory(engine))
    seeded = seed_dashboard(store, engine, hostile=hostile)
    telemetry = Telemetry()
    app = build_web_app(settings, store, telemetry=telemetry, clock=lambda: NOW,
                        commands=COMMANDS)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield Site(client, store, seeded, telemetry)
    finally:
        await client.close()


@pytest.fixture
async def site(settings: Settings, engine: Engine) -> AsyncIterator[Site]:
    async for running in serve(settings, engine, hostile=False):
        yield running


@pytest.fixture
async def hostile_site(settings: Settings, engine: Engine) -> AsyncIterator[Site]:
    async for running in serve(settings, engine, hostile=True):
        yield running
