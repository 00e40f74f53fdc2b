"""Starts the Pagure adapter against the sandbox Pagure for the contract suite."""

from __future__ import annotations

from aiohttp import web

from bot.forges.calls import RetryPolicy
from bot.forges.pagure import PagureForge
from bot.sandbox.faults import Faults
from bot.sandbox.pagure_api import build_app
from bot.sandbox.world import World
from tests.forges.harness import BOT, RETRY, Started, make_caller


class PagureHarness:
    name = "pagure"
    namespace = "rpms"
    page_size = 3

    async def start(
        self, world: World, faults: Faults, *, timeout: float, policy: RetryPolicy = RETRY
    ) -> Started:
        runner = web.AppRunner(build_app(world, faults=faults))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        base_url = f"http://127.0.0.1:{port}"
        caller = make_caller(self.name, timeout=timeout, policy=policy)
        forge = PagureForge(
            name=self.name,
            base_url=base_url,
            token=world.users(self.name)[BOT].token,
            username=BOT,
            caller=caller,
            page_size=self.page_size,
            default_branch="main",
        )

        async def close() -> None:
            await forge.close()
            await runner.cleanup()

        return Started(forge, base_url, lambda: faults.requests, close)


HARNESS = PagureHarness()
