"""The demo's second half: the bot served on the sandbox as `upstream-bot serve` runs it in
production (dashboard, webhooks from the sandbox forges, inbox workers, the scheduled jobs),
until Ctrl-C. Digests go to an outbox folder beside the world instead of an SMTP server."""

from __future__ import annotations

import secrets
import sys
from dataclasses import replace
from pathlib import Path, PurePosixPath

from bot.commands.opened import SANDBOX_BOT, sandbox_settings
from bot.notify.outbox import OutboxMailer
from bot.runtime import CannotListen, Replica, ServeOptions, serve
from bot.sandbox.server import RunningSandbox
from bot.sandbox.webhooks import Hook
from bot.sandbox.world import World
from bot.service.leader import LeadershipError
from bot.service.logs import configure_logging
from bot.settings import Secret, Settings

OUTBOX = "outbox"


def demo_settings(settings: Settings, running: RunningSandbox, database: Path) -> Settings:
    """`settings` on the served sandbox: its forges where the sandbox runs them, each forge
    type with a fresh webhook secret, and the demo's own database."""
    moved = sandbox_settings(settings, running.urls)
    hooks = {kind: secrets.token_hex(16) for kind in running.urls}
    forges = tuple(
        replace(forge, webhook_secret=Secret(hooks[str(forge.type)], env="demo"))
        for forge in moved.forges
    )
    store = replace(moved.database, url=Secret(f"sqlite:///{database}", env="demo"),
                    state_dir=PurePosixPath(database.parent))
    return replace(moved, forges=forges, database=store)


async def serve_sandbox(settings: Settings, world: World, running: RunningSandbox,
                        database: Path) -> int:
    """Serve the bot on the sandbox until SIGINT/SIGTERM; the exit status."""
    served = demo_settings(settings, running, database)
    tokens = {f.name: world.users(str(f.type))[SANDBOX_BOT].token for f in served.forges}
    secret_of = {str(f.type): f.webhook_secret for f in served.forges}
    outbox = world.root / OUTBOX

    def ready(replica: Replica) -> None:
        assert replica.url is not None and running.sender is not None
        for kind in running.urls:
            secret = secret_of.get(kind)
            if secret is not None:
                running.sender.hooks.append(
                    Hook(kind, f"{replica.url}webhooks/{kind}", secret.reveal())
                )
        print(f"\nthe bot serves the sandbox now, as `upstream-bot serve` would:\n"
              f"  dashboard  {replica.url}\n"
              f"  webhooks   every sandbox forge delivers to {replica.url}webhooks/<forge>\n"
              f"  digests    written to {outbox}\n"
              "  jobs       scan, act (reminders, merge requests), digest, comment poll\n"
              "Stop with Ctrl-C.", flush=True)

    # the console stays readable: only warnings and errors, as JSON lines
    configure_logging("WARNING")
    try:
        report = await serve(served, ServeOptions(tokens=tokens),
                             mailer=lambda: OutboxMailer(outbox), on_ready=ready)
    except (LeadershipError, CannotListen) as error:
        print(f"upstream-bot demo: {error}", file=sys.stderr)
        return 2
    print(f"stopped ({report.reason})", flush=True)
    return 0
