"""What a one-shot command opens: the settings and the migrated store, and the forges'
adapters — over a sandbox world saved on disk and served on free ports when the command is
given `--sandbox-dir`, so `scan`, `act` and `submit` can run against a demo world."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime

from bot.app import build_forge
from bot.commands.migrate import prepare_sqlite_directory
from bot.forges.base import Forge
from bot.sandbox import gitea_api, github_api, gitlab_api, pagure_api
from bot.sandbox.faults import Faults
from bot.sandbox.server import start_sandbox
from bot.sandbox.world import World
from bot.settings import Settings, load_settings, resolve_config_path
from bot.store import Store, migrate, open_engine, session_factory

#: the sandbox's servers by forge type
SANDBOX_APPS = {
    "gitea": gitea_api.build_app,
    "gitlab": gitlab_api.build_app,
    "pagure": pagure_api.build_app,
    "github": github_api.build_app,
}
#: the sandbox account the bot acts as
SANDBOX_BOT = "upstream-bot"


def open_store(args: argparse.Namespace) -> tuple[Settings, Store]:
    """The settings (`--config`, else $UPSTREAM_BOT_CONFIG, else the sandbox's) and their
    store, migrated to head."""
    path = resolve_config_path(str(args.config) if args.config else None, os.environ)
    settings = load_settings(path, environ=os.environ)
    url = settings.database.url.reveal()
    prepare_sqlite_directory(url)
    engine = open_engine(url)
    migrate(engine)
    return settings, Store(session_factory(engine))


def sandbox_settings(settings: Settings, urls: Mapping[str, str]) -> Settings:
    """`settings` with each forge moved to where the sandbox serves its type (`urls`: forge
    type → root URL), so the URLs the sandbox hands out map back to the configured forges."""
    forges = []
    for forge in settings.forges:
        root = urls[str(forge.type)]
        api = forge.api_url.replace(forge.url.rstrip("/"), root, 1)
        forges.append(replace(forge, url=root, api_url=api))
    return replace(settings, forges=tuple(forges))


@asynccontextmanager
async def connected(
    args: argparse.Namespace, settings: Settings, *, save_world: bool = False
) -> AsyncIterator[tuple[Settings, dict[str, Forge]]]:
    """The forges' adapters; with `args.sandbox_dir`, over that world served on free ports
    (and saved afterwards when `save_world`: a command that writes to the forges)."""
    tokens: dict[str, str] = {}
    running = world = None
    if args.sandbox_dir is not None:
        world = await asyncio.to_thread(
            World.load, args.sandbox_dir, clock=lambda: datetime.now(UTC)
        )
        running = await start_sandbox(world, apps=SANDBOX_APPS, ports={}, faults=Faults())
        settings = sandbox_settings(settings, running.urls)
        tokens = {kind: world.users(kind)[SANDBOX_BOT].token for kind in running.urls}
    forges: dict[str, Forge] = {}
    try:
        for forge in settings.forges:
            forges[forge.name] = build_forge(forge, token=tokens.get(str(forge.type)))
        yield settings, forges
    finally:
        for adapter in forges.values():
            await adapter.close()
        if running is not None:
            await running.close()
        if world is not None and save_world:
            await asyncio.to_thread(world.save)
