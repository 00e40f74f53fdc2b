"""Starts the sandbox forges over one World: one aiohttp site per forge on a loopback port,
each app built by the factory it is given, all sharing one webhook sender."""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web

from bot.sandbox.faults import Faults
from bot.sandbox.webhooks import WEBHOOKS, WebhookSender
from bot.sandbox.world import World

log = logging.getLogger(__name__)

#: a sandbox API module's `build_app(world, *, faults, page_cap) -> web.Application`
AppFactory = Callable[..., web.Application]


class SandboxError(RuntimeError):
    """A sandbox forge could not start; the message names the forge, the port and what to do."""


@dataclass(slots=True)
class RunningSandbox:
    """The started forges: `urls` maps each forge to its base URL, e.g. "http://127.0.0.1:3000"."""

    urls: dict[str, str]
    faults: dict[str, Faults]
    sender: WebhookSender | None = None
    _runners: list[web.AppRunner] = field(default_factory=list)

    async def close(self) -> None:
        """Deliver what is queued, then stop every site."""
        if self.sender is not None:
            await self.sender.drain()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()


async def start_sandbox(
    world: World,
    *,
    apps: Mapping[str, AppFactory],
    ports: Mapping[str, int],
    faults: Faults | Mapping[str, Faults],
    host: str = "127.0.0.1",
    page_caps: Mapping[str, int] | None = None,
    sender: WebhookSender | None = None,
) -> RunningSandbox:
    """Build and start each forge's app on `host`:`ports[forge]` (0, or a forge missing from
    `ports`: any free port).

    `faults` is one set of knobs for every forge or one per forge; `page_caps` overrides a
    factory's own page size cap; `sender` is put where apps and git routes look for it
    (`webhooks.WEBHOOKS`). Raises SandboxError when a port cannot be had, after stopping
    the forges already started.
    """
    running = RunningSandbox({}, {}, sender)
    try:
        for forge, factory in apps.items():
            knobs = faults if isinstance(faults, Faults) else faults.get(forge, Faults())
            options: dict[str, object] = {"faults": knobs}
            if page_caps and forge in page_caps:
                options["page_cap"] = page_caps[forge]
            app = factory(world, **options)
            if sender is not None:
                app[WEBHOOKS] = sender
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            running._runners.append(runner)
            port = await _listen(runner, forge, host, ports.get(forge, 0))
            running.urls[forge] = f"http://{host}:{port}"
            running.faults[forge] = knobs
    except BaseException:
        await running.close()
        raise
    log.info("sandbox forges started", extra={"urls": running.urls})
    return running


async def _listen(runner: web.AppRunner, forge: str, host: str, port: int) -> int:
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise SandboxError(
                f"{forge}: port {port} on {host} is in use; stop what listens there, "
                "or give this forge another port in the settings' forge url"
            ) from None
        raise SandboxError(f"{forge}: cannot listen on {host}:{port} ({error.strerror})") from None
    return int(runner.addresses[-1][1])
