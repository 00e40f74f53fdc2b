"""A scan pass as its own process, for the kill-and-resume test: serves the saved sandbox
world in `argv[1]` (with latency, so a pass takes a while), scans it into the database at
`argv[2]`, prints `progress <done>/<total>` after each package and a JSON summary at the
end. Run as `python -m tests.service.scan_process WORLD DATABASE_URL`."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_forge
from bot.commands.opened import sandbox_settings
from bot.forges.base import Forge
from bot.sandbox.faults import Faults
from bot.sandbox.server import start_sandbox
from bot.sandbox.world import World
from bot.service.scan import ScanProgress, scan_once
from bot.settings import load_settings
from bot.store import Store, migrate, open_engine, session_factory
from tests.service.served import APPS, ROOT

LATENCY = 0.02


async def main(world_dir: Path, database: str) -> None:
    world = World.load(world_dir, clock=lambda: datetime.now(UTC))
    faults = {kind: Faults(latency=LATENCY) for kind in APPS}
    running = await start_sandbox(world, apps=APPS, ports={}, faults=faults)
    settings = sandbox_settings(load_settings(ROOT / "config/sandbox.toml", environ={}),
                                running.urls)
    engine = open_engine(database)
    migrate(engine)
    forges: dict[str, Forge] = {
        f.name: build_forge(f, token=world.users(str(f.type))["upstream-bot"].token)
        for f in settings.forges
    }

    def progress(step: ScanProgress) -> None:
        print(f"progress {step.done}/{step.total} {step.package}", flush=True)

    try:
        summary = await scan_once(
            settings=settings, forges=forges, store=Store(session_factory(engine)),
            now=datetime.now(UTC), progress=progress, workers=4,
        )
    finally:
        for adapter in forges.values():
            await adapter.close()
        await running.close()
        engine.dispose()
    print(json.dumps({
        "run": summary.run_id, "resumed": summary.resumed, "finished": summary.finished,
        "touched": summary.touched, "stale": summary.stale, "skipped": summary.skipped,
    }), flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
