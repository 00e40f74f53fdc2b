"""A seeded sandbox world served on free loopback ports, with settings pointing at it, the
real forge adapters, and a fresh SQLite store: what the scanner's service tests run on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.app import build_forge
from bot.commands.opened import sandbox_settings
from bot.domain.change import scoped_id
from bot.forges.base import Forge
from bot.sandbox import gitea_api, github_api, gitlab_api, pagure_api
from bot.sandbox.faults import Faults
from bot.sandbox.seed import seed_world
from bot.sandbox.server import RunningSandbox, start_sandbox
from bot.sandbox.truth import Truth
from bot.sandbox.world import World
from bot.settings import Settings, load_settings
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.records import TargetState
from tests.sandbox.seeded import NOW

ROOT = Path(__file__).resolve().parents[2]
APPS = {
    "gitea": gitea_api.build_app,
    "gitlab": gitlab_api.build_app,
    "pagure": pagure_api.build_app,
    "github": github_api.build_app,
}


@dataclass
class Served:
    settings: Settings
    world: World
    truth: Truth
    running: RunningSandbox
    forges: dict[str, Forge]
    store: Store

    def faults(self, kind: str) -> Faults:
        """The knobs of the forge of this type ("gitlab"), changeable while it serves."""
        return self.running.faults[kind]

    def disagreements(
        self, packages: set[str] | None = None, *, besides: set[tuple[str, str]] = frozenset()
    ) -> list[str]:
        """Truth rows (of `packages`, or all; not the (change id, target) pairs `besides`, which
        a test changed) whose stored status is missing or differs."""
        wrong = []
        for package, branch, change, row in self.truth.rows():
            key = scoped_id(package.name, branch.branch, change.id)
            if (packages is not None and package.name not in packages) or (
                (key, str(row.target)) in besides
            ):
                continue
            state = self.store.get_target_status(key, row.target)
            if state is None or state.status is not row.status:
                found = "missing" if state is None else f"{state.status}: {state.reason}"
                wrong.append(f"{package.name} {branch.branch} {change.name} {row.target}: "
                             f"truth {row.status}, stored {found}")
        return wrong

    def states(self, packages: set[str]) -> dict[tuple[str, str], TargetState]:
        """Every stored (change, target) state of `packages`, as the truth lists them."""
        found = {}
        for package, branch, change, row in self.truth.rows():
            if package.name in packages:
                key = scoped_id(package.name, branch.branch, change.id)
                state = self.store.get_target_status(key, row.target)
                if state is not None:
                    found[(key, str(row.target))] = state
        return found


@asynccontextmanager
async def served_world(tmp_path: Path, *, packages: int, seed: int = 0) -> AsyncIterator[Served]:
    """Seed a world of `packages`, serve it, and connect to it as the bot (one Faults per
    forge type, all quiet at first)."""
    world = World(tmp_path / "world", clock=lambda: NOW)
    truth = seed_world(world, packages=packages, seed=seed, now=NOW)
    faults = {kind: Faults(stall=0.2, retry_after=0.05) for kind in APPS}
    running = await start_sandbox(world, apps=APPS, ports={}, faults=faults)
    settings = sandbox_settings(load_settings(ROOT / "config/sandbox.toml", environ={}),
                                running.urls)
    engine = open_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    migrate(engine)
    forges: dict[str, Forge] = {}
    for forge in settings.forges:
        kind = str(forge.type)
        forges[forge.name] = build_forge(forge, token=world.users(kind)["upstream-bot"].token)
    try:
        yield Served(settings, world, truth, running, forges, Store(session_factory(engine)))
    finally:
        for adapter in forges.values():
            await adapter.close()
        await running.close()
        engine.dispose()
