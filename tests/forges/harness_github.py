"""Starts the GitHub sandbox on a free loopback port and the PyGithub adapter against it."""

from __future__ import annotations

from aiohttp import web

from bot.forges.calls import RetryPolicy
from bot.forges.github import GithubForge
from bot.sandbox.faults import Faults
from bot.sandbox.github_api import API_PREFIX, build_app
from bot.sandbox.world import World
from tests.forges.harness import BOT, RETRY, Started, make_caller


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve `app` on 127.0.0.1 at a free port; returns the runner and the root URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


class GithubHarness:
    name = "github"
    namespace = "upstream-projects"
    page_size = 3

    async def start(
        self, world: World, faults: Faults, *, timeout: float, policy: RetryPolicy = RETRY
    ) -> Started:
        runner, root = await serve(build_app(world, faults=faults))
        forge = GithubForge(
            name=self.name,
            base_url=f"{root}{API_PREFIX}",
            token=world.users(self.name)[BOT].token,
            caller=make_caller(self.name, timeout=timeout, policy=policy),
            page_size=self.page_size,
        )

        async def close() -> None:
            await forge.close()
            await runner.cleanup()

        return Started(forge, root, lambda: faults.requests, close)


HARNESS = GithubHarness()
