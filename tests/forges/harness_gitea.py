"""The contract suite's Gitea harness: the Gitea sandbox app on a loopback port, and
`GiteaForge` logged in as the bot."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.forges.calls import RetryPolicy
from bot.forges.gitea import GiteaForge
from bot.sandbox.faults import Faults
from bot.sandbox.gitea_api import build_app
from bot.sandbox.world import World
from tests.forges.harness import BOT, RETRY, Started, make_caller


@dataclass(slots=True)
class GiteaHarness:
    name: str = "gitea"
    namespace: str = "rpms"
    page_size: int = 3

    async def start(
        self, world: World, faults: Faults, *, timeout: float, policy: RetryPolicy = RETRY
    ) -> Started:
        runner = web.AppRunner(build_app(world, faults=faults))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        base_url = f"http://127.0.0.1:{port}"
        forge = GiteaForge(
            name=self.name,
            base_url=base_url,
            token=world.users(self.name)[BOT].token,
            caller=make_caller(self.name, timeout=timeout, policy=policy),
            page_size=self.page_size,
        )

        async def close() -> None:
            await forge.close()
            await runner.cleanup()

        return Started(forge, base_url, lambda: faults.requests, close)


HARNESS = GiteaHarness()
