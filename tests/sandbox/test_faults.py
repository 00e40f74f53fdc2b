"""fault_middleware's `only` knob: the listed paths misbehave, the others answer as usual."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from bot.sandbox.faults import Faults, fault_middleware


async def test_only_the_listed_paths_fail() -> None:
    faults = Faults(statuses=[503, 503], only=("rpms/bash",))

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text=request.path)

    app = web.Application(middlewares=[fault_middleware(faults)])
    app.router.add_get("/{tail:.*}", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as session:
            statuses = {}
            for path in ("/api/v1/repos/rpms/bash", "/api/v1/repos/rpms/zsh", "/rpms/bash.git"):
                async with session.get(f"http://127.0.0.1:{port}{path}") as answer:
                    statuses[path] = answer.status
    finally:
        await runner.cleanup()
    assert statuses == {
        "/api/v1/repos/rpms/bash": 503,
        "/api/v1/repos/rpms/zsh": 200,
        "/rpms/bash.git": 503,
    }
    assert (faults.requests, faults.injected, faults.statuses) == (2, 2, [])
