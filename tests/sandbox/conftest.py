"""Fixtures of the sandbox tests: a World, a loopback webhook receiver, and serving an app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.sandbox.world import World

Serve = Callable[[web.Application], Awaitable[str]]


class Ticker:
    """A clock that moves one second per reading."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path / "world", clock=Ticker())


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start apps on free loopback ports; returns each one's base URL."""
    servers: list[TestServer] = []

    async def start(app: web.Application) -> str:
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return str(server.make_url("")).rstrip("/")

    yield start
    for server in servers:
        await server.close()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook endpoint on loopback that records what it gets and answers `status`."""

    url: str = ""
    status: int = 202
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)


@pytest.fixture
async def receiver(serve: Serve) -> Receiver:
    found = Receiver()

    async def hook(request: web.Request) -> web.Response:
        found.received.append(Received(request.path, dict(request.headers), await request.read()))
        if found.delay:
            await asyncio.sleep(found.delay)
        return web.Response(status=found.status, text="ok")

    app = web.Application()
    app.router.add_post("/{tail:.*}", hook)
    found.url = await serve(app) + "/hooks"
    return found
