"""The contract suite's GitLab harness: the GitLab sandbox server on a loopback port and the
python-gitlab adapter logged in as the bot."""

from __future__ import annotations

from aiohttp import web

from bot.forges.calls import RetryPolicy
from bot.forges.gitlab import GitlabForge
from bot.sandbox.faults import Faults
from bot.sandbox.gitlab_api import build_app
from bot.sandbox.world import World
from tests.forges.harness import BOT, RETRY, Started, make_caller


class GitlabHarness:
    name = "gitlab"
    namespace = "redhat/centos-stream/rpms"
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
        forge = GitlabForge(
            name=self.name,
            base_url=base_url,
            token=world.users(self.name)[BOT].token,
            caller=caller,
            page_size=self.page_size,
        )

        async def close() -> None:
            await forge.close()
            await runner.cleanup()

        return Started(forge, base_url, lambda: faults.requests, close)


HARNESS = GitlabHarness()
