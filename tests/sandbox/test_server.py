"""start_sandbox: one site per forge on loopback, factories given their knobs, clean stops."""

from __future__ import annotations

import socket

import aiohttp
import pytest
from aiohttp import web

from bot.sandbox.faults import Faults
from bot.sandbox.server import SandboxError, start_sandbox
from bot.sandbox.webhooks import WEBHOOKS, Hook, WebhookSender
from bot.sandbox.world import World


class Factory:
    """A tiny forge app that says who it is and remembers what it was built with."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[dict[str, object]] = []

    def __call__(self, world: World, **options: object) -> web.Application:
        self.calls.append({"world": world, **options})
        app = web.Application()

        async def hello(request: web.Request) -> web.Response:
            sender = request.app.get(WEBHOOKS)
            return web.json_response({"forge": self.name, "webhooks": sender is not None})

        app.router.add_get("/", hello)
        return app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _get(url: str) -> dict:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return await answer.json()


async def test_each_forge_gets_its_own_site_and_knobs(world: World):
    factories = {name: Factory(name) for name in ("gitea", "pagure")}
    knobs = {"gitea": Faults(latency=0.0), "pagure": Faults(error_rate=0.0)}
    port = _free_port()
    sender = WebhookSender([Hook("gitea", "http://127.0.0.1:9/hook", "s")])
    running = await start_sandbox(
        world,
        apps=factories,
        ports={"gitea": port},
        faults=knobs,
        page_caps={"pagure": 7},
        sender=sender,
    )
    try:
        assert running.urls["gitea"] == f"http://127.0.0.1:{port}"
        assert running.urls["pagure"].startswith("http://127.0.0.1:")
        for name in factories:
            assert await _get(running.urls[name] + "/") == {"forge": name, "webhooks": True}
        assert factories["gitea"].calls == [{"world": world, "faults": knobs["gitea"]}]
        assert factories["pagure"].calls == [
            {"world": world, "faults": knobs["pagure"], "page_cap": 7}
        ]
        assert running.faults == knobs
    finally:
        await running.close()
    with pytest.raises(aiohttp.ClientConnectionError):
        await _get(running.urls["gitea"] + "/")


async def test_one_faults_object_serves_every_forge(world: World):
    shared = Faults()
    factories = {name: Factory(name) for name in ("gitlab", "github")}
    running = await start_sandbox(world, apps=factories, ports={}, faults=shared)
    try:
        assert all(f.calls[0]["faults"] is shared for f in factories.values())
        assert all(f.calls[0].keys() == {"world", "faults"} for f in factories.values())
        assert (await _get(running.urls["github"] + "/"))["webhooks"] is False
    finally:
        await running.close()


async def test_a_taken_port_names_the_forge_and_stops_the_others(world: World):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        first = _free_port()
        factories = {"gitea": Factory("gitea"), "gitlab": Factory("gitlab")}
        with pytest.raises(SandboxError, match=f"gitlab: port {port} on 127.0.0.1 is in use"):
            await start_sandbox(
                world, apps=factories, ports={"gitea": first, "gitlab": port}, faults=Faults()
            )
    # gitea had started; it was stopped again, so its port is free
    with socket.socket() as again:
        again.bind(("127.0.0.1", first))
